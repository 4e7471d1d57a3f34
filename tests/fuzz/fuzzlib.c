/*
 * Helpers for the fuzz targets (fuzz.h): failing loudly, NUL-terminated
 * copies, and files for the loaders, which take a path and not a buffer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#define FUZZ_MAX_FILES	8

static char	 fuzz_dir[PATH_MAX];
static char	*fuzz_files[FUZZ_MAX_FILES];
static size_t	 fuzz_nfiles;
static pid_t	 fuzz_dir_owner;

void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
	abort();
}

char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL) {
		perror("fuzz_strndup");
		exit(99);
	}
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Only the process that made the directory removes it: the standalone
 * driver runs each input in a child, and a child's exit() must not take
 * the directory away from its siblings.
 */
static void
fuzz_dir_remove(void)
{
	size_t	i;

	if (fuzz_dir[0] == '\0' || getpid() != fuzz_dir_owner)
		return;
	for (i = 0; i < fuzz_nfiles; i++) {
		(void)unlink(fuzz_files[i]);
		free(fuzz_files[i]);
	}
	fuzz_nfiles = 0;
	(void)rmdir(fuzz_dir);
	fuzz_dir[0] = '\0';
}

static void
fuzz_dir_make(void)
{
	const char	*tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	if ((size_t)snprintf(fuzz_dir, sizeof(fuzz_dir),
	    "%s/fcgi-authz-fuzz.XXXXXX", tmp) >= sizeof(fuzz_dir) ||
	    mkdtemp(fuzz_dir) == NULL) {
		perror("fuzz: mkdtemp");
		exit(99);
	}
	fuzz_dir_owner = getpid();
	atexit(fuzz_dir_remove);
}

/* The path of name in the directory, remembered for the cleanup. */
static const char *
fuzz_path(const char *name)
{
	static char	 path[PATH_MAX];
	size_t		 i;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", fuzz_dir, name) >=
	    sizeof(path)) {
		fprintf(stderr, "fuzz: path too long\n");
		exit(99);
	}
	for (i = 0; i < fuzz_nfiles; i++)
		if (strcmp(fuzz_files[i], path) == 0)
			return path;
	if (fuzz_nfiles == FUZZ_MAX_FILES ||
	    (fuzz_files[fuzz_nfiles] = strdup(path)) == NULL) {
		fprintf(stderr, "fuzz: too many files\n");
		exit(99);
	}
	fuzz_nfiles++;
	return path;
}

const char *
fuzz_write_file(const char *name, const void *data, size_t size)
{
	const char	*path, *p = data;
	ssize_t		 n;
	int		 fd;

	if (fuzz_dir[0] == '\0')
		fuzz_dir_make();
	path = fuzz_path(name);
	/*
	 * A new file each time rather than O_TRUNC: ext4 flushes a file
	 * truncated and written again on close (auto_da_alloc), which made
	 * every input wait for the disk.
	 */
	if ((unlink(path) == -1 && errno != ENOENT) ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		perror(path);
		exit(99);
	}
	while (size > 0) {
		if ((n = write(fd, p, size)) == -1) {
			if (errno == EINTR)
				continue;
			perror(path);
			exit(99);
		}
		p += n;
		size -= (size_t)n;
	}
	if (close(fd) == -1) {
		perror(path);
		exit(99);
	}
	return path;
}

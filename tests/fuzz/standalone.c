/*
 * A main() for a fuzz target without libFuzzer: runs its
 * LLVMFuzzerTestOneInput() once on each input, so that "make check"
 * replays the seed corpus and every past crash in any build (gcc, with
 * or without the sanitizers).  tests/fuzz.sh runs it.
 *
 * usage: replay-TARGET FILE|DIR...
 * A directory stands for its regular files, in name order, dot files
 * left out; a missing argument is skipped (a target may have no
 * regression inputs yet).  Each input
 * runs in a child process, so that a crash or a leak report (LSan exits
 * non-zero) fails that input alone.  Prints "ok N - FILE" or
 * "not ok N - FILE (why)" per input and "N passed, M failed" last; exits
 * 0 only when every input passed and there was at least one.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

/* Defined by the targets that need one; NULL otherwise. */
#pragma weak LLVMFuzzerInitialize

static int	standalone_passed, standalone_failed;

/* Reads the whole file into a malloc'd buffer of exactly its size. */
static int
read_input(const char *path, uint8_t **bufp, size_t *sizep)
{
	struct stat	 st;
	uint8_t		*buf = NULL;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		goto done;
	/* malloc(0) may be NULL; libFuzzer passes a valid pointer. */
	if ((buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL)
		goto done;
	while (off < (size_t)st.st_size) {
		if ((n = read(fd, buf + off, (size_t)st.st_size - off)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			goto done;
		}
		off += (size_t)n;
	}
	*bufp = buf;
	*sizep = off;
	buf = NULL;
	rc = 0;
done:
	free(buf);
	close(fd);
	return rc;
}

/* The child: one input, then exit() so that LeakSanitizer has its say. */
static void
run_child(const char *path)
{
	uint8_t	*buf;
	size_t	 size;

	if (read_input(path, &buf, &size) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(2);
	}
	(void)LLVMFuzzerTestOneInput(buf, size);
	free(buf);
	exit(0);
}

static void
run_one(const char *path)
{
	pid_t	pid;
	int	status, n = standalone_passed + standalone_failed + 1;

	fflush(stdout);
	if ((pid = fork()) == -1) {
		perror("fork");
		exit(99);
	}
	if (pid == 0)
		run_child(path);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			perror("waitpid");
			exit(99);
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok %d - %s\n", n, path);
		standalone_passed++;
	} else if (WIFSIGNALED(status)) {
		printf("not ok %d - %s (signal %d)\n", n, path,
		    WTERMSIG(status));
		standalone_failed++;
	} else {
		printf("not ok %d - %s (exit %d)\n", n, path,
		    WEXITSTATUS(status));
		standalone_failed++;
	}
}

static int
is_visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void
run_dir(const char *dir)
{
	struct dirent	**names;
	struct stat	  st;
	char		 *path;
	int		  n, i;

	if ((n = scandir(dir, &names, is_visible, alphasort)) == -1) {
		printf("not ok %d - %s (%s)\n", standalone_passed +
		    standalone_failed + 1, dir, strerror(errno));
		standalone_failed++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (asprintf(&path, "%s/%s", dir, names[i]->d_name) == -1) {
			perror("asprintf");
			exit(99);
		}
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			run_one(path);
		free(path);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char *argv[])
{
	struct stat	st;
	int		i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			if (errno != ENOENT)
				run_one(argv[i]);	/* fails, saying why */
			continue;
		}
		if (S_ISDIR(st.st_mode))
			run_dir(argv[i]);
		else
			run_one(argv[i]);
	}
	printf("%d passed, %d failed\n", standalone_passed, standalone_failed);
	return standalone_failed == 0 && standalone_passed > 0 ? 0 : 1;
}

/*
 * Process and thread setup that both programs share (proc.h).
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/syscall.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <sodium.h>

#include "proc.h"

void
proc_sanitize_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

void
proc_print_version(FILE *fp, const char *prog)
{
	fprintf(fp, "%s (%s) %s\nlibsodium %s\n", prog, PACKAGE_NAME,
	    PACKAGE_VERSION, sodium_version_string());
}

int
proc_thread_nice(int nice)
{
	return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

/*
 * Process setup that fcgi-authzd and fcgi-authz share (proc.h).
 */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

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

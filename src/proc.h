/*
 * Process setup that fcgi-authzd and fcgi-authz share.
 */
#ifndef AUTHZ_PROC_H
#define AUTHZ_PROC_H

/*
 * Opens /dev/null on whichever of fds 0-2 is closed, so that a file the
 * program opens later never lands on one of them (and is written to as
 * standard output).  Call it first in main(), before any thread exists.
 */
void	proc_sanitize_fds(void);

#endif

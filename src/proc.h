/*
 * Process and thread setup that fcgi-authzd and fcgi-authz share: the
 * standard descriptors, the --version text, a thread's nice value.
 */
#ifndef AUTHZ_PROC_H
#define AUTHZ_PROC_H

#include <stdio.h>

/*
 * Opens /dev/null on whichever of fds 0-2 is closed, so that a file the
 * program opens later never lands on one of them (and is written to as
 * standard output).  Call it first in main(), before any thread exists.
 */
void	proc_sanitize_fds(void);

/*
 * --version: "PROG (PACKAGE) VERSION", then the libsodium version in use,
 * on fp.  The caller exits.
 */
void	proc_print_version(FILE *fp, const char *prog);

/*
 * Sets the nice value of the calling thread only: under NPTL threads do
 * not share one (pthreads(7)), and threads this one starts later inherit
 * it.  For work that may wait while requests are answered (reloads,
 * hashing).  Returns 0, or -1 with errno set (setpriority(2)).
 */
int	proc_thread_nice(int nice);

/*
 * Names the calling thread (at most 15 bytes are kept), as ps -L, top -H
 * and /proc/PID/task/TID/comm show it: which of the daemon's threads
 * takes the CPU is then plain to see.
 */
void	proc_thread_name(const char *name);

/*
 * Raises the soft limit on open files towards want, as far as the hard
 * limit allows (no privilege needed).  Returns the soft limit now.
 */
unsigned long	proc_raise_nofile(unsigned long want);

#endif

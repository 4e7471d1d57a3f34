/*
 * Process setup that fcgi-authzd and fcgi-authz share.
 */
#ifndef AUTHZ_PROC_H
#define AUTHZ_PROC_H

/* fds 0-2 must exist, so that a later open(2) never lands on them. */
void	authzd_sanitize_fds(void);

#endif

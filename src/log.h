/*
 * Logging: stderr (with a timestamp, one write per line) or syslog.  The
 * decision line has stable keys for people and fail2ban; it never holds
 * a password, hash, token or Authorization value.
 */
#ifndef AUTHZ_LOG_H
#define AUTHZ_LOG_H

#include "authz.h"

void	log_init(int to_syslog, const char *ident);
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line: decision= status= reason= user= addr= method= path= rule= */
void	log_decision(const struct authz_verdict *);
/* Formats the decision line (without newline) into buf. */
void	log_format_decision(const struct authz_verdict *, char *buf,
	    size_t bufsz);

#endif

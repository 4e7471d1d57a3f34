/*
 * Secrets (passwords, tokens) read from the terminal with echo off or
 * from standard input, held in a locked buffer (best effort), checked
 * as the daemon will see them, and wiped on every path.  Passwords never
 * come from argv.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"
#include "defaults.h"
#include "text.h"

/* The signal that interrupted a prompt, delivered again once the
 * terminal has its echo back. */
static volatile sig_atomic_t ctl_secret_signo;

/* Zeroed, and locked in RAM when the limit allows: never swapped out. */
void
ctl_secret_init(struct ctl_secret *sec)
{
	memset(sec, 0, sizeof(*sec));
	/* Best effort: RLIMIT_MEMLOCK may be tiny. */
	sec->sc_locked = sodium_mlock(sec, sizeof(*sec)) == 0;
}

/* Zeroes and unlocks sec; it can be initialized again. */
void
ctl_secret_wipe(struct ctl_secret *sec)
{
	int locked = sec->sc_locked;

	sodium_memzero(sec, sizeof(*sec));
	if (locked)
		(void)sodium_munlock(sec, sizeof(*sec));
}

static void
ctl_secret_on_signal(int signo)
{
	ctl_secret_signo = signo;
}

/*
 * Reads one line from fd into sec, a byte at a time so that no copy of
 * the secret stays in a stdio buffer and nothing after the line is
 * consumed.  Strips one "\n" or "\r\n".  At most max bytes are kept
 * (one more is read to tell "too long").  Returns 0, 1 at end of file
 * before any byte, or -1 with *errstr.
 */
static int
ctl_secret_read_line(int fd, struct ctl_secret *sec, size_t max,
    const char **errstr)
{
	char	ch;
	ssize_t	n;
	size_t	len = 0;
	int	any = 0;

	for (;;) {
		n = read(fd, &ch, 1);
		if (n == -1 && errno == EINTR && ctl_secret_signo == 0)
			continue;
		if (n == -1) {
			*errstr = ctl_secret_signo != 0 ? "interrupted" :
			    strerror(errno);
			return -1;
		}
		if (n == 0 || ch == '\n') {
			any |= n != 0;
			break;
		}
		any = 1;
		if (len > max) {
			/* max + CR + one more: too long whatever follows. */
			ch = '\0';
			sec->sc_len = len;
			return 0;
		}
		sec->sc_buf[len++] = ch;
	}
	ch = '\0';
	if (len > 0 && sec->sc_buf[len - 1] == '\r')
		len--;
	sec->sc_buf[len] = '\0';
	sec->sc_len = len;
	return any ? 0 : 1;
}

/*
 * Checks a secret as the daemon will see it: not empty, within max
 * bytes, no NUL, no control characters, valid UTF-8 (a password the
 * Basic parser refuses could never log in).  Prints why not.  0 or -1.
 */
static int
ctl_secret_check(const struct ctl_secret *sec, size_t max, const char *what)
{
	if (sec->sc_len == 0) {
		ctl_warnx("the %s is empty", what);
		return -1;
	}
	if (sec->sc_len > max) {
		ctl_warnx("the %s is longer than %zu bytes", what, max);
		return -1;
	}
	if (memchr(sec->sc_buf, '\0', sec->sc_len) != NULL) {
		ctl_warnx("the %s contains a NUL byte", what);
		return -1;
	}
	if (!text_is_clean_utf8(sec->sc_buf, sec->sc_len)) {
		ctl_warnx("the %s contains control characters or is not "
		    "valid UTF-8", what);
		return -1;
	}
	return 0;
}

/*
 * Reads one line of standard input into sec and checks it: the
 * --password-stdin and --token-stdin way.  Prints why it failed.  0 or -1.
 */
int
ctl_secret_from_stdin(struct ctl_secret *sec, size_t max, const char *what)
{
	const char *errstr = NULL;

	switch (ctl_secret_read_line(STDIN_FILENO, sec, max, &errstr)) {
	case 0:
		break;
	case 1:
		ctl_warnx("no %s on standard input", what);
		return -1;
	default:
		ctl_warnx("standard input: %s", errstr);
		return -1;
	}
	return ctl_secret_check(sec, max, what);
}

static void
ctl_secret_tty_write(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) == -1)
		return;	/* the read that follows fails or works anyway */
}

/*
 * Asks on /dev/tty with echo off.  A signal while echo is off restores
 * the terminal first, then takes its usual effect.  0 or -1 (printed).
 */
static int
ctl_secret_ask_tty(const char *prompt, struct ctl_secret *sec)
{
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
	    SIGTSTP, SIGTTIN, SIGTTOU };
	struct sigaction	 sa, saved[sizeof(sigs) / sizeof(sigs[0])];
	struct termios		 old, noecho;
	const char		*errstr = NULL;
	size_t			 i;
	int			 fd, rc = -1, signo;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1) {
		ctl_warnx("cannot open /dev/tty: %s", strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &old) == -1) {
		ctl_warnx("/dev/tty: %s", strerror(errno));
		close(fd);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	/* No SA_RESTART: read() returns. */
	sa.sa_handler = ctl_secret_on_signal;
	sigemptyset(&sa.sa_mask);
	ctl_secret_signo = 0;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, &saved[i]);
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	ctl_secret_tty_write(fd, prompt);
	if (tcsetattr(fd, TCSAFLUSH, &noecho) == -1) {
		errstr = strerror(errno);
	} else {
		switch (ctl_secret_read_line(fd, sec, AUTHZ_PASSWORD_MAX,
		    &errstr)) {
		case 0:
			rc = 0;
			break;
		case 1:
			errstr = "end of file";
			break;
		default:
			break;
		}
		(void)tcsetattr(fd, TCSAFLUSH, &old);
		ctl_secret_tty_write(fd, "\n");
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &saved[i], NULL);
	close(fd);
	if ((signo = ctl_secret_signo) != 0) {
		ctl_secret_signo = 0;
		sodium_memzero(sec->sc_buf, sizeof(sec->sc_buf));
		(void)kill(getpid(), signo);
		rc = -1;	/* still here: stopped, then continued */
		errstr = "interrupted";
	}
	if (rc == -1)
		ctl_warnx("cannot read the password from the terminal: %s",
		    errstr != NULL ? errstr : "failed");
	return rc;
}

/*
 * Gets a password into pw: one line of standard input with from_stdin,
 * else asked on the terminal (twice when confirm is set: a new password).
 * Prints why it failed.  0 or -1; the caller wipes pw either way.
 */
int
ctl_secret_password(int from_stdin, int confirm, const char *prompt,
    struct ctl_secret *pw)
{
	struct ctl_secret	 again;
	int			 rc = -1;

	if (from_stdin)
		return ctl_secret_from_stdin(pw, AUTHZ_PASSWORD_MAX,
		    "password");
	if (ctl_secret_ask_tty(prompt, pw) == -1 ||
	    ctl_secret_check(pw, AUTHZ_PASSWORD_MAX, "password") == -1)
		return -1;
	if (!confirm)
		return 0;
	ctl_secret_init(&again);
	if (ctl_secret_ask_tty("Again: ", &again) == -1)
		goto done;
	if (again.sc_len != pw->sc_len ||
	    sodium_memcmp(again.sc_buf, pw->sc_buf, pw->sc_len) != 0) {
		ctl_warnx("the passwords do not match");
		goto done;
	}
	rc = 0;
done:
	ctl_secret_wipe(&again);
	return rc;
}

/*
 * Passwords are asked only when there is a terminal to ask on: scripts
 * must say --password-stdin.  Called before anything is loaded.
 */
void
ctl_secret_need_source(const char *cmd, int from_stdin)
{
	if (!from_stdin && !isatty(STDIN_FILENO))
		ctl_usage_error("%s: standard input is not a terminal: give "
		    "the password on it with --password-stdin", cmd);
}

/*
 * What is pasted from elsewhere (a hash, the lines of a file) is read
 * from a file or a pipe, not typed on a terminal, where it would show
 * and no prompt says what is awaited.  Exits with a usage error if
 * standard input is a terminal; called before anything is loaded.
 */
void
ctl_secret_need_pipe(const char *cmd, const char *what)
{
	if (isatty(STDIN_FILENO))
		ctl_usage_error("%s: standard input is a terminal: give the "
		    "%s through a file or a pipe", cmd, what);
}

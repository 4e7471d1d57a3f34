/*
 * Fuzz target: fcgiscan_request() on the bytes a connection sent.
 *
 * Properties (fcgiscan.h):
 *   - MORE names a need past what it was given, within the byte cap;
 *   - READY names a length within what it was given; those bytes alone
 *     are READY again, with the same length, request id and flag, and one
 *     byte fewer is not READY;
 *   - REFUSE says why;
 *   - a verdict never changes with more bytes once it is READY or
 *     REFUSE: the verdict on every prefix agrees with the whole input's
 *     (a READY or REFUSE prefix gives the same verdict on the whole, and
 *     a READY whole has only MORE prefixes before its length).
 * libfcgi's own verdicts are checked on built wires in
 * tests/check_fcgiscan.c, not here: libfcgi 2.4.2 aborts on some params
 * (docs/security.md, Hostile FastCGI input), which a fuzzer would report.
 */
#include "config.h"

#include <string.h>

#include "fcgiscan.h"
#include "fuzz.h"

static void
check_alone(const uint8_t *data, size_t size, const struct fcgiscan *fs)
{
	struct fcgiscan again;

	switch (fs->fs_verdict) {
	case FCGISCAN_MORE:
		FUZZ_ASSERT(fs->fs_need > size);
		FUZZ_ASSERT(fs->fs_need <= FCGISCAN_BYTES_MAX);
		break;
	case FCGISCAN_READY:
		FUZZ_ASSERT(fs->fs_len > 0 && fs->fs_len <= size);
		fcgiscan_request(data, fs->fs_len, &again);
		FUZZ_ASSERT(again.fs_verdict == FCGISCAN_READY);
		FUZZ_ASSERT(again.fs_len == fs->fs_len);
		FUZZ_ASSERT(again.fs_request_id == fs->fs_request_id);
		FUZZ_ASSERT(again.fs_keep_conn == fs->fs_keep_conn);
		fcgiscan_request(data, fs->fs_len - 1, &again);
		FUZZ_ASSERT(again.fs_verdict != FCGISCAN_READY);
		break;
	case FCGISCAN_REFUSE:
		FUZZ_ASSERT(fs->fs_why != NULL);
		break;
	default:
		FUZZ_ASSERT(!"a verdict fcgiscan.h does not name");
	}
}

/* A prefix's verdict, against the whole input's. */
static void
check_prefix(const uint8_t *data, size_t cut, const struct fcgiscan *whole)
{
	struct fcgiscan p;

	fcgiscan_request(data, cut, &p);
	if (p.fs_verdict == FCGISCAN_READY) {
		FUZZ_ASSERT(whole->fs_verdict == FCGISCAN_READY);
		FUZZ_ASSERT(whole->fs_len == p.fs_len);
	} else if (p.fs_verdict == FCGISCAN_REFUSE)
		FUZZ_ASSERT(whole->fs_verdict == FCGISCAN_REFUSE);
	else if (whole->fs_verdict == FCGISCAN_READY)
		FUZZ_ASSERT(cut < whole->fs_len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fcgiscan	fs;
	size_t		cut, step;

	fcgiscan_request(data, size, &fs);
	check_alone(data, size, &fs);
	/* A few dozen prefixes, each record boundary likely among them. */
	step = size / 32 + 1;
	for (cut = 0; cut < size; cut += step)
		check_prefix(data, cut, &fs);
	for (cut = 0; cut < size && cut < 64; cut++)
		check_prefix(data, cut, &fs);
	return 0;
}

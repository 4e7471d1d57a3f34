/*
 * What the fuzz targets share.  Each tests/fuzz/fuzz_<name>.c defines
 * LLVMFuzzerTestOneInput() (and LLVMFuzzerInitialize() when it needs
 * one), and is linked either with libFuzzer (configure --enable-fuzzers,
 * scripts/fuzz) or with tests/fuzz/standalone.c, which replays the seed
 * corpus and the regression inputs in "make check".
 *
 * A target checks properties, not only "no crash": a violated one calls
 * fuzz_fail(), which aborts, so that libFuzzer keeps the input as a crash
 * artifact and the standalone driver counts it as failed.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

#define FUZZ_ASSERT(cond)	do {					\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond);			\
} while (0)

void	fuzz_fail(const char *file, int line, const char *what)
	    __attribute__((noreturn));

/*
 * A malloc'd copy of data[0..size) with a NUL after it, in a buffer of
 * exactly size + 1 bytes so that ASan sees a read past the end.  Exits on
 * allocation failure (not a finding).
 */
char	*fuzz_strndup(const uint8_t *data, size_t size);

/*
 * Writes data to name in a private directory made once per process
 * (mkdtemp under $TMPDIR, else /tmp, and removed at exit) and returns the
 * file's path (static storage).  Exits on error.
 */
const char *fuzz_write_file(const char *name, const void *data, size_t size);

#endif

/*
 * mkhash: prints crypto_pwhash_str of the password on stdin, with small
 * limits so that tests run fast.  A test helper only; administrators use
 * "fcgi-authz hash".
 *   mkhash [argon2id|argon2i|scrypt] [OPSLIMIT] [MEMLIMIT_BYTES]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "nolsan.h"

int
main(int argc, char *argv[])
{
	char			 pw[1025], out[crypto_pwhash_STRBYTES];
	const char		*alg = argc > 1 ? argv[1] : "argon2id";
	unsigned long long	 ops = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	size_t			 mem = argc > 3 ? strtoull(argv[3], NULL, 10) :
	    8192 * 1024;
	size_t			 len;
	int			 rc;

	if (sodium_init() < 0 || fgets(pw, sizeof(pw), stdin) == NULL)
		return 1;
	len = strcspn(pw, "\n");
	if (strcmp(alg, "scrypt") == 0)
		rc = crypto_pwhash_scryptsalsa208sha256_str(out, pw, len,
		    ops < 32768 ? 32768 : ops, mem < 16777216 ? 16777216 : mem);
	else
		rc = crypto_pwhash_str_alg(out, pw, len, ops, mem,
		    strcmp(alg, "argon2i") == 0 ? crypto_pwhash_ALG_ARGON2I13 :
		    crypto_pwhash_ALG_ARGON2ID13);
	sodium_memzero(pw, sizeof(pw));
	if (rc != 0)
		return 1;
	printf("%s\n", out);
	return 0;
}

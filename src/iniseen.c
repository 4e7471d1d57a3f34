/*
 * The names an INI file has used, for finding duplicates (iniseen.h): an
 * open-addressing hash table of (scope, name), FNV-1a hashed, that
 * remembers the line each was first seen at; the names themselves are
 * kept one after another in one buffer, each after a byte of its length.
 * A slot is taken when its generation is the table's, so that clearing
 * the table is one increment.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iniseen.h"

/* A name's length is kept in one byte (iniseen_keep_name). */
_Static_assert(INISEEN_NAME_SIZE <= 256, "a name's length fits in a byte");

static uint32_t
iniseen_hash(size_t scope, const char *name, size_t len)
{
	const unsigned char	*p = (const unsigned char *)&scope;
	uint64_t		 h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	size_t			 i;

	for (i = 0; i < sizeof(scope); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 0x100000001b3ULL;
	return (uint32_t)(h ^ h >> 32);
}

/* The table's generation: slots of any other one are free. */
static unsigned
iniseen_gen(const struct iniseen *t)
{
	return t->it_gen != 0 ? t->it_gen : 1;
}

/* Whether slot s holds (scope, name), hashed to h. */
static int
iniseen_is(const struct iniseen *t, const struct iniseen_slot *s,
    uint32_t h, size_t scope, const char *name, size_t len)
{
	const unsigned char *stored =
	    (const unsigned char *)t->it_names + s->is_name;

	/* A length byte, then the name. */
	return s->is_hash == h && s->is_scope == scope && stored[0] == len &&
	    memcmp(stored + 1, name, len) == 0;
}

/* The slot of (scope, name), or the free one where it would go. */
static struct iniseen_slot *
iniseen_lookup(const struct iniseen *t, struct iniseen_slot *slot,
    size_t cap, uint32_t h, size_t scope, const char *name, size_t len)
{
	unsigned	gen = iniseen_gen(t);
	size_t		i = h & (cap - 1);

	while (slot[i].is_gen == gen &&
	    !iniseen_is(t, &slot[i], h, scope, name, len))
		i = (i + 1) & (cap - 1);
	return &slot[i];
}

static int
iniseen_grow(struct iniseen *t)
{
	struct iniseen_slot	*n, *old;
	unsigned		 gen = iniseen_gen(t);
	size_t			 ncap, i, j;

	ncap = t->it_cap != 0 ? t->it_cap * 2 : 64;
	if ((n = calloc(ncap, sizeof(*n))) == NULL)
		return -1;
	/* Every name in the table is distinct: the first free slot. */
	for (i = 0; i < t->it_cap; i++) {
		old = &t->it_slot[i];
		if (old->is_gen != gen)
			continue;
		for (j = old->is_hash & (ncap - 1); n[j].is_gen == gen;
		    j = (j + 1) & (ncap - 1))
			;
		n[j] = *old;
	}
	free(t->it_slot);
	t->it_slot = n;
	t->it_cap = ncap;
	return 0;
}

/*
 * Copies name to the end of it_names after a byte of its length (under
 * INISEEN_NAME_SIZE, so it fits); sets its offset.  0, or -1 when out of
 * memory.
 */
static int
iniseen_keep_name(struct iniseen *t, const char *name, size_t len,
    uint32_t *off)
{
	size_t	 ncap;
	char	*n;

	/* Doubling makes room: a name is far shorter than 1024 bytes. */
	if (t->it_names_cap - t->it_names_len < len + 1) {
		ncap = t->it_names_cap != 0 ? t->it_names_cap * 2 : 1024;
		if (ncap > UINT32_MAX || (n = realloc(t->it_names, ncap)) ==
		    NULL)
			return -1;
		t->it_names = n;
		t->it_names_cap = ncap;
	}
	*off = (uint32_t)t->it_names_len;
	t->it_names[t->it_names_len] = (char)len;
	memcpy(t->it_names + t->it_names_len + 1, name, len);
	t->it_names_len += len + 1;
	return 0;
}

int
iniseen_add(struct iniseen *t, size_t scope, const char *name,
    size_t len, int line)
{
	struct iniseen_slot	*s;
	uint32_t		 h = iniseen_hash(scope, name, len);

	/* Not reached: the pre-scan caps names.  Refuse rather than cut. */
	if (len >= INISEEN_NAME_SIZE)
		return -1;
	/* Keep the load at one half or less so that probing stays short. */
	if ((t->it_count + 1) * 2 > t->it_cap && iniseen_grow(t) == -1)
		return -1;
	s = iniseen_lookup(t, t->it_slot, t->it_cap, h, scope, name, len);
	if (s->is_gen == iniseen_gen(t))
		return s->is_line;
	if (iniseen_keep_name(t, name, len, &s->is_name) == -1)
		return -1;
	s->is_scope = scope;
	s->is_hash = h;
	s->is_gen = iniseen_gen(t);
	s->is_line = line;
	t->it_count++;
	return 0;
}

void
iniseen_clear(struct iniseen *t)
{
	t->it_count = 0;
	t->it_names_len = 0;
	t->it_gen = iniseen_gen(t) + 1;
	/* After 2^32 clears an old slot could pass for a new one. */
	if (t->it_gen == 0) {
		if (t->it_slot != NULL)
			memset(t->it_slot, 0, t->it_cap * sizeof(*t->it_slot));
		t->it_gen = 1;
	}
}

void
iniseen_free(struct iniseen *t)
{
	free(t->it_slot);
	free(t->it_names);
	memset(t, 0, sizeof(*t));
}

/*
 * The names an INI file has used, for finding duplicates (iniseen.h): an
 * open-addressing hash table of (scope, name), FNV-1a hashed, that
 * remembers the line each was first seen at.  A slot is taken when its
 * generation is the table's, so that clearing it is one increment.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iniseen.h"

static uint64_t
iniseen_hash(size_t scope, const char *name, size_t len)
{
	const unsigned char	*p = (const unsigned char *)&scope;
	uint64_t		 h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	size_t			 i;

	for (i = 0; i < sizeof(scope); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 0x100000001b3ULL;
	return h;
}

/* The table's generation: slots of any other one are free. */
static unsigned
iniseen_gen(const struct iniseen *t)
{
	return t->it_gen != 0 ? t->it_gen : 1;
}

static struct iniseen_slot *
iniseen_lookup(struct iniseen_slot *slot, size_t cap, unsigned gen,
    size_t scope, const char *name, size_t len)
{
	size_t	i;

	i = (size_t)iniseen_hash(scope, name, len) & (cap - 1);
	while (slot[i].is_gen == gen && (slot[i].is_scope != scope ||
	    slot[i].is_name[len] != '\0' ||
	    memcmp(slot[i].is_name, name, len) != 0))
		i = (i + 1) & (cap - 1);
	return &slot[i];
}

static int
iniseen_grow(struct iniseen *t)
{
	struct iniseen_slot	*n, *s;
	unsigned		 gen = iniseen_gen(t);
	size_t			 ncap, i;

	ncap = t->it_cap != 0 ? t->it_cap * 2 : 64;
	if ((n = calloc(ncap, sizeof(*n))) == NULL)
		return -1;
	for (i = 0; i < t->it_cap; i++) {
		if (t->it_slot[i].is_gen != gen)
			continue;
		s = iniseen_lookup(n, ncap, gen, t->it_slot[i].is_scope,
		    t->it_slot[i].is_name, strlen(t->it_slot[i].is_name));
		*s = t->it_slot[i];
	}
	free(t->it_slot);
	t->it_slot = n;
	t->it_cap = ncap;
	return 0;
}

int
iniseen_add(struct iniseen *t, size_t scope, const char *name,
    size_t len, int line)
{
	struct iniseen_slot	*s;
	unsigned		 gen = iniseen_gen(t);

	/* Not reached: the pre-scan caps names.  Refuse rather than cut. */
	if (len >= INISEEN_NAME_SIZE)
		return -1;
	/* Keep the load at one half or less so that probing stays short. */
	if ((t->it_count + 1) * 2 > t->it_cap && iniseen_grow(t) == -1)
		return -1;
	s = iniseen_lookup(t->it_slot, t->it_cap, gen, scope, name, len);
	if (s->is_gen == gen)
		return s->is_line;
	s->is_scope = scope;
	s->is_gen = gen;
	s->is_line = line;
	memcpy(s->is_name, name, len);
	s->is_name[len] = '\0';
	t->it_count++;
	return 0;
}

void
iniseen_clear(struct iniseen *t)
{
	t->it_count = 0;
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
	memset(t, 0, sizeof(*t));
}

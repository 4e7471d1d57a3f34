/*
 * A set of the section and key names an INI file has used so far, each
 * with the line it was first seen at, so that inifile.c can refuse a
 * duplicate section or key and name the line of the first.
 */
#ifndef AUTHZ_INISEEN_H
#define AUTHZ_INISEEN_H

#include <stddef.h>
#include <stdint.h>

#include "defaults.h"

/* Big enough for a section name and for a key name, with the NUL. */
#define INISEEN_NAME_SIZE						\
	((AUTHZ_INI_NAME_MAX > AUTHZ_INI_SECTION_MAX ?			\
	    AUTHZ_INI_NAME_MAX : AUTHZ_INI_SECTION_MAX) + 1)

/*
 * A section name (scope 0) or a key of the section with that ordinal.
 * Small, so that 100,000 sections' slots stay few megabytes: the name
 * itself is in the table's it_names, after a byte of its length.
 */
struct iniseen_slot {
	size_t		is_scope;
	uint32_t	is_hash;	/* the low bits of the name's hash */
	uint32_t	is_name;	/* its offset in it_names */
	unsigned	is_gen;		/* free unless the table's it_gen */
	int		is_line;
};

struct iniseen {
	struct iniseen_slot	*it_slot;
	size_t			 it_cap;	/* a power of two */
	size_t			 it_count;
	unsigned		 it_gen;	/* iniseen_clear; 0: read as 1 */
	char			*it_names;
	size_t			 it_names_len;
	size_t			 it_names_cap;
};

/*
 * Records name (len bytes, no NUL) in scope at line, a line number
 * above 0; a zeroed struct iniseen is an empty table.  Returns 0 when it
 * is new, the line it was first seen at when it is not, and -1 when out
 * of memory or when name does not fit in INISEEN_NAME_SIZE.
 */
int	iniseen_add(struct iniseen *t, size_t scope, const char *name,
	    size_t len, int line);

/*
 * Empties the table and keeps its memory: inifile.c clears the keys'
 * table at each section, so that it holds one section's keys, not the
 * whole file's.
 */
void	iniseen_clear(struct iniseen *t);

/* Frees the table and zeroes it: empty again. */
void	iniseen_free(struct iniseen *t);

#endif

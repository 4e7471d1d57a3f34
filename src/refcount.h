/*
 * A reference count for what several snapshots share (authcache.c,
 * recent.c): the creator holds the first reference, each sharer takes one
 * with refcount_take and gives it back with refcount_drop, and the one
 * that drops the last frees the object.
 */
#ifndef AUTHZ_REFCOUNT_H
#define AUTHZ_REFCOUNT_H

#include <stdatomic.h>

typedef atomic_uint refcount;

static inline void
refcount_init(refcount *r)
{
	atomic_init(r, 1);
}

/* Relaxed: the caller's own reference keeps the object alive meanwhile. */
static inline void
refcount_take(refcount *r)
{
	atomic_fetch_add_explicit(r, 1, memory_order_relaxed);
}

/*
 * 1 when that was the last reference.  Release, so that this owner's
 * writes happen before whatever the last one does to the object;
 * acquire, so that the last owner sees every other owner's.
 */
static inline int
refcount_drop(refcount *r)
{
	return atomic_fetch_sub_explicit(r, 1, memory_order_acq_rel) == 1;
}

#endif

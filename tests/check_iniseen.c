/*
 * iniseen.c: the table of section and key names an INI file has used,
 * with the line each was first seen at.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "iniseen.h"

/* One iniseen_add() and what it returns, in order, on one table. */
struct add_step {
	size_t		 scope;
	const char	*name;
	int		 line;
	int		 want;	/* 0: new; else the first line */
};

#define ADD_STEPS_MAX	8

static const struct add_case {
	const char		*what;
	struct add_step		 steps[ADD_STEPS_MAX];
} add_cases[] = {
	{ "a new name", { { 0, "user:a", 1, 0 } } },
	{ "a second section of the same name",
	    { { 0, "user:a", 1, 0 }, { 0, "user:a", 7, 1 } } },
	{ "the first line stays the answer",
	    { { 0, "s", 2, 0 }, { 0, "s", 5, 2 }, { 0, "s", 9, 2 } } },
	{ "one key in two sections",
	    { { 1, "password", 2, 0 }, { 2, "password", 5, 0 },
	      { 1, "password", 6, 2 }, { 2, "password", 8, 5 } } },
	{ "a key named as a section",
	    { { 0, "k", 1, 0 }, { 1, "k", 2, 0 } } },
	{ "names differ by case and by length",
	    { { 0, "user:a", 1, 0 }, { 0, "user:A", 2, 0 },
	      { 0, "user:ab", 3, 0 }, { 0, "user:", 4, 0 },
	      { 0, "user:ab", 5, 3 } } },
	{ "the empty name",
	    { { 3, "", 4, 0 }, { 3, "", 6, 4 }, { 4, "", 7, 0 } } },
};

START_TEST(test_add)
{
	const struct add_case	*c = &add_cases[_i];
	const struct add_step	*st;
	struct iniseen		 t;
	size_t			 i;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < ADD_STEPS_MAX && c->steps[i].name != NULL; i++) {
		st = &c->steps[i];
		ck_assert_msg(iniseen_add(&t, st->scope, st->name,
		    strlen(st->name), st->line) == st->want,
		    "%s: step %zu", c->what, i);
	}
	iniseen_free(&t);
	ck_assert_ptr_null(t.it_slot);
	ck_assert_uint_eq(t.it_count, 0);
}
END_TEST

/* Only len bytes of name count: it need not end in a NUL. */
START_TEST(test_add_len)
{
	struct iniseen	t;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(iniseen_add(&t, 0, "user:a]", 6, 3), 0);
	ck_assert_int_eq(iniseen_add(&t, 0, "user:a", 6, 4), 3);
	ck_assert_int_eq(iniseen_add(&t, 0, "user:a]", 7, 5), 0);
	iniseen_free(&t);
	iniseen_free(&t);	/* an empty table: nothing */
}
END_TEST

/* Many names: the table grows, and each keeps its first line. */
START_TEST(test_grow)
{
	struct iniseen	t;
	char		name[32];
	int		i, n = 5000;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		ck_assert_int_eq(iniseen_add(&t, (size_t)i % 7, name,
		    strlen(name), i + 1), 0);
	}
	ck_assert_uint_eq(t.it_count, (size_t)n);
	/* A power of two, at most half full (iniseen.c). */
	ck_assert_uint_eq(t.it_cap & (t.it_cap - 1), 0);
	ck_assert_uint_le(t.it_count * 2, t.it_cap);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		ck_assert_int_eq(iniseen_add(&t, (size_t)i % 7, name,
		    strlen(name), n + 1), i + 1);
		ck_assert_int_eq(iniseen_add(&t, (size_t)i % 7 + 1, name,
		    strlen(name), i + 1), 0);
	}
	iniseen_free(&t);
}
END_TEST

/*
 * A cleared table is empty but keeps its memory; names from before are
 * new again, including a shorter name in a slot a longer one held and
 * a longer name where a shorter one was.
 */
START_TEST(test_clear)
{
	struct iniseen	 t;
	void		*slots;
	size_t		 cap;
	int		 round;

	memset(&t, 0, sizeof(t));
	for (round = 1; round <= 3; round++) {
		ck_assert_int_eq(iniseen_add(&t, 1, "password", 8, round), 0);
		ck_assert_int_eq(iniseen_add(&t, 1, "roles", 5, 10 + round),
		    0);
		ck_assert_int_eq(iniseen_add(&t, 1, "pass", 4, 20 + round), 0);
		ck_assert_int_eq(iniseen_add(&t, 1, "password", 8, 99), round);
		ck_assert_int_eq(iniseen_add(&t, 1, "pass", 4, 99),
		    20 + round);
		ck_assert_uint_eq(t.it_count, 3);
		slots = t.it_slot;
		cap = t.it_cap;
		iniseen_clear(&t);
		ck_assert_uint_eq(t.it_count, 0);
		ck_assert_ptr_eq(t.it_slot, slots);
		ck_assert_uint_eq(t.it_cap, cap);
	}
	/* Cleared, then grown: nothing from before comes back. */
	ck_assert_int_eq(iniseen_add(&t, 1, "passwords", 9, 1), 0);
	iniseen_clear(&t);
	{
		char	name[32];
		int	i;

		for (i = 0; i < 500; i++) {
			snprintf(name, sizeof(name), "k%d", i);
			ck_assert_int_eq(iniseen_add(&t, 1, name,
			    strlen(name), i + 1), 0);
		}
	}
	ck_assert_int_eq(iniseen_add(&t, 1, "passwords", 9, 600), 0);
	iniseen_free(&t);
}
END_TEST

/* The longest name fits; one byte more is refused, not cut. */
START_TEST(test_name_size)
{
	struct iniseen	t;
	char		name[INISEEN_NAME_SIZE + 1];

	memset(&t, 0, sizeof(t));
	memset(name, 'n', sizeof(name));
	ck_assert_int_eq(iniseen_add(&t, 0, name, INISEEN_NAME_SIZE - 1, 1),
	    0);
	ck_assert_int_eq(iniseen_add(&t, 0, name, INISEEN_NAME_SIZE - 1, 2),
	    1);
	ck_assert_int_eq(iniseen_add(&t, 0, name, INISEEN_NAME_SIZE, 3), -1);
	ck_assert_int_eq(iniseen_add(&t, 0, name, INISEEN_NAME_SIZE + 1, 4),
	    -1);
	ck_assert_uint_eq(t.it_count, 1);
	iniseen_free(&t);
}
END_TEST

static Suite *
iniseen_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("iniseen");

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_add, 0, NITEMS(add_cases));
	tcase_add_test(tc, test_add_len);
	tcase_add_test(tc, test_clear);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_grow);
	tcase_add_test(tc, test_name_size);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(iniseen_suite());
}

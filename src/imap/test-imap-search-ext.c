/* Unit tests of the parsers and writers of CONDSTORE, ESEARCH and
   SEARCHRES: RETURN options, MODSEQ and "$" search keys, FETCH/STORE
   modifiers, modseq values, the ESEARCH response, and key preparation for
   i;unicode-casemap. Well-formed and malformed input. */

#include "test-common.h"
#include "imap-condstore.h"
#include "imap-esearch.h"
#include "test-imap-args.h"
#include "imap-search.h"
#include "str.h"

static void test_parse_modseq(void)
{
	uint64_t v = 0;

	test_begin("condstore: mod-sequence values");
	test_assert(imap_parse_modseq("1", false, &v) == 0 && v == 1);
	test_assert(imap_parse_modseq("9223372036854775807", false, &v) == 0 &&
		    v == 9223372036854775807ULL);
	test_assert(imap_parse_modseq("9223372036854775808", false, &v) < 0);
	test_assert(imap_parse_modseq("99999999999999999999", true, &v) < 0);
	test_assert(imap_parse_modseq("0", false, &v) < 0);
	test_assert(imap_parse_modseq("0", true, &v) == 0 && v == 0);
	test_assert(imap_parse_modseq("", true, &v) < 0);
	test_assert(imap_parse_modseq("-1", true, &v) < 0);
	test_assert(imap_parse_modseq("12x", true, &v) < 0);
	test_assert(imap_parse_modseq(" 1", true, &v) < 0);
	test_end();
}

static int fetch_mods(const struct imap_arg *args, bool *set_r, uint64_t *v_r,
		      const char **error_r)
{
	struct imap_fetch_modifiers mods;
	int ret = imap_condstore_parse_fetch_modifiers(args, true, true, &mods, error_r);

	*set_r = mods.changedsince_set;
	*v_r = mods.changedsince;
	return ret;
}

static void test_vanished_modifier(void)
{
	struct imap_fetch_modifiers mods;
	const struct imap_arg *args;
	const char *error;

	test_begin("qresync: FETCH VANISHED modifier");
	args = test_parse_imap_args("(CHANGEDSINCE 5 VANISHED)");
	test_assert(imap_condstore_parse_fetch_modifiers(args, true, true, &mods, &error) == 0 &&
		    mods.vanished && mods.changedsince == 5);
	args = test_parse_imap_args("(vanished CHANGEDSINCE 0)");
	test_assert(imap_condstore_parse_fetch_modifiers(args, true, true, &mods, &error) == 0 &&
		    mods.vanished && mods.changedsince_set);
	args = test_parse_imap_args("(VANISHED)");
	test_assert(imap_condstore_parse_fetch_modifiers(args, true, true, &mods, &error) < 0 &&
		    strcmp(error, "VANISHED used without CHANGEDSINCE") == 0);
	args = test_parse_imap_args("(CHANGEDSINCE 5 VANISHED)");
	test_assert(imap_condstore_parse_fetch_modifiers(args, true, false, &mods, &error) < 0 &&
		    strcmp(error, "QRESYNC not enabled") == 0);
	test_assert(imap_condstore_parse_fetch_modifiers(args, false, true, &mods, &error) < 0 &&
		    strcmp(error, "Unknown FETCH modifier") == 0);
	args = test_parse_imap_args("(CHANGEDSINCE 5 VANISHED 1)");
	test_assert(imap_condstore_parse_fetch_modifiers(args, true, true, &mods, &error) < 0);
	test_end();
}

static void test_qresync_select(void)
{
	struct imap_qresync_select qr;
	const char *error;

	test_begin("qresync: SELECT parameters");
	test_assert(imap_qresync_parse_select(test_pool, test_parse_imap_args("(67890007 20050715194045000)"),
					      &qr, &error) == 0 && qr.uidvalidity == 67890007 &&
		    qr.modseq == 20050715194045000ULL && !array_is_created(&qr.known_uids));
	test_assert(imap_qresync_parse_select(test_pool, test_parse_imap_args("(1 2 1:5,7 (1:3 1,4:5))"),
					      &qr, &error) == 0 && array_count(&qr.known_uids) == 2);
	static const struct {
		const char *input, *error;
	} bad[] = {
		{ "", "QRESYNC parameters missing" },
		{ "1", "QRESYNC parameters missing" },
		{ "()", "Invalid QRESYNC parameters" },
		{ "(1)", "Invalid QRESYNC parameters" },
		{ "(1 -1)", "Invalid QRESYNC parameters" },
		{ "(x 1)", "Invalid QRESYNC parameters" },
		{ "(4294967296 1)", "Invalid QRESYNC parameters" },
		{ "(1 9223372036854775808)", "Invalid QRESYNC parameters" },
		{ "(1 2 *)", "Invalid QRESYNC known-uids" },
		{ "(1 2 1:*)", "Invalid QRESYNC known-uids" },
		{ "(1 2 $)", "Invalid QRESYNC known-uids" },
		{ "(1 2 1:x)", "Invalid QRESYNC known-uids" },
		{ "(1 2 (1))", "Invalid QRESYNC known-uids" },
		{ "(1 2 1:3 (1:3))", "Invalid QRESYNC known-uid-set" },
		{ "(1 2 1:3 (1:3 x))", "Invalid QRESYNC known-uid-set" },
		{ "(1 2 1:3 (1:2 1:3))", "Invalid QRESYNC sets" },
		{ "(1 2 1:3 (1:2 1:2) x)", "Invalid QRESYNC parameters" },
		{ "(1 2 1:3 1:2)", "Invalid QRESYNC parameters" },
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		const struct imap_arg *args = test_parse_imap_args(bad[i].input);

		error = NULL;
		test_assert_idx(args != NULL, i);
		if (args == NULL)
			continue;
		test_assert_idx(imap_qresync_parse_select(test_pool, args, &qr, &error) < 0 &&
				strcmp(error, bad[i].error) == 0, i);
	}
	test_end();
}

static void test_modifiers(void)
{
	const struct imap_arg *args, *list;
	unsigned int count;
	const char *error;
	uint64_t v;
	bool set;

	test_begin("condstore: FETCH and STORE modifiers");
	args = test_parse_imap_args("");
	test_assert(fetch_mods(args, &set, &v, &error) == 0 && !set);
	args = test_parse_imap_args("(CHANGEDSINCE 12345)");
	test_assert(fetch_mods(args, &set, &v, &error) == 0 && set &&
		    v == 12345);
	args = test_parse_imap_args("(changedsince 0)");
	test_assert(fetch_mods(args, &set, &v, &error) == 0 && set &&
		    v == 0);
	args = test_parse_imap_args("()");
	test_assert(fetch_mods(args, &set, &v, &error) == 0 && !set);
	static const char *const bad_fetch[] = {
	    "(CHANGEDSINCE)", "(CHANGEDSINCE x)", "(FOO 1)", "(CHANGEDSINCE 1 FOO 2)",
	    "CHANGEDSINCE 1", "(CHANGEDSINCE 1) junk", "((CHANGEDSINCE 1))",
	    "(CHANGEDSINCE (1))", "(CHANGEDSINCE \"\")",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad_fetch); i++) {
		args = test_parse_imap_args(bad_fetch[i]);
		error = NULL;
		test_assert_idx(args != NULL, i);
		if (args == NULL)
			continue;
		test_assert_idx(fetch_mods(args, &set, &v, &error) < 0,
				i);
		test_assert_idx(error != NULL, i);
	}
	args = test_parse_imap_args("(UNCHANGEDSINCE 7)");
	test_assert(imap_arg_get_list(args, &list, &count));
	test_assert(imap_condstore_parse_store_modifiers(list, &set, &v, &error) == 0 && set &&
		    v == 7);
	static const char *const bad_store[] = {
	    "(UNCHANGEDSINCE)", "(UNCHANGEDSINCE -1)", "(CHANGEDSINCE 1)", "(UNCHANGEDSINCE 1 X)",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad_store); i++) {
		args = test_parse_imap_args(bad_store[i]);
		error = NULL;
		test_assert_idx(args != NULL && imap_arg_get_list(args, &list, &count), i);
		if (args == NULL)
			continue;
		test_assert_idx(imap_condstore_parse_store_modifiers(list, &set, &v, &error) < 0,
				i);
		test_assert_idx(error != NULL, i);
	}
	test_end();
}

static void test_return_options(void)
{
	enum imap_search_return ret;
	const struct imap_arg *args;
	const char *error;

	test_begin("esearch: RETURN options");
	args = test_parse_imap_args("RETURN (MIN max All COUNT save) CHARSET UTF-8 ALL");
	test_assert(imap_search_return_parse(&args, &ret, &error) == 1);
	test_assert(ret == (IMAP_SEARCH_RETURN_MIN | IMAP_SEARCH_RETURN_MAX |
			    IMAP_SEARCH_RETURN_ALL | IMAP_SEARCH_RETURN_COUNT |
			    IMAP_SEARCH_RETURN_SAVE));
	test_assert(imap_arg_atom_equals(args, "CHARSET"));
	args = test_parse_imap_args("RETURN () ALL");
	test_assert(imap_search_return_parse(&args, &ret, &error) == 1 &&
		    ret == IMAP_SEARCH_RETURN_ALL && imap_arg_atom_equals(args, "ALL"));
	/* no RETURN, or RETURN that is not followed by a list: keys */
	args = test_parse_imap_args("ALL");
	test_assert(imap_search_return_parse(&args, &ret, &error) == 0 && ret == 0 &&
		    imap_arg_atom_equals(args, "ALL"));
	args = test_parse_imap_args("RETURN ALL");
	test_assert(imap_search_return_parse(&args, &ret, &error) == 0 &&
		    imap_arg_atom_equals(args, "RETURN"));
	static const char *const bad[] = {
	    "RETURN (FOO) ALL", "RETURN (MIN (MAX)) ALL", "RETURN (\"MIN\") ALL",
	    "RETURN (MIN NIL) ALL",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		args = test_parse_imap_args(bad[i]);
		error = NULL;
		test_assert_idx(args != NULL && imap_search_return_parse(&args, &ret, &error) < 0 &&
				    error != NULL,
				i);
	}
	test_end();
}

static void test_search_keys(void)
{
	const struct search_key *root;
	const char *charset, *error;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("search: MODSEQ and $ keys");
	root = imap_search_parse(pool, test_parse_imap_args("MODSEQ 5"), &charset, &error);
	test_assert(root != NULL && root->children->type == SEARCH_MODSEQ &&
		    root->children->modseq == 5);
	root = imap_search_parse(pool, test_parse_imap_args("MODSEQ \"/flags/\\\\Seen\" shared 0 SEEN"),
				 &charset, &error);
	test_assert(root != NULL && root->children->type == SEARCH_MODSEQ &&
		    root->children->modseq == 0 && root->children->next->type == SEARCH_FLAG);
	test_assert(imap_search_has_modseq(root));
	root = imap_search_parse(pool, test_parse_imap_args("OR SEEN NOT MODSEQ 1"), &charset, &error);
	test_assert(root != NULL && imap_search_has_modseq(root));
	root = imap_search_parse(pool, test_parse_imap_args("$ UID $ NOT $"), &charset, &error);
	test_assert(root != NULL && root->children->type == SEARCH_SAVED &&
		    root->children->next->type == SEARCH_SAVED &&
		    root->children->next->next->children->type == SEARCH_SAVED);
	test_assert(!imap_search_has_modseq(root));
	static const char *const bad[] = {
	    "MODSEQ",
	    "MODSEQ x",
	    "MODSEQ -1",
	    "MODSEQ 99999999999999999999",
	    "MODSEQ \"/flags/\\\\Seen\" 5",
	    "MODSEQ \"/flags/\\\\Seen\" private 5",
	    "MODSEQ \"/flags/\\\\Seen\" all",
	    "MODSEQ \"/other\" all 5",
	    "$,1",
	    "$:3",
	    "UID $,1",
	    "UID $:*",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		const struct imap_arg *args = test_parse_imap_args(bad[i]);

		error = NULL;
		test_assert_idx(args != NULL &&
				    imap_search_parse(pool, args, &charset, &error) == NULL &&
				    error != NULL,
				i);
	}
	test_end();
	pool_unref(&pool);
}

static void test_search_prepare(void)
{
	struct search_key *root;
	const char *charset, *error;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("search: keys converted from CHARSET and casemapped");
	root = imap_search_parse(pool, test_parse_imap_args("SUBJECT \"gr\xfc\xdf" "e\" BODY x"), &charset,
				 &error);
	test_assert(root != NULL);
	test_assert(imap_search_prepare(pool, root, "ISO-8859-1") == 0);
	test_assert_strcmp(root->children->value, "GRU\xcc\x88\xc3\x9f" "E");
	test_assert_strcmp(root->children->next->value, "X");
	root = imap_search_parse(pool, test_parse_imap_args("OR TEXT \"\xc3\xa9t\xc3\xa9\" SEEN"), &charset,
				 &error);
	test_assert(imap_search_prepare(pool, root, NULL) == 0);
	test_assert_strcmp(root->children->children->value, "E\xcc\x81TE\xcc\x81");
	/* invalid UTF-8 is not passed on as it is */
	root = imap_search_parse(pool, test_parse_imap_args("BODY \"a\xff\""), &charset, &error);
	test_assert(imap_search_prepare(pool, root, "UTF-8") == 0);
	test_assert_strcmp(root->children->value, "A\xef\xbf\xbd");
	root = imap_search_parse(pool, test_parse_imap_args("ALL"), &charset, &error);
	test_assert(imap_search_prepare(pool, root, "X-NO-SUCH-CHARSET") < 0);
	test_end();
	pool_unref(&pool);
}

static void test_esearch_write(void)
{
	ARRAY_TYPE(imap_search_match) matches;
	pool_t pool = pool_alloconly_create("test", 1024);
	string_t *str = str_new(pool, 128);
	static const struct imap_search_match m[] = {
	    {1, 10, 100}, {2, 11, 300}, {3, 12, 200}, {5, 20, 150},
	};

	test_begin("esearch: response and its MODSEQ");
	p_array_init(&matches, pool, 4);
	test_assert(!imap_esearch_write(str, "a", false, IMAP_SEARCH_RETURN_SAVE, &matches, 0));
	test_assert(imap_esearch_write(str, "a\"b", true, IMAP_SEARCH_RETURN_MIN |
							      IMAP_SEARCH_RETURN_COUNT,
				       &matches, 0));
	test_assert_strcmp(str_c(str), "* ESEARCH (TAG \"a\\\"b\") UID COUNT 0");
	for (unsigned int i = 0; i < N_ELEMENTS(m); i++) {
		struct imap_search_match match = m[i];

		array_push(&matches, &match);
	}
	str_truncate(str, 0);
	test_assert(imap_esearch_write(str, "t1", false,
				       IMAP_SEARCH_RETURN_MIN | IMAP_SEARCH_RETURN_MAX |
					   IMAP_SEARCH_RETURN_ALL | IMAP_SEARCH_RETURN_COUNT,
				       &matches, 300));
	test_assert_strcmp(str_c(str),
			   "* ESEARCH (TAG \"t1\") MIN 1 MAX 5 ALL 1:3,5 COUNT 4 MODSEQ 300");
	str_truncate(str, 0);
	test_assert(imap_esearch_write(str, "t2", true, IMAP_SEARCH_RETURN_ALL, &matches, 0));
	test_assert_strcmp(str_c(str), "* ESEARCH (TAG \"t2\") UID ALL 10:12,20");
	/* SAVE with a MODSEQ to tell still answers */
	str_truncate(str, 0);
	test_assert(imap_esearch_write(str, "t3", false, IMAP_SEARCH_RETURN_SAVE, &matches, 300));
	test_assert_strcmp(str_c(str), "* ESEARCH (TAG \"t3\") MODSEQ 300");
	/* the modseq of what is returned */
	test_assert(imap_search_result_modseq(&matches, IMAP_SEARCH_RETURN_ALL) == 300);
	test_assert(imap_search_result_modseq(&matches, IMAP_SEARCH_RETURN_MIN) == 100);
	test_assert(imap_search_result_modseq(&matches, IMAP_SEARCH_RETURN_MAX) == 150);
	test_assert(imap_search_result_modseq(&matches, IMAP_SEARCH_RETURN_MIN |
								IMAP_SEARCH_RETURN_MAX |
								IMAP_SEARCH_RETURN_SAVE) == 150);
	test_assert(imap_search_result_modseq(&matches, IMAP_SEARCH_RETURN_MIN |
								IMAP_SEARCH_RETURN_COUNT) == 300);
	array_clear(&matches);
	test_assert(imap_search_result_modseq(&matches, IMAP_SEARCH_RETURN_ALL) == 0);
	test_end();
	pool_unref(&pool);
}

static void test_cleanup(void)
{
	test_begin("cleanup");
	test_imap_args_deinit();
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
	    test_parse_modseq, test_modifiers,	   test_vanished_modifier, test_qresync_select,
	    test_return_options, test_search_keys,
	    test_search_prepare, test_esearch_write, test_cleanup,	  NULL,
	};
	return test_run(tests);
}

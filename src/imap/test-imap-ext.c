/* Unit tests of the parsers of LIST-EXTENDED/LIST-STATUS, CREATE-SPECIAL-USE,
   STATUS items and BINARY fetch items, well-formed and malformed. */

#include "test-common.h"
#include "imap-binary.h"
#include "imap-list.h"
#include "test-imap-args.h"
#include "imap-status.h"

static void test_list_args_valid(void)
{
	struct imap_list_args args;
	const char *error;

	test_begin("LIST arguments: valid");
	test_assert(imap_list_parse_args(test_pool, test_parse_imap_args("\"\" *"), false, &args, &error) ==
		    0);
	test_assert(!args.extended && args.select == 0 && args.ret == 0);
	test_assert_strcmp(args.ref, "");
	test_assert_strcmp(args.patterns[0], "*");
	test_assert(args.patterns[1] == NULL);

	test_assert(imap_list_parse_args(test_pool,
					 test_parse_imap_args("(subscribed RECURSIVEMATCH remote) Foo "
						    "(\"a\" b%) RETURN (children STATUS "
						    "(MESSAGES unseen) SPECIAL-USE)"),
					 false, &args, &error) == 0);
	test_assert(args.extended);
	test_assert(args.select == (IMAP_LIST_SELECT_SUBSCRIBED | IMAP_LIST_SELECT_REMOTE |
				    IMAP_LIST_SELECT_RECURSIVEMATCH));
	/* SUBSCRIBED selection implies the SUBSCRIBED return option */
	test_assert(args.ret == (IMAP_LIST_RETURN_SUBSCRIBED | IMAP_LIST_RETURN_CHILDREN |
				 IMAP_LIST_RETURN_STATUS | IMAP_LIST_RETURN_SPECIAL_USE));
	test_assert(args.status_items == (IMAP_STATUS_MESSAGES | IMAP_STATUS_UNSEEN));
	test_assert_strcmp(args.ref, "Foo");
	test_assert_strcmp(args.patterns[0], "a");
	test_assert_strcmp(args.patterns[1], "b%");
	test_assert(args.patterns[2] == NULL);

	/* empty lists are extended too; the last STATUS wins */
	test_assert(imap_list_parse_args(test_pool,
					 test_parse_imap_args("() \"\" () RETURN (STATUS (SIZE) STATUS (RECENT))"),
					 false, &args, &error) == 0);
	test_assert(args.extended && args.patterns[0] == NULL);
	test_assert(args.status_items == IMAP_STATUS_RECENT);
	test_assert(imap_list_parse_args(test_pool, test_parse_imap_args("\"\" % RETURN ()"), false, &args,
					 &error) == 0);
	test_assert(args.extended && args.ret == 0);
	test_assert(imap_list_parse_args(test_pool, test_parse_imap_args("(SPECIAL-USE RECURSIVEMATCH) \"\" *"),
					 false, &args, &error) == 0);

	/* LSUB: a pattern list names nothing */
	test_assert(imap_list_parse_args(test_pool, test_parse_imap_args("\"\" (*)"), true, &args, &error) ==
		    0);
	test_assert(!args.extended && args.patterns[0] == NULL);
	test_end();
}

static void test_list_args_invalid(void)
{
	static const struct {
		const char *line, *error;
		bool lsub;
	} tests[] = {
	    {"", "Invalid reference", false},
	    {"(SUBSCRIBED)", "Invalid reference", false},
	    {"\"\"", "Invalid pattern", false},
	    {"(SUBSCRIBED) \"\"", "Invalid pattern", false},
	    {"\"\" (* (x))", "Invalid pattern list", false},
	    {"(BOGUS) \"\" *", "Unknown select options", false},
	    {"(\"SUBSCRIBED\") \"\" *", "List options contains non-atoms", false},
	    {"(RECURSIVEMATCH) \"\" *", "RECURSIVEMATCH must not be the only selection", false},
	    {"(REMOTE RECURSIVEMATCH) \"\" *", "RECURSIVEMATCH must not be the only selection",
	     false},
	    {"\"\" * RETURN (BOGUS)", "Unknown return options", false},
	    {"\"\" * RETURN (STATUS MESSAGES)", "Unknown return options", false},
	    {"\"\" * RETURN (STATUS)", "Unknown return options", false},
	    {"\"\" * RETURN (STATUS ())", "Empty status list", false},
	    {"\"\" * RETURN (STATUS (DELETED))", "Invalid status item DELETED", false},
	    {"\"\" * RETURN (STATUS (\"MESSAGES\"))", "Status list contains non-atoms", false},
	    {"\"\" * RETURN", "Extra arguments", false},
	    {"\"\" * RETURN (CHILDREN) RETURN (SUBSCRIBED)", "Extra arguments", false},
	    {"\"\" * FOO (x)", "Extra arguments", false},
	    {"\"\" * x", "Extra arguments", false},
	    /* LSUB has no selection options nor RETURN */
	    {"(SUBSCRIBED) \"\" *", "Invalid reference", true},
	    {"\"\" * RETURN (CHILDREN)", "Extra arguments", true},
	};
	struct imap_list_args args;
	const struct imap_arg *arg;
	const char *error;

	test_begin("LIST arguments: invalid");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		arg = test_parse_imap_args(tests[i].line);
		test_assert_idx(arg != NULL, i);
		if (arg == NULL)
			continue;
		error = NULL;
		test_assert_idx(imap_list_parse_args(test_pool, arg, tests[i].lsub, &args, &error) < 0,
				i);
		test_assert_idx(error != NULL && strcmp(error, tests[i].error) == 0, i);
	}
	test_end();
}

static void test_create_params(void)
{
	static const struct {
		const char *line, *special_use;
		int ret;
		bool useattr;
	} tests[] = {
	    {"(USE (\\Drafts))", "\\Drafts", 0, false},
	    {"(use (\\archive))", "\\Archive", 0, false},
	    {"(USE (\\Junk \\junk))", "\\Junk", 0, false},
	    {"()", NULL, 0, false},
	    {"(USE ())", NULL, 0, false},
	    {"(USE (\\Trash) USE (\\Sent))", NULL, -1, true},
	    {"(USE (\\Junk \\Trash))", NULL, -1, true},
	    {"(USE (\\All))", NULL, -1, true},
	    {"(USE (\\Flagged))", NULL, -1, true},
	    {"(USE (\\Bogus))", NULL, -1, true},
	    {"(USE (Drafts))", NULL, -1, false},
	    {"(USE (\"\\\\Drafts\"))", NULL, -1, false},
	    {"(USE \\Drafts)", NULL, -1, false},
	    {"(USE)", NULL, -1, false},
	    {"(FOO (\\Drafts))", NULL, -1, false},
	    {"((USE))", NULL, -1, false},
	};
	const struct imap_arg *arg, *list;
	const char *special_use, *error;
	bool useattr;

	test_begin("CREATE parameters");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		arg = test_parse_imap_args(tests[i].line);
		test_assert_idx(arg != NULL && imap_arg_get_list(arg, &list, NULL), i);
		if (arg == NULL || !imap_arg_get_list(arg, &list, NULL))
			continue;
		int ret = imap_create_parse_params(list, &special_use, &useattr, &error);

		test_assert_idx(ret == tests[i].ret, i);
		if (ret == 0) {
			test_assert_idx(special_use == NULL ? tests[i].special_use == NULL
							    : tests[i].special_use != NULL &&
								  strcmp(special_use,
									 tests[i].special_use) == 0,
					i);
		} else {
			test_assert_idx(useattr == tests[i].useattr, i);
		}
	}
	test_end();
}

static void test_status_items(void)
{
	enum imap_status_items items;
	const struct imap_arg *list;
	const char *error;

	test_begin("STATUS items");
	test_assert(imap_arg_get_list(test_parse_imap_args("(messages RECENT UIDNEXT UIDVALIDITY UNSEEN "
						 "HIGHESTMODSEQ SIZE APPENDLIMIT MESSAGES)"),
				      &list, NULL));
	test_assert(imap_status_parse_items(list, &items, &error) == 0);
	test_assert(items == 0xff);
	test_assert(imap_arg_get_list(test_parse_imap_args("()"), &list, NULL));
	test_assert(imap_status_parse_items(list, &items, &error) < 0);
	test_assert_strcmp(error, "Empty status list");
	test_assert(imap_arg_get_list(test_parse_imap_args("(MESSAGES bogus)"), &list, NULL));
	test_assert(imap_status_parse_items(list, &items, &error) < 0);
	test_assert_strcmp(error, "Invalid status item BOGUS");
	test_assert(imap_arg_get_list(test_parse_imap_args("((MESSAGES))"), &list, NULL));
	test_assert(imap_status_parse_items(list, &items, &error) < 0);
	test_end();
}

static void test_binary_items(void)
{
	static const struct {
		const char *atom, *name;
		enum imap_fetch_item_type type;
		bool peek, partial;
		unsigned int path_len;
	} valid[] = {
	    {"BINARY[]", "BINARY[]", IMAP_FETCH_BINARY, false, false, 0},
	    {"binary.peek[1.2.3]", "BINARY[1.2.3]", IMAP_FETCH_BINARY, true, false, 3},
	    {"BINARY[2]<10.20>", "BINARY[2]<10>", IMAP_FETCH_BINARY, false, true, 1},
	    {"BINARY.SIZE[4]", "BINARY.SIZE[4]", IMAP_FETCH_BINARY_SIZE, true, false, 1},
	    {"BINARY.SIZE[]", "BINARY.SIZE[]", IMAP_FETCH_BINARY_SIZE, true, false, 0},
	};
	static const char *const invalid[] = {
	    "BINARY",	     "BINARY.SIZE",	 "BINARY[",	     "BINARY[1",
	    "BINARY[TEXT]",  "BINARY[1.HEADER]", "BINARY[1.MIME]",  "BINARY[0]",
	    "BINARY[1.0]",   "BINARY[1.]",	 "BINARY[x]",	     "BINARY[]<",
	    "BINARY[]<1>",   "BINARY[]<1.0>",	 "BINARY[]<x.1>",   "BINARY[]junk",
	    "BINARY.SIZE[1]<0.5>", "BINARY.PEK[1]", "BINARY.SIZEX[1]", "BINARY[]<1.2>x",
	};
	ARRAY_TYPE(imap_fetch_item) items;
	const struct imap_fetch_item *item;
	const char *error;

	test_begin("BINARY fetch items");
	p_array_init(&items, test_pool, 4);
	for (unsigned int i = 0; i < N_ELEMENTS(valid); i++) {
		array_clear(&items);
		test_assert_idx(imap_binary_parse_item(test_pool, valid[i].atom, &items, &error) == 0,
				i);
		if (array_count(&items) != 1)
			continue;
		item = array_idx(&items, 0);
		test_assert_idx(strcmp(item->name, valid[i].name) == 0, i);
		test_assert_idx(item->type == valid[i].type, i);
		test_assert_idx(item->peek == valid[i].peek, i);
		test_assert_idx(item->partial == valid[i].partial, i);
		test_assert_idx(item->section.path_len == valid[i].path_len, i);
	}
	item = array_idx(&items, 0);
	array_clear(&items);
	test_assert(imap_binary_parse_item(test_pool, "BINARY[2]<10.20>", &items, &error) == 0);
	item = array_idx(&items, 0);
	test_assert(item->partial_offset == 10 && item->partial_size == 20);
	test_assert(item->section.path[0] == 2);
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++) {
		array_clear(&items);
		error = NULL;
		test_assert_idx(imap_binary_parse_item(test_pool, invalid[i], &items, &error) < 0,
				i);
		test_assert_idx(error != NULL && array_count(&items) == 0, i);
	}
	/* through the FETCH parser, with other items */
	array_clear(&items);
	test_assert(imap_fetch_parse(test_pool, test_parse_imap_args("(UID BINARY.PEEK[1] BINARY.SIZE[1])"),
				     &items, &error) == 0);
	test_assert(array_count(&items) == 3);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
	    test_list_args_valid, test_list_args_invalid, test_create_params,
	    test_status_items,    test_binary_items,      NULL,
	};
	int ret = test_run(tests);

	test_imap_args_deinit();
	return ret;
}

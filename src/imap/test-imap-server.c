/* Unit tests of the IMAP server's parsers: FETCH items and SEARCH keys,
   well-formed and malformed. */

#include "test-common.h"
#include "imap-fetch.h"
#include "test-imap-args.h"
#include "imap-search.h"
#include "str.h"

static void test_fetch_parse_valid(void)
{
	ARRAY_TYPE(imap_fetch_item) items;
	const struct imap_fetch_item *item;
	const struct imap_arg *args;
	const char *error;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("fetch parse valid");
	p_array_init(&items, pool, 8);
	args = test_parse_imap_args("ALL");
	test_assert(imap_fetch_parse(pool, args, &items, &error) == 0);
	test_assert(array_count(&items) == 4);

	array_clear(&items);
	args =
	    test_parse_imap_args("(UID FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.10> RFC822 BODY[1.MIME])");
	test_assert(args != NULL);
	test_assert(imap_fetch_parse(pool, args, &items, &error) == 0);
	test_assert(array_count(&items) == 5);
	item = array_idx(&items, 2);
	test_assert(item->type == IMAP_FETCH_BODY_SECTION);
	test_assert(item->peek);
	test_assert(item->partial && item->partial_offset == 0 && item->partial_size == 10);
	test_assert(item->section.type == MESSAGE_SECTION_HEADER_FIELDS);
	test_assert_strcmp(item->name, "BODY[HEADER.FIELDS (FROM TO)]<0>");
	item = array_idx(&items, 3);
	test_assert_strcmp(item->name, "RFC822");
	test_assert(!item->peek && item->section.type == MESSAGE_SECTION_WHOLE);
	item = array_idx(&items, 4);
	test_assert(item->section.type == MESSAGE_SECTION_MIME);

	array_clear(&items);
	args = test_parse_imap_args("FULL");
	test_assert(imap_fetch_parse(pool, args, &items, &error) == 0);
	test_assert(array_count(&items) == 5);
	test_end();
	pool_unref(&pool);
}

static void test_fetch_parse_invalid(void)
{
	static const char *const bad[] = {
	    "FOO",
	    "(FLAGS ALL)",
	    "()",
	    "BODY[",
	    "BODY[]<",
	    "BODY[]<1>",
	    "BODY[]<1.0>",
	    "BODY[]<x.1>",
	    "BODY[]junk",
	    "BODY[FOO]",
	    "BODY[HEADER.FIELDS]",
	    "(FLAGS \"UID\")",
	    "BODY.PEK[]",
	    "NIL",
	};
	ARRAY_TYPE(imap_fetch_item) items;
	const struct imap_arg *args;
	const char *error;
	unsigned int i;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("fetch parse invalid");
	p_array_init(&items, pool, 8);
	for (i = 0; i < N_ELEMENTS(bad); i++) {
		args = test_parse_imap_args(bad[i]);
		if (args == NULL)
			continue;
		error = NULL;
		test_assert_idx(imap_fetch_parse(pool, args, &items, &error) < 0, i);
		test_assert_idx(error != NULL, i);
	}
	test_end();
	pool_unref(&pool);
}

static unsigned int count_keys(const struct search_key *key)
{
	unsigned int n = 1;

	for (key = key->children; key != NULL; key = key->next)
		n += count_keys(key);
	return n;
}

static void test_search_parse_valid(void)
{
	const struct search_key *root;
	const char *charset, *error;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("search parse valid");
	root = imap_search_parse(pool, test_parse_imap_args("ALL"), &charset, &error);
	test_assert(root != NULL && root->type == SEARCH_AND && root->children->type == SEARCH_ALL);
	test_assert(charset == NULL);

	root = imap_search_parse(pool,
				 test_parse_imap_args("CHARSET UTF-8 OR (FROM \"a b\" SEEN) NOT UID 1:* "
					    "2,4:5 LARGER 10 SINCE 1-Feb-2020"),
				 &charset, &error);
	test_assert(root != NULL);
	test_assert_strcmp(charset, "UTF-8");
	if (root != NULL) {
		test_assert(root->children->type == SEARCH_OR);
		test_assert(root->children->children->type == SEARCH_AND);
		test_assert(root->children->children->next->type == SEARCH_NOT);
		test_assert(root->children->next->type == SEARCH_SEQSET);
		test_assert(root->children->next->next->type == SEARCH_LARGER);
		test_assert(root->children->next->next->size == 10);
		test_assert(count_keys(root) == 10);
	}
	root = imap_search_parse(pool, test_parse_imap_args("HEADER X-Foo \"\" KEYWORD $Junk UNSEEN"),
				 &charset, &error);
	test_assert(root != NULL && root->children->type == SEARCH_HEADER);
	test_end();
	pool_unref(&pool);
}

static void test_search_parse_invalid(void)
{
	static const char *const bad[] = {
	    "",	       "FOO",	   "OR SEEN",		"NOT",
	    "LARGER",  "LARGER x", "SINCE 32-Jan-2020", "SINCE",
	    "UID",     "UID 0",	   "HEADER From",	"FROM",
	    "()",      "1:x",	   "CHARSET",		"(SEEN (FLAGGED ()))",
	    "KEYWORD",
	};
	const char *charset, *error;
	const struct imap_arg *args;
	unsigned int i;
	pool_t pool = pool_alloconly_create("test", 1024);
	string_t *deep = str_new(pool, 512);

	test_begin("search parse invalid");
	for (i = 0; i < N_ELEMENTS(bad); i++) {
		args = test_parse_imap_args(bad[i]);
		if (args == NULL)
			continue;
		error = NULL;
		test_assert_idx(imap_search_parse(pool, args, &charset, &error) == NULL, i);
		test_assert_idx(error != NULL, i);
	}
	/* deep NOT nesting is refused, not a stack overflow */
	for (i = 0; i < 200; i++)
		str_append(deep, "NOT ");
	str_append(deep, "ALL");
	args = test_parse_imap_args(str_c(deep));
	test_assert(args != NULL && imap_search_parse(pool, args, &charset, &error) == NULL);
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
	    test_fetch_parse_valid,
	    test_fetch_parse_invalid,
	    test_search_parse_valid,
	    test_search_parse_invalid,
	    test_cleanup,
	    NULL,
	};
	return test_run(tests);
}

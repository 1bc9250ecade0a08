/* GETMETADATA / SETMETADATA argument parsing (cmd-metadata.h), with
   malformed input answered by Dovecot 2.3's texts. */

#include "test-common.h"
#include "cmd-metadata.h"
#include "test-imap-args.h"

#include <string.h>

static int get(const char *line, struct imap_getmetadata_args *r, const char **error_r)
{
	const struct imap_arg *args = test_parse_imap_args(line);

	*error_r = "unparsable";
	return args == NULL ? -2 : imap_getmetadata_parse(test_pool, args, r, error_r);
}

static int set(const char *line, struct imap_setmetadata_args *r, const char **error_r)
{
	const struct imap_arg *args = test_parse_imap_args(line);

	*error_r = "unparsable";
	return args == NULL ? -2 : imap_setmetadata_parse(test_pool, args, r, error_r);
}

static void test_entry_names(void)
{
	static const struct {
		const char *name, *result;
	} cases[] = {
		{ "/private/comment", "/private/comment" },
		{ "/Private/Vendor/X", "/private/vendor/x" },
		{ "/shared", "/shared" },
		{ "/private", "/private" },
		{ "private/comment", "Entry name must begin with '/'" },
		{ "", "Entry name must begin with '/'" },
		{ "/private/", "Entry name can't end with '/'" },
		{ "/", "Entry name can't end with '/'" },
		{ "//private", "Entry name can't contain consecutive '/'" },
		{ "/private//x", "Entry name can't contain consecutive '/'" },
		{ "/private/a*b", "Entry name can't contain '*'" },
		{ "/private/a%", "Entry name can't contain '%'" },
		{ "/private/a\tb", "Entry name can't contain control chars" },
		{ "/private/\xc3\xbc", "Entry name can't contain control chars" },
		{ "/private/a\x7f", "Entry name can't contain control chars" },
		{ "/foo", "Entry name must begin with /private or /shared" },
		{ "/privatex/y", "Entry name must begin with /private or /shared" },
		{ "/sharedx", "Entry name must begin with /private or /shared" },
	};
	const char *error, *res;

	test_begin("metadata: entry names");
	for (unsigned int i = 0; i < N_ELEMENTS(cases); i++) {
		error = NULL;
		res = imap_metadata_entry_parse(test_pool, cases[i].name, &error);
		test_assert_idx(strcmp(res != NULL ? res : error, cases[i].result) == 0, i);
	}
	test_end();
}

static void test_getmetadata(void)
{
	struct imap_getmetadata_args r;
	const char *error;

	test_begin("metadata: GETMETADATA arguments");
	test_assert(get("\"\" /private/comment", &r, &error) == 0);
	test_assert(r.mailbox[0] == '\0' && r.entry_count == 1 && !r.have_maxsize &&
		    r.depth == IMAP_METADATA_DEPTH_0);
	test_assert_strcmp(r.entries[0], "/private/comment");
	test_assert(get("(MAXSIZE 1024 DEPTH infinity) INBOX (/Shared/A /private/b)", &r,
			&error) == 0);
	test_assert(r.have_maxsize && r.maxsize == 1024 && r.depth == IMAP_METADATA_DEPTH_INFINITY);
	test_assert(r.entry_count == 2);
	test_assert_strcmp(r.entries[0], "/shared/a");
	test_assert(get("(depth 1 maxsize 0) INBOX /private", &r, &error) == 0);
	test_assert(r.depth == IMAP_METADATA_DEPTH_1 && r.have_maxsize && r.maxsize == 0);
	test_assert(get("() INBOX ()", &r, &error) == 0 && r.entry_count == 0);
	test_end();

	static const struct {
		const char *line, *error;
	} bad[] = {
		{ "INBOX", "Invalid arguments" },
		{ "", "Invalid arguments" },
		{ "(DEPTH 1)", "Invalid arguments" },
		{ "INBOX /private/a /private/b", "Invalid arguments" },
		{ "(DEPTH 1) INBOX /private/a extra", "Invalid arguments" },
		{ "(FOO 1) INBOX /private", "Unknown option" },
		{ "(DEPTH 2) INBOX /private", "Invalid value for DEPTH option" },
		{ "(DEPTH) INBOX /private", "Invalid value for DEPTH option" },
		{ "(DEPTH (1)) INBOX /private", "Invalid value for DEPTH option" },
		{ "(MAXSIZE x) INBOX /private", "Invalid value for MAXSIZE option" },
		{ "(MAXSIZE -1) INBOX /private", "Invalid value for MAXSIZE option" },
		{ "(MAXSIZE 99999999999999999999999) INBOX /private",
		  "Invalid value for MAXSIZE option" },
		{ "((DEPTH) 1) INBOX /private", "Invalid arguments" },
		{ "INBOX (/private (/x))", "Entry name isn't astring" },
		{ "INBOX NIL", "Entry name must begin with '/'" },
		{ "INBOX /private/*", "Entry name can't contain '*'" },
		{ "INBOX (/private/a /foo)", "Entry name must begin with /private or /shared" },
	};
	test_begin("metadata: malformed GETMETADATA");
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		test_assert_idx(get(bad[i].line, &r, &error) == -1, i);
		test_assert_idx(strcmp(error, bad[i].error) == 0, i);
	}
	test_end();
}

static void test_setmetadata(void)
{
	struct imap_setmetadata_args r;
	const char *error;

	test_begin("metadata: SETMETADATA arguments");
	test_assert(set("INBOX (/private/comment \"hello\" /Shared/X NIL /private/y atom)", &r,
			&error) == 0);
	test_assert_strcmp(r.mailbox, "INBOX");
	test_assert(r.change_count == 3);
	test_assert_strcmp(r.changes[0].entry, "/private/comment");
	test_assert_strcmp(r.changes[0].value, "hello");
	test_assert_strcmp(r.changes[1].entry, "/shared/x");
	test_assert(r.changes[1].value == NULL);
	test_assert_strcmp(r.changes[2].value, "atom");
	test_assert(set("\"\" ()", &r, &error) == 0 && r.change_count == 0);
	test_assert(set("\"\" (/private/c \"\")", &r, &error) == 0);
	test_assert_strcmp(r.changes[0].value, "");
	test_end();

	static const struct {
		const char *line, *error;
	} bad[] = {
		{ "INBOX", "Invalid arguments" },
		{ "INBOX /private/comment", "Invalid arguments" },
		{ "INBOX (/private/comment \"x\") extra", "Invalid arguments" },
		{ "(INBOX) (/private/c \"x\")", "Invalid arguments" },
		{ "INBOX (/private/comment)", "Entry value missing" },
		{ "INBOX (/private/a \"1\" /private/b)", "Entry value missing" },
		{ "INBOX (/private/a (\"1\"))", "Entry value can't be a list" },
		{ "INBOX ((/private/a) \"1\")", "Entry name isn't astring" },
		{ "INBOX (NIL \"1\")", "Entry name must begin with '/'" },
		{ "INBOX (/foo \"x\")", "Entry name must begin with /private or /shared" },
		{ "INBOX (/private/ \"x\")", "Entry name can't end with '/'" },
	};
	test_begin("metadata: malformed SETMETADATA");
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		test_assert_idx(set(bad[i].line, &r, &error) == -1, i);
		test_assert_idx(strcmp(error, bad[i].error) == 0, i);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_entry_names,
		test_getmetadata,
		test_setmetadata,
		NULL,
	};
	log_init_stderr("test-imap-metadata");
	int ret = test_run(tests);
	test_imap_args_deinit();
	return ret;
}

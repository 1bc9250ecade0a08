/* Unit tests of the POP3 server's pure parts: command-line parsing
   (malformed input included), UIDL formatting, X-UIDL lookup, settings. */
#include "test-common.h"
#include "str.h"
#include "settings.h"
#include "pop3-parse.h"
#include "pop3-uidl.h"
#include "pop3-settings.h"

static void test_parse_command(void)
{
	char name[POP3_MAX_KEYWORD_LEN + 1];
	const char *args;

	test_begin("pop3_parse_command");
	test_assert(pop3_parse_command("retr 1", name, &args) == 0);
	test_assert_strcmp(name, "RETR");
	test_assert_strcmp(args, "1");
	test_assert(pop3_parse_command("STAT", name, &args) == 0);
	test_assert_strcmp(args, "");
	test_assert(pop3_parse_command("Top 1 10", name, &args) == 0);
	test_assert_strcmp(name, "TOP");
	test_assert_strcmp(args, "1 10");
	/* malformed */
	test_assert(pop3_parse_command("", name, &args) < 0);
	test_assert(pop3_parse_command(" STAT", name, &args) < 0);
	test_assert(pop3_parse_command("ST4T", name, &args) < 0);
	test_assert(pop3_parse_command("R\xc3\xa9TR 1", name, &args) < 0);
	test_assert(pop3_parse_command("AAAAAAAAAAAAAAAAA", name, &args) < 0);
	test_assert(pop3_parse_command("AAAAAAAAAAAAAAAA", name, &args) == 0);
	test_assert(pop3_parse_command("LIST\t1", name, &args) < 0);
	test_end();
}

static void test_parse_msgnum(void)
{
	const char *rest, *error;
	uint32_t seq;

	test_begin("pop3_parse_msgnum");
	test_assert(pop3_parse_msgnum("3", 5, false, &seq, &rest, &error) == 0 && seq == 3);
	test_assert(pop3_parse_msgnum("5 10", 5, true, &seq, &rest, &error) == 0 && seq == 5);
	test_assert_strcmp(rest, "10");
	test_assert(pop3_parse_msgnum("1   7", 5, true, &seq, &rest, &error) == 0);
	test_assert_strcmp(rest, "7");

	test_assert(pop3_parse_msgnum("", 5, false, &seq, &rest, &error) < 0);
	test_assert_strcmp(error, "-ERR Invalid message number: ");
	test_assert(pop3_parse_msgnum("x", 5, false, &seq, &rest, &error) < 0);
	test_assert_strcmp(error, "-ERR Invalid message number: x");
	test_assert(pop3_parse_msgnum("-1", 5, false, &seq, &rest, &error) < 0);
	test_assert_strcmp(error, "-ERR Invalid message number: -1");
	test_assert(pop3_parse_msgnum("0", 5, false, &seq, &rest, &error) < 0);
	test_assert_strcmp(error, "-ERR There's no message 0.");
	test_assert(pop3_parse_msgnum("6", 5, false, &seq, &rest, &error) < 0);
	test_assert_strcmp(error, "-ERR There's no message 6.");
	test_assert(pop3_parse_msgnum("4294967296", 5, false, &seq, &rest, &error) < 0);
	test_assert_strcmp(error, "-ERR Message number too large: 4294967296");
	test_assert(pop3_parse_msgnum("99999999999999999999999", 5, false, &seq, &rest,
				      &error) < 0);
	test_assert(strncmp(error, "-ERR Message number too large", 29) == 0);
	test_assert(pop3_parse_msgnum("1x", 5, false, &seq, &rest, &error) < 0);
	test_assert_strcmp(error, "-ERR Noise after message number: x");
	test_assert(pop3_parse_msgnum("1 2", 5, false, &seq, &rest, &error) < 0);
	test_assert_strcmp(error, "-ERR Noise after message number:  2");
	test_assert(pop3_parse_msgnum("1", 5, true, &seq, &rest, &error) < 0);
	test_assert(pop3_parse_msgnum("1", 0, false, &seq, &rest, &error) < 0);
	/* client text in errors is sanitised and capped */
	test_assert(pop3_parse_msgnum("\x01\x02zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
				      5, false, &seq, &rest, &error) < 0);
	test_assert(strchr(error, '\x01') == NULL && strlen(error) < 100);
	test_end();
}

static void test_parse_lines(void)
{
	const char *error;
	uint64_t lines;

	test_begin("pop3_parse_lines");
	test_assert(pop3_parse_lines("0", &lines, &error) == 0 && lines == 0);
	test_assert(pop3_parse_lines("18446744073709551615", &lines, &error) == 0 &&
		    lines == UINT64_MAX);
	test_assert(pop3_parse_lines("", &lines, &error) < 0);
	test_assert_strcmp(error, "-ERR Invalid size: ");
	test_assert(pop3_parse_lines("18446744073709551616", &lines, &error) < 0);
	test_assert_strcmp(error, "-ERR Size too large: 18446744073709551616");
	test_assert(pop3_parse_lines("5 x", &lines, &error) < 0);
	test_assert_strcmp(error, "-ERR Noise after size:  x");
	test_end();
}

static void test_uidl_format(void)
{
	struct pop3_uidl_values v = {
		.uidvalidity = 1700000000, .uid = 42,
		.md5_hex = "d41d8cd98f00b204e9800998ecf8427e",
		.filename = "1700000001.M1P2.host,S=10,W=12:2,S",
	};
	string_t *str = str_new(test_pool, 64);
	const char *error;

	test_begin("pop3_uidl_format");
	/* Dovecot's default: both in lowercase hex, zero-padded */
	test_assert(pop3_uidl_format(str, "%08Xu%08Xv", &v, &error) == 0);
	test_assert_strcmp(str_c(str), "0000002a6553f100");
	str_truncate(str, 0);
	test_assert(pop3_uidl_format(str, "%v.%u", &v, &error) == 0);
	test_assert_strcmp(str_c(str), "1700000000.42");
	str_truncate(str, 0);
	test_assert(pop3_uidl_format(str, "%{uidvalidity}-%{uid}", &v, &error) == 0);
	test_assert_strcmp(str_c(str), "1700000000-42");
	str_truncate(str, 0);
	test_assert(pop3_uidl_format(str, "%f", &v, &error) == 0);
	test_assert_strcmp(str_c(str), "1700000001.M1P2.host,S=10,W=12");
	str_truncate(str, 0);
	test_assert(pop3_uidl_format(str, "%g", &v, &error) == 0);
	test_assert_strcmp(str_c(str), "1700000001.M1P2.host,S=10,W=12");
	str_truncate(str, 0);
	test_assert(pop3_uidl_format(str, "%m", &v, &error) == 0);
	test_assert_strcmp(str_c(str), "d41d8cd98f00b204e9800998ecf8427e");
	str_truncate(str, 0);
	/* errors: unknown variable, invalid UIDL characters, empty, too long */
	test_assert(pop3_uidl_format(str, "%z", &v, &error) < 0);
	test_assert(pop3_uidl_format(str, "%u %v", &v, &error) < 0);
	test_assert(pop3_uidl_format(str, "%m", &(struct pop3_uidl_values){ .uid = 1 },
				     &error) < 0);
	test_assert(pop3_uidl_format(str, "%m%m%m", &v, &error) < 0);
	test_assert(str_len(str) == 0);

	test_assert(pop3_uidl_format_needs("%08Xu%08Xv") ==
		    (POP3_UIDL_KEY_UID | POP3_UIDL_KEY_UIDVALIDITY));
	test_assert(pop3_uidl_format_needs("%{md5}") == POP3_UIDL_KEY_MD5);
	test_assert(pop3_uidl_format_needs("%f-%g") ==
		    (POP3_UIDL_KEY_FILENAME | POP3_UIDL_KEY_GUID));
	test_end();
}

static void test_xuidl(void)
{
	static const char hdr[] = "From: a@b\r\nx-uidl:  abc123 \r\nX-UIDL: second\r\n";
	static const char bad[] = "X-UIDL: has space\nSubject: x\n";
	const char *value;

	test_begin("pop3_uidl_find_xuidl");
	test_assert(pop3_uidl_find_xuidl((const unsigned char *)hdr, sizeof(hdr) - 1, test_pool,
					 &value));
	test_assert_strcmp(value, "abc123");
	test_assert(!pop3_uidl_find_xuidl((const unsigned char *)bad, sizeof(bad) - 1, test_pool,
					  &value));
	test_assert(!pop3_uidl_find_xuidl((const unsigned char *)"X-UIDL", 6, test_pool, &value));
	test_assert(!pop3_uidl_find_xuidl((const unsigned char *)"", 0, test_pool, &value));
	test_end();
}

static void test_settings(void)
{
	static const char conf[] =
		"pop3_client_workarounds = outlook-no-nuls oe-ns-eoh\n"
		"protocol pop3 {\n  pop3_lock_session = yes\n}\n";
	struct settings_filter filter = { .protocol = "pop3" };
	ARRAY_TYPE(settings_error) errors;
	struct config_tree *tree = config_tree_create();
	struct pop3_settings *set;
	enum pop3_client_workarounds w;
	const char *error;
	void *setp;

	test_begin("pop3 settings");
	p_array_init(&errors, test_pool, 4);
	test_assert(settings_parse_string(tree, conf, "test", NULL, &errors) == 0);
	test_assert(settings_to_struct(tree, tree->root, &pop3_setting_table, &filter, test_pool,
				       &setp, &error) == 0);
	set = setp;
	test_assert_strcmp(set->pop3_uidl_format, "%08Xu%08Xv");
	test_assert_strcmp(set->pop3_logout_format,
			   "top=%t/%p, retr=%r/%b, del=%d/%m, size=%s");
	test_assert(set->pop3_lock_session);
	test_assert(!set->pop3_no_flag_updates && !set->pop3_enable_last);
	test_assert(set->parsed_workarounds ==
		    (POP3_WORKAROUND_OUTLOOK_NO_NULS | POP3_WORKAROUND_OE_NS_EOH));
	config_tree_free(&tree);

	test_assert(pop3_settings_parse_workarounds((const char *const[]){ "bogus", NULL }, &w,
						    &error) < 0);
	tree = config_tree_create();
	test_assert(settings_parse_string(tree, "pop3_client_workarounds = nope\n", "test",
					  NULL, &errors) == 0);
	test_assert(settings_to_struct(tree, tree->root, &pop3_setting_table, &filter, test_pool,
				       &setp, &error) < 0);
	config_tree_free(&tree);
	tree = config_tree_create();
	test_assert(settings_parse_string(tree, "pop3_delete_type = flag\n", "test", NULL,
					  &errors) == 0);
	test_assert(settings_to_struct(tree, tree->root, &pop3_setting_table, &filter, test_pool,
				       &setp, &error) < 0);
	test_assert_strcmp(error, "pop3_delete_type=flag, but pop3_deleted_flag not set");
	config_tree_free(&tree);
	/* Dovecot's "default": flag when pop3_deleted_flag is set */
	static const struct {
		const char *conf;
		int ok;
		enum pop3_delete_type type;
	} delete_types[] = {
		{ "", 1, POP3_DELETE_TYPE_EXPUNGE },
		{ "pop3_deleted_flag = $POP3Deleted\n", 1, POP3_DELETE_TYPE_FLAG },
		{ "pop3_delete_type = expunge\npop3_deleted_flag = $POP3Deleted\n", 1,
		  POP3_DELETE_TYPE_EXPUNGE },
		{ "pop3_delete_type = flag\npop3_deleted_flag = Gone\n", 1,
		  POP3_DELETE_TYPE_FLAG },
		{ "pop3_deleted_flag = \\Deleted\n", 0, 0 },
		{ "pop3_deleted_flag = \"a b\"\n", 0, 0 },
		{ "pop3_deleted_flag = a(b\n", 0, 0 },
		{ "pop3_deleted_flag = caf\xc3\xa9\n", 0, 0 },
	};
	for (unsigned int i = 0; i < N_ELEMENTS(delete_types); i++) {
		tree = config_tree_create();
		test_assert_idx(settings_parse_string(tree, delete_types[i].conf, "test", NULL,
						      &errors) == 0, i);
		int ret = settings_to_struct(tree, tree->root, &pop3_setting_table, &filter,
					     test_pool, &setp, &error);
		test_assert_idx((ret == 0) == (delete_types[i].ok != 0), i);
		if (ret == 0)
			test_assert_idx(((struct pop3_settings *)setp)->parsed_delete_type ==
					delete_types[i].type, i);
		config_tree_free(&tree);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_parse_command,
		test_parse_msgnum,
		test_parse_lines,
		test_uidl_format,
		test_xuidl,
		test_settings,
		NULL,
	};
	return test_run(tests);
}

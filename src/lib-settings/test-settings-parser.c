#include "test-settings-common.h"

#include <stdio.h>

static const char *test_parse(const char *text)
{
	return test_parse_chunked(text, strlen(text), strlen(text));
}

static void test_parser_syntax(void)
{
	static const char input[] =
		"# comment at the start\n"
		"   # indented comment\n"
		"\n"
		"key = value\n"
		"key2 = value with spaces   \t\n"
		"key3 =\n"
		"key4 = \"quoted # not a comment\"   # a comment\n"
		"key5 = 'single # quoted'\n"
		"key6 = \"esc \\\" \\\\ \\n \\t end\"\n"
		"key7 = a#b\n"
		"key8 = long \\\n"
		"   # a comment line does not end it\n"
		"  continued \\\n"
		"  value\n"
		"key9=nospace\n"
		"key10 = Roost's ready # comment\n"
		"key11 = \"name\" * \"version\" *\n"
		"key12 = \"\"\n"
		"key13 = value\r\n"
		"service imap-login {\n"
		"  inet_listener imaps {\n"
		"    port = 993\n"
		"    ssl = yes\n"
		"  }\n"
		"}\n"
		"service auth {\n"
		"  unix_listener /var/spool/postfix/private/dovecot-lmtp {\n"
		"    mode = 0600\n"
		"  }\n"
		"}\n"
		"passdb {\n"
		"  driver = pam\n"
		"}\n"
		"passdb{\n"
		"}\n"
		"protocol lmtp {\n"
		"  mail_plugins = $mail_plugins sieve\n"
		"}\n"
		"local 192.0.2.1 {\n"
		"  remote 10.0.0.0/8 {\n"
		"    ssl = no\n"
		"  }\n"
		"}\n"
		"local_name mail.example.com {\n"
		"}   # comment after }\n"
		"plugin {\n"
		"  sieve = ~/.dovecot.sieve\n"
		"}\n"
		"namespace inbox {\n"
		"  mailbox Sent {\n"
		"    special_use = \\Sent\n"
		"  }\n"
		"  mailbox \"Sent Messages\" {\n"
		"  }\n"
		"  mailbox It's {\n"
		"  }\n"
		"}\n"
		"last = no newline at the end";
	static const char expected[] =
		"key=[value] @t.conf:4\n"
		"key2=[value with spaces] @t.conf:5\n"
		"key3=[] @t.conf:6\n"
		"key4=[quoted # not a comment] @t.conf:7\n"
		"key5=[single # quoted] @t.conf:8\n"
		"key6=[esc \" \\ \n \t end] @t.conf:9\n"
		"key7=[a#b] @t.conf:10\n"
		"key8=[long continued value] @t.conf:11\n"
		"key9=[nospace] @t.conf:15\n"
		"key10=[Roost's ready] @t.conf:16\n"
		"key11=[\"name\" * \"version\" *] @t.conf:17\n"
		"key12=[] @t.conf:18\n"
		"key13=[value] @t.conf:19\n"
		"S service [imap-login] @t.conf:20\n"
		"  S inet_listener [imaps] @t.conf:21\n"
		"    port=[993] @t.conf:22\n"
		"    ssl=[yes] @t.conf:23\n"
		"S service [auth] @t.conf:26\n"
		"  S unix_listener [/var/spool/postfix/private/dovecot-lmtp] @t.conf:27\n"
		"    mode=[0600] @t.conf:28\n"
		"S passdb @t.conf:31\n"
		"  driver=[pam] @t.conf:32\n"
		"S passdb @t.conf:34\n"
		"S protocol [lmtp] @t.conf:36\n"
		"  mail_plugins=[$mail_plugins sieve] @t.conf:37\n"
		"S local [192.0.2.1] @t.conf:39\n"
		"  S remote [10.0.0.0/8] @t.conf:40\n"
		"    ssl=[no] @t.conf:41\n"
		"S local_name [mail.example.com] @t.conf:44\n"
		"S plugin @t.conf:46\n"
		"  sieve=[~/.dovecot.sieve] @t.conf:47\n"
		"S namespace [inbox] @t.conf:49\n"
		"  S mailbox [Sent] @t.conf:50\n"
		"    special_use=[\\Sent] @t.conf:51\n"
		"  S mailbox [Sent Messages] @t.conf:53\n"
		"  S mailbox [It's] @t.conf:55\n"
		"last=[no newline at the end] @t.conf:58\n"
		"--\n";

	test_begin("parser syntax");
	test_assert_strcmp(test_parse(input), expected);
	test_end();
}

static void test_parser_errors(void)
{
	static const struct {
		const char *input;
		const char *errors;
	} tests[] = {
		{ "}\n", "t.conf:1: unexpected '}'\n" },
		{ "a {\n}\n}\nb = 1\n", "t.conf:3: unexpected '}'\n" },
		{ "service imap {\n  port = 1\n",
		  "t.conf:1: missing '}' for section 'service imap'\n" },
		{ "passdb {\n  a {\n", "t.conf:2: missing '}' for section 'a'\n"
				       "t.conf:1: missing '}' for section 'passdb'\n" },
		{ "{\n}\nx = 1\n", "t.conf:1: '{' without a section type\n" },
		{ "a { b = c }\nx = 1\n",
		  "t.conf:1: unexpected text after '{' (put each setting on its own line)\n" },
		{ "a { b = c\n}\n",
		  "t.conf:1: unexpected text after '{' (put each setting on its own line)\n" },
		{ "a {\n} b\n", "t.conf:2: unexpected text after '}'\n" },
		{ "foo\n", "t.conf:1: expecting '=' or '{' after 'foo'\n" },
		{ "ssl yes\n", "t.conf:1: expecting '{' after 'ssl yes' (a setting needs '=')\n" },
		{ "local 1.2.3.4 5.6.7.8 {\n  ssl = no\n}\nz = 1\n",
		  "t.conf:1: expecting '{' after 'local 1.2.3.4' (a setting needs '=')\n" },
		{ "x = \"abc\n", "t.conf:1: value of x: unterminated quoted string\n" },
		{ "x = 'abc\\'\n", "t.conf:1: value of x: unterminated quoted string\n" },
		{ "mailbox \"Sent {\n}\n",
		  "t.conf:1: unterminated quoted string in the name of section 'mailbox'\n" },
		{ "= 1\n", "t.conf:1: expecting a setting or section name\n" },
		{ "\"a\" = 1\n", "t.conf:1: expecting a setting or section name\n" },
		{ "!includ foo.conf\n",
		  "t.conf:1: unknown directive '!includ' (expecting !include or !include_try)\n" },
		{ "!include foo.conf\n",
		  "t.conf:1: !include foo.conf: includes are not allowed here\n" },
		{ "!include_try\n", "t.conf:1: !include_try: missing file name\n" },
		{ "ssl_cert = </etc/ssl/cert.pem\n",
		  "t.conf:1: value of ssl_cert: </etc/ssl/cert.pem: reading files is not allowed "
		  "here\n" },
		{ "ssl_cert = <\n", "t.conf:1: value of ssl_cert: missing file name after '<'\n" },
	};

	test_begin("parser errors");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		const char *input = tests[i].input;
		size_t len = strlen(input);
		const char *result, *errors;

		result = test_parse_chunked(input, len, len);
		errors = strstr(result, "--\n") + 3;
		test_assert_strcmp(errors, tests[i].errors);
		if (test_has_failed())
			printf("    test %u:\n%s", i, result);
	}
	test_end();
}

static void test_parser_nul(void)
{
	static const char input[] = "a = 1\nb\0c = 2\nd = 3\n";

	test_begin("parser NUL byte");
	test_assert_strcmp(test_parse_chunked(input, sizeof(input) - 1, 7),
			   "a=[1] @t.conf:1\n"
			   "d=[3] @t.conf:3\n"
			   "--\n"
			   "t.conf:2: line contains a NUL byte\n");
	test_end();
}

static void test_parser_recovery(void)
{
	/* every error reported, and the good lines around them kept */
	static const char input[] =
		"a = 1\n"
		"bogus\n"
		"service imap {\n"
		"  x = \"unterminated\n"
		"  y = 2\n"
		"}\n"
		"}\n"
		"c = 3\n";
	static const char expected[] =
		"a=[1] @t.conf:1\n"
		"S service [imap] @t.conf:3\n"
		"  y=[2] @t.conf:5\n"
		"c=[3] @t.conf:8\n"
		"--\n"
		"t.conf:2: expecting '=' or '{' after 'bogus'\n"
		"t.conf:4: value of x: unterminated quoted string\n"
		"t.conf:7: unexpected '}'\n";

	test_begin("parser recovery");
	test_assert_strcmp(test_parse(input), expected);
	test_end();
}

static const char *const test_split_inputs[] = {
	"key = value\n"
	"service imap-login {\n"
	"  inet_listener imaps {\n"
	"    port = 993\n"
	"    ssl = yes\n"
	"  }\n"
	"}\n"
	"key4 = \"quoted # \\\" x\" # comment\n"
	"long = a \\\n"
	"  b \\\n"
	"\n"
	"  c\n"
	"namespace inbox {\n"
	"  mailbox \"Sent Messages\" {\n"
	"    auto = subscribe\n"
	"  }\r\n"
	"}\n",
	/* with errors */
	"}\n"
	"a { b\n"
	"x = 'open\n"
	"{\n"
	"}\n"
	"q\n"
	"service x {\n"
	"  y = 1 \\",
	"\xEF\xBB\xBFkey = bom\n",
};

static void test_parser_split(void)
{
	test_begin("parser input split at every byte");
	for (unsigned int i = 0; i < N_ELEMENTS(test_split_inputs); i++) {
		const char *input = test_split_inputs[i];
		size_t len = strlen(input);
		const char *whole = test_parse_chunked(input, len, len);

		for (size_t split = 0; split <= len; split++) {
			const char *result = test_parse_chunked(input, len, split);

			test_assert_idx(strcmp(result, whole) == 0, split);
			if (test_has_failed()) {
				printf("    input %u split at %zu:\n%s--- vs ---\n%s", i, split,
				       result, whole);
				break;
			}
		}
	}
	test_end();
}

static void test_parser_byte_at_a_time(void)
{
	test_begin("parser input byte at a time");
	for (unsigned int i = 0; i < N_ELEMENTS(test_split_inputs); i++) {
		const char *input = test_split_inputs[i];
		size_t len = strlen(input);
		struct config_tree *tree = config_tree_create();
		ARRAY_TYPE(settings_error) errors;
		struct config_parser *parser;
		const char *result;

		p_array_init(&errors, test_pool, 4);
		parser = config_parser_create(tree, "t.conf", NULL, NULL, &errors);
		for (size_t j = 0; j < len; j++)
			config_parser_feed(parser, input + j, 1);
		(void)config_parser_finish(parser);
		config_parser_destroy(&parser);
		result = p_strconcat(test_pool, test_tree_dump(tree), "--\n",
				     test_errors_str(&errors), NULL);
		test_assert_strcmp(result, test_parse_chunked(input, len, len));
		config_tree_free(&tree);
	}
	test_end();
}

static void test_parser_finish_count(void)
{
	struct config_tree *tree = config_tree_create();
	ARRAY_TYPE(settings_error) errors;
	struct config_parser *parser;
	static const char input[] = "}\n}\nok = 1\n";

	test_begin("parser finish returns the error count");
	p_array_init(&errors, test_pool, 4);
	parser = config_parser_create(tree, "t.conf", NULL, NULL, &errors);
	config_parser_feed(parser, input, sizeof(input) - 1);
	test_assert(config_parser_finish(parser) == 2);
	test_assert(config_parser_finish(parser) == 2);
	test_assert(array_count(&errors) == 2);
	config_parser_destroy(&parser);
	test_assert(parser == NULL);
	config_tree_free(&tree);
	test_assert(tree == NULL);
	test_end();
}

static void test_parser_long_lines(void)
{
	size_t len = 1024 * 1024;
	char *input = i_malloc(len + 32);
	const char *result;
	struct config_tree *tree;
	ARRAY_TYPE(settings_error) errors;
	struct config_parser *parser;

	test_begin("parser 1 MB line");
	memcpy(input, "key = ", 6);
	memset(input + 6, 'x', len);
	memcpy(input + 6 + len, "\nb = 2\n", 8);
	result = test_parse_chunked(input, strlen(input), 100);
	test_assert(strlen(result) > len);
	test_assert(test_contains(result, "b=[2] @t.conf:2\n--\n"));
	test_assert(str_ends(result, "--\n"));

	/* over the limit: an error, and the next line is parsed */
	tree = config_tree_create();
	p_array_init(&errors, test_pool, 4);
	parser = config_parser_create(tree, "t.conf", NULL, NULL, &errors);
	config_parser_set_max_line_length(parser, 1000);
	for (size_t i = 0; i < strlen(input); i += 4096)
		config_parser_feed(parser, input + i, MIN(4096, strlen(input) - i));
	config_parser_feed(parser, "c = \\\n", 6);
	memset(input, 'y', 999);
	input[999] = '\n';
	config_parser_feed(parser, input, 1000);
	config_parser_feed(parser, "d = 4\n", 6);
	(void)config_parser_finish(parser);
	config_parser_destroy(&parser);
	test_assert_strcmp(test_tree_dump(tree), "b=[2] @t.conf:2\nd=[4] @t.conf:5\n");
	test_assert_strcmp(test_errors_str(&errors),
			   "t.conf:1: line too long (more than 1000 bytes)\n"
			   "t.conf:3: line too long (more than 1000 bytes)\n");
	config_tree_free(&tree);
	i_free(input);
	test_end();
}

static void test_parser_deep_nesting(void)
{
	string_t *str = str_new(test_pool, 16384);
	const char *result;

	test_begin("parser 1000 nested sections");
	for (unsigned int i = 0; i < 1000; i++)
		str_printfa(str, "s%u {\n", i);
	str_append(str, "x = 1\n");
	for (unsigned int i = 0; i < 1000; i++)
		str_append(str, "}\n");
	str_append(str, "after = 1\n");
	result = test_parse(str_c(str));
	test_assert(test_contains(result,
				  "t.conf:33: sections nested too deeply (max 32 levels)\n"));
	test_assert(test_contains(result, "after=[1] @t.conf:2002\n"));
	/* exactly one error: the skipped sections close correctly */
	test_assert(str_ends(result, "--\nt.conf:33: sections nested too deeply "
				     "(max 32 levels)\n"));

	/* unclosed: one error for the skipped part, one per open section */
	str_truncate(str, 0);
	for (unsigned int i = 0; i < 1000; i++)
		str_printfa(str, "s%u {\n", i);
	result = test_parse(str_c(str));
	test_assert(test_contains(result, "t.conf:33: missing '}'\n"));
	test_assert(test_contains(result, "t.conf:1: missing '}' for section 's0'\n"));
	test_end();
}

static void test_parser_garbage(void)
{
	/* random input built from the syntax's own characters: no crash, no
	   leak, and chunking never changes the result */
	static const char alphabet[] = "ab =\"'\\#{}\n\n\t<$!\0\r";
	char input[256];
	unsigned int seed = 12345;

	test_begin("parser random input");
	for (unsigned int round = 0; round < 2000; round++) {
		size_t len = (seed = seed * 1103515245 + 12345) % sizeof(input);

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			input[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		const char *whole = test_parse_chunked(input, len, len);
		size_t split = len == 0 ? 0 : (seed >> 8) % len;

		test_assert_idx(strcmp(whole, test_parse_chunked(input, len, split)) == 0, round);
		if (round % 100 == 99)
			pool_clear(test_pool);
	}
	test_end();
}

static void test_parser_section_base(void)
{
	struct config_tree *tree = config_tree_create();
	ARRAY_TYPE(settings_error) errors;
	struct config_parser *parser, *nested;
	static const char outer[] = "service imap {\n";
	static const char inner[] = "port = 1\nx {\n}\n}\n";

	test_begin("parser attached to a section");
	p_array_init(&errors, test_pool, 4);
	parser = config_parser_create(tree, "a.conf", NULL, NULL, &errors);
	config_parser_feed(parser, outer, strlen(outer));
	test_assert_strcmp(config_parser_get_section(parser)->name, "imap");
	nested = config_parser_create_section(tree, config_parser_get_section(parser), "b.conf",
					      NULL, NULL, &errors);
	config_parser_feed(nested, inner, strlen(inner));
	test_assert(config_parser_finish(nested) == 1);
	config_parser_destroy(&nested);
	config_parser_feed(parser, "}\n", 2);
	test_assert(config_parser_finish(parser) == 0);
	config_parser_destroy(&parser);
	test_assert_strcmp(test_tree_dump(tree), "S service [imap] @a.conf:1\n"
						 "  port=[1] @b.conf:1\n"
						 "  S x @b.conf:2\n");
	test_assert_strcmp(test_errors_str(&errors), "b.conf:4: unexpected '}'\n");
	config_tree_free(&tree);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_parser_syntax,
		test_parser_errors,
		test_parser_nul,
		test_parser_recovery,
		test_parser_split,
		test_parser_byte_at_a_time,
		test_parser_finish_count,
		test_parser_long_lines,
		test_parser_deep_nesting,
		test_parser_garbage,
		test_parser_section_base,
		NULL,
	};

	return test_run(tests);
}

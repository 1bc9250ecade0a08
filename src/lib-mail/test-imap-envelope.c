#include "test-common.h"
#include "message-parser.h"
#include "message-imap-quote.h"
#include "test-mail-common.h"

/* Expected strings are what Dovecot 2.3 sends for the same input. */

static const char *envelope(const char *msg)
{
	struct message_part *root = message_parse_buffer(test_pool, msg, strlen(msg), NULL);

	return test_mail_envelope(test_pool, root);
}

static void test_envelope(void)
{
	static const struct {
		const char *input, *output;
	} tests[] = {
		{ "\n", "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)" },
		{ "From: \"Joe Q. Public\" <john.q.public@example.com>\n"
		  "Subject: =?ISO-8859-1?Q?Caf=E9?= test  \"q\"\n"
		  "Date: Tue, 1 Jul 2003 10:52:37 +0200\n"
		  "Message-ID: <5678.21-Nov-1997@example.com>\n\n",
		  "(\"Tue, 1 Jul 2003 10:52:37 +0200\" {32}\r\n=?ISO-8859-1?Q?Caf=E9?= test \"q\" "
		  "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) "
		  "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) "
		  "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) NIL NIL NIL NIL "
		  "\"<5678.21-Nov-1997@example.com>\")" },
		/* last Subject/Date/Message-ID wins, address headers join */
		{ "Subject: first\nSubject: second\nFrom: a@b\nFrom: c@d\nDate: x\nDate: y\n"
		  "Message-ID: <1@x>\nMessage-ID: <2@x>\nTo: t\x01u@v\n\n",
		  "(\"y\" \"second\" ((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")) "
		  "((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")) "
		  "((NIL NIL \"a\" \"b\")(NIL NIL \"c\" "
		  "\"d\")) ((NIL NIL \"t\" \"MISSING_DOMAIN\")) NIL NIL NIL \"<2@x>\")" },
		/* empty is "", folds are removed, whitespace kept */
		{ "Subject:\nIn-Reply-To:\n <x@y> <c@d>\nDate:\n\n",
		  "(\"\" \"\" NIL NIL NIL NIL NIL NIL \" <x@y> <c@d>\" NIL)" },
		/* a folded subject is a literal, as in Dovecot */
		{ "Subject: a\n b\n\n", "(NIL {3}\r\na b NIL NIL NIL NIL NIL NIL NIL NIL)" },
		/* NUL becomes U+FFFD */
		{ "Subject: a\0b\n\n",
		  "(NIL {5}\r\na\xef\xbf\xbd" "b NIL NIL NIL NIL NIL NIL NIL NIL)" },
	};

	test_begin("imap envelope");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		/* strlen() stops at the NUL test's NUL: handle it apart */
		if (strstr(tests[i].output, "\xef\xbf\xbd") != NULL) {
			static const char msg[] = "Subject: a\0b\n\n";
			struct message_part *root =
				message_parse_buffer(test_pool, msg, sizeof(msg) - 1, NULL);

			test_assert_strcmp(test_mail_envelope(test_pool, root), tests[i].output);
			continue;
		}
		test_assert_strcmp(envelope(tests[i].input), tests[i].output);
	}
	test_end();
}

static void test_quote(void)
{
	static const struct {
		const char *input, *nstring, *humans;
	} tests[] = {
		{ "plain", "\"plain\"", "\"plain\"" },
		{ "", "\"\"", "\"\"" },
		{ "   ", "\"   \"", "\"\"" },
		{ "a\"b\"c\"d\"e", "\"a\\\"b\\\"c\\\"d\\\"e\"", "{9}\r\na\"b\"c\"d\"e" },
		{ "a\"b\"c\"d\"e\"", "{10}\r\na\"b\"c\"d\"e\"", "{10}\r\na\"b\"c\"d\"e\"" },
		{ "caf\xc3\xa9", "{5}\r\ncaf\xc3\xa9", "{5}\r\ncaf\xc3\xa9" },
		{ "\tspaced\t  out  ", "\"\tspaced\t  out  \"", "{10}\r\nspaced out" },
		{ "a\r\n b", "{5}\r\na\r\n b", "{3}\r\na b" },
	};

	test_begin("imap quoting");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		string_t *str = str_new(test_pool, 64);

		message_imap_append_nstring(str, tests[i].input);
		test_assert_strcmp(str_c(str), tests[i].nstring);
		str_truncate(str, 0);
		message_imap_append_string_for_humans(str, (const unsigned char *)tests[i].input,
						      strlen(tests[i].input));
		test_assert_strcmp(str_c(str), tests[i].humans);
	}
	string_t *str = str_new(test_pool, 64);

	message_imap_append_nstring(str, NULL);
	message_imap_append_nstring_nolf(str, "a\r\nb\n c");
	test_assert_strcmp(str_c(str), "NIL\"a b c\"");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_envelope,
		test_quote,
		NULL,
	};
	return test_run(tests);
}

#include "test-common.h"
#include "imap-base-subject.h"

static void test_base_subject(void)
{
	static const struct {
		const char *input, *output;
		bool reply;
	} tests[] = {
		{ "", "", false },
		{ "Hello", "HELLO", false },
		{ "  Hello \t  world  ", "HELLO WORLD", false },
		{ "Hello\r\n\tworld", "HELLO WORLD", false },
		{ "Re: Hello", "HELLO", true },
		{ "RE: re: Re:Hello", "HELLO", true },
		{ "Re : Hello", "HELLO", true },
		{ "Fwd: Hello", "HELLO", true },
		{ "FW: Hello", "HELLO", true },
		{ "Re[2]: Hello", "HELLO", true },
		{ "Re [2] : Hello", "HELLO", true },
		{ "[list] Re: Hello", "HELLO", true },
		{ "[list] [x] Re: [y] Fwd: Hello", "HELLO", true },
		{ "[list] Hello", "HELLO", false },
		{ "[PATCH] [v2] Hello", "HELLO", false },
		/* a blob that is all there is stays */
		{ "[only blob]", "[ONLY BLOB]", false },
		{ "[a] [b]", "[B]", false },
		{ "Re: [only blob]", "[ONLY BLOB]", true },
		{ "Hello (fwd)", "HELLO", true },
		{ "Hello (fwd) (FWD)  ", "HELLO", true },
		{ "[Fwd: Hello]", "HELLO", true },
		{ "[fwd: Re: [fwd: Hello] (fwd)]", "HELLO", true },
		{ "Re: [Fwd: Re: Hello]", "HELLO", true },
		/* not decorations */
		{ "Reply: Hello", "REPLY: HELLO", false },
		{ "Re Hello", "RE HELLO", false },
		{ "Hello: Re: world", "HELLO: RE: WORLD", false },
		{ "Hello (fwd) world", "HELLO (FWD) WORLD", false },
		/* RFC 2047 words are decoded before anything is removed */
		{ "=?UTF-8?Q?Re=3A_=C3=BCber?=", "U\xcc\x88" "BER", true },
		{ "=?ISO-8859-1?Q?Gr=FC=DFe?= (fwd)", "GRU\xcc\x88\xc3\x9f" "E", true },
		{ "Re: =?UTF-8?B?w6lsw6h2ZQ==?=", "E\xcc\x81LE\xcc\x80VE", true },
		/* malformed: unclosed and nested blobs, lone colons, NULs */
		{ "[unclosed Re: Hello", "[UNCLOSED RE: HELLO", false },
		{ "[a[b]] Re: x", "[A[B]] RE: X", false },
		{ "]Re: x", "]RE: X", false },
		{ ":", ":", false },
		{ "Re:", "", true },
		{ "Re: Re: ", "", true },
		{ "(fwd)", "", true },
		{ "[fwd:]", "", true },
		{ "[FWD: x", "[FWD: X", false },
		{ "=?UTF-8?Q?broken", "=?UTF-8?Q?BROKEN", false },
		{ "\xff\xfe Re: x", "\xef\xbf\xbd\xef\xbf\xbd RE: X", false },
	};

	test_begin("imap_base_subject");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		bool reply = !tests[i].reply;
		const char *base = imap_base_subject(test_pool, tests[i].input,
						     strlen(tests[i].input), &reply);

		test_assert_idx(strcmp(base, tests[i].output) == 0, i);
		test_assert_idx(reply == tests[i].reply, i);
	}
	test_end();
}

static void test_base_subject_long(void)
{
	string_t *str = str_new(test_pool, 1024 * 1024);
	bool reply;

	test_begin("imap_base_subject long input");
	/* many decorations and unterminated blobs: still returns */
	for (unsigned int i = 0; i < 20000; i++)
		str_append(str, "Re: [x] ");
	str_append(str, "end");
	test_assert(strcmp(imap_base_subject(test_pool, str_data(str), str_len(str), &reply),
			   "END") == 0 && reply);
	str_truncate(str, 0);
	for (unsigned int i = 0; i < 20000; i++)
		str_append(str, "[[[[");
	test_assert(strlen(imap_base_subject(test_pool, str_data(str), str_len(str), NULL)) ==
		    80000);
	str_truncate(str, 0);
	for (unsigned int i = 0; i < 50000; i++)
		str_append(str, "[x] ");
	str_append(str, "hello");
	test_assert(strcmp(imap_base_subject(test_pool, str_data(str), str_len(str), NULL),
			   "HELLO") == 0);
	/* embedded NUL ends the text */
	test_assert(strcmp(imap_base_subject(test_pool, "Re: a\0b", 7, NULL), "A") == 0);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_base_subject,
		test_base_subject_long,
		NULL,
	};
	return test_run(tests);
}

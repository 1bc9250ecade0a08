#include "test-common.h"
#include "utf8.h"
#include "mutf7.h"

struct test_vector {
	const char *utf8, *utf7;
};

static const struct test_vector vectors[] = {
	/* RFC 3501 section 5.1.3 */
	{ "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	  "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
	{ "", "" },
	{ "INBOX", "INBOX" },
	{ "&", "&-" },
	{ "a&b", "a&-b" },
	{ "&&", "&-&-" },
	{ "\xc3\xa4", "&AOQ-" },
	{ "\xc3\xa4\xc3\xb6&\xc3\xbc", "&AOQA9g-&-&APw-" },
	{ "Entw\xc3\xbcrfe", "Entw&APw-rfe" },
	{ "\xf0\x9f\x98\x80", "&2D3eAA-" },
	{ "\t", "&AAk-" },
	{ "\x7f", "&AH8-" },
	{ " ~-+,", " ~-+," },
	{ "\xef\xbf\xbf", "&,,8-" },
	{ "\xf4\x8f\xbf\xbf", "&2,,f,w-" },
};

static void test_mutf7_vectors(void)
{
	string_t *str = str_new(test_pool, 64);

	test_begin("mUTF-7 vectors");
	for (unsigned int i = 0; i < N_ELEMENTS(vectors); i++) {
		buffer_reset(str);
		test_assert_idx(imap_utf8_to_utf7(vectors[i].utf8, str) == 0, i);
		test_assert_strcmp(str_c(str), vectors[i].utf7);

		buffer_reset(str);
		test_assert_idx(imap_utf7_to_utf8(vectors[i].utf7, str) == 0, i);
		test_assert_strcmp(str_c(str), vectors[i].utf8);
		test_assert_idx(imap_utf7_is_valid(vectors[i].utf7), i);
	}
	/* output is appended */
	buffer_reset(str);
	str_append(str, "x/");
	test_assert(imap_utf8_to_utf7("\xc3\xa4", str) == 0);
	test_assert_strcmp(str_c(str), "x/&AOQ-");
	test_end();
}

static void test_mutf7_invalid_utf7(void)
{
	static const char *const invalid[] = {
		/* printable ASCII must not be encoded */
		"&AGE-", "&ACY-", "&AOQAYQ-", "&AGEA5A-",
		/* unterminated */
		"&", "a&", "&AOQ", "&U,BTFw", "&-&",
		/* bits left over: non-zero, or a whole unused character */
		"&AOR-", "&AOQA-", "&AOQA5-", "&A-", "&AO-",
		/* characters outside modified base64 */
		"&AOQ/-", "&AOQ=-", "&AO Q-", "&AOQ&-", "&A\xc3\xa4-",
		/* lone surrogates */
		"&2D0-", "&2D3YPQ-", "&3gA-", "&AOTeAA-", "&2D0AOQ-",
		/* U+0000 */
		"&AAA-",
		/* adjacent runs */
		"&AOQ-&APw-", "a&AOQ-&APw-b",
		/* raw bytes outside printable ASCII */
		"\xc3\xa4", "a\tb", "\x7f", "\x01", "a\nb", "\xff",
	};
	string_t *str = str_new(test_pool, 64);

	test_begin("mUTF-7 invalid input");
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++) {
		buffer_reset(str);
		str_append(str, "keep");
		test_assert_idx(imap_utf7_to_utf8(invalid[i], str) < 0, i);
		/* partial output is taken back */
		test_assert_strcmp(str_c(str), "keep");
		test_assert_idx(!imap_utf7_is_valid(invalid[i]), i);
	}
	test_end();
}

static void test_mutf7_invalid_utf8(void)
{
	static const char *const invalid[] = {
		"\xc3", "a\xc3", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80",
		"\xc3\xa4\xff", "ok/\xe2\x82",
	};
	string_t *str = str_new(test_pool, 64);

	test_begin("mUTF-7 encoding invalid UTF-8");
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++) {
		buffer_reset(str);
		str_append(str, "keep");
		test_assert_idx(imap_utf8_to_utf7(invalid[i], str) < 0, i);
		test_assert_strcmp(str_c(str), "keep");
	}
	test_end();
}

static void test_mutf7_roundtrip(void)
{
	string_t *utf8 = str_new(test_pool, 64), *utf7 = str_new(test_pool, 64);
	string_t *back = str_new(test_pool, 64);
	unsigned int failures = 0;

	test_begin("mUTF-7 round trip of code points");
	for (uint32_t chr = 1; chr <= 0x10ffff; chr += chr < 0x10000 ? 1 : 97) {
		if (!utf8_char_is_valid(chr))
			continue;
		/* alone and between other characters, which changes the bit
		   alignment of the run */
		for (unsigned int form = 0; form < 3; form++) {
			buffer_reset(utf8);
			if (form == 1)
				utf8_append_char(utf8, 0xe4);
			if (form == 2)
				str_append(utf8, "x");
			utf8_append_char(utf8, chr);
			if (form > 0)
				utf8_append_char(utf8, 0x20ac);
			buffer_reset(utf7);
			buffer_reset(back);
			if (imap_utf8_to_utf7(str_c(utf8), utf7) < 0 ||
			    imap_utf7_to_utf8(str_c(utf7), back) < 0 ||
			    strcmp(str_c(back), str_c(utf8)) != 0 ||
			    !imap_utf7_is_valid(str_c(utf7))) {
				if (failures++ < 5)
					test_assert_idx(false, chr);
			}
		}
	}
	test_end();
}

/* Random strings from a small alphabet: whatever decodes must encode back
   to the same text, and the validity check must agree with the decoder. */
static void test_mutf7_canonical(void)
{
	static const char chars[] = "&-AOQ,+a2D3eZ/=9g";
	string_t *utf8 = str_new(test_pool, 64), *utf7 = str_new(test_pool, 64);
	char input[12];
	unsigned int seed = 3, accepted = 0;

	test_begin("mUTF-7 decoding is canonical");
	for (unsigned int n = 0; n < 300000; n++) {
		seed = seed * 1103515245 + 12345;
		size_t len = (seed >> 16) % sizeof(input);

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			input[i] = chars[(seed >> 16) % (sizeof(chars) - 1)];
		}
		input[len] = '\0';
		buffer_reset(utf8);
		int ret = imap_utf7_to_utf8(input, utf8);

		test_assert_idx((ret == 0) == imap_utf7_is_valid(input), n);
		if (ret < 0) {
			test_assert_idx(str_len(utf8) == 0, n);
			continue;
		}
		accepted++;
		test_assert_idx(utf8_is_valid(str_data(utf8), str_len(utf8)), n);
		buffer_reset(utf7);
		test_assert_idx(imap_utf8_to_utf7(str_c(utf8), utf7) == 0, n);
		test_assert_strcmp(str_c(utf7), input);
	}
	test_assert(accepted > 1000);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_mutf7_vectors,   test_mutf7_invalid_utf7, test_mutf7_invalid_utf8,
		test_mutf7_roundtrip, test_mutf7_canonical,    NULL,
	};
	return test_run(tests);
}

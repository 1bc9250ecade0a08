#include "test-common.h"
#include "rfc2047.h"

static const char *decode(const char *input)
{
	string_t *str = str_new(test_pool, 64);

	rfc2047_decode_utf8(input, strlen(input), str);
	return str_c(str);
}

static void test_rfc2047_decode(void)
{
	static const struct {
		const char *input, *output;
	} tests[] = {
		{ "plain text", "plain text" },
		{ "=?ISO-8859-1?Q?Caf=E9?=", "Caf\xc3\xa9" },
		{ "=?iso-8859-1?q?Andr=E9?= Pirard", "Andr\xc3\xa9 Pirard" },
		{ "=?UTF-8?B?w6lsw6h2ZQ==?=", "\xc3\xa9l\xc3\xa8ve" },
		{ "=?UTF-8?Q?R=C3=A9union_de_l=27=C3=A9quipe?=",
		  "R\xc3\xa9union de l'\xc3\xa9quipe" },
		/* whitespace between words goes, other text stays */
		{ "=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab" },
		{ "=?UTF-8?Q?a?=\r\n\t=?UTF-8?Q?b?=", "ab" },
		{ "=?UTF-8?Q?a?= x =?UTF-8?Q?b?=", "a x b" },
		/* a UTF-8 character split between two words */
		{ "=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=", "\xe2\x82\xac" },
		/* different charsets are decoded separately */
		{ "=?ISO-8859-1?Q?=E9?= =?UTF-8?Q?=C3=A9?=", "\xc3\xa9\xc3\xa9" },
		/* RFC 2231 language suffix */
		{ "=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore" },
		/* unknown charset: kept raw */
		{ "=?X-UNKNOWN?Q?raw?= ok", "=?X-UNKNOWN?Q?raw?= ok" },
		/* malformed: not encoded words */
		{ "=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=" },
		{ "=?UTF-8?Q?unterminated", "=?UTF-8?Q?unterminated" },
		{ "=??Q?x?=", "=??Q?x?=" },
		{ "a = b ?= c", "a = b ?= c" },
		/* broken Q escapes are kept */
		{ "=?UTF-8?Q?a=ZZb=4?=", "a=ZZb=4" },
		/* invalid UTF-8 becomes U+FFFD, inside and outside words */
		{ "=?UTF-8?Q?=FF?= \xff", "\xef\xbf\xbd \xef\xbf\xbd" },
		{ "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9" },
		/* lenient base64 */
		{ "=?UTF-8?B?aGVs bG8?=", "hello" },
	};

	test_begin("rfc2047_decode_utf8");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++)
		test_assert_strcmp(decode(tests[i].input), tests[i].output);
	test_end();
}

static void test_rfc2047_has_encoded_words(void)
{
	test_begin("rfc2047_has_encoded_words");
	test_assert(rfc2047_has_encoded_words("x =?a?b?Yg==?= y", 16));
	test_assert(!rfc2047_has_encoded_words("x =?a?b", 7));
	test_assert(!rfc2047_has_encoded_words("", 0));
	test_end();
}

static void test_rfc2047_linear(void)
{
	/* many word starts without an end: each byte is searched once */
	string_t *input = str_new(test_pool, 1024 * 1024);
	string_t *output = str_new(test_pool, 1024 * 1024);

	test_begin("rfc2047: 1 MB of unterminated word starts");
	while (str_len(input) < 1024 * 1024)
		str_append(input, "=?utf-8?q?x");
	rfc2047_decode_utf8(str_data(input), str_len(input), output);
	test_assert(str_len(output) == str_len(input));
	str_truncate(input, 0);
	str_truncate(output, 0);
	while (str_len(input) < 1024 * 1024)
		str_append(input, "=?utf-8?q?x");
	str_append(input, "?=");
	rfc2047_decode_utf8(str_data(input), str_len(input), output);
	test_assert(str_len(output) > 0);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_rfc2047_decode,
		test_rfc2047_has_encoded_words,
		test_rfc2047_linear,
		NULL,
	};
	return test_run(tests);
}

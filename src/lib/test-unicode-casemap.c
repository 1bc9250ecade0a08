#include "test-common.h"
#include "str.h"
#include "unicode-casemap.h"
#include "utf8.h"

static const char *casemap(const char *s)
{
	string_t *str = str_new(test_pool, 64);

	uni_utf8_casemap(s, strlen(s), str);
	return str_c(str);
}

static void test_casemap_vectors(void)
{
	test_begin("unicode-casemap: RFC 5051 titlecase + decomposition");
	test_assert_strcmp(casemap("Hello, world 123"), "HELLO, WORLD 123");
	/* A with ring: precomposed, lowercase, decomposed, ANGSTROM SIGN */
	test_assert_strcmp(casemap("\xc3\x85"), "A\xcc\x8a");
	test_assert_strcmp(casemap("\xc3\xa5"), "A\xcc\x8a");
	test_assert_strcmp(casemap("a\xcc\x8a"), "A\xcc\x8a");
	test_assert_strcmp(casemap("\xe2\x84\xab"), "A\xcc\x8a");
	/* Kelvin sign; fi ligature (compatibility decomposition) */
	test_assert_strcmp(casemap("\xe2\x84\xaa"), "K");
	test_assert_strcmp(casemap("\xef\xac\x81"), "FI");
	/* sharp s has no simple titlecase mapping */
	test_assert_strcmp(casemap("stra\xc3\x9f" "e"), "STRA\xc3\x9f" "E");
	/* Greek: final and medial sigma are both capital sigma */
	test_assert_strcmp(casemap("\xcf\x82\xcf\x83"), "\xce\xa3\xce\xa3");
	/* dz with caron: its titlecase U+01C5 decomposes to D + z-caron,
	   whose titlecase decomposes to Z + combining caron */
	test_assert_strcmp(casemap("\xc7\x86"), "DZ\xcc\x8c");
	test_assert_strcmp(casemap("\xc7\x84"), "DZ\xcc\x8c");
	/* Cyrillic */
	test_assert_strcmp(casemap("\xd0\xbf\xd1\x80\xd0\xb8"), "\xd0\x9f\xd0\xa0\xd0\x98");
	/* CJK and Hangul syllables stay */
	test_assert_strcmp(casemap("\xe4\xb8\xad\xea\xb0\x80"), "\xe4\xb8\xad\xea\xb0\x80");
	/* invalid bytes and a cut character become U+FFFD */
	test_assert_strcmp(casemap("a\xff" "b"), "A\xef\xbf\xbd" "B");
	test_assert_strcmp(casemap("a\xc3"), "A\xef\xbf\xbd");
	test_end();
}

static void test_casemap_partial(void)
{
	const char *text = "x\xc3\xa5\xe2\x84\xab\xf0\x9d\x90\x80y";
	size_t len = strlen(text), split, pos;
	string_t *whole = str_new(test_pool, 64), *parts = str_new(test_pool, 64);

	test_begin("unicode-casemap: text split anywhere gives the same result");
	uni_utf8_casemap(text, len, whole);
	for (split = 0; split <= len; split++) {
		str_truncate(parts, 0);
		pos = uni_utf8_casemap_partial(text, split, parts);
		test_assert(pos <= split);
		uni_utf8_casemap(text + pos, len - pos, parts);
		test_assert_strcmp(str_c(parts), str_c(whole));
	}
	test_end();
}

/* Every mapping is a fixed point: casemapping twice changes nothing,
   which substring search relies on (the key and the text are mapped the
   same way). */
static void test_casemap_idempotent(void)
{
	string_t *once = str_new(test_pool, 64), *twice = str_new(test_pool, 64);
	unsigned int failures = 0;
	uint32_t chr;

	test_begin("unicode-casemap: idempotent on every code point");
	for (chr = 1; chr <= 0x10ffff; chr++) {
		if (!utf8_char_is_valid(chr))
			continue;
		str_truncate(once, 0);
		str_truncate(twice, 0);
		string_t *in = str_new(pool_temp, 8);
		utf8_append_char(in, chr);
		uni_utf8_casemap(str_data(in), str_len(in), once);
		uni_utf8_casemap(str_data(once), str_len(once), twice);
		if (strcmp(str_c(once), str_c(twice)) != 0)
			failures++;
		if ((chr & 0xffff) == 0)
			pool_temp_clear();
	}
	test_assert(failures == 0);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_casemap_vectors,
		test_casemap_partial,
		test_casemap_idempotent,
		NULL,
	};
	return test_run(tests);
}

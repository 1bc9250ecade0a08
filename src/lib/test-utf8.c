#include "test-common.h"
#include "utf8.h"

/* A slow, obviously written decoder to compare utf8_get_char() against:
   returns the length of the valid character at p or -1. */
static int ref_utf8_char_len(const unsigned char *p, size_t size)
{
	unsigned int len, i;
	uint32_t chr;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		chr = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		chr = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		chr = p[0] & 0x07;
	} else {
		return -1;
	}
	if (size < len)
		return -1;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		chr = (chr << 6) | (p[i] & 0x3f);
	}
	static const uint32_t min_chr[] = { 0, 0, 0x80, 0x800, 0x10000 };

	if (chr < min_chr[len] || chr > 0x10ffff || (chr >= 0xd800 && chr <= 0xdfff))
		return -1;
	return (int)len;
}

/* Checks size bytes with a copy of exactly that size, so that ASan sees
   any read past the end. */
static bool test_is_valid(const void *data, size_t size)
{
	unsigned char *copy = i_malloc(size + 1);
	bool ret;

	memcpy(copy, data, size);
	ret = utf8_is_valid(copy, size);
	i_free(copy);
	return ret;
}

static void test_utf8_valid_vectors(void)
{
	static const char *const valid[] = {
		"", "abc", "\xc3\xa4", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		"\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xef\xbf\xbf", "\xed\x9f\xbf",
		"\xee\x80\x80", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
		"\xe5\x8f\xb0\xe5\x8c\x97",
	};
	static const char *const invalid[] = {
		"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf",
		"\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe", "\xff",
		"\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xc3\x28", "\xe2\x28\xa1", "a\xc3",
		"\xc3\xa4\xa4",
	};

	test_begin("utf8_is_valid vectors");
	for (unsigned int i = 0; i < N_ELEMENTS(valid); i++)
		test_assert_idx(test_is_valid(valid[i], strlen(valid[i])), i);
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++)
		test_assert_idx(!test_is_valid(invalid[i], strlen(invalid[i])), i);
	/* NUL is a valid character; only the size counts */
	test_assert(test_is_valid("a\0b", 3));
	test_end();
}

static void test_utf8_get_char(void)
{
	uint32_t chr = 0;

	test_begin("utf8_get_char");
	test_assert(utf8_get_char("", 0, &chr) == 0);
	test_assert(utf8_get_char("A", 1, &chr) == 1 && chr == 'A');
	test_assert(utf8_get_char("\xc3\xa4x", 3, &chr) == 2 && chr == 0xe4);
	test_assert(utf8_get_char("\xe2\x82\xac", 3, &chr) == 3 && chr == 0x20ac);
	test_assert(utf8_get_char("\xf0\x9f\x98\x80", 4, &chr) == 4 && chr == 0x1f600);
	/* a valid but incomplete start */
	test_assert(utf8_get_char("\xf0\x9f\x98", 3, &chr) == 0);
	test_assert(utf8_get_char("\xe2", 1, &chr) == 0);
	/* incomplete starts that can never become valid */
	test_assert(utf8_get_char("\xe0\x80", 2, &chr) == -1);
	test_assert(utf8_get_char("\xed\xa0", 2, &chr) == -1);
	test_assert(utf8_get_char("\xf4\x90", 2, &chr) == -1);
	test_assert(utf8_get_char("\xc0", 1, &chr) == -1);
	test_end();
}

static void test_utf8_exhaustive(void)
{
	unsigned char buf[4];
	uint32_t chr;
	unsigned int i, j, k, l;

	test_begin("utf8 against a reference decoder");
	for (i = 0; i < 256; i++) {
		for (j = 0; j < 256; j++) {
			buf[0] = (unsigned char)i;
			buf[1] = (unsigned char)j;
			bool ref = ref_utf8_char_len(buf, 2) == 2 ||
				   (i < 0x80 && j < 0x80);
			test_assert_idx(utf8_is_valid(buf, 2) == ref, i * 256 + j);
		}
	}
	for (i = 0xe0; i < 0xf0; i++) {
		for (j = 0; j < 256; j++) {
			for (k = 0; k < 256; k++) {
				buf[0] = (unsigned char)i;
				buf[1] = (unsigned char)j;
				buf[2] = (unsigned char)k;
				int ret = utf8_get_char(buf, 3, &chr);
				int ref = ref_utf8_char_len(buf, 3);

				if (ret != ref)
					test_assert_idx(ret == ref, (i << 16) | (j << 8) | k);
			}
		}
	}
	/* four-byte leads, every second byte, edge values for the rest */
	static const unsigned char edges[] = { 0x00, 0x7f, 0x80, 0x8f, 0x90, 0xbf, 0xc0, 0xff };

	for (i = 0xf0; i < 0x100; i++) {
		for (j = 0; j < 256; j++) {
			for (k = 0; k < N_ELEMENTS(edges); k++) {
				for (l = 0; l < N_ELEMENTS(edges); l++) {
					buf[0] = (unsigned char)i;
					buf[1] = (unsigned char)j;
					buf[2] = edges[k];
					buf[3] = edges[l];
					int ret = utf8_get_char(buf, 4, &chr);
					int ref = ref_utf8_char_len(buf, 4);

					if (ret != ref)
						test_assert_idx(ret == ref, (i << 8) | j);
				}
			}
		}
	}
	test_end();
}

static void test_utf8_roundtrip(void)
{
	string_t *str = str_new(test_pool, 16);
	uint32_t chr, out;
	unsigned int failures = 0;

	test_begin("utf8 append/get round trip of every code point");
	for (chr = 0; chr <= 0x10ffff; chr++) {
		if (!utf8_char_is_valid(chr))
			continue;
		buffer_reset(str);
		utf8_append_char(str, chr);
		if (utf8_get_char(str_data(str), str_len(str), &out) != (int)str_len(str) ||
		    out != chr || !utf8_is_valid(str_data(str), str_len(str))) {
			if (failures++ < 5)
				test_assert_idx(false, chr);
		}
		/* every proper prefix is "incomplete", never valid or invalid */
		for (size_t len = 1; len < str_len(str); len++) {
			if (utf8_get_char(str_data(str), len, &out) != 0 && failures++ < 5)
				test_assert_idx(false, chr);
		}
	}
	test_assert(!utf8_char_is_valid(0xd800));
	test_assert(!utf8_char_is_valid(0xdfff));
	test_assert(!utf8_char_is_valid(0x110000));
	test_assert(utf8_char_is_valid(0x10ffff));
	buffer_reset(str);
	utf8_append_char(str, 0x20ac);
	test_assert_strcmp(str_c(str), "\xe2\x82\xac");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_utf8_valid_vectors, test_utf8_get_char, test_utf8_exhaustive,
		test_utf8_roundtrip, NULL,
	};
	return test_run(tests);
}

#include "test-common.h"
#include "hex.h"

static void test_hex_encode(void)
{
	string_t *str = str_new(test_pool, 16);
	unsigned char all[256];

	test_begin("hex_encode");
	hex_encode("", 0, str);
	test_assert_strcmp(str_c(str), "");
	hex_encode("\x00\x01\xab\xff", 4, str);
	test_assert_strcmp(str_c(str), "0001abff");
	test_assert_strcmp(hex_encode_pool(test_pool, "foobar", 6), "666f6f626172");
	test_assert_strcmp(hex_encode_pool(test_pool, "", 0), "");

	for (unsigned int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	buffer_reset(str);
	hex_encode(all, sizeof(all), str);
	test_assert(str_len(str) == 512);
	test_assert(strncmp(str_c(str) + 2 * 0x7f, "7f80", 4) == 0);
	test_end();
}

static void test_hex_decode(void)
{
	buffer_t *buf = buffer_create_dynamic(test_pool, 16);
	const char *error;

	test_begin("hex_decode");
	test_assert(hex_decode("", 0, buf, &error) == 0 && buf->used == 0);
	test_assert(hex_decode("0001abFFaB", 10, buf, &error) == 0);
	test_assert(buf->used == 5 && memcmp(buf->data, "\x00\x01\xab\xff\xab", 5) == 0);
	test_assert(hex_digit_value('f') == 15 && hex_digit_value('F') == 15);
	test_assert(hex_digit_value('g') == -1 && hex_digit_value('\0') == -1);
	test_end();
}

static void test_hex_decode_invalid(void)
{
	static const char *const invalid[] = {
		"0", "abc", "0g", "g0", " 0", "0 ", "0x00", "-1", "zz", "\xc3\xa4", "0\n",
	};
	buffer_t *buf = buffer_create_dynamic(test_pool, 16);
	const char *error;

	test_begin("hex_decode invalid input");
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++) {
		size_t len = strlen(invalid[i]);
		char *copy = i_malloc(len);

		/* exact-size copy: any read past the end is an ASan error */
		memcpy(copy, invalid[i], len);
		buffer_reset(buf);
		buffer_append(buf, "x", 1);
		error = NULL;
		test_assert_idx(hex_decode(copy, len, buf, &error) < 0, i);
		test_assert_idx(error != NULL, i);
		/* dest is left as it was */
		test_assert_idx(buf->used == 1, i);
		i_free(copy);
	}
	/* a NUL inside the counted size is not a digit */
	test_assert(hex_decode("00\0000", 4, buf, &error) < 0);

	/* a bounded destination that fills up fails as a whole */
	buffer_t *small = buffer_create_bounded(test_pool, 2, 2);

	test_assert(hex_decode("010203", 6, small, &error) < 0);
	test_assert(small->used == 0);
	test_assert(hex_decode("0102", 4, small, &error) == 0 && small->used == 2);
	test_end();
}

static void test_hex_roundtrip(void)
{
	string_t *str = str_new(test_pool, 64);
	buffer_t *buf = buffer_create_dynamic(test_pool, 64);
	unsigned char data[64];
	const char *error;
	unsigned int seed = 12345;

	test_begin("hex round trip");
	for (unsigned int n = 0; n < 500; n++) {
		size_t len = n % sizeof(data);

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			data[i] = (unsigned char)(seed >> 16);
		}
		buffer_reset(str);
		buffer_reset(buf);
		hex_encode(data, len, str);
		test_assert_idx(hex_decode(str_data(str), str_len(str), buf, &error) == 0, n);
		test_assert_idx(buf->used == len && memcmp(buf->data, data, len) == 0, n);
		/* uppercase decodes to the same bytes */
		str_ucase((char *)str->data);
		buffer_reset(buf);
		test_assert_idx(hex_decode(str_data(str), str_len(str), buf, &error) == 0, n);
		test_assert_idx(buf->used == len && memcmp(buf->data, data, len) == 0, n);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_hex_encode, test_hex_decode, test_hex_decode_invalid, test_hex_roundtrip, NULL,
	};
	return test_run(tests);
}

#include "test-common.h"
#include "base64.h"

struct test_vector {
	const char *plain, *encoded;
};

/* RFC 4648 section 10 */
static const struct test_vector rfc4648_vectors[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

/* Decodes with an exact-size copy of the input, so that ASan reports any
   read past the end. */
static int test_decode(int (*decode)(const void *, size_t, buffer_t *, const char **),
		       const char *input, size_t len, buffer_t *dest, const char **error_r)
{
	char *copy = i_malloc(len + 1);
	int ret;

	memcpy(copy, input, len);
	ret = decode(copy, len, dest, error_r);
	i_free(copy);
	return ret;
}

static void test_base64_vectors(void)
{
	string_t *str = str_new(test_pool, 64);
	buffer_t *buf = buffer_create_dynamic(test_pool, 64);
	const char *error;

	test_begin("base64 RFC 4648 vectors");
	for (unsigned int i = 0; i < N_ELEMENTS(rfc4648_vectors); i++) {
		const struct test_vector *v = &rfc4648_vectors[i];

		buffer_reset(str);
		base64_encode(v->plain, strlen(v->plain), str);
		test_assert_strcmp(str_c(str), v->encoded);
		test_assert_idx(str_len(str) == BASE64_ENCODED_SIZE(strlen(v->plain)), i);

		buffer_reset(buf);
		test_assert_idx(base64_decode(v->encoded, strlen(v->encoded), buf, &error) == 0, i);
		test_assert_idx(buf->used == strlen(v->plain) &&
					memcmp(buf->data, v->plain, buf->used) == 0,
				i);
		test_assert_idx(buf->used <= BASE64_DECODED_MAX_SIZE(strlen(v->encoded)), i);

		buffer_reset(buf);
		test_assert_idx(
			base64_decode_mime(v->encoded, strlen(v->encoded), buf, &error) == 0, i);
		test_assert_idx(buf->used == strlen(v->plain), i);
	}
	/* every byte value, and both characters past 'z' */
	buffer_reset(str);
	base64_encode("\xfb\xff\xbf", 3, str);
	test_assert_strcmp(str_c(str), "+/+/");
	test_end();
}

static void test_base64url_vectors(void)
{
	string_t *str = str_new(test_pool, 64);
	buffer_t *buf = buffer_create_dynamic(test_pool, 64);
	const char *error;

	test_begin("base64url");
	buffer_reset(str);
	base64url_encode("\xfb\xff\xbf", 3, str);
	test_assert_strcmp(str_c(str), "-_-_");
	buffer_reset(str);
	base64url_encode("\xfb\xff", 2, str);
	test_assert_strcmp(str_c(str), "-_8");
	buffer_reset(str);
	base64url_encode("f", 1, str);
	test_assert_strcmp(str_c(str), "Zg");

	test_assert(base64url_decode("-_8", 3, buf, &error) == 0);
	test_assert(buf->used == 2 && memcmp(buf->data, "\xfb\xff", 2) == 0);
	buffer_reset(buf);
	test_assert(base64url_decode("-_8=", 4, buf, &error) == 0 && buf->used == 2);
	buffer_reset(buf);
	test_assert(base64url_decode("Zg", 2, buf, &error) == 0 && buf->used == 1);
	buffer_reset(buf);
	test_assert(base64url_decode("Zg==", 4, buf, &error) == 0 && buf->used == 1);
	buffer_reset(buf);
	test_assert(base64url_decode("Zm9vYmFy", 8, buf, &error) == 0 && buf->used == 6);

	static const char *const invalid[] = {
		"Z", "Zg=", "Zg===", "+/8=", "Zh", "Zm9", "Zm9vY", "Z=g=", " Zg", "Zg\n",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++) {
		buffer_reset(buf);
		test_assert_idx(test_decode(base64url_decode, invalid[i], strlen(invalid[i]), buf,
					    &error) < 0,
				i);
		test_assert_idx(buf->used == 0, i);
	}
	test_end();
}

static void test_base64_invalid(void)
{
	static const char *const invalid[] = {
		/* not whole groups */
		"Z", "Zg", "Zg=", "Zm9vY", "Zm9vYg", "Zm9vYg=",
		/* bad padding */
		"=", "====", "Z===", "=Zg=", "Zg=a", "Zm=9", "Zg==Zg==", "Zg===", "Zm9v=",
		"Zm9vYmFy====",
		/* non-zero unused bits */
		"Zh==", "Zv==", "Zm9=", "Zm+=",
		/* outside the alphabet */
		"Zm8*", "Zm8-", "Zm8_", "Zm 8", "Zm8=\n", " Zm8=", "Zm\t8=", "Zm9v\xc3\xa4",
		"\x80\x80\x80\x80",
	};
	buffer_t *buf = buffer_create_dynamic(test_pool, 64);
	const char *error;

	test_begin("base64 invalid input");
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++) {
		buffer_reset(buf);
		buffer_append(buf, "keep", 4);
		error = NULL;
		test_assert_idx(test_decode(base64_decode, invalid[i], strlen(invalid[i]), buf,
					    &error) < 0,
				i);
		test_assert_idx(error != NULL, i);
		/* dest is left as it was, even when groups before the error decoded */
		test_assert_idx(buf->used == 4 && memcmp(buf->data, "keep", 4) == 0, i);
	}
	/* NUL inside the counted size */
	test_assert(test_decode(base64_decode, "Zm8\0", 4, buf, &error) < 0);
	test_assert(test_decode(base64_decode, "Zm9vYmFy\0", 9, buf, &error) < 0);
	test_end();
}

static void test_base64_mime(void)
{
	static const char *const valid[] = {
		"Zm9v\r\nYmFy", " Zm9vYmFy ", "Zm\t9v\nYm\r\nFy\r\n", "Zm9vYmFy\r\n\r\n",
	};
	static const char *const invalid[] = {
		"Zm9v\r\nYmF", "Zm9v\r\n*mFy", "Zm9v\x0bYmFy", "Zg==\r\nZg==", "Zh==\r\n",
		"Zg=\r\n", "Zm9v.YmFy",
	};
	buffer_t *buf = buffer_create_dynamic(test_pool, 64);
	const char *error;

	test_begin("base64_decode_mime");
	for (unsigned int i = 0; i < N_ELEMENTS(valid); i++) {
		buffer_reset(buf);
		test_assert_idx(test_decode(base64_decode_mime, valid[i], strlen(valid[i]), buf,
					    &error) == 0,
				i);
		test_assert_idx(buf->used == 6 && memcmp(buf->data, "foobar", 6) == 0, i);
		/* the strict decoder refuses the same whitespace */
		test_assert_idx(test_decode(base64_decode, valid[i], strlen(valid[i]), buf,
					    &error) < 0,
				i);
	}
	buffer_reset(buf);
	test_assert(base64_decode_mime("Zg=\r\n= \r\n", 9, buf, &error) == 0 && buf->used == 1);
	buffer_reset(buf);
	test_assert(base64_decode_mime("\r\n", 2, buf, &error) == 0 && buf->used == 0);
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++) {
		buffer_reset(buf);
		test_assert_idx(test_decode(base64_decode_mime, invalid[i], strlen(invalid[i]),
					    buf, &error) < 0,
				i);
		test_assert_idx(buf->used == 0, i);
	}
	test_end();
}

static void test_base64_bounded(void)
{
	buffer_t *buf = buffer_create_bounded(test_pool, 4, 5);
	const char *error;

	test_begin("base64 into a bounded buffer");
	test_assert(base64_decode("Zm9vYmFy", 8, buf, &error) < 0);
	test_assert(buf->used == 0);
	test_assert(base64_decode("Zm9vYmE=", 8, buf, &error) == 0 && buf->used == 5);
	buffer_reset(buf);
	test_assert(base64_decode("Zm9vYg==", 8, buf, &error) == 0 && buf->used == 4);
	test_assert(base64_decode("Zm8=", 4, buf, &error) < 0 && buf->used == 4);
	test_end();
}

static void test_base64_roundtrip(void)
{
	string_t *str = str_new(test_pool, 512);
	buffer_t *buf = buffer_create_dynamic(test_pool, 512);
	unsigned char data[300];
	unsigned int seed = 42;
	const char *error;

	test_begin("base64 round trip");
	for (size_t len = 0; len < sizeof(data); len++) {
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			data[i] = (unsigned char)(seed >> 16);
		}
		buffer_reset(str);
		buffer_reset(buf);
		base64_encode(data, len, str);
		test_assert_idx(str_len(str) == BASE64_ENCODED_SIZE(len), len);
		test_assert_idx(test_decode(base64_decode, str_c(str), str_len(str), buf, &error) ==
					0,
				len);
		test_assert_idx(buf->used == len && memcmp(buf->data, data, len) == 0, len);

		buffer_reset(str);
		buffer_reset(buf);
		base64url_encode(data, len, str);
		test_assert_idx(strchr(str_c(str), '=') == NULL, len);
		test_assert_idx(test_decode(base64url_decode, str_c(str), str_len(str), buf,
					    &error) == 0,
				len);
		test_assert_idx(buf->used == len && memcmp(buf->data, data, len) == 0, len);
	}
	test_end();
}

/* Random short strings: whatever the strict decoder accepts must encode
   back to exactly the same text, i.e. each text has one meaning. */
static void test_base64_canonical(void)
{
	static const char chars[] = "AZagw09+/=-_ \n!Q";
	string_t *str = str_new(test_pool, 64);
	buffer_t *buf = buffer_create_dynamic(test_pool, 64);
	char input[13];
	unsigned int seed = 7, accepted = 0;
	const char *error;

	test_begin("base64 strict decoding is canonical");
	for (unsigned int n = 0; n < 200000; n++) {
		seed = seed * 1103515245 + 12345;
		size_t len = (seed >> 16) % sizeof(input);

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			input[i] = chars[(seed >> 16) % (sizeof(chars) - 1)];
		}
		buffer_reset(buf);
		if (test_decode(base64_decode, input, len, buf, &error) == 0) {
			accepted++;
			buffer_reset(str);
			base64_encode(buf->data, buf->used, str);
			test_assert_idx(str_len(str) == len && memcmp(str_c(str), input, len) == 0,
					n);
		} else {
			test_assert_idx(buf->used == 0, n);
		}
		buffer_reset(buf);
		if (test_decode(base64url_decode, input, len, buf, &error) == 0) {
			buffer_reset(str);
			base64url_encode(buf->data, buf->used, str);
			/* the url encoder leaves the padding out */
			size_t unpadded = len;

			while (unpadded > 0 && input[unpadded - 1] == '=')
				unpadded--;
			test_assert_idx(str_len(str) == unpadded &&
						memcmp(str_c(str), input, unpadded) == 0,
					n);
		}
		buffer_reset(buf);
		(void)test_decode(base64_decode_mime, input, len, buf, &error);
	}
	/* the property must have been exercised */
	test_assert(accepted > 100);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_base64_vectors, test_base64url_vectors, test_base64_invalid,
		test_base64_mime,    test_base64_bounded,    test_base64_roundtrip,
		test_base64_canonical, NULL,
	};
	return test_run(tests);
}

#include "lib.h"
#include "hex.h"

int hex_digit_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void hex_encode(const void *src, size_t size, string_t *dest)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = src;
	char chunk[128];
	size_t n = 0;

	/* str_append_data() rather than buffer_append_space(): it honours a
	   bounded string's limit */
	for (size_t i = 0; i < size; i++) {
		chunk[n++] = digits[p[i] >> 4];
		chunk[n++] = digits[p[i] & 0x0f];
		if (n == sizeof(chunk)) {
			str_append_data(dest, chunk, n);
			n = 0;
		}
	}
	str_append_data(dest, chunk, n);
}

const char *hex_encode_pool(pool_t pool, const void *src, size_t size)
{
	string_t *str = str_new(pool, i_add_size(i_mul_size(size, 2), 1));

	hex_encode(src, size, str);
	return str_c(str);
}

int hex_decode(const void *src, size_t size, buffer_t *dest, const char **error_r)
{
	const unsigned char *p = src;
	size_t orig_used = dest->used;

	if (size % 2 != 0) {
		*error_r = "odd number of hex digits";
		return -1;
	}
	for (size_t i = 0; i < size; i += 2) {
		int hi = hex_digit_value(p[i]);
		int lo = hex_digit_value(p[i + 1]);

		if (hi < 0 || lo < 0) {
			*error_r = "invalid hex digit";
			buffer_set_used_size(dest, orig_used);
			return -1;
		}
		if (!buffer_append_c(dest, (unsigned char)((hi << 4) | lo))) {
			*error_r = "decoded data too large";
			buffer_set_used_size(dest, orig_used);
			return -1;
		}
	}
	return 0;
}

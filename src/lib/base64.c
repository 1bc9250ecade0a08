#include "lib.h"
#include "base64.h"

enum base64_flags {
	BASE64_FLAG_URL = 0x01,
	/* skip SP, HTAB, CR, LF */
	BASE64_FLAG_IGNORE_WS = 0x02,
	/* a final group may end without '=' padding */
	BASE64_FLAG_PADDING_OPTIONAL = 0x04,
	BASE64_FLAG_NO_PADDING_OUT = 0x08,
};

static const char base64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char base64url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void base64_encode_full(const void *src, size_t size, string_t *dest,
			       enum base64_flags flags)
{
	const char *alphabet = (flags & BASE64_FLAG_URL) != 0 ? base64url_alphabet :
								 base64_alphabet;
	const unsigned char *p = src;
	char chunk[128];
	size_t i, n = 0;

	for (i = 0; i + 3 <= size; i += 3) {
		chunk[n++] = alphabet[p[i] >> 2];
		chunk[n++] = alphabet[((p[i] & 0x03) << 4) | (p[i + 1] >> 4)];
		chunk[n++] = alphabet[((p[i + 1] & 0x0f) << 2) | (p[i + 2] >> 6)];
		chunk[n++] = alphabet[p[i + 2] & 0x3f];
		if (n == sizeof(chunk)) {
			str_append_data(dest, chunk, n);
			n = 0;
		}
	}
	if (size - i == 1) {
		chunk[n++] = alphabet[p[i] >> 2];
		chunk[n++] = alphabet[(p[i] & 0x03) << 4];
		if ((flags & BASE64_FLAG_NO_PADDING_OUT) == 0) {
			chunk[n++] = '=';
			chunk[n++] = '=';
		}
	} else if (size - i == 2) {
		chunk[n++] = alphabet[p[i] >> 2];
		chunk[n++] = alphabet[((p[i] & 0x03) << 4) | (p[i + 1] >> 4)];
		chunk[n++] = alphabet[(p[i + 1] & 0x0f) << 2];
		if ((flags & BASE64_FLAG_NO_PADDING_OUT) == 0)
			chunk[n++] = '=';
	}
	str_append_data(dest, chunk, n);
}

void base64_encode(const void *src, size_t size, string_t *dest)
{
	base64_encode_full(src, size, dest, 0);
}

void base64url_encode(const void *src, size_t size, string_t *dest)
{
	base64_encode_full(src, size, dest, BASE64_FLAG_URL | BASE64_FLAG_NO_PADDING_OUT);
}

static int base64_char_value(unsigned char c, bool url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

static bool base64_is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Writes the bytes of a final group of count (2 or 3) characters. */
static int base64_decode_tail(const unsigned int *group, unsigned int count, buffer_t *dest,
			      const char **error_r)
{
	unsigned char out[2];

	if (count == 1) {
		*error_r = "truncated base64 group";
		return -1;
	}
	/* the bits past the last whole byte must be zero, otherwise two
	   different texts would decode to the same bytes */
	if ((count == 2 && (group[1] & 0x0f) != 0) || (count == 3 && (group[2] & 0x03) != 0)) {
		*error_r = "non-zero trailing bits in base64";
		return -1;
	}
	out[0] = (unsigned char)((group[0] << 2) | (group[1] >> 4));
	out[1] = (unsigned char)((group[1] << 4) | (group[2] >> 2));
	if (!buffer_append(dest, out, count - 1)) {
		*error_r = "decoded base64 too large";
		return -1;
	}
	return 0;
}

static int base64_decode_full(const void *src, size_t size, buffer_t *dest,
			      enum base64_flags flags, const char **error_r)
{
	const unsigned char *p = src;
	bool url = (flags & BASE64_FLAG_URL) != 0;
	bool ignore_ws = (flags & BASE64_FLAG_IGNORE_WS) != 0;
	unsigned int group[4] = { 0, 0, 0, 0 }, count = 0, pad = 0;
	size_t i;

	for (i = 0; i < size; i++) {
		if (ignore_ws && base64_is_ws(p[i]))
			continue;
		if (p[i] == '=') {
			if (count < 2 || count + pad >= 4) {
				*error_r = "misplaced base64 padding";
				return -1;
			}
			pad++;
			continue;
		}
		if (pad > 0) {
			*error_r = "data after base64 padding";
			return -1;
		}
		int value = base64_char_value(p[i], url);

		if (value < 0) {
			*error_r = "invalid base64 character";
			return -1;
		}
		group[count++] = (unsigned int)value;
		if (count == 4) {
			unsigned char out[3] = {
				(unsigned char)((group[0] << 2) | (group[1] >> 4)),
				(unsigned char)((group[1] << 4) | (group[2] >> 2)),
				(unsigned char)((group[2] << 6) | group[3]),
			};

			if (!buffer_append(dest, out, sizeof(out))) {
				*error_r = "decoded base64 too large";
				return -1;
			}
			count = 0;
		}
	}
	if (count == 0)
		return 0;
	if (count + pad != 4 && (pad > 0 || (flags & BASE64_FLAG_PADDING_OPTIONAL) == 0)) {
		*error_r = pad > 0 ? "incomplete base64 padding" : "truncated base64 group";
		return -1;
	}
	return base64_decode_tail(group, count, dest, error_r);
}

static int base64_decode_restore(const void *src, size_t size, buffer_t *dest,
				 enum base64_flags flags, const char **error_r)
{
	size_t orig_used = dest->used;

	if (base64_decode_full(src, size, dest, flags, error_r) < 0) {
		buffer_set_used_size(dest, orig_used);
		return -1;
	}
	return 0;
}

int base64_decode(const void *src, size_t size, buffer_t *dest, const char **error_r)
{
	return base64_decode_restore(src, size, dest, 0, error_r);
}

int base64_decode_mime(const void *src, size_t size, buffer_t *dest, const char **error_r)
{
	return base64_decode_restore(src, size, dest, BASE64_FLAG_IGNORE_WS, error_r);
}

int base64url_decode(const void *src, size_t size, buffer_t *dest, const char **error_r)
{
	return base64_decode_restore(src, size, dest,
				     BASE64_FLAG_URL | BASE64_FLAG_PADDING_OPTIONAL, error_r);
}

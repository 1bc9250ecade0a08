#include "lib.h"
#include "utf8.h"
#include "mutf7.h"

static const char mutf7_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static bool mutf7_is_direct(uint32_t chr)
{
	return chr >= 0x20 && chr <= 0x7e;
}

static int mutf7_char_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

struct mutf7_encoder {
	string_t *dest;
	uint32_t bits;
	unsigned int bit_count;
};

static void mutf7_encode_unit(struct mutf7_encoder *enc, uint32_t unit)
{
	enc->bits = (enc->bits << 16) | unit;
	enc->bit_count += 16;
	while (enc->bit_count >= 6) {
		enc->bit_count -= 6;
		str_append_c(enc->dest, mutf7_alphabet[(enc->bits >> enc->bit_count) & 0x3f]);
	}
	enc->bits &= (1U << enc->bit_count) - 1;
}

/* Encodes the run of characters that cannot stand for themselves starting
   at *_p. Returns -1 on invalid UTF-8. */
static int mutf7_encode_run(const unsigned char **_p, const unsigned char *end,
			    string_t *dest)
{
	struct mutf7_encoder enc = { .dest = dest };
	const unsigned char *p = *_p;
	uint32_t chr;

	str_append_c(dest, '&');
	while (p < end) {
		int ret = utf8_get_char(p, (size_t)(end - p), &chr);

		if (ret <= 0)
			return -1;
		if (mutf7_is_direct(chr))
			break;
		p += ret;
		if (chr >= 0x10000) {
			chr -= 0x10000;
			mutf7_encode_unit(&enc, 0xd800 | (chr >> 10));
			mutf7_encode_unit(&enc, 0xdc00 | (chr & 0x3ff));
		} else {
			mutf7_encode_unit(&enc, chr);
		}
	}
	if (enc.bit_count > 0) {
		/* pad the last character with zero bits */
		str_append_c(dest, mutf7_alphabet[(enc.bits << (6 - enc.bit_count)) & 0x3f]);
	}
	str_append_c(dest, '-');
	*_p = p;
	return 0;
}

int imap_utf8_to_utf7(const char *src, string_t *dest)
{
	const unsigned char *p = (const unsigned char *)src;
	const unsigned char *end = p + strlen(src);
	size_t orig_used = dest->used;

	while (p < end) {
		if (mutf7_is_direct(*p)) {
			if (*p == '&')
				str_append(dest, "&-");
			else
				str_append_c(dest, (char)*p);
			p++;
		} else if (mutf7_encode_run(&p, end, dest) < 0) {
			buffer_set_used_size(dest, orig_used);
			return -1;
		}
	}
	return 0;
}

/* Decodes the base64 run after '&' at *_p up to and including its '-'.
   dest may be NULL (validation only). */
static int mutf7_decode_run(const unsigned char **_p, string_t *dest)
{
	const unsigned char *p = *_p;
	uint32_t bits = 0, high = 0;
	unsigned int bit_count = 0;

	for (; *p != '-'; p++) {
		int value = mutf7_char_value(*p);

		if (value < 0)
			return -1; /* includes the NUL of an unterminated run */
		bits = (bits << 6) | (uint32_t)value;
		bit_count += 6;
		if (bit_count < 16)
			continue;
		bit_count -= 16;
		uint32_t unit = (bits >> bit_count) & 0xffff;
		uint32_t chr;

		bits &= (1U << bit_count) - 1;
		if (high != 0) {
			if (unit < 0xdc00 || unit > 0xdfff)
				return -1;
			chr = 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00);
			high = 0;
		} else if (unit >= 0xd800 && unit <= 0xdbff) {
			high = unit;
			continue;
		} else if (unit >= 0xdc00 && unit <= 0xdfff) {
			return -1;
		} else {
			chr = unit;
			/* printable ASCII must stand for itself */
			if (chr == 0 || mutf7_is_direct(chr))
				return -1;
		}
		if (dest != NULL)
			utf8_append_char(dest, chr);
	}
	/* a canonical encoder pads only the last character, with zeros */
	if (high != 0 || bit_count >= 6 || bits != 0 || p == *_p)
		return -1;
	*_p = p + 1;
	return 0;
}

static int mutf7_decode(const char *src, string_t *dest)
{
	const unsigned char *p = (const unsigned char *)src;
	bool after_run = false;

	while (*p != '\0') {
		if (*p != '&') {
			if (!mutf7_is_direct(*p))
				return -1;
			if (dest != NULL)
				str_append_c(dest, (char)*p);
			p++;
			after_run = false;
		} else if (p[1] == '-') {
			if (dest != NULL)
				str_append_c(dest, '&');
			p += 2;
			after_run = false;
		} else {
			/* two adjacent runs should have been one */
			if (after_run)
				return -1;
			p++;
			if (mutf7_decode_run(&p, dest) < 0)
				return -1;
			after_run = true;
		}
	}
	return 0;
}

int imap_utf7_to_utf8(const char *src, string_t *dest)
{
	size_t orig_used = dest->used;

	if (mutf7_decode(src, dest) < 0) {
		buffer_set_used_size(dest, orig_used);
		return -1;
	}
	return 0;
}

bool imap_utf7_is_valid(const char *src)
{
	return mutf7_decode(src, NULL) == 0;
}

#include "lib.h"
#include "utf8.h"

bool utf8_char_is_valid(uint32_t chr)
{
	return chr <= 0x10ffff && (chr < 0xd800 || chr > 0xdfff);
}

int utf8_get_char(const void *data, size_t size, uint32_t *chr_r)
{
	const unsigned char *p = data;
	unsigned char lo = 0x80, hi = 0xbf;
	unsigned int len, i;
	uint32_t chr;

	if (size == 0)
		return 0;
	if (p[0] < 0x80) {
		*chr_r = p[0];
		return 1;
	}
	if (p[0] < 0xc2) {
		/* a continuation byte, or C0/C1 which could only start an overlong */
		return -1;
	} else if (p[0] < 0xe0) {
		len = 2;
		chr = p[0] & 0x1f;
	} else if (p[0] < 0xf0) {
		len = 3;
		chr = p[0] & 0x0f;
		/* narrowing the second byte's range is what rules out overlongs
		   and surrogates before the character is complete */
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] < 0xf5) {
		len = 4;
		chr = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else {
		return -1;
	}

	for (i = 1; i < len; i++) {
		if (i == size)
			return 0;
		if (p[i] < lo || p[i] > hi)
			return -1;
		lo = 0x80;
		hi = 0xbf;
		chr = (chr << 6) | (p[i] & 0x3f);
	}
	*chr_r = chr;
	return (int)len;
}

bool utf8_is_valid(const void *data, size_t size)
{
	const unsigned char *p = data;
	uint32_t chr;
	size_t pos = 0;

	while (pos < size) {
		if (p[pos] < 0x80) {
			pos++;
			continue;
		}
		int ret = utf8_get_char(p + pos, size - pos, &chr);

		if (ret <= 0)
			return false;
		pos += (size_t)ret;
	}
	return true;
}

void utf8_append_char(string_t *dest, uint32_t chr)
{
	unsigned char buf[UTF8_MAX_CHAR_LEN];
	size_t len;

	i_assert(utf8_char_is_valid(chr));
	if (chr < 0x80) {
		buf[0] = (unsigned char)chr;
		len = 1;
	} else if (chr < 0x800) {
		buf[0] = (unsigned char)(0xc0 | (chr >> 6));
		buf[1] = (unsigned char)(0x80 | (chr & 0x3f));
		len = 2;
	} else if (chr < 0x10000) {
		buf[0] = (unsigned char)(0xe0 | (chr >> 12));
		buf[1] = (unsigned char)(0x80 | ((chr >> 6) & 0x3f));
		buf[2] = (unsigned char)(0x80 | (chr & 0x3f));
		len = 3;
	} else {
		buf[0] = (unsigned char)(0xf0 | (chr >> 18));
		buf[1] = (unsigned char)(0x80 | ((chr >> 12) & 0x3f));
		buf[2] = (unsigned char)(0x80 | ((chr >> 6) & 0x3f));
		buf[3] = (unsigned char)(0x80 | (chr & 0x3f));
		len = 4;
	}
	str_append_data(dest, buf, len);
}

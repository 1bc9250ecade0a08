/* RFC 5051 i;unicode-casemap over the generated table. */

#include "lib.h"
#include "str.h"
#include "unicode-casemap.h"
#include "unicode-casemap-private.h"
#include "utf8.h"

#define UNICODE_REPLACEMENT_CHAR 0xfffd

unsigned int uni_casemap_char(uint32_t chr, const uint32_t **map_r)
{
	unsigned int lo = 0, hi = uni_casemap_entries_count;

	/* ASCII is most text: only a-z change */
	if (chr < 0x80) {
		if (chr < 'a' || chr > 'z')
			return 0;
	}
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct uni_casemap_entry *e = &uni_casemap_entries[mid];

		if (e->cp < chr) {
			lo = mid + 1;
		} else if (e->cp > chr) {
			hi = mid;
		} else if (e->len == 0) {
			*map_r = &e->value;
			return 1;
		} else {
			*map_r = &uni_casemap_multi[e->value];
			return e->len;
		}
	}
	return 0;
}

static void casemap_append(string_t *dest, uint32_t chr)
{
	const uint32_t *map;
	unsigned int i, n;

	if (chr >= 'a' && chr <= 'z') {
		str_append_c(dest, (char)(chr - 'a' + 'A'));
		return;
	}
	if (chr < 0x80) {
		str_append_c(dest, (char)chr);
		return;
	}
	n = uni_casemap_char(chr, &map);
	if (n == 0) {
		utf8_append_char(dest, chr);
		return;
	}
	for (i = 0; i < n; i++)
		utf8_append_char(dest, map[i]);
}

size_t uni_utf8_casemap_partial(const void *data, size_t size, string_t *dest)
{
	const unsigned char *p = data;
	size_t pos = 0;
	uint32_t chr;
	int len;

	while (pos < size) {
		len = utf8_get_char(p + pos, size - pos, &chr);
		if (len == 0)
			break;
		if (len < 0) {
			casemap_append(dest, UNICODE_REPLACEMENT_CHAR);
			pos++;
			continue;
		}
		casemap_append(dest, chr);
		pos += (size_t)len;
	}
	return pos;
}

void uni_utf8_casemap(const void *data, size_t size, string_t *dest)
{
	size_t pos = uni_utf8_casemap_partial(data, size, dest);

	/* a character cut short at the end is invalid input */
	if (pos < size)
		casemap_append(dest, UNICODE_REPLACEMENT_CHAR);
}

/* The subscriptions file: see subscription-file.h. */

#include "lib.h"
#include "mutf7.h"
#include "subscription-file.h"

static const char version2_header[] = "V\t2\n\n";

static void tab_unescape(string_t *dest, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\001' && i + 1 < len) {
			i++;
			switch (src[i]) {
			case '1': str_append_c(dest, '\001'); break;
			case 't': str_append_c(dest, '\t'); break;
			case 'r': str_append_c(dest, '\r'); break;
			case 'n': str_append_c(dest, '\n'); break;
			default: str_append_c(dest, src[i]); break;
			}
		} else {
			str_append_c(dest, src[i]);
		}
	}
}

static void tab_escape(string_t *dest, const char *src)
{
	for (; *src != '\0'; src++) {
		switch (*src) {
		case '\001': str_append(dest, "\0011"); break;
		case '\t': str_append(dest, "\001t"); break;
		case '\r': str_append(dest, "\001r"); break;
		case '\n': str_append(dest, "\001n"); break;
		default: str_append_c(dest, *src); break;
		}
	}
}

/* One level from disk (mUTF-7) to UTF-8, kept as it is when invalid. */
static void level_decode(string_t *dest, const char *level)
{
	if (imap_utf7_to_utf8(level, dest) < 0)
		str_append(dest, level);
}

void subscription_file_parse(pool_t pool, const void *data, size_t size, char sep,
			     char disk_sep, ARRAY_TYPE(const_string) *names)
{
	const char *text = t_strndup(data, size);
	bool v2 = strncmp(text, version2_header, sizeof(version2_header) - 1) == 0;

	if (v2)
		text += sizeof(version2_header) - 1;
	const char *const *lines = (const char *const *)p_strsplit(pool_temp, text, "\n");
	string_t *name = str_new(pool_temp, 128), *level = str_new(pool_temp, 64);
	for (; *lines != NULL; lines++) {
		const char *line = *lines;
		if (line[0] == '\0')
			continue;
		str_truncate(name, 0);
		const char *const *levels = (const char *const *)p_strsplit(
			pool_temp, line, v2 ? "\t" : (const char[]){ disk_sep, '\0' });
		for (unsigned int i = 0; levels[i] != NULL; i++) {
			if (i > 0)
				str_append_c(name, sep);
			str_truncate(level, 0);
			if (v2)
				tab_unescape(level, levels[i], strlen(levels[i]));
			else
				str_append(level, levels[i]);
			level_decode(name, str_c(level));
		}
		const char *copy = p_strdup(pool, str_c(name));
		array_push(names, &copy);
	}
}

void subscription_file_write(const ARRAY_TYPE(const_string) *names, char sep, string_t *dest)
{
	string_t *level = str_new(pool_temp, 64);

	str_append(dest, version2_header);
	for (unsigned int n = 0; n < array_count(names); n++) {
		const char *name = array_idx_elem(names, n);
		const char *const *levels = (const char *const *)p_strsplit(
			pool_temp, name, (const char[]){ sep, '\0' });
		for (unsigned int i = 0; levels[i] != NULL; i++) {
			if (i > 0)
				str_append_c(dest, '\t');
			str_truncate(level, 0);
			if (imap_utf8_to_utf7(levels[i], level) < 0)
				str_append(level, levels[i]);
			tab_escape(dest, str_c(level));
		}
		str_append_c(dest, '\n');
	}
}

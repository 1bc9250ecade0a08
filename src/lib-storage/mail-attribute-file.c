/* Dovecot's file dict format (see mail-attribute-file.h). */

#include "lib.h"
#include "mail-attribute-file.h"
#include "tabescape.h"

#include <stdlib.h>
#include <string.h>

#define ESC_CHAR '\001'

/* line (size bytes, no NUL, no LF) unescaped into a new string, or NULL
   for a bad escape. */
static const char *unescape(pool_t pool, const char *line, size_t size)
{
	string_t *str = str_new(pool, size + 1);

	for (size_t i = 0; i < size; i++) {
		if (line[i] != ESC_CHAR) {
			str_append_c(str, line[i]);
			continue;
		}
		if (++i == size)
			return NULL;
		switch (line[i]) {
		case '1':
			str_append_c(str, ESC_CHAR);
			break;
		case 't':
			str_append_c(str, '\t');
			break;
		case 'r':
			str_append_c(str, '\r');
			break;
		case 'n':
			str_append_c(str, '\n');
			break;
		default:
			return NULL;
		}
	}
	return str_c(str);
}

struct kv_pos {
	struct mail_attribute_kv kv;
	unsigned int idx;
};

static int kv_pos_cmp(const void *p1, const void *p2)
{
	const struct kv_pos *a = p1, *b = p2;
	int ret = strcmp(a->kv.key, b->kv.key);

	return ret != 0 ? ret : a->idx < b->idx ? -1 : a->idx > b->idx;
}

int mail_attribute_file_parse(pool_t pool, const void *data, size_t size,
			      ARRAY_TYPE(mail_attribute_kv) *kvs_r, const char **error_r)
{
	const char *p = data, *end = p + size, *key = NULL;
	unsigned int line_no = 0;

	p_array_init(kvs_r, pool, 16);
	if (memchr(data, '\0', size) != NULL) {
		*error_r = "NUL byte in the file";
		return -1;
	}
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t len = lf == NULL ? (size_t)(end - p) : (size_t)(lf - p);
		const char *text = unescape(pool, p, len);

		line_no++;
		p = lf == NULL ? end : lf + 1;
		if (text == NULL) {
			*error_r = t_strdup_printf("line %u: invalid escape", line_no);
			return -1;
		}
		if (key == NULL) {
			if (text[0] == '\0') {
				*error_r = t_strdup_printf("line %u: empty key", line_no);
				return -1;
			}
			key = text;
			continue;
		}
		struct mail_attribute_kv *kv = array_append_space(kvs_r);
		kv->key = key;
		kv->value = text;
		key = NULL;
	}
	if (key != NULL) {
		*error_r = t_strdup_printf("line %u: key without a value", line_no);
		return -1;
	}
	/* sorted by key, the later of two equal keys kept (mergesort via
	   the position: qsort is not stable) */
	unsigned int count = array_count(kvs_r), n = 0;
	struct mail_attribute_kv *kvs = array_front(kvs_r);
	struct kv_pos *pos = p_new(pool_temp, struct kv_pos, count + 1);
	for (unsigned int i = 0; i < count; i++) {
		pos[i].kv = kvs[i];
		pos[i].idx = i;
	}
	qsort(pos, count, sizeof(*pos), kv_pos_cmp);
	for (unsigned int i = 0; i < count; i++) {
		if (i + 1 < count && strcmp(pos[i].kv.key, pos[i + 1].kv.key) == 0)
			continue;
		kvs[n++] = pos[i].kv;
	}
	array_delete(kvs_r, n, count - n);
	return 0;
}

void mail_attribute_file_write(const struct mail_attribute_kv *kvs, unsigned int count,
			       string_t *dest)
{
	for (unsigned int i = 0; i < count; i++) {
		str_append_tabescaped(dest, kvs[i].key);
		str_append_c(dest, '\n');
		str_append_tabescaped(dest, kvs[i].value);
		str_append_c(dest, '\n');
	}
}

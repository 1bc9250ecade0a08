#include "lib.h"
#include "charset-utf8.h"
#include "rfc822-parser.h"
#include "rfc2231-parser.h"

#include <limits.h>
#include <strings.h>

ARRAY_DEFINE_TYPE(rfc2231_param, struct rfc2231_param);

struct rfc2231_section {
	const char *base; /* key without "*N[*]" */
	unsigned int idx;
	bool extended;
	const char *value;
	unsigned int order;
};

/* Skips a broken parameter: up to the next ';' outside quotes. */
static void skip_param(struct rfc822_parser_context *ctx)
{
	bool quoted = false;

	for (; ctx->data < ctx->end; ctx->data++) {
		if (*ctx->data == '\\' && quoted && ctx->data + 1 < ctx->end)
			ctx->data++;
		else if (*ctx->data == '"')
			quoted = !quoted;
		else if (*ctx->data == ';' && !quoted)
			return;
	}
}

/* Returns 1 with key/value, 0 at end, -1 for a broken parameter. */
static int parse_param(struct rfc822_parser_context *ctx, string_t *key, string_t *value)
{
	if (rfc822_skip_lwsp(ctx) <= 0)
		return 0;
	if (*ctx->data != ';')
		return -1;
	ctx->data++;
	if (rfc822_skip_lwsp(ctx) <= 0)
		return 0;
	str_truncate(key, 0);
	str_truncate(value, 0);
	if (rfc822_parse_mime_token(ctx, key) <= 0 || *ctx->data != '=')
		return -1;
	ctx->data++;
	if (rfc822_skip_lwsp(ctx) <= 0) {
		/* "key=" at the end: an empty value */
		return 1;
	}
	if (*ctx->data == '"') {
		/* an unterminated string drops the parameter, as in Dovecot */
		return rfc822_parse_quoted_string(ctx, value) < 0 ? -1 : 1;
	}
	/* an unquoted value is a token; junk after it is skipped by the
	   next call, as Dovecot does */
	(void)rfc822_parse_mime_token(ctx, value);
	return 1;
}

/* "key*", "key*N" or "key*N*": returns false for a plain key. */
static bool rfc2231_key_parse(pool_t pool, const char *key, struct rfc2231_section *sec)
{
	const char *star = strchr(key, '*');

	if (star == NULL)
		return false;
	memset(sec, 0, sizeof(*sec));
	sec->base = p_strndup(pool, key, (size_t)(star - key));
	if (star[1] == '\0') {
		/* key*: extended, not continued */
		sec->idx = UINT_MAX;
		sec->extended = true;
		return true;
	}
	const char *p = star + 1;
	unsigned int idx = 0;

	if (*p < '0' || *p > '9')
		return false;
	/* no leading zeros except "0" itself (RFC 2231 section 3) */
	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (idx > 100000)
			return false;
		idx = idx * 10 + (unsigned int)(*p - '0');
	}
	if (*p == '*') {
		sec->extended = true;
		p++;
	}
	if (*p != '\0')
		return false;
	sec->idx = idx;
	return true;
}

static int section_cmp(const void *p1, const void *p2)
{
	const struct rfc2231_section *s1 = p1, *s2 = p2;
	int ret = strcasecmp(s1->base, s2->base);

	if (ret != 0)
		return ret;
	if (s1->idx != s2->idx)
		return s1->idx < s2->idx ? -1 : 1;
	return s1->order < s2->order ? -1 : (s1->order > s2->order ? 1 : 0);
}

static void merge_sections(pool_t pool, struct rfc2231_section *secs, unsigned int count,
			   ARRAY_TYPE(rfc2231_param) *result)
{
	unsigned int i = 0;

	qsort(secs, count, sizeof(*secs), section_cmp);
	while (i < count) {
		unsigned int j = i;

		while (j < count && strcasecmp(secs[j].base, secs[i].base) == 0)
			j++;
		/* secs[i..j) have the same base, sorted by index (key* last) */
		if (secs[i].idx == 0) {
			string_t *value = str_new(pool, 64);
			bool extended = secs[i].extended;
			unsigned int next = 0;

			for (unsigned int k = i; k < j && secs[k].idx != UINT_MAX; k++) {
				if (secs[k].idx != next)
					break;
				str_append(value, secs[k].value);
				next++;
				/* a duplicate index is ignored */
				while (k + 1 < j && secs[k + 1].idx == secs[k].idx)
					k++;
			}
			struct rfc2231_param *param = array_append_space(result);

			param->key = extended ? p_strconcat(pool, secs[i].base, "*", NULL)
					      : secs[i].base;
			param->value = str_c(value);
		} else if (secs[j - 1].idx == UINT_MAX) {
			struct rfc2231_param *param = array_append_space(result);

			param->key = p_strconcat(pool, secs[j - 1].base, "*", NULL);
			param->value = secs[j - 1].value;
		}
		i = j;
	}
}

unsigned int rfc2231_parse(struct rfc822_parser_context *ctx, pool_t pool,
			   const struct rfc2231_param **params_r)
{
	ARRAY_TYPE(rfc2231_param) result;
	ARRAY(struct rfc2231_section) sections;
	string_t *key = str_new(pool_system, 64), *value = str_new(pool_system, 256);
	unsigned int order = 0;
	int ret;

	p_array_init(&result, pool, 4);
	i_array_init(&sections, 4);
	while ((ret = parse_param(ctx, key, value)) != 0) {
		if (ret < 0) {
			skip_param(ctx);
			continue;
		}
		struct rfc2231_section sec;

		if (rfc2231_key_parse(pool, str_c(key), &sec)) {
			sec.value = p_strndup(pool, str_data(value), str_len(value));
			sec.order = order++;
			array_push(&sections, &sec);
		} else {
			struct rfc2231_param *param = array_append_space(&result);

			param->key = p_strndup(pool, str_data(key), str_len(key));
			param->value = p_strndup(pool, str_data(value), str_len(value));
		}
	}
	if (array_count(&sections) > 0)
		merge_sections(pool, array_front(&sections), array_count(&sections), &result);
	array_free(&sections);
	str_free(&key);
	str_free(&value);

	unsigned int count = array_count(&result);

	*params_r = count == 0 ? NULL : array_front(&result);
	return count;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void rfc2231_decode_value(pool_t pool, const char *value, string_t *dest,
			  const char **language_r)
{
	const char *q1 = strchr(value, '\''), *q2 = q1 == NULL ? NULL : strchr(q1 + 1, '\'');
	const char *charset = "utf-8", *text = value;
	buffer_t *raw = buffer_create_dynamic(pool_system, strlen(value) + 1);

	if (language_r != NULL)
		*language_r = NULL;
	if (q2 != NULL) {
		if (q1 != value)
			charset = p_strndup(pool, value, (size_t)(q1 - value));
		if (language_r != NULL && q2 > q1 + 1)
			*language_r = p_strndup(pool, q1 + 1, (size_t)(q2 - q1 - 1));
		text = q2 + 1;
	}
	for (const char *p = text; *p != '\0'; p++) {
		int hi, lo;

		if (*p == '%' && (hi = hex_value((unsigned char)p[1])) >= 0 &&
		    (lo = hex_value((unsigned char)p[2])) >= 0) {
			buffer_append_c(raw, (unsigned char)(hi * 16 + lo));
			p += 2;
		} else {
			buffer_append_c(raw, (unsigned char)*p);
		}
	}
	if (charset_to_utf8_str(charset, raw->data, raw->used, dest) == CHARSET_RET_UNKNOWN)
		(void)charset_utf8_append_valid(dest, raw->data, raw->used);
	buffer_free(&raw);
}

const char *rfc2231_get_param_utf8(pool_t pool, const struct rfc2231_param *params,
				   unsigned int count, const char *key)
{
	size_t key_len = strlen(key);

	for (unsigned int i = 0; i < count; i++) {
		if (strncasecmp(params[i].key, key, key_len) != 0)
			continue;
		if (params[i].key[key_len] == '\0') {
			string_t *str = str_new(pool, strlen(params[i].value) + 1);

			(void)charset_utf8_append_valid(str, params[i].value,
							strlen(params[i].value));
			return str_c(str);
		}
		if (params[i].key[key_len] == '*' && params[i].key[key_len + 1] == '\0') {
			string_t *str = str_new(pool, strlen(params[i].value) + 1);

			rfc2231_decode_value(pool, params[i].value, str, NULL);
			return str_c(str);
		}
	}
	return NULL;
}

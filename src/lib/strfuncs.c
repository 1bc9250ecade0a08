#include "lib.h"

#include <ctype.h>
#include <stdio.h>

char *p_strdup(pool_t pool, const char *str)
{
	if (str == NULL)
		return NULL;
	size_t len = strlen(str);
	char *p = p_malloc(pool, len + 1);

	memcpy(p, str, len);
	return p;
}

char *p_strndup(pool_t pool, const void *str, size_t max_len)
{
	const char *s = str;
	size_t len = 0;

	while (len < max_len && s[len] != '\0')
		len++;
	char *p = p_malloc(pool, len + 1);

	memcpy(p, s, len);
	return p;
}

char *p_strdup_vprintf(pool_t pool, const char *fmt, va_list args)
{
	va_list args2;
	int len;

	va_copy(args2, args);
	len = vsnprintf(NULL, 0, fmt, args2);
	va_end(args2);
	if (len < 0)
		i_panic("vsnprintf(%s) failed", fmt);
	char *p = p_malloc(pool, (size_t)len + 1);

	vsnprintf(p, (size_t)len + 1, fmt, args);
	return p;
}

char *p_strdup_printf(pool_t pool, const char *fmt, ...)
{
	va_list args;
	char *ret;

	va_start(args, fmt);
	ret = p_strdup_vprintf(pool, fmt, args);
	va_end(args);
	return ret;
}

char *p_strconcat(pool_t pool, const char *str1, ...)
{
	string_t *str = str_new(pool_system, 128);
	const char *s;
	va_list args;

	va_start(args, str1);
	for (s = str1; s != NULL; s = va_arg(args, const char *))
		str_append(str, s);
	va_end(args);
	char *ret = p_strdup(pool, str_c(str));

	str_free(&str);
	return ret;
}

static const char **strsplit(pool_t pool, const char *str, const char *separators, bool spaces)
{
	ARRAY(const char *) arr;
	const char *start = str, *p;

	p_array_init(&arr, pool, 8);
	for (p = str;; p++) {
		if (*p == '\0' || strchr(separators, *p) != NULL) {
			if (!spaces || p != start) {
				const char *field = p_strndup(pool, start, (size_t)(p - start));

				array_push(&arr, &field);
			}
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	const char *end = NULL;

	array_push(&arr, &end);
	return array_front(&arr);
}

const char **p_strsplit(pool_t pool, const char *str, const char *separators)
{
	return strsplit(pool, str, separators, false);
}

const char **p_strsplit_spaces(pool_t pool, const char *str, const char *separators)
{
	return strsplit(pool, str, separators, true);
}

unsigned int str_array_length(const char *const *arr)
{
	unsigned int n = 0;

	if (arr != NULL) {
		while (arr[n] != NULL)
			n++;
	}
	return n;
}

const char *p_strarray_join(pool_t pool, const char *const *arr, const char *separator)
{
	string_t *str = str_new(pool, 64);

	for (unsigned int i = 0; arr[i] != NULL; i++) {
		if (i > 0)
			str_append(str, separator);
		str_append(str, arr[i]);
	}
	return str_c(str);
}

bool str_array_find(const char *const *arr, const char *value)
{
	for (; arr != NULL && *arr != NULL; arr++) {
		if (strcmp(*arr, value) == 0)
			return true;
	}
	return false;
}

bool str_begins(const char *str, const char *prefix, const char **suffix_r)
{
	size_t len = strlen(prefix);

	if (strncmp(str, prefix, len) != 0)
		return false;
	if (suffix_r != NULL)
		*suffix_r = str + len;
	return true;
}

bool str_ends(const char *str, const char *suffix)
{
	size_t len = strlen(str), slen = strlen(suffix);

	return len >= slen && strcmp(str + len - slen, suffix) == 0;
}

char *str_lcase(char *str)
{
	for (char *p = str; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return str;
}

char *str_ucase(char *str)
{
	for (char *p = str; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	return str;
}

bool str_is_numeric(const char *str)
{
	if (*str == '\0')
		return false;
	for (; *str != '\0'; str++) {
		if (*str < '0' || *str > '9')
			return false;
	}
	return true;
}

int str_parse_uint64(const char *str, uint64_t *num_r, const char **endp_r)
{
	uint64_t n = 0;
	const char *p = str;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int digit = (unsigned int)(*p - '0');

		if (n > (UINT64_MAX - digit) / 10)
			return -1;
		n = n * 10 + digit;
	}
	*num_r = n;
	if (endp_r != NULL)
		*endp_r = p;
	return 0;
}

int str_to_uint64(const char *str, uint64_t *num_r)
{
	const char *end;

	if (str_parse_uint64(str, num_r, &end) < 0 || *end != '\0')
		return -1;
	return 0;
}

int str_to_uint(const char *str, unsigned int *num_r)
{
	uint64_t n;

	if (str_to_uint64(str, &n) < 0 || n > UINT32_MAX)
		return -1;
	*num_r = (unsigned int)n;
	return 0;
}

/* Length of a valid UTF-8 sequence at p (at most avail bytes), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *p, size_t avail)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (avail < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

const char *str_sanitize(pool_t pool, const char *str, size_t max_len)
{
	string_t *dest = str_new(pool, MIN(strlen(str), max_len) + 4);
	const unsigned char *p = (const unsigned char *)str;
	size_t avail = strlen(str);

	while (avail > 0) {
		size_t n = utf8_seq_len(p, avail);

		if (str_len(dest) + (n == 0 ? 1 : n) > max_len) {
			str_append(dest, "...");
			break;
		}
		if (n == 1 && (p[0] < 0x20 || p[0] == 0x7f))
			n = 0;
		if (n == 0) {
			str_append_c(dest, '?');
			n = 1;
		} else {
			str_append_data(dest, p, n);
		}
		p += n;
		avail -= n;
	}
	return str_c(dest);
}

unsigned int str_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned int *row = i_new(unsigned int, lb + 1);

	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned int prev = row[0];

		row[0] = (unsigned int)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned int cur = row[j];
			unsigned int cost = a[i - 1] == b[j - 1] ? 0 : 1;

			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), prev + cost);
			prev = cur;
		}
	}
	unsigned int dist = row[lb];

	i_free(row);
	return dist;
}

bool mem_equals_timing_safe(const void *a, const void *b, size_t size)
{
	const volatile unsigned char *pa = a, *pb = b;
	unsigned char diff = 0;

	for (size_t i = 0; i < size; i++)
		diff |= pa[i] ^ pb[i];
	return diff == 0;
}

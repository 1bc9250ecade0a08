#include "lib.h"

#include <stdio.h>

string_t *str_new(pool_t pool, size_t init_size)
{
	return buffer_create_dynamic(pool, init_size);
}

void str_append(string_t *str, const char *cstr)
{
	str_append_data(str, cstr, strlen(cstr));
}

void str_append_n(string_t *str, const void *data, size_t max_len)
{
	const char *p = data;
	size_t len = 0;

	while (len < max_len && p[len] != '\0')
		len++;
	str_append_data(str, data, len);
}

void str_append_data(string_t *str, const void *data, size_t len)
{
	if (!buffer_append(str, data, len))
		i_panic("string grew past its bound");
}

void str_append_c(string_t *str, char c)
{
	str_append_data(str, &c, 1);
}

void str_append_str(string_t *dest, const string_t *src)
{
	str_append_data(dest, src->data, src->used);
}

void str_vprintfa(string_t *str, const char *fmt, va_list args)
{
	va_list args2;
	int len;

	va_copy(args2, args);
	len = vsnprintf(NULL, 0, fmt, args2);
	va_end(args2);
	if (len < 0)
		i_panic("vsnprintf(%s) failed", fmt);
	size_t old = str->used;
	char *p = buffer_append_space(str, (size_t)len);

	vsnprintf(p, (size_t)len + 1, fmt, args);
	i_assert(str->used == old + (size_t)len);
}

void str_printfa(string_t *str, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	str_vprintfa(str, fmt, args);
	va_end(args);
}

void str_truncate(string_t *str, size_t len)
{
	if (len < str->used)
		buffer_set_used_size(str, len);
}

void str_delete(string_t *str, size_t pos, size_t len)
{
	buffer_delete(str, pos, len);
}

char *str_dup(pool_t pool, const string_t *str)
{
	char *p = p_malloc(pool, str->used + 1);

	memcpy(p, str->data, str->used);
	return p;
}

#ifndef STR_H
#define STR_H

/* Growable NUL-terminated strings, built on buffer_t: str_c() is always a
   valid C string. */

typedef buffer_t string_t;

string_t *str_new(pool_t pool, size_t init_size);
#define str_free(str) buffer_free(str)

static inline const char *str_c(const string_t *str)
{
	return (const char *)str->data;
}
static inline size_t str_len(const string_t *str)
{
	return str->used;
}
static inline const unsigned char *str_data(const string_t *str)
{
	return str->data;
}

void str_append(string_t *str, const char *cstr);
void str_append_n(string_t *str, const void *data, size_t max_len);
void str_append_data(string_t *str, const void *data, size_t len);
void str_append_c(string_t *str, char c);
void str_append_str(string_t *dest, const string_t *src);
void str_printfa(string_t *str, const char *fmt, ...) ATTR_FORMAT(2, 3);
void str_vprintfa(string_t *str, const char *fmt, va_list args) ATTR_FORMAT(2, 0);
void str_truncate(string_t *str, size_t len);
#define str_truncate_at(str, len) str_truncate(str, len)
void str_delete(string_t *str, size_t pos, size_t len);
/* Copies the string into pool. */
char *str_dup(pool_t pool, const string_t *str);

#endif

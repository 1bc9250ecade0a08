#ifndef STRFUNCS_H
#define STRFUNCS_H

char *p_strdup(pool_t pool, const char *str);
char *p_strndup(pool_t pool, const void *str, size_t max_len);
char *p_strdup_printf(pool_t pool, const char *fmt, ...) ATTR_FORMAT(2, 3);
char *p_strdup_vprintf(pool_t pool, const char *fmt, va_list args) ATTR_FORMAT(2, 0);
char *p_strconcat(pool_t pool, const char *str1, ...) ATTR_NULL_TERMINATED;
#define i_strdup(str) p_strdup(pool_system, str)
#define i_strdup_printf(...) p_strdup_printf(pool_system, __VA_ARGS__)

/* Splits str at any of the separator characters into a NULL-terminated
   array allocated from pool. Empty fields are kept. */
const char **p_strsplit(pool_t pool, const char *str, const char *separators);
/* Like p_strsplit(), but drops empty fields (splits on runs of separators). */
const char **p_strsplit_spaces(pool_t pool, const char *str, const char *separators);
unsigned int str_array_length(const char *const *arr);
const char *p_strarray_join(pool_t pool, const char *const *arr, const char *separator);
bool str_array_find(const char *const *arr, const char *value);

bool str_begins(const char *str, const char *prefix, const char **suffix_r);
bool str_ends(const char *str, const char *suffix);
char *str_lcase(char *str);
char *str_ucase(char *str);
bool str_is_numeric(const char *str);

/* Strict unsigned number parsing: digits only, no sign, no spaces, range
   checked. Return 0 on success, -1 on failure. */
int str_to_uint64(const char *str, uint64_t *num_r);
int str_to_uint(const char *str, unsigned int *num_r);
/* Parses digits at the start of str; *endp_r points after them. */
int str_parse_uint64(const char *str, uint64_t *num_r, const char **endp_r);

/* Copies str into pool with every byte that is not printable ASCII (or
   valid UTF-8 >= 0x80) replaced by '?', and cut to max_len bytes with "..."
   appended. For putting client-supplied text into log lines. */
const char *str_sanitize(pool_t pool, const char *str, size_t max_len);

/* Levenshtein distance, for "did you mean" suggestions. */
unsigned int str_edit_distance(const char *a, const char *b);

/* Constant-time comparison of two equal-length byte strings. */
bool mem_equals_timing_safe(const void *a, const void *b, size_t size);

#endif

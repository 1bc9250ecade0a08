/* UIDL strings (see pop3-uidl.h). No I/O. */
#include "lib.h"
#include "str.h"
#include "var-expand.h"
#include "pop3-uidl.h"

#define POP3_UIDL_MAX_LEN 70

enum pop3_uidl_keys pop3_uidl_format_needs(const char *format)
{
	enum pop3_uidl_keys keys = 0;

	if (var_has_key(format, 'v', "uidvalidity"))
		keys |= POP3_UIDL_KEY_UIDVALIDITY;
	if (var_has_key(format, 'u', "uid"))
		keys |= POP3_UIDL_KEY_UID;
	if (var_has_key(format, 'm', "md5"))
		keys |= POP3_UIDL_KEY_MD5;
	if (var_has_key(format, 'f', "filename"))
		keys |= POP3_UIDL_KEY_FILENAME;
	if (var_has_key(format, 'g', "guid"))
		keys |= POP3_UIDL_KEY_GUID;
	return keys;
}

bool pop3_uidl_is_valid(const char *str, size_t len)
{
	if (len == 0 || len > POP3_UIDL_MAX_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)str[i] < 0x21 || (unsigned char)str[i] > 0x7e)
			return false;
	}
	return true;
}

int pop3_uidl_format(string_t *dest, const char *format, const struct pop3_uidl_values *values,
		     const char **error_r)
{
	const char *uidvalidity = t_strdup_printf("%u", values->uidvalidity);
	const char *uid = t_strdup_printf("%u", values->uid);
	const char *base = values->filename == NULL ? NULL :
		pop3_uidl_maildir_base(pool_temp, values->filename);
	const struct var_expand_table table[] = {
		{ 'v', uidvalidity, "uidvalidity" },
		{ 'u', uid, "uid" },
		{ 'm', values->md5_hex, "md5" },
		{ 'f', base, "filename" },
		{ 'g', base, "guid" },
		{ '\0', NULL, NULL },
	};
	size_t start = str_len(dest);
	const char *error;

	if (var_expand(dest, format, table, &error) < 0) {
		*error_r = t_strdup_printf("pop3_uidl_format: %s", error);
		return -1;
	}
	if (!pop3_uidl_is_valid(str_c(dest) + start, str_len(dest) - start)) {
		*error_r = t_strdup_printf("pop3_uidl_format gives an invalid UIDL: %s",
					   str_sanitize(pool_temp, str_c(dest) + start, 80));
		str_truncate(dest, start);
		return -1;
	}
	return 0;
}

const char *pop3_uidl_maildir_base(pool_t pool, const char *filename)
{
	const char *p = strchr(filename, ':');

	return p == NULL ? p_strdup(pool, filename) : p_strndup(pool, filename, p - filename);
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool pop3_uidl_find_xuidl(const unsigned char *header, size_t size, pool_t pool,
			  const char **value_r)
{
	static const char name[] = "x-uidl:";
	size_t pos = 0;

	while (pos < size) {
		size_t eol = pos;

		while (eol < size && header[eol] != '\n')
			eol++;
		if (eol - pos >= sizeof(name) - 1 &&
		    strncasecmp((const char *)header + pos, name, sizeof(name) - 1) == 0) {
			size_t v = pos + sizeof(name) - 1, end = eol;

			while (v < end && is_ws(header[v]))
				v++;
			while (end > v && is_ws(header[end - 1]))
				end--;
			if (!pop3_uidl_is_valid((const char *)header + v, end - v))
				return false;
			*value_r = p_strndup(pool, header + v, end - v);
			return true;
		}
		pos = eol + 1;
	}
	return false;
}

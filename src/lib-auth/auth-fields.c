/* Tab-escaping and key=value fields of the auth protocols. */
#include "lib.h"
#include "auth-fields.h"
#include "tabescape.h"

void auth_fields_append_escaped(string_t *dest, const char *value)
{
	str_append_tabescaped(dest, value);
}

const char *auth_fields_escape(pool_t pool, const char *value)
{
	string_t *str;

	if (strpbrk(value, "\001\t\r\n") == NULL)
		return p_strdup(pool, value);
	str = str_new(pool, strlen(value) + 8);
	auth_fields_append_escaped(str, value);
	return str_c(str);
}

const char *auth_fields_unescape(pool_t pool, const char *value)
{
	string_t *str;

	if (strchr(value, '\001') == NULL)
		return p_strdup(pool, value);
	str = str_new(pool, strlen(value) + 1);
	for (const char *p = value; *p != '\0'; p++) {
		if (*p != '\001') {
			str_append_c(str, *p);
			continue;
		}
		p++;
		switch (*p) {
		case '\0':
		case '0':
			return NULL;
		case '1':
			str_append_c(str, '\001');
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
			str_append_c(str, *p);
			break;
		}
	}
	return str_c(str);
}

const char *const *auth_fields_split_line(pool_t pool, const char *line)
{
	const char **fields = p_strsplit(pool, line, "\t");

	for (unsigned int i = 0; fields[i] != NULL; i++) {
		fields[i] = auth_fields_unescape(pool, fields[i]);
		if (fields[i] == NULL)
			return NULL;
	}
	return fields;
}

bool auth_fields_match(const char *field, const char *key, const char **value_r)
{
	size_t len = strlen(key);

	if (strncmp(field, key, len) != 0)
		return false;
	if (field[len] == '\0') {
		*value_r = "";
		return true;
	}
	if (field[len] != '=')
		return false;
	*value_r = field + len + 1;
	return true;
}

const char *auth_fields_find(const char *const *fields, const char *key)
{
	const char *value;

	for (unsigned int i = 0; fields[i] != NULL; i++) {
		if (auth_fields_match(fields[i], key, &value))
			return value;
	}
	return NULL;
}

/* The connect string parser (sql-connect.h). */
#include "lib.h"
#include "sql-connect.h"

enum sql_connect_value_type {
	SQL_VALUE_STR,
	SQL_VALUE_UINT,
	SQL_VALUE_PORT,
	SQL_VALUE_BOOL,
};

struct sql_connect_key {
	const char *name;
	enum sql_connect_value_type type;
	size_t offset;
};

#define KEY(name, type) { #name, type, offsetof(struct sql_connect_settings, name) }

static const struct sql_connect_key sql_connect_keys[] = {
	/* host is handled apart: it may repeat */
	KEY(port, SQL_VALUE_PORT),
	KEY(dbname, SQL_VALUE_STR),
	KEY(user, SQL_VALUE_STR),
	KEY(password, SQL_VALUE_STR),
	KEY(ssl_ca, SQL_VALUE_STR),
	KEY(ssl_ca_path, SQL_VALUE_STR),
	KEY(ssl_cert, SQL_VALUE_STR),
	KEY(ssl_key, SQL_VALUE_STR),
	KEY(ssl_cipher, SQL_VALUE_STR),
	KEY(ssl_verify_server_cert, SQL_VALUE_BOOL),
	KEY(option_file, SQL_VALUE_STR),
	KEY(option_group, SQL_VALUE_STR),
	KEY(client_flags, SQL_VALUE_UINT),
	KEY(connect_timeout, SQL_VALUE_UINT),
	KEY(read_timeout, SQL_VALUE_UINT),
	KEY(write_timeout, SQL_VALUE_UINT),
};

bool sql_connect_host_is_socket(const char *host)
{
	return host[0] == '/';
}

static const struct sql_connect_key *sql_connect_key_find(const char *name)
{
	for (unsigned int i = 0; i < N_ELEMENTS(sql_connect_keys); i++) {
		if (strcmp(sql_connect_keys[i].name, name) == 0)
			return &sql_connect_keys[i];
	}
	return NULL;
}

/* Reads a value at *_p: bare up to the next space, or quoted. */
static int sql_connect_read_value(pool_t pool, const char **_p, const char **value_r,
				  const char **error_r)
{
	const char *p = *_p;
	string_t *value = str_new(pool, 32);
	char quote;

	if (*p != '"' && *p != '\'') {
		size_t len = strcspn(p, " \t");

		str_append_data(value, p, len);
		if (memchr(p, '"', len) != NULL || memchr(p, '\'', len) != NULL) {
			*error_r = "quotes are allowed only around a whole value";
			return -1;
		}
		*value_r = str_c(value);
		*_p = p + len;
		return 0;
	}
	quote = *p++;
	for (;; p++) {
		if (*p == '\0') {
			*error_r = "missing closing quote";
			return -1;
		}
		if (*p == quote)
			break;
		if (*p == '\\' && p[1] != '\0')
			p++;
		str_append_c(value, *p);
	}
	p++;
	if (*p != '\0' && *p != ' ' && *p != '\t') {
		*error_r = "text after a closing quote";
		return -1;
	}
	*value_r = str_c(value);
	*_p = p;
	return 0;
}

static int sql_connect_set(pool_t pool, struct sql_connect_settings *set,
			   const struct sql_connect_key *key, const char *value,
			   const char **error_r)
{
	void *field = (char *)set + key->offset;
	unsigned int num;

	switch (key->type) {
	case SQL_VALUE_STR:
		if (*(const char **)field != NULL) {
			*error_r = "given twice";
			return -1;
		}
		*(const char **)field = value;
		return 0;
	case SQL_VALUE_UINT:
	case SQL_VALUE_PORT:
		if (str_to_uint(value, &num) < 0 ||
		    (key->type == SQL_VALUE_PORT && (num == 0 || num > 65535))) {
			*error_r = key->type == SQL_VALUE_PORT ?
					   "expected a port number (1-65535)" :
					   "expected a number";
			return -1;
		}
		*(unsigned int *)field = num;
		return 0;
	case SQL_VALUE_BOOL:
		if (strcmp(value, "yes") == 0)
			*(bool *)field = true;
		else if (strcmp(value, "no") == 0)
			*(bool *)field = false;
		else {
			*error_r = "expected yes or no";
			return -1;
		}
		return 0;
	}
	(void)pool;
	i_unreached();
}

int sql_connect_parse(pool_t pool, const char *str, struct sql_connect_settings *set_r,
		      const char **error_r)
{
	ARRAY_TYPE(const_string) hosts;
	const char *p = str, *error;

	memset(set_r, 0, sizeof(*set_r));
	set_r->connect_timeout = SQL_CONNECT_DEFAULT_CONNECT_TIMEOUT_SECS;
	set_r->read_timeout = SQL_CONNECT_DEFAULT_READ_TIMEOUT_SECS;
	set_r->write_timeout = SQL_CONNECT_DEFAULT_WRITE_TIMEOUT_SECS;
	p_array_init(&hosts, pool, 2);
	for (;;) {
		const char *eq, *name, *value;
		const struct sql_connect_key *key;

		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		eq = p + strcspn(p, "= \t");
		name = p_strndup(pool, p, (size_t)(eq - p));
		if (*eq != '=') {
			*error_r = p_strdup_printf(pool, "'%s' has no value (expected key=value)",
						   str_sanitize(pool, name, 40));
			return -1;
		}
		if (name[0] == '\0') {
			*error_r = "'=' without a key";
			return -1;
		}
		key = sql_connect_key_find(name);
		if (key == NULL && strcmp(name, "host") != 0) {
			*error_r = p_strdup_printf(pool, "unknown key '%s'",
						   str_sanitize(pool, name, 40));
			return -1;
		}
		p = eq + 1;
		if (sql_connect_read_value(pool, &p, &value, &error) < 0 ||
		    (key != NULL && sql_connect_set(pool, set_r, key, value, &error) < 0)) {
			*error_r = p_strdup_printf(pool, "%s: %s", name, error);
			return -1;
		}
		if (key == NULL) {
			if (value[0] == '\0') {
				*error_r = "host: empty value";
				return -1;
			}
			array_push(&hosts, &value);
		}
	}
	if (array_count(&hosts) == 0) {
		*error_r = "no host= given";
		return -1;
	}
	set_r->host_count = array_count(&hosts);
	(void)array_append_space(&hosts);
	set_r->hosts = array_front(&hosts);
	return 0;
}

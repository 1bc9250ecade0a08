/* The SQL connection file's table (sql-settings.h): Dovecot 2.3's keys and
   defaults (default_pass_scheme = MD5, as its db-sql). */
#include "lib.h"
#include "sql-connect.h"
#include "sql-settings.h"

#include <stddef.h>

#define DEF(t, name, def, fl)                                                                     \
	{ .type = (t), .key = #name, .offset = offsetof(struct sql_settings, name),               \
	  .default_value = (def), .flags = (fl) }

static const struct setting_def sql_connect_setting_defs[] = {
	/* Dovecot also has pgsql, sqlite and cassandra: refused by the check */
	DEF(SET_STR, driver, "", 0),
	/* holds the database password */
	DEF(SET_STR, connect, "", SET_FLAG_SECRET),
	DEF(SET_STR, default_pass_scheme, "MD5", 0),
	DEF(SET_STR_VARS, password_query,
	    "SELECT username, domain, password FROM users "
	    "WHERE username = '%n' AND domain = '%d'", 0),
	DEF(SET_STR_VARS, user_query,
	    "SELECT home, uid, gid FROM users WHERE username = '%n' AND domain = '%d'", 0),
	DEF(SET_STR_VARS, update_query,
	    "UPDATE users SET password = '%w' WHERE username = '%n' AND domain = '%d'", 0),
	DEF(SET_STR_VARS, iterate_query, "SELECT username, domain FROM users", 0),
	DEF(SET_BOOL, userdb_warning_disable, "no", 0),
	{ .key = NULL },
};

static bool sql_settings_check(void *_set, pool_t pool, const char **error_r)
{
	struct sql_settings *set = _set;
	struct sql_connect_settings connect;
	const char *error;

	if (set->driver[0] == '\0') {
		*error_r = "driver is not set (Roost's SQL driver is mysql)";
		return false;
	}
	if (strcmp(set->driver, "mysql") != 0) {
		*error_r = p_strdup_printf(pool, "driver: unsupported database driver '%s' "
					   "(Roost's SQL driver is mysql)",
					   str_sanitize(pool, set->driver, 40));
		return false;
	}
	if (set->connect[0] == '\0') {
		*error_r = "connect is not set";
		return false;
	}
	if (sql_connect_parse(pool, set->connect, &connect, &error) < 0) {
		*error_r = p_strdup_printf(pool, "connect: %s", error);
		return false;
	}
	return true;
}

const struct setting_table sql_connect_setting_table = {
	.name = "sql",
	.defs = sql_connect_setting_defs,
	.struct_size = sizeof(struct sql_settings),
	.named = false,
	.name_offset = SETTING_NO_FIELD,
	.check = sql_settings_check,
};

int sql_settings_read_file(const char *path, pool_t pool, const struct sql_settings **set_r,
			   const char **error_r)
{
	/* the file has no filter sections: only its plain values */
	const struct settings_filter filter = { .protocol = NULL };
	ARRAY_TYPE(settings_error) errors, warnings;
	struct config_tree *tree;
	struct settings_error check_error;
	string_t *str;
	void *set;
	int ret = 0;

	p_array_init(&errors, pool_temp, 4);
	p_array_init(&warnings, pool_temp, 4);
	tree = settings_load_file(path, &sql_connect_setting_table, &errors, &warnings);
	if (array_count(&errors) == 0 &&
	    settings_check_table(tree, &sql_connect_setting_table, &filter, pool_temp,
				 &check_error) < 0) {
		if (check_error.file == NULL)
			check_error.file = path;
		array_push(&errors, &check_error);
	}
	if (array_count(&errors) > 0) {
		str = str_new(pool_temp, 256);
		array_foreach(&errors, error) {
			if (str_len(str) > 0)
				str_append(str, "; ");
			str_append(str, settings_error_str(pool_temp, error));
		}
		*error_r = str_c(str);
		ret = -1;
	} else if (settings_to_struct(tree, tree->root, &sql_connect_setting_table, &filter, pool,
				      &set, error_r) < 0) {
		ret = -1;
	} else {
		*set_r = set;
	}
	config_tree_free(&tree);
	return ret;
}

/* passdb driver registry and the args every driver shares. */
#include "lib.h"
#include "passdb.h"

static const struct passdb_module_interface *const passdb_interfaces[] = {
	&passdb_passwd_file,
	&passdb_static,
	&passdb_pam,
	&passdb_sql,
};

const struct passdb_module_interface *passdb_interface_find(const char *driver)
{
	for (unsigned int i = 0; i < N_ELEMENTS(passdb_interfaces); i++) {
		if (strcmp(passdb_interfaces[i]->name, driver) == 0)
			return passdb_interfaces[i];
	}
	return NULL;
}

void passdb_parse_common_args(struct passdb_module *module, pool_t pool, const char *args,
			      const char *default_scheme, const char **rest_r)
{
	const char **words = p_strsplit_spaces(pool_temp, args, " ");
	string_t *rest = str_new(pool_temp, 64);
	const char *value;

	module->default_pass_scheme = default_scheme;
	module->username_format = "%u";
	for (unsigned int i = 0; words[i] != NULL; i++) {
		if (str_begins(words[i], "scheme=", &value)) {
			module->default_pass_scheme = p_strdup(pool, t_strdup(value));
			module->scheme_explicit = true;
		} else if (str_begins(words[i], "username_format=", &value)) {
			module->username_format = p_strdup(pool, value);
		} else {
			if (str_len(rest) > 0)
				str_append_c(rest, ' ');
			str_append(rest, words[i]);
		}
	}
	*rest_r = str_c(rest);
}

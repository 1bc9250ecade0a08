/* passdb passwd-file: args "[scheme=X] [username_format=%u] PATH"; the
   path may contain %variables (one file per domain, say). Bare passwords
   are in CRYPT unless scheme= says otherwise, as in Dovecot. */
#include "lib.h"
#include "db-passwd-file.h"
#include "passdb.h"

struct passwd_file_passdb {
	struct passdb_module module;
	const char *path;
};

static int passwd_file_create(pool_t pool, const char *args, struct passdb_module **module_r,
			      const char **error_r)
{
	struct passwd_file_passdb *pp = p_new(pool, struct passwd_file_passdb, 1);
	const char *rest;

	passdb_parse_common_args(&pp->module, pool, args, "CRYPT", &rest);
	if (rest[0] == '\0' || strchr(rest, ' ') != NULL) {
		*error_r = "passwd-file: args must name one file";
		return -1;
	}
	pp->path = p_strdup(pool, rest);
	*module_r = &pp->module;
	return 0;
}

/* Expands path and key for the request and finds the user. Returns like
   db_passwd_file_lookup(), logging failures. Shared with the userdb. */
int passwd_file_lookup_user(struct auth_request *request, const char *subsystem,
			    const char *path_template, const char *username_format,
			    const struct passwd_file_user **user_r);
int passwd_file_lookup_user(struct auth_request *request, const char *subsystem,
			    const char *path_template, const char *username_format,
			    const struct passwd_file_user **user_r)
{
	string_t *path = str_new(pool_temp, 128), *key = str_new(pool_temp, 64);
	const char *error;
	int ret;

	if (auth_request_var_expand(request, path, path_template, &error) < 0) {
		auth_request_log_error(request, subsystem, "Failed to expand path %s: %s",
				       path_template, error);
		return -1;
	}
	if (auth_request_var_expand(request, key, username_format, &error) < 0) {
		auth_request_log_error(request, subsystem,
				       "Failed to expand username_format=%s: %s",
				       username_format, error);
		return -1;
	}
	ret = db_passwd_file_lookup(db_passwd_file_get(str_c(path)), str_c(key), user_r, &error);
	if (ret < 0)
		auth_request_log_error(request, subsystem, "%s", error);
	else if (ret == 0)
		auth_request_log_debug(request, subsystem, "lookup: user=%s file=%s",
				       auth_log_str(str_c(key)), str_c(path));
	return ret;
}

static void passwd_file_lookup(struct passdb_module *module, struct auth_request *request,
			       passdb_lookup_callback_t *callback)
{
	struct passwd_file_passdb *pp = (struct passwd_file_passdb *)module;
	const struct passwd_file_user *user;
	int ret;

	ret = passwd_file_lookup_user(request, "passwd-file", pp->path, module->username_format,
				      &user);
	if (ret <= 0) {
		callback(ret < 0 ? PASSDB_RESULT_INTERNAL_FAILURE : PASSDB_RESULT_USER_UNKNOWN,
			 NULL, request);
		return;
	}
	for (unsigned int i = 0; user->extra_fields[i] != NULL; i++) {
		const char *field = user->extra_fields[i], *eq = strchr(field, '=');

		if (eq == NULL)
			auth_request_set_passdb_field(request, field, "");
		else
			auth_request_set_passdb_field(request, t_strndup(field,
									 (size_t)(eq - field)),
						      eq + 1);
	}
	callback(PASSDB_RESULT_OK, user->password, request);
}

const struct passdb_module_interface passdb_passwd_file = {
	.name = "passwd-file",
	.create = passwd_file_create,
	.lookup = passwd_file_lookup,
};

/* userdb passwd-file: the uid, gid, home (and userdb_ extra fields) of the
   same file format as the passdb. */
#include "lib.h"
#include "db-passwd-file.h"
#include "userdb.h"

int passwd_file_lookup_user(struct auth_request *request, const char *subsystem,
			    const char *path_template, const char *username_format,
			    const struct passwd_file_user **user_r);

struct passwd_file_userdb {
	struct userdb_module module;
	const char *path;
};

static int passwd_file_create(pool_t pool, const char *args, struct userdb_module **module_r,
			      const char **error_r)
{
	struct passwd_file_userdb *pu = p_new(pool, struct passwd_file_userdb, 1);
	const char **words = p_strsplit_spaces(pool_temp, args, " ");
	const char *value;

	pu->module.username_format = "%u";
	for (unsigned int i = 0; words[i] != NULL; i++) {
		if (str_begins(words[i], "username_format=", &value))
			pu->module.username_format = p_strdup(pool, value);
		else if (strchr(words[i], '=') != NULL)
			continue; /* e.g. scheme=, meaningless for a userdb */
		else if (pu->path != NULL) {
			*error_r = "passwd-file: args must name one file";
			return -1;
		} else
			pu->path = p_strdup(pool, words[i]);
	}
	if (pu->path == NULL) {
		*error_r = "passwd-file: args must name the file";
		return -1;
	}
	*module_r = &pu->module;
	return 0;
}

static void passwd_file_lookup(struct userdb_module *module, struct auth_request *request,
			       userdb_lookup_callback_t *callback)
{
	struct passwd_file_userdb *pu = (struct passwd_file_userdb *)module;
	const struct passwd_file_user *user;
	int ret;

	ret = passwd_file_lookup_user(request, "passwd-file", pu->path, module->username_format,
				      &user);
	if (ret <= 0) {
		callback(ret < 0 ? USERDB_RESULT_INTERNAL_FAILURE : USERDB_RESULT_USER_UNKNOWN,
			 request);
		return;
	}
	if (user->uid != NULL)
		auth_request_set_userdb_field(request, "uid", user->uid);
	if (user->gid != NULL)
		auth_request_set_userdb_field(request, "gid", user->gid);
	if (user->home != NULL)
		auth_request_set_userdb_field(request, "home", user->home);
	for (unsigned int i = 0; user->extra_fields[i] != NULL; i++) {
		const char *field = user->extra_fields[i], *key, *eq = strchr(field, '=');

		if (!str_begins(field, "userdb_", &key))
			continue;
		if (eq == NULL)
			auth_request_set_userdb_field(request, key, "");
		else
			auth_request_set_userdb_field(request, t_strndup(key, (size_t)(eq - key)),
						      eq + 1);
	}
	callback(USERDB_RESULT_OK, request);
}

static int passwd_file_iterate(struct userdb_module *module, pool_t pool,
			       ARRAY_TYPE(const_string) *users, const char **error_r)
{
	struct passwd_file_userdb *pu = (struct passwd_file_userdb *)module;

	if (strchr(pu->path, '%') != NULL) {
		*error_r = t_strdup_printf("passwd-file %s: cannot list users of a path with "
					   "%%variables", pu->path);
		return -1;
	}
	return db_passwd_file_iterate(db_passwd_file_get(pu->path), pool, users, error_r);
}

const struct userdb_module_interface userdb_passwd_file = {
	.name = "passwd-file",
	.create = passwd_file_create,
	.lookup = passwd_file_lookup,
	.iterate = passwd_file_iterate,
};

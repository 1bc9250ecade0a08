/* userdb static: args "uid=vmail gid=vmail home=/var/mail/vhosts/%d/%n
   [allow_all_users=yes]". User and group names are resolved to numbers
   at start-up. Without allow_all_users a user only exists when the passdbs
   know it (a passdb lookup is made for USER lookups, as in Dovecot);
   after a successful login that is already known. */
#include "lib.h"
#include "userdb.h"

struct static_userdb {
	struct userdb_module module;
	const char *fields;
	bool allow_all_users;
};

struct static_lookup_ctx {
	struct static_userdb *su;
	userdb_lookup_callback_t *callback;
};

static int static_create(pool_t pool, const char *args, struct userdb_module **module_r,
			 const char **error_r)
{
	struct static_userdb *su = p_new(pool, struct static_userdb, 1);
	const char **words = p_strsplit_spaces(pool_temp, args, " ");
	string_t *fields = str_new(pool_temp, 128);
	const char *value, *resolved, *error;

	for (unsigned int i = 0; words[i] != NULL; i++) {
		const char *word = words[i];

		if (str_begins(word, "allow_all_users=", &value)) {
			su->allow_all_users = strcasecmp(value, "yes") == 0 ||
					      strcmp(value, "1") == 0;
			continue;
		}
		if (str_begins(word, "uid=", &value)) {
			if (userdb_resolve_uid(value, &resolved, &error) < 0) {
				*error_r = t_strdup_printf("static: uid: %s", error);
				return -1;
			}
			word = t_strdup_printf("uid=%s", resolved);
		} else if (str_begins(word, "gid=", &value)) {
			if (userdb_resolve_gid(value, &resolved, &error) < 0) {
				*error_r = t_strdup_printf("static: gid: %s", error);
				return -1;
			}
			word = t_strdup_printf("gid=%s", resolved);
		}
		if (str_len(fields) > 0)
			str_append_c(fields, ' ');
		str_append(fields, word);
	}
	su->fields = p_strdup(pool, str_c(fields));
	su->module.username_format = "%u";
	*module_r = &su->module;
	return 0;
}

static void static_apply(struct static_userdb *su, struct auth_request *request,
			 userdb_lookup_callback_t *callback)
{
	if (auth_request_apply_template(request, su->fields, true, true) < 0)
		callback(USERDB_RESULT_INTERNAL_FAILURE, request);
	else
		callback(USERDB_RESULT_OK, request);
}

static void static_passdb_cb(enum passdb_result result, const char *stored ATTR_UNUSED,
			     const char *scheme ATTR_UNUSED, struct auth_request *request)
{
	struct static_lookup_ctx *ctx = request->mech_data;

	request->mech_data = NULL;
	switch (result) {
	case PASSDB_RESULT_OK:
		static_apply(ctx->su, request, ctx->callback);
		break;
	case PASSDB_RESULT_INTERNAL_FAILURE:
		ctx->callback(USERDB_RESULT_INTERNAL_FAILURE, request);
		break;
	default:
		auth_request_log_debug(request, "static", "passdb does not know the user "
				       "(allow_all_users=no)");
		ctx->callback(USERDB_RESULT_USER_UNKNOWN, request);
		break;
	}
}

static void static_lookup(struct userdb_module *module, struct auth_request *request,
			  userdb_lookup_callback_t *callback)
{
	struct static_userdb *su = (struct static_userdb *)module;
	struct static_lookup_ctx *ctx;

	if (su->allow_all_users || request->successful || request->finished ||
	    !auth_passdbs_can_lookup_credentials(request->auth)) {
		static_apply(su, request, callback);
		return;
	}
	/* does the user exist? ask the passdbs (no password check) */
	ctx = p_new(request->pool, struct static_lookup_ctx, 1);
	ctx->su = su;
	ctx->callback = callback;
	request->mech_data = ctx;
	auth_request_lookup_credentials(request, static_passdb_cb);
}

const struct userdb_module_interface userdb_static = {
	.name = "static",
	.create = static_create,
	.lookup = static_lookup,
};

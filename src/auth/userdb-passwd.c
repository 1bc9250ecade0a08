/* userdb passwd: the system's users through getpwnam(), which may block
   (NSS modules), so it runs in an auth worker. */
#include "lib.h"
#include "auth-fields.h"
#include "auth-worker-server.h"
#include "userdb.h"

struct passwd_lookup_ctx {
	struct auth_request *request;
	userdb_lookup_callback_t *callback;
};

static int passwd_create(pool_t pool, const char *args ATTR_UNUSED,
			 struct userdb_module **module_r, const char **error_r ATTR_UNUSED)
{
	struct userdb_module *module = p_new(pool, struct userdb_module, 1);

	module->username_format = "%u";
	*module_r = module;
	return 0;
}

static void passwd_worker_cb(const char *status, const char *const *args, void *context)
{
	struct passwd_lookup_ctx *ctx = context;
	struct auth_request *request = ctx->request;
	enum userdb_result result;

	if (strcmp(status, "ok") == 0) {
		for (unsigned int i = 0; args[i] != NULL; i++) {
			const char *eq = strchr(args[i], '=');

			if (eq == NULL || str_begins(args[i], "user=", NULL))
				continue;
			auth_request_set_userdb_field(request,
						      t_strndup(args[i], (size_t)(eq - args[i])),
						      eq + 1);
		}
		result = USERDB_RESULT_OK;
	} else if (strcmp(status, "unknown") == 0) {
		result = USERDB_RESULT_USER_UNKNOWN;
	} else {
		if (!request->aborted)
			auth_request_log_error(request, "passwd", "%s",
					       args[0] != NULL ? args[0] : "lookup failed");
		result = USERDB_RESULT_INTERNAL_FAILURE;
	}
	ctx->callback(result, request);
	auth_request_unref(&request);
	i_free(ctx);
}

static void passwd_lookup(struct userdb_module *module ATTR_UNUSED,
			  struct auth_request *request, userdb_lookup_callback_t *callback)
{
	struct passwd_lookup_ctx *ctx = i_new(struct passwd_lookup_ctx, 1);
	string_t *args = str_new(pool_temp, 64);

	ctx->request = request;
	ctx->callback = callback;
	auth_request_ref(request);
	auth_fields_append_escaped(args, request->user);
	auth_worker_call("GETPW", str_c(args), passwd_worker_cb, ctx);
}

const struct userdb_module_interface userdb_passwd = {
	.name = "passwd",
	.create = passwd_create,
	.lookup = passwd_lookup,
};

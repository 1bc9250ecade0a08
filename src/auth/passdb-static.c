/* passdb static: args are fields ("password=secret", "nopassword",
   "allow_nets=..."), %-expanded per request. Every user exists. */
#include "lib.h"
#include "passdb.h"

struct static_passdb {
	struct passdb_module module;
	const char *fields;
};

static int static_create(pool_t pool, const char *args, struct passdb_module **module_r,
			 const char **error_r)
{
	struct static_passdb *sp = p_new(pool, struct static_passdb, 1);
	const char *rest;

	passdb_parse_common_args(&sp->module, pool, args, "PLAIN", &rest);
	sp->fields = p_strdup(pool, rest);
	*module_r = &sp->module;
	return 0;
}

static void static_lookup(struct passdb_module *module, struct auth_request *request,
			  passdb_lookup_callback_t *callback)
{
	struct static_passdb *sp = (struct static_passdb *)module;

	request->passdb_password = NULL;
	if (auth_request_apply_template(request, sp->fields, false, true) < 0) {
		callback(PASSDB_RESULT_INTERNAL_FAILURE, NULL, request);
		return;
	}
	callback(PASSDB_RESULT_OK, request->passdb_password, request);
}

const struct passdb_module_interface passdb_static = {
	.name = "static",
	.create = static_create,
	.lookup = static_lookup,
};

/* userdb prefetch: the userdb_* fields the passdb already returned (an SQL
   password_query that selects userdb_uid, userdb_home, ...), so a login
   costs one query. A lookup that had no passdb before it (LMTP, roost-lda,
   roostadm user) finds nothing here and goes on to the next userdb, as in
   Dovecot: put a userdb sql after prefetch for those. */
#include "lib.h"
#include "userdb.h"

static int prefetch_create(pool_t pool, const char *args, struct userdb_module **module_r,
			   const char **error_r)
{
	struct userdb_module *module = p_new(pool, struct userdb_module, 1);

	module->username_format = "%u";
	*module_r = module;
	return 0;
}

static void prefetch_lookup(struct userdb_module *module, struct auth_request *request,
			    userdb_lookup_callback_t *callback)
{
	if (!request->passdb_userdb_fields) {
		if (request->passdb_success || request->successful)
			auth_request_log_info(request, "prefetch",
					      "passdb didn't return userdb entries");
		else
			auth_request_log_debug(request, "prefetch",
					       "no passdb lookup before this userdb lookup: "
					       "skipping to the next userdb");
		callback(USERDB_RESULT_USER_UNKNOWN, request);
		return;
	}
	auth_request_log_debug(request, "prefetch", "success");
	callback(USERDB_RESULT_OK, request);
}

const struct userdb_module_interface userdb_prefetch = {
	.name = "prefetch",
	.create = prefetch_create,
	.lookup = prefetch_lookup,
};

/* passdb sql: args is the SQL connection file (Dovecot's
   dovecot-sql.conf.ext). password_query runs in an auth worker; its row's
   columns become the passdb's fields: "password" (with a {SCHEME} prefix,
   else in default_pass_scheme), "password_noscheme" (never read as having
   a prefix), "user" (renames the user), userdb_* (kept for userdb
   prefetch), nopassword, nologin, reason, allow_nets, ... No row: unknown
   user; several rows or a database that cannot be reached: internal
   (temporary) failure. */
#include "lib.h"
#include "db-sql.h"
#include "passdb.h"

struct sql_passdb {
	struct passdb_module module;
	struct db_sql *db;
};

struct sql_passdb_request {
	struct auth_request *request;
	passdb_lookup_callback_t *callback;
};

static int sql_passdb_create(pool_t pool, const char *args, struct passdb_module **module_r,
			     const char **error_r)
{
	struct sql_passdb *sp = p_new(pool, struct sql_passdb, 1);
	const char *path = p_strndup(pool_temp, args, strcspn(args, " "));

	if (path[0] == '\0') {
		*error_r = "args must name the SQL connection file";
		return -1;
	}
	sp->db = db_sql_get(path, error_r);
	if (sp->db == NULL)
		return -1;
	sp->module.default_pass_scheme = p_strdup(pool, sp->db->set->default_pass_scheme);
	/* rows may carry {SCHEME} prefixes of their own: a mechanism that
	   needs another scheme is not refused at start-up */
	sp->module.scheme_explicit = false;
	sp->module.username_format = "%u";
	*module_r = &sp->module;
	return 0;
}

static void sql_passdb_lookup_cb(const char *status, const char *const *fields, void *context)
{
	struct sql_passdb_request *sreq = context;
	struct auth_request *request = sreq->request;
	const char *password = NULL;
	enum passdb_result result;

	if (request->aborted) {
		result = PASSDB_RESULT_INTERNAL_FAILURE;
	} else if (strcmp(status, "ok") == 0) {
		result = PASSDB_RESULT_OK;
		for (unsigned int i = 0; fields[i] != NULL; i++) {
			const char *eq = strchr(fields[i], '=');
			const char *key, *value;

			if (eq == NULL)
				continue;
			key = t_strndup(fields[i], (size_t)(eq - fields[i]));
			value = eq + 1;
			if (strcmp(key, "password") == 0)
				password = value;
			else if (strcmp(key, "password_noscheme") == 0)
				password = t_strdup_printf("{%s}%s",
							   request->passdb->module->default_pass_scheme,
							   value);
			else
				auth_request_set_passdb_field(request, key, value);
		}
		if (password != NULL)
			request->passdb_password = p_strdup(request->pool, password);
	} else if (strcmp(status, "unknown") == 0) {
		result = PASSDB_RESULT_USER_UNKNOWN;
	} else {
		auth_request_log_error(request, "sql", "%s",
				       fields[0] != NULL ? fields[0] : "Lookup failed");
		result = PASSDB_RESULT_INTERNAL_FAILURE;
	}
	sreq->callback(result, password, request);
	auth_request_unref(&request);
	i_free(sreq);
}

static void sql_passdb_lookup(struct passdb_module *module, struct auth_request *request,
			      passdb_lookup_callback_t *callback)
{
	struct sql_passdb *sp = (struct sql_passdb *)module;
	struct sql_passdb_request *sreq = i_new(struct sql_passdb_request, 1);

	sreq->request = request;
	sreq->callback = callback;
	auth_request_ref(request);
	db_sql_lookup(sp->db, DB_SQL_QUERY_PASSWORD, request, sql_passdb_lookup_cb, sreq);
}

const struct passdb_module_interface passdb_sql = {
	.name = "sql",
	.create = sql_passdb_create,
	.lookup = sql_passdb_lookup,
	.lookup_in_worker = true,
};

/* userdb sql: user_query's first row gives the userdb fields (uid, gid,
   home, mail, quota_rule, ...; NULL columns left out; uid and gid may be
   names), "user" renames the user; iterate_query lists the users for
   `roostadm user '*'`. Both run in auth workers (db-sql.h). */
#include "lib.h"
#include "db-sql.h"
#include "userdb.h"

struct sql_userdb {
	struct userdb_module module;
	struct db_sql *db;
};

struct sql_userdb_request {
	struct auth_request *request;
	userdb_lookup_callback_t *callback;
};

struct sql_userdb_iterate {
	pool_t pool;
	ARRAY_TYPE(const_string) *users;
	userdb_iterate_callback_t *callback;
	void *context;
};

static int sql_userdb_create(pool_t pool, const char *args, struct userdb_module **module_r,
			     const char **error_r)
{
	struct sql_userdb *su = p_new(pool, struct sql_userdb, 1);
	const char *path = p_strndup(pool_temp, args, strcspn(args, " "));

	if (path[0] == '\0') {
		*error_r = "args must name the SQL connection file";
		return -1;
	}
	su->db = db_sql_get(path, error_r);
	if (su->db == NULL)
		return -1;
	su->module.username_format = "%u";
	*module_r = &su->module;
	return 0;
}

static void sql_userdb_lookup_cb(const char *status, const char *const *fields, void *context)
{
	struct sql_userdb_request *sreq = context;
	struct auth_request *request = sreq->request;
	enum userdb_result result;

	if (request->aborted) {
		result = USERDB_RESULT_INTERNAL_FAILURE;
	} else if (strcmp(status, "ok") == 0) {
		result = USERDB_RESULT_OK;
		for (unsigned int i = 0; fields[i] != NULL; i++) {
			const char *eq = strchr(fields[i], '=');
			const char *key;

			if (eq == NULL)
				continue;
			key = t_strndup(fields[i], (size_t)(eq - fields[i]));
			if (strcmp(key, "user") == 0 || strcmp(key, "username") == 0) {
				if (eq[1] != '\0')
					request->user = p_strdup(request->pool, eq + 1);
			} else {
				auth_request_set_userdb_field(request, key, eq + 1);
			}
		}
	} else if (strcmp(status, "unknown") == 0) {
		result = USERDB_RESULT_USER_UNKNOWN;
	} else {
		auth_request_log_error(request, "sql", "%s",
				       fields[0] != NULL ? fields[0] : "Lookup failed");
		result = USERDB_RESULT_INTERNAL_FAILURE;
	}
	sreq->callback(result, request);
	auth_request_unref(&request);
	i_free(sreq);
}

static void sql_userdb_lookup(struct userdb_module *module, struct auth_request *request,
			      userdb_lookup_callback_t *callback)
{
	struct sql_userdb *su = (struct sql_userdb *)module;
	struct sql_userdb_request *sreq = i_new(struct sql_userdb_request, 1);

	sreq->request = request;
	sreq->callback = callback;
	auth_request_ref(request);
	db_sql_lookup(su->db, DB_SQL_QUERY_USER, request, sql_userdb_lookup_cb, sreq);
}

static void sql_userdb_iterate_cb(const char *status, const char *const *fields, void *context)
{
	struct sql_userdb_iterate *ctx = context;

	if (strcmp(status, "item") == 0) {
		if (fields[0] != NULL) {
			const char *user = p_strdup(ctx->pool, fields[0]);

			array_push(ctx->users, &user);
		}
		return;
	}
	if (strcmp(status, "ok") == 0)
		ctx->callback(0, NULL, ctx->context);
	else
		ctx->callback(-1, fields[0] != NULL ? fields[0] : "Listing users failed",
			      ctx->context);
	i_free(ctx);
}

static void sql_userdb_iterate_async(struct userdb_module *module, pool_t pool,
				     ARRAY_TYPE(const_string) *users,
				     userdb_iterate_callback_t *callback, void *context)
{
	struct sql_userdb *su = (struct sql_userdb *)module;
	struct sql_userdb_iterate *ctx = i_new(struct sql_userdb_iterate, 1);
	struct auth_request *request = auth_request_new(global_auth, NULL);

	ctx->pool = pool;
	ctx->users = users;
	ctx->callback = callback;
	ctx->context = context;
	request->service = "";
	db_sql_lookup(su->db, DB_SQL_QUERY_ITERATE, request, sql_userdb_iterate_cb, ctx);
	auth_request_unref(&request);
}

const struct userdb_module_interface userdb_sql = {
	.name = "sql",
	.create = sql_userdb_create,
	.lookup = sql_userdb_lookup,
	.iterate_async = sql_userdb_iterate_async,
};

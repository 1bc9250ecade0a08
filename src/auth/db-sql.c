/* SQL connection files and the "SQL" auth worker request (db-sql.h). */
#include "lib.h"
#include "auth-fields.h"
#include "sql-api.h"
#include "auth-worker-server.h"
#include "auth-worker-client.h"
#include "db-sql.h"

static struct db_sql *db_sql_list;

static const char *const db_sql_type_names[] = {
	[DB_SQL_QUERY_PASSWORD] = "password",
	[DB_SQL_QUERY_USER] = "user",
	[DB_SQL_QUERY_ITERATE] = "iterate",
};

struct db_sql *db_sql_get(const char *path, const char **error_r)
{
	struct db_sql *db;
	const char *error;
	pool_t pool;

	for (db = db_sql_list; db != NULL; db = db->next) {
		if (strcmp(db->path, path) == 0)
			return db;
	}
	pool = pool_alloconly_create("db sql", 2048);
	db = p_new(pool, struct db_sql, 1);
	db->pool = pool;
	db->path = p_strdup(pool, path);
	if (sql_settings_read_file(path, pool, &db->set, error_r) < 0) {
		pool_unref(&pool);
		return NULL;
	}
	/* the check already parsed it once */
	if (sql_connect_parse(pool, db->set->connect, &db->connect, &error) < 0) {
		*error_r = t_strdup_printf("%s: connect: %s", path, error);
		pool_unref(&pool);
		return NULL;
	}
	db->next = db_sql_list;
	db_sql_list = db;
	return db;
}

void db_sql_deinit(void)
{
	while (db_sql_list != NULL) {
		struct db_sql *db = db_sql_list;

		db_sql_list = db->next;
		if (db->db != NULL)
			sql_db_destroy(&db->db);
		pool_unref(&db->pool);
	}
}

static const char *db_sql_query_template(const struct db_sql *db, enum db_sql_query_type type)
{
	switch (type) {
	case DB_SQL_QUERY_PASSWORD:
		return db->set->password_query;
	case DB_SQL_QUERY_USER:
		return db->set->user_query;
	case DB_SQL_QUERY_ITERATE:
		return db->set->iterate_query;
	}
	i_unreached();
}

/* ---- auth process ---- */

struct db_sql_lookup_ctx {
	db_sql_callback_t *callback;
	void *context;
	bool iterate;
};

static void db_sql_worker_cb(const char *status, const char *const *args, void *context)
{
	struct db_sql_lookup_ctx *ctx = context;

	if (strcmp(status, "item") == 0) {
		ctx->callback(status, args, ctx->context);
		return;
	}
	if (strcmp(status, "internal") == 0 && args[0] == NULL) {
		static const char *const no_reason[] = { "Worker failed", NULL };

		args = no_reason;
	}
	ctx->callback(status, args, ctx->context);
	i_free(ctx);
}

void db_sql_lookup(struct db_sql *db, enum db_sql_query_type type, struct auth_request *request,
		   db_sql_callback_t *callback, void *context)
{
	struct db_sql_lookup_ctx *ctx = i_new(struct db_sql_lookup_ctx, 1);
	string_t *args = str_new(pool_temp, 256);
	const char *query = db_sql_query_template(db, type);

	ctx->callback = callback;
	ctx->context = context;
	auth_fields_append_escaped(args, db->path);
	str_append_c(args, '\t');
	str_append(args, db_sql_type_names[type]);
	if (request != NULL)
		auth_request_export(request, args, var_has_key(query, 'w', "password"));
	auth_worker_call("SQL", str_c(args), db_sql_worker_cb, ctx);
}

/* ---- auth worker ---- */

static const char *db_sql_escape(const char *str, void *context)
{
	struct db_sql *db = context;

	return sql_escape_string(db->db, str);
}

static const char *db_sql_row_fields(unsigned int id, struct sql_result *result)
{
	unsigned int count = sql_result_get_fields_count(result);
	string_t *str = str_new(pool_temp, 256);

	str_printfa(str, "RESULT\t%u\tok", id);
	for (unsigned int i = 0; i < count; i++) {
		const char *value = sql_result_get_field_value(result, i);

		/* NULL columns are left out, as Dovecot does */
		if (value == NULL)
			continue;
		str_append_c(str, '\t');
		auth_fields_append_escaped(
			str, t_strdup_printf("%s=%s", sql_result_get_field_name(result, i), value));
	}
	return str_c(str);
}

/* Dovecot's iterate_query: a "user" column, or "username" and "domain". */
static const char *db_sql_iterate_user(struct sql_result *result)
{
	const char *username = NULL, *domain = NULL;

	for (unsigned int i = 0; i < sql_result_get_fields_count(result); i++) {
		const char *name = sql_result_get_field_name(result, i);
		const char *value = sql_result_get_field_value(result, i);

		if (strcmp(name, "user") == 0)
			return value;
		if (strcmp(name, "username") == 0)
			username = value;
		else if (strcmp(name, "domain") == 0)
			domain = value;
	}
	if (username == NULL)
		return NULL;
	return domain == NULL || domain[0] == '\0' ? username :
						   t_strdup_printf("%s@%s", username, domain);
}

static const char *db_sql_iterate_reply(unsigned int id, struct sql_result *result)
{
	string_t *str = str_new(pool_temp, 1024);
	const char *user;

	while (sql_result_next_row(result) > 0) {
		user = db_sql_iterate_user(result);
		if (user == NULL)
			return auth_worker_reply(id, "internal",
					    "iterate_query didn't return 'user' or 'username' "
					    "column");
		str_printfa(str, "ITEM\t%u\t", id);
		auth_fields_append_escaped(str, user);
		str_append_c(str, '\n');
	}
	str_append(str, auth_worker_reply(id, "ok", NULL));
	return str_c(str);
}

static const char *db_sql_result_reply(unsigned int id, enum db_sql_query_type type,
				       struct sql_result *result)
{
	unsigned int rows = sql_result_get_rows_count(result);

	if (type == DB_SQL_QUERY_ITERATE)
		return db_sql_iterate_reply(id, result);
	if (sql_result_next_row(result) <= 0)
		return auth_worker_reply(id, "unknown", NULL);
	if (rows > 1 && type == DB_SQL_QUERY_PASSWORD) {
		/* which row would be the user? none: refuse */
		return auth_worker_reply(id, "internal",
				    t_strdup_printf("Password query returned multiple matches "
						    "(%u rows)", rows));
	}
	/* userdb: the first row, as Dovecot */
	return db_sql_row_fields(id, result);
}

static const char *db_sql_run(unsigned int id, struct db_sql *db, enum db_sql_query_type type,
			      struct auth_request *request)
{
	const char *template = db_sql_query_template(db, type), *error;
	string_t *query = str_new(pool_temp, 256);
	struct sql_result *result;
	const char *reply;
	bool temporary;

	if (template[0] == '\0')
		return auth_worker_reply(id, "internal", t_strdup_printf(
					    "%s: %s_query is empty", db->path,
					    db_sql_type_names[type]));
	if (db->db == NULL)
		db->db = sql_db_create(&db->connect);
	/* escaping follows the connection's character set: connect first */
	if (sql_db_connect(db->db, &error) < 0)
		return auth_worker_reply(id, "internal", error);
	if (auth_request_var_expand_with_escape(request, query, template, db_sql_escape, db,
						&error) < 0)
		return auth_worker_reply(id, "internal",
				    t_strdup_printf("Failed to expand %s_query=%s: %s",
						    db_sql_type_names[type], template, error));
	auth_request_log_debug(request, "sql", "%s query: %s", db_sql_type_names[type],
			       str_c(query));
	if (sql_query(db->db, str_c(query), &result, &temporary, &error) < 0)
		return auth_worker_reply(id, "internal",
				    t_strdup_printf("%s query failed: %s", db_sql_type_names[type],
						    error));
	reply = db_sql_result_reply(id, type, result);
	sql_result_free(&result);
	return reply;
}

const char *db_sql_worker_request(unsigned int id, const char *const *args)
{
	enum db_sql_query_type type;
	struct auth_request *request;
	struct db_sql *db;
	const char *error, *reply;
	unsigned int i;

	if (str_array_length(args) < 2)
		return NULL;
	for (i = 0; i < N_ELEMENTS(db_sql_type_names); i++) {
		if (strcmp(args[1], db_sql_type_names[i]) == 0)
			break;
	}
	if (i == N_ELEMENTS(db_sql_type_names))
		return NULL;
	type = (enum db_sql_query_type)i;
	db = db_sql_get(args[0], &error);
	if (db == NULL)
		return auth_worker_reply(id, "internal", error);
	request = auth_request_new(global_auth, NULL);
	if (auth_request_import_exported(request, args + 2, &error) < 0) {
		i_error("BUG: auth process sent a malformed SQL request: %s", error);
		auth_request_unref(&request);
		return NULL;
	}
	reply = db_sql_run(id, db, type, request);
	auth_request_unref(&request);
	return reply;
}

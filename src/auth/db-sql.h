#ifndef DB_SQL_H
#define DB_SQL_H

/* The SQL connection file shared by passdb sql and userdb sql (one per
   path), and the queries run for them in auth workers: MySQL blocks, so
   the auth process only sends the request's variables to a worker, which
   connects (once per worker process, again after a lost connection),
   expands the query with every value escaped by the connection
   (mysql_real_escape_string) and answers with the row's columns. */

#include "auth-request.h"
#include "sql-settings.h"
#include "sql-connect.h"

enum db_sql_query_type {
	DB_SQL_QUERY_PASSWORD,
	DB_SQL_QUERY_USER,
	DB_SQL_QUERY_ITERATE,
};

struct db_sql {
	struct db_sql *next;
	pool_t pool;
	char *path;
	const struct sql_settings *set;
	struct sql_connect_settings connect;
	/* worker only: the connection, made on first use */
	struct sql_db *db;
};

/* The file at path, read and checked on first use (auth reads it at
   start-up while still root). Returns NULL with *error_r
   ("FILE:LINE: ..."). */
struct db_sql *db_sql_get(const char *path, const char **error_r);
void db_sql_deinit(void);

/* status: "ok" with fields "column=value" (NULL columns left out);
   "unknown" (no row); "internal" with an error text in fields[0]. For
   DB_SQL_QUERY_ITERATE, "item" with the user name in fields[0] for each
   row, then "ok". */
typedef void db_sql_callback_t(const char *status, const char *const *fields, void *context);
/* Runs the query of the type in a worker for request. */
void db_sql_lookup(struct db_sql *db, enum db_sql_query_type type, struct auth_request *request,
		   db_sql_callback_t *callback, void *context);

/* Worker side of "SQL": args after the id are the file path, the query
   type and the request's exported fields. Returns the reply line(s)
   (ITEM lines before the RESULT for iterate), or NULL for a malformed
   request. */
const char *db_sql_worker_request(unsigned int id, const char *const *args);

#endif

#ifndef SQL_API_H
#define SQL_API_H

/* A blocking SQL connection (MySQL/MariaDB through libmysqlclient). Every
   call may wait on the network: use it only in processes that may block
   (auth workers, roostadm), never in an event loop.

   The connection is made on first use and remade when it was lost: hosts
   are tried in the order of the connect string (failover), and a query
   that finds the connection gone (server restarted, idle timeout) is sent
   once more on a new one. */

#include "sql-connect.h"

struct sql_db;
struct sql_result;

/* No I/O: the connection is made by sql_db_connect() or the first query.
   set must stay valid as long as the db. */
struct sql_db *sql_db_create(const struct sql_connect_settings *set);
void sql_db_destroy(struct sql_db **db);

/* Connects unless connected. Returns 0, or -1 with *error_r naming every
   host tried and its error. */
int sql_db_connect(struct sql_db *db, const char **error_r);
/* The host of the current connection, or NULL. */
const char *sql_db_connected_host(const struct sql_db *db);

/* str escaped for use inside a '...' string literal, with the rules of the
   connection's character set and SQL mode (mysql_real_escape_string);
   from pool_temp. Connect first: without a connection the client's default
   character set is used. */
const char *sql_escape_string(struct sql_db *db, const char *str);

/* Runs query (connecting first if needed) and stores its whole result.
   Returns 0 with *result_r (a statement without a result set gives an
   empty result), or -1 with *error_r: a query error or a connection that
   could not be made or remade. *temporary_r tells the two apart: true
   when the server could not be reached. */
int sql_query(struct sql_db *db, const char *query, struct sql_result **result_r,
	      bool *temporary_r, const char **error_r);

unsigned int sql_result_get_fields_count(const struct sql_result *result);
const char *sql_result_get_field_name(const struct sql_result *result, unsigned int idx);
unsigned int sql_result_get_rows_count(const struct sql_result *result);
/* Moves to the next row: 1, or 0 at the end. The first call gives the
   first row. */
int sql_result_next_row(struct sql_result *result);
/* The current row's value, NULL for SQL NULL. Valid until the next row. */
const char *sql_result_get_field_value(const struct sql_result *result, unsigned int idx);
void sql_result_free(struct sql_result **result);

#endif

/* sql-api.h on libmysqlclient (MariaDB Connector/C on Debian 12). The only
   user of <mysql.h> (tests/layering). */
#include "lib.h"
#include "sql-api.h"

#include <mysql.h>
#include <errmsg.h>

struct sql_db {
	const struct sql_connect_settings *set;
	MYSQL *mysql; /* NULL: not connected */
	const char *host; /* of the connection, from set */
};

struct sql_result {
	MYSQL_RES *res; /* NULL: the statement had no result set */
	MYSQL_FIELD *fields;
	unsigned int field_count;
	MYSQL_ROW row;
};

static unsigned int sql_db_count;

struct sql_db *sql_db_create(const struct sql_connect_settings *set)
{
	struct sql_db *db = i_new(struct sql_db, 1);

	db->set = set;
	sql_db_count++;
	return db;
}

static void sql_db_disconnect(struct sql_db *db)
{
	if (db->mysql != NULL) {
		mysql_close(db->mysql);
		db->mysql = NULL;
	}
	db->host = NULL;
}

void sql_db_destroy(struct sql_db **_db)
{
	struct sql_db *db = *_db;

	*_db = NULL;
	sql_db_disconnect(db);
	i_free(db);
	/* the client library's global state (a leak checker sees it otherwise) */
	if (--sql_db_count == 0)
		mysql_library_end();
}

static void sql_db_set_options(struct sql_db *db, MYSQL *mysql)
{
	const struct sql_connect_settings *set = db->set;
	unsigned int secs;

	secs = set->connect_timeout;
	mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &secs);
	secs = set->read_timeout;
	mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &secs);
	secs = set->write_timeout;
	mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &secs);
	if (set->option_file != NULL)
		mysql_options(mysql, MYSQL_READ_DEFAULT_FILE, set->option_file);
	mysql_options(mysql, MYSQL_READ_DEFAULT_GROUP,
		      set->option_group != NULL ? set->option_group : "client");
	if (set->ssl_ca != NULL || set->ssl_ca_path != NULL || set->ssl_cert != NULL ||
	    set->ssl_key != NULL || set->ssl_cipher != NULL) {
		my_bool verify = set->ssl_verify_server_cert;

		mysql_ssl_set(mysql, set->ssl_key, set->ssl_cert, set->ssl_ca, set->ssl_ca_path,
			      set->ssl_cipher);
		mysql_options(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
	}
}

static int sql_db_connect_host(struct sql_db *db, const char *host, const char **error_r)
{
	const struct sql_connect_settings *set = db->set;
	const char *unix_socket = NULL;
	MYSQL *mysql = mysql_init(NULL);

	if (mysql == NULL) {
		*error_r = "mysql_init() failed: out of memory";
		return -1;
	}
	sql_db_set_options(db, mysql);
	if (sql_connect_host_is_socket(host)) {
		unix_socket = host;
		host = NULL;
	}
	if (mysql_real_connect(mysql, host, set->user, set->password, set->dbname, set->port,
			       unix_socket, set->client_flags) == NULL) {
		*error_r = t_strdup_printf("%s", mysql_error(mysql));
		mysql_close(mysql);
		return -1;
	}
	db->mysql = mysql;
	return 0;
}

int sql_db_connect(struct sql_db *db, const char **error_r)
{
	string_t *errors;
	const char *error;

	if (db->mysql != NULL)
		return 0;
	errors = str_new(pool_temp, 128);
	for (unsigned int i = 0; i < db->set->host_count; i++) {
		const char *host = db->set->hosts[i];

		if (sql_db_connect_host(db, host, &error) == 0) {
			db->host = host;
			return 0;
		}
		if (str_len(errors) > 0)
			str_append(errors, ", ");
		str_printfa(errors, "%s: %s", host, error);
	}
	*error_r = t_strdup_printf("Connect failed to database (%s): %s",
				   db->set->dbname != NULL ? db->set->dbname : "",
				   str_c(errors));
	return -1;
}

const char *sql_db_connected_host(const struct sql_db *db)
{
	return db->host;
}

const char *sql_escape_string(struct sql_db *db, const char *str)
{
	size_t len = strlen(str);
	char *dest = p_malloc(pool_temp, len * 2 + 1);
	MYSQL *mysql = db->mysql;

	if (mysql == NULL) {
		/* the default character set's rules: safe for ASCII and UTF-8 */
		mysql = mysql_init(NULL);
		if (mysql == NULL)
			i_fatal_status(FATAL_OUTOFMEM, "mysql_init() failed: out of memory");
		mysql_real_escape_string(mysql, dest, str, len);
		mysql_close(mysql);
		return dest;
	}
	mysql_real_escape_string(mysql, dest, str, len);
	return dest;
}

static bool sql_errno_is_disconnect(unsigned int err)
{
	return err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST ||
	       err == CR_CONNECTION_ERROR || err == CR_CONN_HOST_ERROR;
}

/* Returns 0, -1 for a query error, -2 when the connection is gone. */
static int sql_query_once(struct sql_db *db, const char *query, struct sql_result **result_r,
			  const char **error_r)
{
	struct sql_result *result;
	MYSQL_RES *res;

	if (mysql_real_query(db->mysql, query, strlen(query)) != 0) {
		unsigned int err = mysql_errno(db->mysql);

		*error_r = t_strdup_printf("%s (errno %u)", mysql_error(db->mysql), err);
		return sql_errno_is_disconnect(err) ? -2 : -1;
	}
	res = mysql_store_result(db->mysql);
	if (res == NULL && mysql_field_count(db->mysql) > 0) {
		unsigned int err = mysql_errno(db->mysql);

		*error_r = t_strdup_printf("Reading the result failed: %s (errno %u)",
					   mysql_error(db->mysql), err);
		return sql_errno_is_disconnect(err) ? -2 : -1;
	}
	result = i_new(struct sql_result, 1);
	result->res = res;
	if (res != NULL) {
		result->field_count = mysql_num_fields(res);
		result->fields = mysql_fetch_fields(res);
	}
	*result_r = result;
	return 0;
}

int sql_query(struct sql_db *db, const char *query, struct sql_result **result_r,
	      bool *temporary_r, const char **error_r)
{
	bool reconnected = false;
	int ret;

	*temporary_r = false;
	if (db->mysql == NULL) {
		if (sql_db_connect(db, error_r) < 0) {
			*temporary_r = true;
			return -1;
		}
		reconnected = true;
	}
	ret = sql_query_once(db, query, result_r, error_r);
	if (ret == -2 && !reconnected) {
		/* the server went away since the last query (restart, idle
		   timeout): a new connection gets one more try */
		sql_db_disconnect(db);
		if (sql_db_connect(db, error_r) < 0) {
			*temporary_r = true;
			return -1;
		}
		ret = sql_query_once(db, query, result_r, error_r);
	}
	if (ret == -2) {
		sql_db_disconnect(db);
		*temporary_r = true;
	}
	return ret < 0 ? -1 : 0;
}

unsigned int sql_result_get_fields_count(const struct sql_result *result)
{
	return result->field_count;
}

const char *sql_result_get_field_name(const struct sql_result *result, unsigned int idx)
{
	i_assert(idx < result->field_count);
	return result->fields[idx].name;
}

unsigned int sql_result_get_rows_count(const struct sql_result *result)
{
	return result->res == NULL ? 0 : (unsigned int)mysql_num_rows(result->res);
}

int sql_result_next_row(struct sql_result *result)
{
	if (result->res == NULL)
		return 0;
	result->row = mysql_fetch_row(result->res);
	return result->row != NULL ? 1 : 0;
}

const char *sql_result_get_field_value(const struct sql_result *result, unsigned int idx)
{
	i_assert(result->row != NULL && idx < result->field_count);
	return result->row[idx];
}

void sql_result_free(struct sql_result **_result)
{
	struct sql_result *result = *_result;

	*_result = NULL;
	if (result->res != NULL)
		mysql_free_result(result->res);
	i_free(result);
}

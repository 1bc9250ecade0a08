/* Master/userdb protocol, server side: USER, PASS, LIST and REQUEST.
   Requests run concurrently and are answered when their lookups finish;
   a malformed line is a bug of a trusted peer: logged, and the
   connection is closed. */
#include "lib.h"
#include "ioloop.h"
#include "line-reader.h"
#include "master-service.h"
#include "auth-fields.h"
#include "auth-master-interface.h"
#include "auth-client-interface.h"
#include "auth-client-protocol.h"
#include "auth-output.h"
#include "auth-request.h"
#include "auth-client-connection.h"
#include "userdb.h"
#include "auth-master-connection.h"

#include <fnmatch.h>


struct auth_master_connection {
	struct auth_master_connection *prev, *next;
	int refcount;
	int fd;
	struct io *io;
	struct line_reader *reader;
	struct auth_output *output;
	bool userdb_only;
	bool version_received;
	bool destroyed;
	ARRAY(struct auth_request *) requests;
};

static struct auth_master_connection *auth_master_connections;

static void master_conn_destroy(struct auth_master_connection *conn);

static void master_conn_unref(struct auth_master_connection **_conn)
{
	struct auth_master_connection *conn = *_conn;

	*_conn = NULL;
	if (--conn->refcount > 0)
		return;
	i_free(conn);
}

static void master_send(struct auth_master_connection *conn, string_t *line)
{
	if (conn->destroyed)
		return;
	str_append_c(line, '\n');
	if (auth_output_send_str(conn->output, line) < 0) {
		i_error("Master client does not read its answers: disconnecting");
		master_conn_destroy(conn);
	}
}

static void master_forget_request(struct auth_master_connection *conn,
				  struct auth_request *request)
{
	for (unsigned int i = 0; i < array_count(&conn->requests); i++) {
		if (array_idx_elem(&conn->requests, i) == request) {
			array_delete(&conn->requests, i, 1);
			auth_request_unref(&request);
			return;
		}
	}
}

static void append_fields(string_t *line, const ARRAY_TYPE(auth_field) *fields)
{
	array_foreach(fields, f) {
		str_append_c(line, '\t');
		auth_fields_append_escaped(line, f->key);
		str_append_c(line, '=');
		auth_fields_append_escaped(line, f->value);
	}
}

static void user_callback(enum userdb_result result, struct auth_request *request)
{
	struct auth_master_connection *conn = request->handler_context;
	string_t *line = str_new(pool_temp, 256);

	switch (result) {
	case USERDB_RESULT_OK:
		str_printfa(line, "USER\t%u\t", request->id);
		auth_fields_append_escaped(line, request->user);
		append_fields(line, &request->userdb_fields);
		break;
	case USERDB_RESULT_USER_UNKNOWN:
		str_printfa(line, "NOTFOUND\t%u", request->id);
		break;
	case USERDB_RESULT_INTERNAL_FAILURE:
		str_printfa(line, "FAIL\t%u\treason=Internal error occurred. Refer to "
			    "server log for more information.", request->id);
		break;
	}
	master_send(conn, line);
	master_forget_request(conn, request);
}

static void pass_callback(enum passdb_result result, const char *stored,
			  const char *scheme ATTR_UNUSED, struct auth_request *request)
{
	struct auth_master_connection *conn = request->handler_context;
	string_t *line = str_new(pool_temp, 256);

	switch (result) {
	case PASSDB_RESULT_OK:
		str_printfa(line, "PASS\t%u\tuser=", request->id);
		auth_fields_append_escaped(line, request->user);
		if (stored != NULL) {
			str_append(line, "\tpassword=");
			auth_fields_append_escaped(line, stored);
		}
		append_fields(line, &request->extra_fields);
		break;
	case PASSDB_RESULT_INTERNAL_FAILURE:
		str_printfa(line, "FAIL\t%u\treason=Internal error occurred. Refer to "
			    "server log for more information.", request->id);
		break;
	default:
		str_printfa(line, "NOTFOUND\t%u", request->id);
		break;
	}
	master_send(conn, line);
	master_forget_request(conn, request);
}

/* A request of this connection, set up from USER/PASS fields. NULL on a
   bad parameter (logged). */
static struct auth_request *master_request_new(struct auth_master_connection *conn,
					       unsigned int id, const char *const *params)
{
	struct auth_request *request = auth_request_new(global_auth, NULL);
	const char *error;

	request->id = id;
	request->handler_context = conn;
	for (unsigned int i = 0; params[i] != NULL; i++) {
		const char *key = params[i], *value = "", *eq = strchr(key, '=');

		if (eq != NULL) {
			value = eq + 1;
			key = t_strndup(key, (size_t)(eq - key));
		}
		if (auth_request_import(request, key, value, &error) < 0) {
			i_error("BUG: Master client sent a bad parameter: %s", error);
			auth_request_unref(&request);
			return NULL;
		}
	}
	array_push(&conn->requests, &request);
	return request;
}

static bool cmd_user_or_pass(struct auth_master_connection *conn, const char *const *args,
			     bool pass)
{
	struct auth_request *request;
	const char *user, *error;
	const char *const *params;
	unsigned int id;
	string_t *line;

	if (pass && conn->userdb_only) {
		i_error("Master client on the userdb socket may not do PASS lookups");
		return false;
	}
	if (auth_protocol_parse_lookup(args, &id, &user, &params, &error) < 0) {
		i_error("BUG: Master client sent broken %s: %s", pass ? "PASS" : "USER", error);
		return false;
	}
	request = master_request_new(conn, id, params);
	if (request == NULL)
		return false;
	if (auth_request_set_username(request, user, &error) < 0) {
		auth_request_log_info(request, pass ? "passdb" : "userdb", "%s", error);
		line = str_new(pool_temp, 64);
		str_printfa(line, "NOTFOUND\t%u", id);
		master_send(conn, line);
		master_forget_request(conn, request);
		return true;
	}
	if (pass)
		auth_request_lookup_credentials(request, pass_callback);
	else
		auth_request_lookup_user(request, user_callback);
	return true;
}

static bool cmd_user(struct auth_master_connection *conn, const char *const *args)
{
	return cmd_user_or_pass(conn, args, false);
}

static bool cmd_pass(struct auth_master_connection *conn, const char *const *args)
{
	return cmd_user_or_pass(conn, args, true);
}

static bool cmd_request(struct auth_master_connection *conn, const char *const *args)
{
	unsigned char cookie[AUTH_CLIENT_COOKIE_SIZE];
	struct auth_request *request;
	unsigned int id, client_id;
	const char *error;
	pid_t pid;
	string_t *line;

	if (conn->userdb_only) {
		i_error("Master client on the userdb socket may not do REQUEST");
		return false;
	}
	if (auth_protocol_parse_request(args, &id, &pid, &client_id, cookie, &error) < 0) {
		i_error("BUG: Master client sent broken REQUEST: %s", error);
		return false;
	}
	/* "peek": the answer the redemption would give, the login staying
	   redeemable (a post-login process that serves one uid checks the
	   user's uid before it takes the login for good) */
	bool peek = str_array_find(args + 4, "peek");

	if (peek) {
		struct auth_request *orig =
			auth_client_connection_peek_request(pid, client_id, cookie, &error);

		request = orig == NULL ? NULL : auth_request_dup_for_userdb(orig);
	} else {
		request = auth_client_connection_take_request(pid, client_id, cookie, &error);
	}
	if (request == NULL) {
		i_error("Master requested auth for nonexistent client %ld id %u: %s",
			(long)pid, client_id, error);
		line = str_new(pool_temp, 64);
		str_printfa(line, "NOTFOUND\t%u", id);
		master_send(conn, line);
		return true;
	}
	request->id = id;
	request->handler_context = conn;
	array_push(&conn->requests, &request);
	auth_request_lookup_user(request, user_callback);
	return true;
}

/* LIST walks the userdbs in order; a driver that lists in a worker (sql)
   answers later, so the walk goes on from its callback. */
struct master_list_ctx {
	struct auth_master_connection *conn; /* referenced */
	pool_t pool;
	unsigned int id, userdb_idx;
	const char *mask;
	ARRAY_TYPE(const_string) users;
	bool failed;
};

static void master_list_next(struct master_list_ctx *ctx);

static void master_list_finish(struct master_list_ctx *ctx)
{
	const char *user;
	string_t *line;

	array_foreach_elem(&ctx->users, user) {
		if (ctx->mask != NULL && fnmatch(ctx->mask, user, 0) != 0)
			continue;
		line = str_new(pool_temp, 64);
		str_printfa(line, "LIST\t%u\t", ctx->id);
		auth_fields_append_escaped(line, user);
		master_send(ctx->conn, line);
	}
	line = str_new(pool_temp, 32);
	str_printfa(line, "DONE\t%u%s", ctx->id, ctx->failed ? "\tfail" : "");
	master_send(ctx->conn, line);
	master_conn_unref(&ctx->conn);
	pool_unref(&ctx->pool);
}

static void master_list_async_cb(int ret, const char *error, void *context)
{
	struct master_list_ctx *ctx = context;
	const struct auth_userdb *userdb =
		array_idx_elem(&global_auth->userdbs, ctx->userdb_idx);

	if (ret < 0) {
		i_error("userdb %s: listing users failed: %s", userdb->set->driver, error);
		ctx->failed = true;
	}
	ctx->userdb_idx++;
	master_list_next(ctx);
}

static void master_list_next(struct master_list_ctx *ctx)
{
	const struct auth_userdb *userdb;
	const char *error;

	for (; ctx->userdb_idx < array_count(&global_auth->userdbs); ctx->userdb_idx++) {
		userdb = array_idx_elem(&global_auth->userdbs, ctx->userdb_idx);
		if (ctx->conn->destroyed)
			break;
		if (userdb->module->iface->iterate_async != NULL) {
			userdb->module->iface->iterate_async(userdb->module, ctx->pool,
							     &ctx->users, master_list_async_cb,
							     ctx);
			return;
		}
		if (userdb->module->iface->iterate == NULL)
			continue;
		if (userdb->module->iface->iterate(userdb->module, ctx->pool, &ctx->users,
						   &error) < 0) {
			i_error("userdb %s: listing users failed: %s", userdb->set->driver,
				error);
			ctx->failed = true;
		}
	}
	master_list_finish(ctx);
}

static bool cmd_list(struct auth_master_connection *conn, const char *const *args)
{
	pool_t pool;
	struct master_list_ctx *ctx;
	const char *value;
	unsigned int id;

	if (args[0] == NULL || str_to_uint(args[0], &id) < 0) {
		i_error("BUG: Master client sent broken LIST");
		return false;
	}
	pool = pool_alloconly_create("auth list", 4096);
	ctx = p_new(pool, struct master_list_ctx, 1);
	ctx->pool = pool;
	ctx->id = id;
	ctx->conn = conn;
	conn->refcount++;
	for (unsigned int i = 1; args[i] != NULL; i++) {
		if (str_begins(args[i], "user=", &value))
			ctx->mask = p_strdup(pool, value);
	}
	p_array_init(&ctx->users, pool, 64);
	master_list_next(ctx);
	return true;
}

static const struct {
	const char *name;
	bool (*func)(struct auth_master_connection *conn, const char *const *args);
} master_commands[] = {
	{ "USER", cmd_user },
	{ "PASS", cmd_pass },
	{ "LIST", cmd_list },
	{ "REQUEST", cmd_request },
};

static bool master_line(struct auth_master_connection *conn, const char *line)
{
	const char *const *args = auth_fields_split_line(pool_temp, line);
	unsigned int major, minor;
	const char *error;

	if (args == NULL || args[0] == NULL) {
		i_error("BUG: Master client sent a badly escaped line");
		return false;
	}
	if (!conn->version_received) {
		if (strcmp(args[0], "VERSION") != 0 ||
		    auth_protocol_parse_version(args + 1, &major, &minor, &error) < 0 ||
		    major != AUTH_MASTER_PROTOCOL_MAJOR_VERSION) {
			i_error("Master client is not compatible with this server "
				"(expected VERSION %d)", AUTH_MASTER_PROTOCOL_MAJOR_VERSION);
			return false;
		}
		conn->version_received = true;
		return true;
	}
	for (unsigned int i = 0; i < N_ELEMENTS(master_commands); i++) {
		if (strcmp(args[0], master_commands[i].name) == 0)
			return master_commands[i].func(conn, args + 1);
	}
	i_error("BUG: Master client sent unknown command: %s",
		str_sanitize(pool_temp, args[0], 40));
	return false;
}

static void master_input(void *context)
{
	struct auth_master_connection *conn = context;
	const char *line;
	size_t len;
	ssize_t ret;

	conn->refcount++;
	ret = line_reader_fill(conn->reader);
	while (!conn->destroyed) {
		enum line_reader_result res = line_reader_next_line(conn->reader, &line, &len);

		if (res == LINE_READER_MORE)
			break;
		if (res == LINE_READER_TOO_LONG || strlen(line) != len) {
			i_error("BUG: Master client sent a too long line or a NUL byte");
			master_conn_destroy(conn);
			break;
		}
		if (!master_line(conn, line)) {
			master_conn_destroy(conn);
			break;
		}
	}
	if (ret < 0 && !conn->destroyed)
		master_conn_destroy(conn);
	master_conn_unref(&conn);
}

void auth_master_connection_create(struct master_service_connection *mconn, bool userdb_only)
{
	const struct line_reader_settings set = {
		.max_line_length = AUTH_MASTER_MAX_LINE_LENGTH,
	};
	struct auth_master_connection *conn = i_new(struct auth_master_connection, 1);
	string_t *str = str_new(pool_temp, 64);

	mconn->accepted = true;
	conn->refcount = 1;
	conn->fd = mconn->fd;
	conn->userdb_only = userdb_only;
	i_array_init(&conn->requests, 8);
	conn->reader = line_reader_create_fd(&set, conn->fd);
	conn->output = auth_output_create(conn->fd);
	conn->io = io_add(conn->fd, IO_READ, master_input, conn);
	conn->next = auth_master_connections;
	if (auth_master_connections != NULL)
		auth_master_connections->prev = conn;
	auth_master_connections = conn;
	str_printfa(str, "VERSION\t%d\t%d\nSPID\t%ld", AUTH_MASTER_PROTOCOL_MAJOR_VERSION,
		    AUTH_MASTER_PROTOCOL_MINOR_VERSION, (long)auth_pid);
	master_send(conn, str);
}

static void master_conn_destroy(struct auth_master_connection *conn)
{
	struct auth_request *request;

	if (conn->destroyed)
		return;
	conn->destroyed = true;
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		auth_master_connections = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	array_foreach_elem(&conn->requests, request) {
		auth_request_abort(request);
		auth_request_unref(&request);
	}
	array_free(&conn->requests);
	io_remove(&conn->io);
	auth_output_destroy(&conn->output);
	line_reader_destroy(&conn->reader);
	i_close_fd(&conn->fd);
	master_service_client_connection_destroyed(auth_master_service);
	master_conn_unref(&conn);
}

void auth_master_connections_destroy_all(void)
{
	while (auth_master_connections != NULL)
		master_conn_destroy(auth_master_connections);
}

/* Client protocol 1.x, server side. Every line goes through the bounded
   line reader; a peer that breaks the protocol (wrong VERSION, unknown
   command, over-long or badly escaped line, AUTH before the handshake) is
   logged and disconnected, while request-level problems (unknown
   mechanism, bad base64, CONT for an unknown id) get a FAIL and the
   connection goes on.

   Failures for wrong credentials are answered after auth_failure_delay.
   A temporary failure for service=smtp closes the connection instead of
   answering FAIL: Postfix turns every FAIL into a permanent 535, but a
   lost auth connection into 454 4.7.0. */
#include "lib.h"
#include "ioloop.h"
#include "base64.h"
#include "hex.h"
#include "line-reader.h"
#include "password-crypto.h"
#include "master-service.h"
#include "auth-fields.h"
#include "auth-client-interface.h"
#include "auth-client-protocol.h"
#include "auth-output.h"
#include "mech.h"
#include "auth-request.h"
#include "auth-client-connection.h"


/* requests one connection may have in progress */
#define AUTH_CLIENT_MAX_REQUESTS 1000
/* an unfinished request whose client does not continue is dropped */
#define AUTH_CLIENT_REQUEST_TIMEOUT_SECS 180
#define AUTH_CLIENT_CHECK_INTERVAL_MSECS 5000

struct auth_client_connection {
	struct auth_client_connection *prev, *next;
	int refcount;
	int fd;
	struct io *io;
	struct line_reader *reader;
	struct auth_output *output;
	struct timeout *to_check;
	const char *listener;
	unsigned int connect_uid;
	pid_t pid;
	unsigned char cookie[AUTH_CLIENT_COOKIE_SIZE];
	bool version_received, cpid_received;
	bool destroyed;
	ARRAY(struct auth_request *) requests;
};

static struct auth_client_connection *auth_client_connections;
static unsigned int auth_client_next_uid = 1;

static void auth_client_connection_destroy(struct auth_client_connection *conn,
					   const char *reason);

static void conn_ref(struct auth_client_connection *conn)
{
	conn->refcount++;
}

static void conn_unref(struct auth_client_connection **_conn)
{
	struct auth_client_connection *conn = *_conn;

	*_conn = NULL;
	i_assert(conn->refcount > 0);
	if (--conn->refcount > 0)
		return;
	i_assert(conn->destroyed);
	i_free(conn);
}

static void conn_send(struct auth_client_connection *conn, const string_t *line)
{
	if (conn->destroyed)
		return;
	if (auth_output_send_str(conn->output, line) < 0)
		auth_client_connection_destroy(conn, "client does not read its answers");
}

static struct auth_request *conn_find_request(struct auth_client_connection *conn,
					      unsigned int id, unsigned int *idx_r)
{
	for (unsigned int i = 0; i < array_count(&conn->requests); i++) {
		struct auth_request *request = array_idx_elem(&conn->requests, i);

		if (request->id == id) {
			if (idx_r != NULL)
				*idx_r = i;
			return request;
		}
	}
	return NULL;
}

/* Removes the request from the connection and drops the connection's
   reference. */
static void conn_remove_request(struct auth_client_connection *conn,
				struct auth_request *request)
{
	unsigned int idx;

	if (conn_find_request(conn, request->id, &idx) != request)
		return;
	array_delete(&conn->requests, idx, 1);
	auth_request_abort(request);
	auth_request_unref(&request);
}

/* ---- answers ---- */

static void reply_continue(struct auth_request *request, const void *data, size_t size)
{
	struct auth_client_connection *conn = request->handler_context;
	string_t *line = str_new(pool_temp, 64 + size * 2);

	request->want_continue = true;
	request->last_activity = ioloop_time;
	str_printfa(line, "CONT\t%u\t", request->id);
	base64_encode(data, size, line);
	str_append_c(line, '\n');
	conn_send(conn, line);
}

static void append_user(string_t *line, struct auth_request *request)
{
	const char *user = request->user != NULL ? request->user : request->original_username;

	if (user != NULL) {
		str_append(line, "\tuser=");
		auth_fields_append_escaped(line, user);
	}
}

static bool field_is_internal(const char *key)
{
	return strcmp(key, "nopassword") == 0 || strcmp(key, "password") == 0 ||
	       strcmp(key, "allow_nets") == 0 || strcmp(key, "noauthenticate") == 0;
}

static void send_ok(struct auth_client_connection *conn, struct auth_request *request,
		    const void *data, size_t size)
{
	string_t *line = str_new(pool_temp, 128);

	str_printfa(line, "OK\t%u", request->id);
	append_user(line, request);
	array_foreach(&request->extra_fields, f) {
		if (field_is_internal(f->key))
			continue;
		str_append_c(line, '\t');
		auth_fields_append_escaped(line, f->key);
		if (f->value[0] != '\0') {
			str_append_c(line, '=');
			auth_fields_append_escaped(line, f->value);
		}
	}
	if (size > 0) {
		str_append(line, "\tresp=");
		base64_encode(data, size, line);
	}
	str_append_c(line, '\n');
	conn_send(conn, line);
}

static void send_fail(struct auth_client_connection *conn, unsigned int id,
		      struct auth_request *request, const char *reason, bool temp,
		      const char *code)
{
	string_t *line = str_new(pool_temp, 128);
	const char *passdb_reason = request == NULL ? NULL :
				    auth_fields_get(&request->extra_fields, "reason");

	str_printfa(line, "FAIL\t%u", id);
	if (request != NULL)
		append_user(line, request);
	if (reason == NULL)
		reason = passdb_reason;
	if (reason != NULL) {
		str_append(line, "\treason=");
		auth_fields_append_escaped(line, reason);
	}
	if (code != NULL)
		str_printfa(line, "\tcode=%s", code);
	if (temp)
		str_append(line, "\ttemp");
	str_append_c(line, '\n');
	conn_send(conn, line);
}

static void delayed_fail(void *context)
{
	struct auth_request *request = context;
	struct auth_client_connection *conn = request->handler_context;
	const char *code = NULL;

	/* the timeout is freed after this callback */
	request->to_delay = NULL;
	if (request->passdb_last_result == PASSDB_RESULT_USER_DISABLED)
		code = "user_disabled";
	else if (request->passdb_last_result == PASSDB_RESULT_PASS_EXPIRED)
		code = "pass_expired";
	send_fail(conn, request->id, request, NULL, false, code);
	conn_remove_request(conn, request);
}

static void request_finished(struct auth_request *request, enum passdb_result result,
			     const void *data, size_t size)
{
	struct auth_client_connection *conn = request->handler_context;

	request->finished = true;
	request->want_continue = false;
	request->finished_time = ioloop_time;
	request->last_activity = ioloop_time;
	if (result == PASSDB_RESULT_OK) {
		send_ok(conn, request, data, size);
		if (auth_fields_get(&request->extra_fields, "nologin") != NULL ||
		    auth_fields_get(&request->extra_fields, "proxy") != NULL) {
			/* never redeemable with REQUEST */
			conn_remove_request(conn, request);
		} else {
			request->successful = true;
		}
		return;
	}
	if (result == PASSDB_RESULT_INTERNAL_FAILURE) {
		if (strcmp(request->service, "smtp") == 0) {
			auth_request_log_info(request, "auth",
					      "Temporary failure: closing the connection so that "
					      "the SMTP client answers 454 4.7.0");
			auth_client_connection_destroy(conn, NULL);
			return;
		}
		send_fail(conn, request->id, request, NULL, true, "temp_fail");
		conn_remove_request(conn, request);
		return;
	}
	/* delayed_fail() maps it to code= */
	request->passdb_last_result = result;
	if (request->auth->set->auth_failure_delay == 0) {
		delayed_fail(request);
		return;
	}
	request->to_delay = timeout_add_once(request->auth->set->auth_failure_delay * 1000,
					     delayed_fail, request);
}

static const struct auth_request_handler client_request_handler = {
	.reply_continue = reply_continue,
	.finished = request_finished,
};

/* ---- commands ---- */

static bool decode_data(const char *b64, buffer_t **data_r)
{
	const char *error;

	*data_r = buffer_create_dynamic(pool_temp, strlen(b64));
	return base64_decode(b64, strlen(b64), *data_r, &error) == 0;
}

static bool cmd_auth(struct auth_client_connection *conn, const char *const *args)
{
	struct auth_client_auth_cmd cmd;
	const struct mech_module *mech;
	struct auth_request *request;
	buffer_t *data;
	const char *error;

	if (!conn->cpid_received) {
		i_error("BUG: Authentication client sent AUTH before CPID");
		return false;
	}
	if (auth_protocol_parse_auth(pool_temp, args, &cmd, &error) < 0) {
		i_error("BUG: Authentication client sent broken AUTH request: %s", error);
		return false;
	}
	if (conn_find_request(conn, cmd.id, NULL) != NULL) {
		i_error("BUG: Authentication client sent a duplicate request id %u", cmd.id);
		return false;
	}
	if (array_count(&conn->requests) >= AUTH_CLIENT_MAX_REQUESTS) {
		i_error("Authentication client has too many requests in progress");
		return false;
	}
	mech = auth_find_mech(global_auth, cmd.mech);
	if (mech == NULL) {
		i_info("auth-client: unsupported authentication mechanism %s requested",
		       str_sanitize(pool_temp, cmd.mech, 40));
		send_fail(conn, cmd.id, NULL, "Unsupported authentication mechanism.", false,
			  NULL);
		return true;
	}
	request = auth_request_new(global_auth, mech);
	request->id = cmd.id;
	request->client_pid = conn->pid;
	request->connect_uid = conn->connect_uid;
	request->handler = &client_request_handler;
	request->handler_context = conn;
	request->last_activity = ioloop_time;
	for (unsigned int i = 0; cmd.params[i] != NULL; i++) {
		const char *key = cmd.params[i], *value = "", *eq = strchr(key, '=');

		if (eq != NULL) {
			value = eq + 1;
			key = t_strndup(key, (size_t)(eq - key));
		}
		if (auth_request_import(request, key, value, &error) < 0) {
			i_error("BUG: Authentication client sent broken AUTH request: %s", error);
			auth_request_unref(&request);
			return false;
		}
	}
	array_push(&conn->requests, &request);
	if (cmd.resp != NULL && !decode_data(cmd.resp, &data)) {
		auth_request_log_info(request, "auth", "Invalid base64 data in initial response");
		send_fail(conn, cmd.id, NULL, "Invalid base64 data in initial response", false,
			  NULL);
		conn_remove_request(conn, request);
		return true;
	}
	auth_request_log_debug(request, "auth", "new request: mech=%s service=%s", mech->name,
			       auth_log_str(request->service));
	/* the mechanism may finish (and the request go) at once */
	auth_request_ref(request);
	mech->auth_initial(request, cmd.resp == NULL ? NULL : data->data,
			   cmd.resp == NULL ? 0 : data->used, cmd.resp != NULL);
	auth_request_unref(&request);
	return true;
}

static bool cmd_cont(struct auth_client_connection *conn, const char *const *args)
{
	struct auth_request *request;
	const char *b64, *error;
	unsigned int id;
	buffer_t *data;

	if (!conn->cpid_received) {
		i_error("BUG: Authentication client sent CONT before CPID");
		return false;
	}
	if (auth_protocol_parse_cont(args, &id, &b64, &error) < 0) {
		i_error("BUG: Authentication client sent broken CONT request: %s", error);
		return false;
	}
	request = conn_find_request(conn, id, NULL);
	if (request == NULL || !request->want_continue) {
		/* timed out, finished, or never existed */
		i_info("auth-client: CONT for unknown request id %u", id);
		send_fail(conn, id, NULL, "Authentication request timed out", false, NULL);
		if (request != NULL)
			conn_remove_request(conn, request);
		return true;
	}
	request->want_continue = false;
	request->last_activity = ioloop_time;
	if (!decode_data(b64, &data)) {
		auth_request_log_info(request, "auth", "Invalid base64 data in continued response");
		send_fail(conn, id, request, "Invalid base64 data in continued response", false,
			  NULL);
		conn_remove_request(conn, request);
		return true;
	}
	auth_request_ref(request);
	request->mech->auth_continue(request, data->data, data->used);
	auth_request_unref(&request);
	return true;
}

static bool handshake_line(struct auth_client_connection *conn, const char *const *args)
{
	unsigned int major, minor;
	const char *error;

	if (!conn->version_received) {
		if (strcmp(args[0], "VERSION") != 0 ||
		    auth_protocol_parse_version(args + 1, &major, &minor, &error) < 0) {
			i_error("Authentication client sent an invalid handshake "
				"(expected VERSION)");
			return false;
		}
		if (major != AUTH_CLIENT_PROTOCOL_MAJOR_VERSION) {
			i_error("Authentication client version %u.%u is not compatible with "
				"this server (mixed old and new binaries?)", major, minor);
			return false;
		}
		conn->version_received = true;
		return true;
	}
	if (strcmp(args[0], "CPID") != 0 || auth_protocol_parse_cpid(args + 1, &conn->pid,
								      &error) < 0) {
		i_error("BUG: Authentication client sent an invalid handshake (expected CPID)");
		return false;
	}
	conn->cpid_received = true;
	return true;
}

static const struct {
	const char *name;
	bool (*func)(struct auth_client_connection *conn, const char *const *args);
} client_commands[] = {
	{ "AUTH", cmd_auth },
	{ "CONT", cmd_cont },
};

static bool client_line(struct auth_client_connection *conn, const char *line)
{
	const char *const *args = auth_fields_split_line(pool_temp, line);

	if (args == NULL) {
		i_error("BUG: Authentication client sent a badly escaped line");
		return false;
	}
	if (args[0] == NULL || args[0][0] == '\0') {
		i_error("BUG: Authentication client sent an empty line");
		return false;
	}
	if (!conn->cpid_received)
		return handshake_line(conn, args);
	for (unsigned int i = 0; i < N_ELEMENTS(client_commands); i++) {
		if (strcmp(args[0], client_commands[i].name) == 0)
			return client_commands[i].func(conn, args + 1);
	}
	i_error("BUG: Authentication client sent unknown command: %s",
		str_sanitize(pool_temp, args[0], 40));
	return false;
}

static void client_input(void *context)
{
	struct auth_client_connection *conn = context;
	const char *line;
	size_t len;
	ssize_t ret;

	conn_ref(conn);
	ret = line_reader_fill(conn->reader);
	while (!conn->destroyed) {
		enum line_reader_result res = line_reader_next_line(conn->reader, &line, &len);

		if (res == LINE_READER_MORE)
			break;
		if (res == LINE_READER_TOO_LONG) {
			i_error("Authentication client sent a too long line (max %d bytes)",
				AUTH_CLIENT_MAX_LINE_LENGTH);
			auth_client_connection_destroy(conn, NULL);
			break;
		}
		if (strlen(line) != len) {
			i_error("BUG: Authentication client sent a NUL byte");
			auth_client_connection_destroy(conn, NULL);
			break;
		}
		if (!client_line(conn, line)) {
			auth_client_connection_destroy(conn, NULL);
			break;
		}
	}
	if (ret < 0 && !conn->destroyed)
		auth_client_connection_destroy(conn, NULL);
	conn_unref(&conn);
}

static void client_check_requests(void *context)
{
	struct auth_client_connection *conn = context;

	conn_ref(conn);
	for (unsigned int i = 0; i < array_count(&conn->requests) && !conn->destroyed;) {
		struct auth_request *request = array_idx_elem(&conn->requests, i);

		if (request->successful &&
		    ioloop_time - request->finished_time > AUTH_CLIENT_REQUEST_KEEP_SECS) {
			/* not redeemed in time */
			conn_remove_request(conn, request);
		} else if (request->want_continue &&
			   ioloop_time - request->last_activity >
				   AUTH_CLIENT_REQUEST_TIMEOUT_SECS) {
			auth_request_log_info(request, "auth", "Request timed out waiting for "
					      "the client to continue");
			send_fail(conn, request->id, request, "Authentication request timed out",
				  false, NULL);
			conn_remove_request(conn, request);
		} else {
			i++;
		}
	}
	conn_unref(&conn);
}

static void send_handshake(struct auth_client_connection *conn)
{
	string_t *str = str_new(pool_temp, 512);
	const struct mech_module *mech;

	str_printfa(str, "VERSION\t%d\t%d\n", AUTH_CLIENT_PROTOCOL_MAJOR_VERSION,
		    AUTH_CLIENT_PROTOCOL_MINOR_VERSION);
	array_foreach_elem(&global_auth->mechs, mech) {
		str_printfa(str, "MECH\t%s", mech->name);
		mech_append_flags(str, mech->flags);
		str_append_c(str, '\n');
	}
	str_printfa(str, "SPID\t%ld\nCUID\t%u\nCOOKIE\t", (long)auth_pid, conn->connect_uid);
	hex_encode(conn->cookie, sizeof(conn->cookie), str);
	str_append(str, "\nDONE\n");
	conn_send(conn, str);
}

void auth_client_connection_create(struct master_service_connection *mconn)
{
	const struct line_reader_settings set = {
		.max_line_length = AUTH_CLIENT_MAX_LINE_LENGTH,
	};
	struct auth_client_connection *conn;
	const char *error;

	conn = i_new(struct auth_client_connection, 1);
	conn->refcount = 1;
	conn->fd = mconn->fd;
	conn->listener = mconn->listener_name;
	conn->connect_uid = auth_client_next_uid++;
	if (password_crypto_random(conn->cookie, sizeof(conn->cookie), &error) < 0) {
		i_error("auth-client: %s", error);
		i_free(conn);
		return;
	}
	mconn->accepted = true;
	i_array_init(&conn->requests, 16);
	conn->reader = line_reader_create_fd(&set, conn->fd);
	conn->output = auth_output_create(conn->fd);
	conn->io = io_add(conn->fd, IO_READ, client_input, conn);
	conn->to_check = timeout_add(AUTH_CLIENT_CHECK_INTERVAL_MSECS, client_check_requests, conn);
	conn->next = auth_client_connections;
	if (auth_client_connections != NULL)
		auth_client_connections->prev = conn;
	auth_client_connections = conn;
	send_handshake(conn);
}

static void auth_client_connection_destroy(struct auth_client_connection *conn,
					   const char *reason)
{
	struct auth_request *request;

	if (conn->destroyed)
		return;
	conn->destroyed = true;
	if (reason != NULL)
		i_error("Authentication client (pid %ld): %s", (long)conn->pid, reason);
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		auth_client_connections = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	array_foreach_elem(&conn->requests, request) {
		auth_request_abort(request);
		auth_request_unref(&request);
	}
	array_free(&conn->requests);
	io_remove(&conn->io);
	timeout_remove(&conn->to_check);
	auth_output_destroy(&conn->output);
	line_reader_destroy(&conn->reader);
	i_close_fd(&conn->fd);
	master_service_client_connection_destroyed(auth_master_service);
	conn_unref(&conn);
}

static struct auth_request *find_redeemable(pid_t pid, unsigned int id,
					    const unsigned char *cookie,
					    struct auth_client_connection **conn_r,
					    unsigned int *idx_r, const char **error_r)
{
	struct auth_client_connection *conn;
	struct auth_request *request = NULL;
	bool pid_found = false;

	for (conn = auth_client_connections; conn != NULL; conn = conn->next) {
		if (conn->pid != pid)
			continue;
		pid_found = true;
		if (!mem_equals_timing_safe(conn->cookie, cookie, sizeof(conn->cookie)))
			continue;
		request = conn_find_request(conn, id, idx_r);
		break;
	}
	if (conn == NULL) {
		*error_r = pid_found ? "cookie does not match" :
				       t_strdup_printf("no client connection with pid %ld",
						       (long)pid);
		return NULL;
	}
	if (request == NULL || !request->successful) {
		*error_r = t_strdup_printf("no successful authentication with id %u (finished "
					   "more than %d seconds ago, or never)", id,
					   AUTH_CLIENT_REQUEST_KEEP_SECS);
		return NULL;
	}
	*conn_r = conn;
	return request;
}

struct auth_request *auth_client_connection_take_request(pid_t pid, unsigned int id,
							 const unsigned char *cookie,
							 const char **error_r)
{
	struct auth_client_connection *conn;
	struct auth_request *request;
	unsigned int idx = 0;

	request = find_redeemable(pid, id, cookie, &conn, &idx, error_r);
	if (request == NULL)
		return NULL;
	/* redeemable once: the connection lets go of it */
	array_delete(&conn->requests, idx, 1);
	request->successful = false;
	request->handler = NULL;
	request->handler_context = NULL;
	return request;
}

struct auth_request *auth_client_connection_peek_request(pid_t pid, unsigned int id,
							 const unsigned char *cookie,
							 const char **error_r)
{
	struct auth_client_connection *conn;
	unsigned int idx = 0;

	return find_redeemable(pid, id, cookie, &conn, &idx, error_r);
}

void auth_client_connections_destroy_all(void)
{
	while (auth_client_connections != NULL)
		auth_client_connection_destroy(auth_client_connections, NULL);
}

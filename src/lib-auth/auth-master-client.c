/* Client of the auth master/userdb protocol: synchronous requests with a
   deadline, over the one bounded line reader. */
#include "lib.h"
#include "ioloop.h"
#include "net.h"
#include "hex.h"
#include "line-reader.h"
#include "auth-fields.h"
#include "auth-master-interface.h"
#include "auth-master-client.h"

#include <poll.h>
#include <time.h>

struct auth_master_client {
	char *path;
	unsigned int timeout_msecs;
	int fd;
	struct line_reader *reader;
	unsigned int next_id;
	bool handshaked;
	/* when the current request must be answered (CLOCK_MONOTONIC msecs) */
	long long deadline;
};

static long long now_msecs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct auth_master_client *auth_master_client_create(const char *socket_path,
						     unsigned int timeout_msecs)
{
	struct auth_master_client *client = i_new(struct auth_master_client, 1);

	client->path = i_strdup(socket_path);
	client->timeout_msecs = timeout_msecs == 0 ? AUTH_MASTER_DEFAULT_TIMEOUT_MSECS :
						     timeout_msecs;
	client->fd = -1;
	client->next_id = 1;
	return client;
}

static void auth_master_disconnect(struct auth_master_client *client)
{
	if (client->reader != NULL)
		line_reader_destroy(&client->reader);
	i_close_fd(&client->fd);
	client->handshaked = false;
}

void auth_master_client_destroy(struct auth_master_client **_client)
{
	struct auth_master_client *client = *_client;

	*_client = NULL;
	auth_master_disconnect(client);
	i_free(client->path);
	i_free(client);
}

static int wait_fd(struct auth_master_client *client, short events, const char **error_r)
{
	struct pollfd pfd = { .fd = client->fd, .events = events };
	long long left = client->deadline - now_msecs();
	int ret;

	if (left <= 0) {
		*error_r = t_strdup_printf("Timeout waiting for auth server (%s)", client->path);
		return -1;
	}
	ret = poll(&pfd, 1, (int)left);
	if (ret < 0 && errno != EINTR) {
		*error_r = t_strdup_printf("poll(%s) failed: %m", client->path);
		return -1;
	}
	return 0;
}

static int send_all(struct auth_master_client *client, const char *data, size_t size,
		    const char **error_r)
{
	while (size > 0) {
		ssize_t ret = write(client->fd, data, size);

		if (ret > 0) {
			data += ret;
			size -= (size_t)ret;
		} else if (ret < 0 && errno == EAGAIN) {
			if (wait_fd(client, POLLOUT, error_r) < 0)
				return -1;
		} else if (ret < 0 && errno != EINTR) {
			*error_r = t_strdup_printf("write(%s) failed: %m", client->path);
			return -1;
		}
	}
	return 0;
}

/* The next line from the server; NULL with *error_r on EOF, timeout or an
   over-long line. The line is valid until the next read. */
static const char *read_line(struct auth_master_client *client, const char **error_r)
{
	const char *line;
	size_t len;

	for (;;) {
		switch (line_reader_next_line(client->reader, &line, &len)) {
		case LINE_READER_LINE:
			if (strlen(line) != len) {
				*error_r = t_strdup_printf("auth server (%s) sent a NUL byte",
							   client->path);
				return NULL;
			}
			return line;
		case LINE_READER_TOO_LONG:
			*error_r = t_strdup_printf("auth server (%s) sent a too long line",
						   client->path);
			return NULL;
		case LINE_READER_MORE:
			break;
		}
		ssize_t ret = line_reader_fill(client->reader);

		if (ret < 0) {
			*error_r = line_reader_is_eof(client->reader) ?
					   t_strdup_printf("auth server (%s) disconnected",
							   client->path) :
					   t_strdup_printf("read(%s) failed: %s", client->path,
							   line_reader_get_error(client->reader));
			return NULL;
		}
		if (ret == 0 &&
		    line_reader_get_buffered(client->reader) < AUTH_MASTER_MAX_LINE_LENGTH &&
		    wait_fd(client, POLLIN, error_r) < 0)
			return NULL;
	}
}

static int auth_master_connect(struct auth_master_client *client, const char **error_r)
{
	const struct line_reader_settings set = {
		.max_line_length = AUTH_MASTER_MAX_LINE_LENGTH,
	};
	const char *line, *handshake;
	bool got_version = false;

	if (client->fd != -1)
		return 0;
	client->fd = net_connect_unix(client->path);
	if (client->fd == -1) {
		*error_r = t_strdup_printf("connect(%s) failed: %m", client->path);
		return -1;
	}
	fd_set_nonblock(client->fd, true);
	client->reader = line_reader_create_fd(&set, client->fd);
	handshake = t_strdup_printf("VERSION\t%d\t%d\n", AUTH_MASTER_PROTOCOL_MAJOR_VERSION,
				    AUTH_MASTER_PROTOCOL_MINOR_VERSION);
	if (send_all(client, handshake, strlen(handshake), error_r) < 0)
		goto fail;
	/* VERSION, then SPID ends the server's handshake */
	for (;;) {
		if ((line = read_line(client, error_r)) == NULL)
			goto fail;
		if (str_begins(line, "VERSION\t", &line)) {
			if (!str_begins(line, "1\t", NULL)) {
				*error_r = t_strdup_printf(
					"auth server (%s) speaks an incompatible protocol version",
					client->path);
				goto fail;
			}
			got_version = true;
		} else if (str_begins(line, "SPID\t", NULL) && got_version) {
			break;
		} else {
			*error_r = t_strdup_printf("auth server (%s) sent a bad handshake",
						   client->path);
			goto fail;
		}
	}
	client->handshaked = true;
	return 0;
fail:
	auth_master_disconnect(client);
	return -1;
}

static void append_info(string_t *str, const struct auth_master_user_info *info)
{
	if (info == NULL)
		return;
	if (info->service != NULL) {
		str_append(str, "\tservice=");
		auth_fields_append_escaped(str, info->service);
	}
	if (info->local_ip.family != 0)
		str_printfa(str, "\tlip=%s", net_ip2addr(pool_temp, &info->local_ip));
	if (info->remote_ip.family != 0)
		str_printfa(str, "\trip=%s", net_ip2addr(pool_temp, &info->remote_ip));
	if (info->local_port != 0)
		str_printfa(str, "\tlport=%u", info->local_port);
	if (info->remote_port != 0)
		str_printfa(str, "\trport=%u", info->remote_port);
	if (info->session_id != NULL) {
		str_append(str, "\tsession=");
		auth_fields_append_escaped(str, info->session_id);
	}
	if (info->debug)
		str_append(str, "\tdebug");
}

/* Sends the request (without its trailing LF) after connecting. */
static int send_request(struct auth_master_client *client, string_t *request,
			const char **error_r)
{
	client->deadline = now_msecs() + client->timeout_msecs;
	if (auth_master_connect(client, error_r) < 0)
		return -1;
	str_append_c(request, '\n');
	if (send_all(client, str_c(request), str_len(request), error_r) < 0) {
		auth_master_disconnect(client);
		return -1;
	}
	return 0;
}

static bool parse_id(const char *str, unsigned int id)
{
	unsigned int num;

	return str != NULL && str_to_uint(str, &num) == 0 && num == id;
}

int auth_master_parse_reply(const char *line, unsigned int id, pool_t pool,
			    const char **username_r, const char *const **fields_r,
			    const char **error_r)
{
	const char *const *args = auth_fields_split_line(pool, line);
	unsigned int count;

	*username_r = NULL;
	*fields_r = NULL;
	if (args == NULL || (count = str_array_length(args)) < 2 || !parse_id(args[1], id)) {
		*error_r = "malformed reply from auth server";
		return -2;
	}
	if (strcmp(args[0], "NOTFOUND") == 0)
		return 0;
	if (strcmp(args[0], "FAIL") == 0) {
		const char *reason = count > 2 ? auth_fields_find(args + 2, "reason") : NULL;

		if (reason == NULL && count > 2 && strchr(args[2], '=') == NULL)
			reason = args[2];
		*error_r = reason != NULL ? t_strdup(reason) : "auth server reported a failure";
		return -1;
	}
	if (strcmp(args[0], "USER") == 0 && count >= 3) {
		*username_r = args[2];
		*fields_r = args + 3;
		return 1;
	}
	if (strcmp(args[0], "PASS") == 0) {
		*fields_r = args + 2;
		*username_r = auth_fields_find(args + 2, "user");
		return 1;
	}
	*error_r = "malformed reply from auth server";
	return -2;
}

static int read_reply(struct auth_master_client *client, unsigned int id, pool_t pool,
		      const char **username_r, const char *const **fields_r,
		      const char **error_r)
{
	const char *line, *error;
	int ret;

	if ((line = read_line(client, error_r)) == NULL) {
		auth_master_disconnect(client);
		return -1;
	}
	ret = auth_master_parse_reply(line, id, pool, username_r, fields_r, &error);
	if (ret == -2) {
		*error_r = t_strdup_printf("auth server (%s): %s", client->path, error);
		auth_master_disconnect(client);
		return -1;
	}
	if (ret < 0)
		*error_r = error;
	return ret;
}

static int lookup(struct auth_master_client *client, const char *cmd, const char *user,
		  const struct auth_master_user_info *info, pool_t pool,
		  const char **username_r, const char *const **fields_r, const char **error_r)
{
	unsigned int id = client->next_id++;
	string_t *request = str_new(pool_temp, 256);

	str_printfa(request, "%s\t%u\t", cmd, id);
	auth_fields_append_escaped(request, user);
	append_info(request, info);
	if (send_request(client, request, error_r) < 0)
		return -1;
	return read_reply(client, id, pool, username_r, fields_r, error_r);
}

int auth_master_user_lookup(struct auth_master_client *client, const char *user,
			    const struct auth_master_user_info *info, pool_t pool,
			    const char **username_r, const char *const **fields_r,
			    const char **error_r)
{
	return lookup(client, "USER", user, info, pool, username_r, fields_r, error_r);
}

int auth_master_pass_lookup(struct auth_master_client *client, const char *user,
			    const struct auth_master_user_info *info, pool_t pool,
			    const char *const **fields_r, const char **error_r)
{
	const char *username;

	return lookup(client, "PASS", user, info, pool, &username, fields_r, error_r);
}

int auth_master_request(struct auth_master_client *client, pid_t client_pid,
			unsigned int client_id, const unsigned char *cookie, size_t cookie_size,
			pool_t pool, const char **username_r, const char *const **fields_r,
			const char **error_r)
{
	unsigned int id = client->next_id++;
	string_t *request = str_new(pool_temp, 128);

	str_printfa(request, "REQUEST\t%u\t%ld\t%u\t", id, (long)client_pid, client_id);
	hex_encode(cookie, cookie_size, request);
	if (send_request(client, request, error_r) < 0)
		return -1;
	return read_reply(client, id, pool, username_r, fields_r, error_r);
}

int auth_master_user_list(struct auth_master_client *client, const char *user_mask,
			  const struct auth_master_user_info *info, pool_t pool,
			  const char *const **users_r, const char **error_r)
{
	unsigned int id = client->next_id++;
	string_t *request = str_new(pool_temp, 128);
	ARRAY(const char *) users;
	const char *line, *const *args, *null = NULL;

	str_printfa(request, "LIST\t%u", id);
	if (user_mask != NULL) {
		str_append(request, "\tuser=");
		auth_fields_append_escaped(request, user_mask);
	}
	append_info(request, info);
	if (send_request(client, request, error_r) < 0)
		return -1;
	p_array_init(&users, pool, 16);
	for (;;) {
		if ((line = read_line(client, error_r)) == NULL) {
			auth_master_disconnect(client);
			return -1;
		}
		args = auth_fields_split_line(pool, line);
		if (args == NULL || str_array_length(args) < 2 || !parse_id(args[1], id)) {
			*error_r = t_strdup_printf("auth server (%s): malformed LIST reply",
						   client->path);
			auth_master_disconnect(client);
			return -1;
		}
		if (strcmp(args[0], "LIST") == 0 && args[2] != NULL) {
			const char *user = args[2];

			array_push(&users, &user);
		} else if (strcmp(args[0], "DONE") == 0) {
			if (args[2] != NULL && strcmp(args[2], "fail") == 0) {
				*error_r = "user listing failed (see the auth log)";
				return -1;
			}
			break;
		} else {
			*error_r = t_strdup_printf("auth server (%s): malformed LIST reply",
						   client->path);
			auth_master_disconnect(client);
			return -1;
		}
	}
	array_push(&users, &null);
	*users_r = array_front(&users);
	return 0;
}

/* ---- asynchronous REQUEST ---- */

struct auth_master_async_request {
	unsigned int id;
	pool_t pool;
	auth_master_async_callback_t *callback;
	void *context;
	struct timeout *to;
	struct auth_master_async *conn;
};

struct auth_master_async {
	char *path;
	unsigned int timeout_msecs;
	int fd;
	struct io *io, *io_out;
	struct line_reader *reader;
	string_t *output;
	unsigned int next_id;
	ARRAY(struct auth_master_async_request *) requests;
	char *last_error;
};

static void async_request_free(struct auth_master_async_request **_req)
{
	struct auth_master_async_request *req = *_req;

	*_req = NULL;
	timeout_remove(&req->to);
	i_free(req);
}

static struct auth_master_async_request *async_request_take(struct auth_master_async *conn,
							    unsigned int id)
{
	for (unsigned int i = 0; i < array_count(&conn->requests); i++) {
		struct auth_master_async_request *req = array_idx_elem(&conn->requests, i);

		if (req->id == id) {
			array_delete(&conn->requests, i, 1);
			return req;
		}
	}
	return NULL;
}

static void async_request_finish(struct auth_master_async_request *req, int ret,
				 const char *username, const char *const *fields,
				 const char *error)
{
	auth_master_async_callback_t *callback = req->callback;
	void *context = req->context;

	async_request_free(&req);
	callback(ret, username, fields, error, context);
}

static void async_request_timeout(void *context);

/* Pending requests fail from the loop (never inside the caller's call). */
static void async_disconnect(struct auth_master_async *conn, const char *error)
{
	if (conn->fd == -1)
		return;
	i_free(conn->last_error);
	conn->last_error = i_strdup(error);
	io_remove(&conn->io);
	io_remove(&conn->io_out);
	line_reader_destroy(&conn->reader);
	i_close_fd(&conn->fd);
	str_truncate(conn->output, 0);
	array_foreach(&conn->requests, reqp) {
		timeout_remove(&(*reqp)->to);
		(*reqp)->to = timeout_add_once(0, async_request_timeout, *reqp);
	}
}

static void async_input(void *context)
{
	struct auth_master_async *conn = context;
	const char *line, *const *args, *username, *const *fields, *error;
	struct auth_master_async_request *req;
	unsigned int id;
	size_t len;
	ssize_t ret = line_reader_fill(conn->reader);
	int result;

	for (;;) {
		enum line_reader_result res = line_reader_next_line(conn->reader, &line, &len);

		if (res == LINE_READER_MORE)
			break;
		if (res == LINE_READER_TOO_LONG || strlen(line) != len) {
			async_disconnect(conn, t_strdup_printf(
				"auth server (%s) sent a malformed line", conn->path));
			return;
		}
		args = auth_fields_split_line(pool_temp, line);
		if (args == NULL || args[0] == NULL || args[1] == NULL ||
		    str_to_uint(args[1], &id) < 0) {
			async_disconnect(conn, t_strdup_printf(
				"auth server (%s) sent a malformed reply", conn->path));
			return;
		}
		req = async_request_take(conn, id);
		if (req == NULL)
			continue; /* aborted, or timed out */
		result = auth_master_parse_reply(line, id, req->pool, &username, &fields, &error);
		if (result == -2) {
			error = t_strdup_printf("auth server (%s): %s", conn->path, error);
			result = -1;
		}
		async_request_finish(req, result, username, fields, result < 0 ? error : NULL);
		if (conn->fd == -1)
			return;
	}
	if (ret < 0) {
		async_disconnect(conn, line_reader_is_eof(conn->reader) ?
			t_strdup_printf("auth server (%s) disconnected", conn->path) :
			t_strdup_printf("read(%s) failed: %s", conn->path,
					line_reader_get_error(conn->reader)));
	}
}

static void async_output(void *context);

static void async_flush(struct auth_master_async *conn)
{
	while (str_len(conn->output) > 0) {
		ssize_t ret = write(conn->fd, str_data(conn->output), str_len(conn->output));

		if (ret < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			async_disconnect(conn, t_strdup_printf("write(%s) failed: %m",
							       conn->path));
			return;
		}
		str_delete(conn->output, 0, (size_t)ret);
	}
	if (str_len(conn->output) == 0)
		io_remove(&conn->io_out);
	else if (conn->io_out == NULL)
		conn->io_out = io_add(conn->fd, IO_WRITE, async_output, conn);
}

static void async_output(void *context)
{
	async_flush(context);
}

int auth_master_async_connect(const char *socket_path, unsigned int timeout_msecs,
			      struct auth_master_async **conn_r, const char **error_r)
{
	struct auth_master_client *sync = auth_master_client_create(socket_path, timeout_msecs);
	struct auth_master_async *conn;
	/* the handshake is the synchronous client's; then the fd is ours */
	struct io_context *prev = io_context_switch(NULL);

	sync->deadline = now_msecs() + sync->timeout_msecs;
	if (auth_master_connect(sync, error_r) < 0) {
		auth_master_client_destroy(&sync);
		(void)io_context_switch(prev);
		return -1;
	}
	conn = i_new(struct auth_master_async, 1);
	conn->path = i_strdup(socket_path);
	conn->timeout_msecs = sync->timeout_msecs;
	conn->fd = sync->fd;
	conn->reader = sync->reader;
	sync->fd = -1;
	sync->reader = NULL;
	auth_master_client_destroy(&sync);
	conn->output = str_new(pool_system, 256);
	conn->next_id = 1;
	i_array_init(&conn->requests, 8);
	conn->io = io_add(conn->fd, IO_READ, async_input, conn);
	(void)io_context_switch(prev);
	*conn_r = conn;
	return 0;
}

void auth_master_async_destroy(struct auth_master_async **_conn)
{
	struct auth_master_async *conn = *_conn;

	if (conn == NULL)
		return;
	*_conn = NULL;
	while (array_count(&conn->requests) > 0) {
		struct auth_master_async_request *req = array_idx_elem(&conn->requests, 0);

		array_delete(&conn->requests, 0, 1);
		async_request_free(&req);
	}
	io_remove(&conn->io);
	io_remove(&conn->io_out);
	if (conn->reader != NULL)
		line_reader_destroy(&conn->reader);
	i_close_fd(&conn->fd);
	i_free(conn->last_error);
	str_free(&conn->output);
	array_free(&conn->requests);
	i_free(conn->path);
	i_free(conn);
}

bool auth_master_async_is_connected(const struct auth_master_async *conn)
{
	return conn->fd != -1;
}

static void async_request_timeout(void *context)
{
	struct auth_master_async_request *req = context;
	struct auth_master_async *conn = req->conn;

	req = async_request_take(conn, req->id);
	i_assert(req != NULL);
	if (conn->fd != -1) {
		async_request_finish(req, -1, NULL, NULL, t_strdup_printf(
			"Timeout waiting for auth server (%s)", conn->path));
	} else {
		async_request_finish(req, -1, NULL, NULL, conn->last_error != NULL ?
			t_strdup(conn->last_error) :
			t_strdup_printf("not connected to the auth server (%s)", conn->path));
	}
}

unsigned int auth_master_async_request(struct auth_master_async *conn, pid_t client_pid,
				       unsigned int client_id, const unsigned char *cookie,
				       size_t cookie_size, bool peek, pool_t pool,
				       auth_master_async_callback_t *callback, void *context)
{
	struct auth_master_async_request *req = i_new(struct auth_master_async_request, 1);
	string_t *line = str_new(pool_temp, 128);
	struct io_context *prev = io_context_switch(NULL);

	req->id = conn->next_id++;
	if (conn->next_id == 0)
		conn->next_id = 1;
	req->pool = pool;
	req->callback = callback;
	req->context = context;
	req->conn = conn;
	array_push(&conn->requests, &req);
	/* a failed connection answers from the loop, like a late reply */
	req->to = timeout_add_once(conn->fd == -1 ? 0 : conn->timeout_msecs,
				   async_request_timeout, req);
	if (conn->fd != -1) {
		str_printfa(line, "REQUEST\t%u\t%ld\t%u\t", req->id, (long)client_pid,
			    client_id);
		hex_encode(cookie, cookie_size, line);
		if (peek)
			str_append(line, "\tpeek");
		str_append_c(line, '\n');
		str_append_str(conn->output, line);
		if (conn->io_out == NULL)
			async_flush(conn);
	}
	(void)io_context_switch(prev);
	return req->id;
}

void auth_master_async_abort(struct auth_master_async *conn, unsigned int id)
{
	struct auth_master_async_request *req = async_request_take(conn, id);

	if (req != NULL)
		async_request_free(&req);
}

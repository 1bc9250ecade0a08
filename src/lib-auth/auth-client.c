/* Login-side client of the auth protocol 1.x (see auth-client.h). */
#include "lib.h"
#include "ioloop.h"
#include "net.h"
#include "line-reader.h"
#include "base64.h"
#include "hex.h"
#include "auth-fields.h"
#include "auth-client.h"

#include <stdio.h>

#define AUTH_CLIENT_RECONNECT_MSECS 1000
/* bytes of unsent output before the server counts as stuck */
#define AUTH_CLIENT_MAX_OUTPUT (256 * 1024)
#define AUTH_CLIENT_MAX_MECHS 64

struct auth_client_request {
	struct auth_client *client;
	unsigned int id;
	auth_request_callback_t *callback;
	void *context;
	/* inside the callback of a final status: abort must not free */
	bool finished;
};

struct auth_client {
	pool_t pool;
	char *path; /* NULL: no reconnects (auth_client_init_fd) */
	pid_t client_pid;

	int fd;
	struct io *io, *io_out;
	struct line_reader *reader;
	string_t *output;
	struct timeout *to_reconnect, *to_disconnect;
	bool handshake_done, version_seen;

	pool_t mech_pool;
	ARRAY(struct auth_mech_desc) mechs;
	pid_t server_pid;
	unsigned int connect_id;
	unsigned char cookie[AUTH_CLIENT_COOKIE_SIZE];
	bool have_spid, have_cuid, have_cookie;

	ARRAY(struct auth_client_request *) requests;
	unsigned int next_id;

	auth_connect_callback_t *connect_callback;
	void *connect_context;
};

static void auth_client_connect(struct auth_client *client);
static void auth_client_disconnect(struct auth_client *client, const char *reason);

/* ---- output ---- */

static void auth_client_flush(struct auth_client *client)
{
	ssize_t ret;

	while (str_len(client->output) > 0) {
		ret = write(client->fd, str_data(client->output), str_len(client->output));
		if (ret < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			auth_client_disconnect(client, t_strdup_printf("write() failed: %m"));
			return;
		}
		str_delete(client->output, 0, (size_t)ret);
	}
	if (str_len(client->output) == 0)
		io_remove(&client->io_out);
}

static void auth_client_output_cb(void *context)
{
	auth_client_flush(context);
}

static void auth_client_deferred_disconnect(void *context)
{
	struct auth_client *client = context;

	timeout_remove(&client->to_disconnect);
	auth_client_disconnect(client, "output buffer full or write failed");
}

/* Queues a line; errors are handled from the ioloop so that no callback
   runs inside the caller's call. */
static void auth_client_send(struct auth_client *client, const char *line)
{
	ssize_t ret;

	if (client->fd == -1)
		return;
	if (str_len(client->output) + strlen(line) + 1 > AUTH_CLIENT_MAX_OUTPUT) {
		if (client->to_disconnect == NULL)
			client->to_disconnect =
				timeout_add_once(0, auth_client_deferred_disconnect, client);
		return;
	}
	str_append(client->output, line);
	str_append_c(client->output, '\n');
	if (client->io_out != NULL)
		return;
	ret = write(client->fd, str_data(client->output), str_len(client->output));
	if (ret < 0 && errno != EAGAIN && errno != EINTR) {
		if (client->to_disconnect == NULL)
			client->to_disconnect =
				timeout_add_once(0, auth_client_deferred_disconnect, client);
		return;
	}
	if (ret > 0)
		str_delete(client->output, 0, (size_t)ret);
	if (str_len(client->output) > 0)
		client->io_out = io_add(client->fd, IO_WRITE, auth_client_output_cb, client);
}

/* ---- requests ---- */

static struct auth_client_request *auth_client_find_request(struct auth_client *client,
							    unsigned int id, unsigned int *idx_r)
{
	unsigned int i = 0;

	array_foreach(&client->requests, reqp) {
		if ((*reqp)->id == id) {
			*idx_r = i;
			return *reqp;
		}
		i++;
	}
	return NULL;
}

static void auth_client_fail_all(struct auth_client *client)
{
	static const char *const no_args[] = { NULL };

	while (array_count(&client->requests) > 0) {
		struct auth_client_request *req = array_idx_elem(&client->requests, 0);

		array_delete(&client->requests, 0, 1);
		req->finished = true;
		req->callback(req, AUTH_REQUEST_STATUS_INTERNAL_FAIL, NULL, no_args,
			      req->context);
		i_free(req);
	}
}

/* ---- connection ---- */

static void auth_client_reconnect_cb(void *context)
{
	struct auth_client *client = context;

	timeout_remove(&client->to_reconnect);
	auth_client_connect(client);
}

static void auth_client_close(struct auth_client *client)
{
	io_remove(&client->io);
	io_remove(&client->io_out);
	timeout_remove(&client->to_disconnect);
	if (client->reader != NULL)
		line_reader_destroy(&client->reader);
	i_close_fd(&client->fd);
	str_truncate(client->output, 0);
	client->handshake_done = false;
	client->version_seen = false;
	client->have_spid = client->have_cuid = client->have_cookie = false;
	array_clear(&client->mechs);
	pool_clear(client->mech_pool);
}

static void auth_client_disconnect(struct auth_client *client, const char *reason)
{
	bool was_connected = client->handshake_done;

	if (client->fd == -1)
		return;
	i_error("auth: %s%s", client->path == NULL ? "" :
		t_strdup_printf("%s: ", client->path), reason);
	auth_client_close(client);
	auth_client_fail_all(client);
	if (was_connected && client->connect_callback != NULL)
		client->connect_callback(client, false, client->connect_context);
	if (client->path != NULL && client->to_reconnect == NULL)
		client->to_reconnect = timeout_add_once(AUTH_CLIENT_RECONNECT_MSECS,
							auth_client_reconnect_cb, client);
}

static int parse_pid(const char *str, pid_t *pid_r)
{
	unsigned int num;

	if (str == NULL || str_to_uint(str, &num) < 0 || num == 0 || num > INT32_MAX)
		return -1;
	*pid_r = (pid_t)num;
	return 0;
}

/* One handshake line. Returns 0, or -1 with *error_r. */
static int auth_client_handshake_line(struct auth_client *client, const char *const *args,
				      const char **error_r)
{
	const char *cmd = args[0];
	unsigned int num;

	if (!client->version_seen) {
		if (strcmp(cmd, "VERSION") != 0 || args[1] == NULL || args[2] == NULL) {
			*error_r = "handshake did not start with VERSION";
			return -1;
		}
		if (str_to_uint(args[1], &num) < 0 || num != AUTH_CLIENT_PROTOCOL_MAJOR_VERSION) {
			*error_r = t_strdup_printf("unsupported protocol major version %s "
						   "(we speak %u)",
						   args[1], AUTH_CLIENT_PROTOCOL_MAJOR_VERSION);
			return -1;
		}
		client->version_seen = true;
		return 0;
	}
	if (strcmp(cmd, "MECH") == 0) {
		struct auth_mech_desc mech;

		if (args[1] == NULL || args[1][0] == '\0') {
			*error_r = "MECH without a name";
			return -1;
		}
		if (array_count(&client->mechs) >= AUTH_CLIENT_MAX_MECHS) {
			*error_r = "too many MECH lines";
			return -1;
		}
		mech.name = str_ucase(p_strdup(client->mech_pool, args[1]));
		mech.flags = 0;
		for (unsigned int i = 2; args[i] != NULL; i++) {
			if (strcmp(args[i], "plaintext") == 0)
				mech.flags |= AUTH_CLIENT_MECH_PLAINTEXT;
			else if (strcmp(args[i], "dictionary") == 0)
				mech.flags |= AUTH_CLIENT_MECH_DICTIONARY;
			else if (strcmp(args[i], "active") == 0)
				mech.flags |= AUTH_CLIENT_MECH_ACTIVE;
			else if (strcmp(args[i], "forward-secrecy") == 0)
				mech.flags |= AUTH_CLIENT_MECH_FORWARD_SECRECY;
			else if (strcmp(args[i], "mutual-auth") == 0)
				mech.flags |= AUTH_CLIENT_MECH_MUTUAL_AUTH;
			else if (strcmp(args[i], "anonymous") == 0)
				mech.flags |= AUTH_CLIENT_MECH_ANONYMOUS;
			else if (strcmp(args[i], "private") == 0)
				mech.flags |= AUTH_CLIENT_MECH_PRIVATE;
			/* unknown flags are ignored, as the protocol says */
		}
		array_push(&client->mechs, &mech);
	} else if (strcmp(cmd, "SPID") == 0) {
		if (parse_pid(args[1], &client->server_pid) < 0) {
			*error_r = "invalid SPID";
			return -1;
		}
		client->have_spid = true;
	} else if (strcmp(cmd, "CUID") == 0) {
		if (args[1] == NULL || str_to_uint(args[1], &client->connect_id) < 0) {
			*error_r = "invalid CUID";
			return -1;
		}
		client->have_cuid = true;
	} else if (strcmp(cmd, "COOKIE") == 0) {
		buffer_t *buf = buffer_create_bounded(pool_temp, AUTH_CLIENT_COOKIE_SIZE,
						      AUTH_CLIENT_COOKIE_SIZE);
		const char *error;

		if (args[1] == NULL || strlen(args[1]) != AUTH_CLIENT_COOKIE_SIZE * 2 ||
		    hex_decode(args[1], strlen(args[1]), buf, &error) < 0) {
			*error_r = "invalid COOKIE";
			return -1;
		}
		memcpy(client->cookie, buf->data, AUTH_CLIENT_COOKIE_SIZE);
		client->have_cookie = true;
	} else if (strcmp(cmd, "DONE") == 0) {
		if (!client->have_spid || !client->have_cuid || !client->have_cookie) {
			*error_r = "DONE before SPID, CUID and COOKIE";
			return -1;
		}
		client->handshake_done = true;
	} else {
		*error_r = t_strdup_printf("unexpected handshake line %s",
					   str_sanitize(pool_temp, cmd, 32));
		return -1;
	}
	return 0;
}

static int auth_client_reply_line(struct auth_client *client, const char *const *args,
				  const char **error_r)
{
	const char *cmd = args[0];
	enum auth_request_status status;
	struct auth_client_request *req;
	unsigned int id, idx;
	const char *data = NULL;

	if (args[1] == NULL || str_to_uint(args[1], &id) < 0) {
		*error_r = t_strdup_printf("%s without a valid request id",
					   str_sanitize(pool_temp, cmd, 32));
		return -1;
	}
	if (strcmp(cmd, "CONT") == 0) {
		if (args[2] == NULL) {
			*error_r = "CONT without data";
			return -1;
		}
		status = AUTH_REQUEST_STATUS_CONTINUE;
		data = args[2];
	} else if (strcmp(cmd, "OK") == 0) {
		status = AUTH_REQUEST_STATUS_OK;
	} else if (strcmp(cmd, "FAIL") == 0) {
		status = AUTH_REQUEST_STATUS_FAIL;
		for (unsigned int i = 2; args[i] != NULL; i++) {
			if (strcmp(args[i], "temp") == 0 || strcmp(args[i], "code=temp_fail") == 0)
				status = AUTH_REQUEST_STATUS_TEMP_FAIL;
		}
	} else {
		*error_r = t_strdup_printf("unknown command %s", str_sanitize(pool_temp, cmd, 32));
		return -1;
	}

	req = auth_client_find_request(client, id, &idx);
	if (req == NULL) {
		if (id == 0 || id >= client->next_id) {
			*error_r = t_strdup_printf("%s for request id %u that was never sent",
						   cmd, id);
			return -1;
		}
		/* a request we aborted: the server did not know */
		return 0;
	}
	if (status == AUTH_REQUEST_STATUS_CONTINUE) {
		req->callback(req, status, data, args + 2, req->context);
		return 0;
	}
	array_delete(&client->requests, idx, 1);
	req->finished = true;
	req->callback(req, status, NULL, args + 2, req->context);
	i_free(req);
	return 0;
}

static int auth_client_input_line(struct auth_client *client, const char *line,
				  const char **error_r)
{
	const char *const *args = auth_fields_split_line(pool_temp, line);

	if (args == NULL) {
		*error_r = "invalid tab-escaping";
		return -1;
	}
	if (args[0] == NULL || args[0][0] == '\0') {
		*error_r = "empty line";
		return -1;
	}
	if (!client->handshake_done) {
		if (auth_client_handshake_line(client, args, error_r) < 0)
			return -1;
		if (client->handshake_done && client->connect_callback != NULL)
			client->connect_callback(client, true, client->connect_context);
		return 0;
	}
	return auth_client_reply_line(client, args, error_r);
}

static void auth_client_input(void *context)
{
	struct auth_client *client = context;
	const char *line, *error;
	ssize_t ret;
	size_t len;

	ret = line_reader_fill(client->reader);
	for (;;) {
		enum line_reader_result res = line_reader_next_line(client->reader, &line, &len);

		if (res == LINE_READER_MORE)
			break;
		if (res == LINE_READER_TOO_LONG) {
			auth_client_disconnect(client, "server sent a line that is too long");
			return;
		}
		if (memchr(line, '\0', len) != NULL) {
			auth_client_disconnect(client, "server sent a NUL byte");
			return;
		}
		if (auth_client_input_line(client, line, &error) < 0) {
			auth_client_disconnect(client, t_strdup_printf(
				"protocol error from the auth service: %s", error));
			return;
		}
		if (client->fd == -1)
			return;
	}
	if (ret < 0) {
		auth_client_disconnect(client, t_strdup_printf(
			"connection lost: %s", line_reader_get_error(client->reader)));
	}
}

static void auth_client_start(struct auth_client *client, int fd)
{
	struct line_reader_settings set = {
		.max_line_length = AUTH_CLIENT_MAX_LINE_LENGTH,
	};

	fd_set_nonblock(fd, true);
	client->fd = fd;
	client->reader = line_reader_create_fd(&set, fd);
	client->io = io_add(fd, IO_READ, auth_client_input, client);
	/* the handshake may go out before the server's */
	auth_client_send(client, t_strdup_printf("VERSION\t%u\t%u",
						 AUTH_CLIENT_PROTOCOL_MAJOR_VERSION,
						 AUTH_CLIENT_PROTOCOL_MINOR_VERSION));
	auth_client_send(client, t_strdup_printf("CPID\t%ld", (long)client->client_pid));
}

static void auth_client_connect(struct auth_client *client)
{
	int fd = net_connect_unix(client->path);

	if (fd < 0) {
		i_error("auth: connect(%s) failed: %m", client->path);
		client->to_reconnect = timeout_add_once(AUTH_CLIENT_RECONNECT_MSECS,
							auth_client_reconnect_cb, client);
		return;
	}
	auth_client_start(client, fd);
}

static struct auth_client *auth_client_alloc(pid_t client_pid)
{
	pool_t pool = pool_alloconly_create("auth client", 1024);
	struct auth_client *client = p_new(pool, struct auth_client, 1);

	client->pool = pool;
	client->client_pid = client_pid;
	client->fd = -1;
	client->next_id = 1;
	client->output = str_new(pool_system, 256);
	client->mech_pool = pool_alloconly_create("auth mechs", 512);
	p_array_init(&client->mechs, pool_system, 8);
	p_array_init(&client->requests, pool_system, 4);
	return client;
}

struct auth_client *auth_client_init(const char *path, pid_t client_pid)
{
	struct auth_client *client = auth_client_alloc(client_pid);

	client->path = p_strdup(client->pool, path);
	auth_client_connect(client);
	return client;
}

struct auth_client *auth_client_init_fd(int fd, pid_t client_pid)
{
	struct auth_client *client = auth_client_alloc(client_pid);

	auth_client_start(client, fd);
	return client;
}

void auth_client_deinit(struct auth_client **_client)
{
	struct auth_client *client = *_client;

	*_client = NULL;
	auth_client_close(client);
	timeout_remove(&client->to_reconnect);
	array_foreach(&client->requests, reqp)
		i_free(*reqp);
	array_free(&client->requests);
	array_free(&client->mechs);
	str_free(&client->output);
	pool_unref(&client->mech_pool);
	pool_unref(&client->pool);
}

void auth_client_set_connect_callback(struct auth_client *client,
				      auth_connect_callback_t *callback, void *context)
{
	client->connect_callback = callback;
	client->connect_context = context;
}

bool auth_client_is_connected(const struct auth_client *client)
{
	return client->handshake_done;
}

const struct auth_mech_desc *auth_client_get_mechs(const struct auth_client *client,
						   unsigned int *count_r)
{
	*count_r = array_count(&client->mechs);
	return *count_r == 0 ? NULL : array_front(&client->mechs);
}

const struct auth_mech_desc *auth_client_find_mech(const struct auth_client *client,
						   const char *name)
{
	array_foreach(&client->mechs, mech) {
		if (strcasecmp(mech->name, name) == 0)
			return mech;
	}
	return NULL;
}

pid_t auth_client_get_server_pid(const struct auth_client *client)
{
	return client->server_pid;
}

unsigned int auth_client_get_connect_id(const struct auth_client *client)
{
	return client->connect_id;
}

const unsigned char *auth_client_get_cookie(const struct auth_client *client)
{
	return client->cookie;
}

struct auth_client_request *auth_client_request_new(struct auth_client *client,
						    const struct auth_request_info *info,
						    auth_request_callback_t *callback,
						    void *context)
{
	struct auth_client_request *req;
	string_t *str = str_new(pool_temp, 256);

	i_assert(client->handshake_done);
	req = i_new(struct auth_client_request, 1);
	req->client = client;
	req->id = client->next_id++;
	req->callback = callback;
	req->context = context;
	array_push(&client->requests, &req);

	str_printfa(str, "AUTH\t%u\t%s\tservice=%s", req->id,
		    auth_fields_escape(pool_temp, info->mech),
		    auth_fields_escape(pool_temp, info->service));
	if (info->secured)
		str_append(str, "\tsecured");
	if (info->no_penalty)
		str_append(str, "\tno-penalty");
	if (info->local_ip.family != 0)
		str_printfa(str, "\tlip=%s", net_ip2addr(pool_temp, &info->local_ip));
	if (info->remote_ip.family != 0)
		str_printfa(str, "\trip=%s", net_ip2addr(pool_temp, &info->remote_ip));
	if (info->local_port != 0)
		str_printfa(str, "\tlport=%u", info->local_port);
	if (info->remote_port != 0)
		str_printfa(str, "\trport=%u", info->remote_port);
	if (info->session_id != NULL)
		str_printfa(str, "\tsession=%s", auth_fields_escape(pool_temp, info->session_id));
	if (info->initial_resp != NULL) {
		str_append(str, "\tresp=");
		base64_encode(info->initial_resp, info->initial_resp_size, str);
	}
	auth_client_send(client, str_c(str));
	return req;
}

void auth_client_request_continue(struct auth_client_request *req, const char *data_base64)
{
	auth_client_send(req->client, t_strdup_printf("CONT\t%u\t%s", req->id,
						      auth_fields_escape(pool_temp, data_base64)));
}

void auth_client_request_abort(struct auth_client_request **_req)
{
	struct auth_client_request *req = *_req;
	unsigned int idx;

	*_req = NULL;
	if (req == NULL || req->finished)
		return;
	if (auth_client_find_request(req->client, req->id, &idx) == req)
		array_delete(&req->client->requests, idx, 1);
	i_free(req);
}

unsigned int auth_client_request_get_id(const struct auth_client_request *req)
{
	return req->id;
}

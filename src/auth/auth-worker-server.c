/* Auth side of the worker pool. Each connection carries one request at a
   time; requests wait in a FIFO when all max_count connections are busy.
   Every request has a deadline: a worker that does not answer in time is
   disconnected (its process finishes its computation and exits) and the
   request fails as a temporary failure, so no backend can make a client
   wait forever. */
#include "lib.h"
#include "ioloop.h"
#include "net.h"
#include "line-reader.h"
#include "auth-fields.h"
#include "auth-worker-protocol.h"
#include "auth-worker-server.h"

#include <time.h>

struct auth_worker_request {
	struct auth_worker_request *next;
	unsigned int id;
	char *line; /* without the LF */
	auth_worker_callback_t *callback;
	void *context;
	struct timeval queued;
};

struct auth_worker_conn {
	struct auth_worker_conn *prev, *next;
	int fd;
	struct io *io;
	struct line_reader *reader;
	struct auth_worker_request *request; /* being served, or NULL */
	struct timeout *to;
	bool version_received;
};

static char *worker_socket_path;
static unsigned int worker_max_count;
static unsigned int worker_count;
static unsigned int worker_next_id = 1;
static struct auth_worker_conn *worker_conns;
static struct auth_worker_request *queue_head, *queue_tail;
static struct timeout *to_queue;

static void worker_conn_destroy(struct auth_worker_conn **conn, const char *reason);
static void worker_queue_flush(void);

static void request_finish(struct auth_worker_request *request, const char *status,
			   const char *const *args)
{
	request->callback(status, args, request->context);
	i_free(request->line);
	i_free(request);
}

static void request_fail(struct auth_worker_request *request, const char *reason)
{
	const char *args[] = { reason, NULL };

	request_finish(request, "internal", args);
}

static int worker_send(struct auth_worker_conn *conn, const char *data)
{
	size_t size = strlen(data);

	/* requests are small and the socket buffer is empty between
	   requests: a short write means the worker is broken */
	if (write(conn->fd, data, size) != (ssize_t)size)
		return -1;
	return 0;
}

static void worker_idle_timeout(void *context)
{
	struct auth_worker_conn *conn = context;

	worker_conn_destroy(&conn, NULL);
}

static void worker_request_timeout(void *context)
{
	struct auth_worker_conn *conn = context;

	worker_conn_destroy(&conn, "Worker did not answer in time");
}

static void worker_set_timeout(struct auth_worker_conn *conn, bool busy)
{
	if (conn->to != NULL)
		timeout_remove(&conn->to);
	if (busy)
		conn->to = timeout_add_once(AUTH_WORKER_REQUEST_TIMEOUT_MSECS,
					    worker_request_timeout, conn);
	else
		conn->to = timeout_add_once(AUTH_WORKER_IDLE_TIMEOUT_MSECS, worker_idle_timeout,
					    conn);
}

static void worker_conn_destroy(struct auth_worker_conn **_conn, const char *reason)
{
	struct auth_worker_conn *conn = *_conn;
	struct auth_worker_request *request = conn->request;

	*_conn = NULL;
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		worker_conns = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	worker_count--;
	io_remove(&conn->io);
	if (conn->to != NULL)
		timeout_remove(&conn->to);
	line_reader_destroy(&conn->reader);
	i_close_fd(&conn->fd);
	i_free(conn);
	if (request != NULL) {
		i_error("auth-worker: %s (request %u)", reason != NULL ? reason : "disconnected",
			request->id);
		request_fail(request, reason != NULL ? reason : "Worker disconnected");
	}
	/* a slot is free: queued requests may go on */
	worker_queue_flush();
}

static bool worker_handle_line(struct auth_worker_conn *conn, const char *line)
{
	const char *const *args = auth_fields_split_line(pool_temp, line);
	struct auth_worker_request *request = conn->request;
	unsigned int id;

	if (args == NULL) {
		i_error("auth-worker: BUG: worker sent a badly escaped line");
		return false;
	}
	if (!conn->version_received) {
		if (strcmp(line, AUTH_WORKER_VERSION_LINE) != 0) {
			i_error("auth-worker: BUG: worker sent an unexpected handshake: %s",
				str_sanitize(pool_temp, line, 80));
			return false;
		}
		conn->version_received = true;
		return true;
	}
	if (str_array_length(args) >= 3 && strcmp(args[0], "ITEM") == 0 &&
	    str_to_uint(args[1], &id) == 0 && request != NULL && id == request->id) {
		/* one row of a listing: the answer is still to come */
		worker_set_timeout(conn, true);
		request->callback("item", args + 2, request->context);
		return true;
	}
	if (str_array_length(args) < 3 || strcmp(args[0], "RESULT") != 0 ||
	    str_to_uint(args[1], &id) < 0 || request == NULL || id != request->id) {
		i_error("auth-worker: BUG: worker sent an unexpected line: %s",
			str_sanitize(pool_temp, line, 80));
		return false;
	}
	conn->request = NULL;
	worker_set_timeout(conn, false);
	request_finish(request, args[2], args + 3);
	return true;
}

static void worker_input(void *context)
{
	struct auth_worker_conn *conn = context;
	const char *line;
	size_t len;
	ssize_t ret;

	ret = line_reader_fill(conn->reader);
	for (;;) {
		enum line_reader_result res = line_reader_next_line(conn->reader, &line, &len);

		if (res == LINE_READER_MORE)
			break;
		if (res == LINE_READER_TOO_LONG || strlen(line) != len) {
			worker_conn_destroy(&conn, "BUG: worker sent a malformed line");
			return;
		}
		if (!worker_handle_line(conn, line)) {
			worker_conn_destroy(&conn, "Worker protocol error");
			return;
		}
	}
	if (ret < 0) {
		worker_conn_destroy(&conn, conn->request != NULL ?
					   "Worker process died while serving a request" : NULL);
		return;
	}
	if (conn->request == NULL)
		worker_queue_flush();
}

static struct auth_worker_conn *worker_conn_create(void)
{
	const struct line_reader_settings set = {
		.max_line_length = AUTH_WORKER_MAX_LINE_LENGTH,
	};
	struct auth_worker_conn *conn;
	int fd;

	fd = net_connect_unix(worker_socket_path);
	if (fd == -1) {
		i_error("auth-worker: connect(%s) failed: %m", worker_socket_path);
		return NULL;
	}
	fd_set_nonblock(fd, true);
	conn = i_new(struct auth_worker_conn, 1);
	conn->fd = fd;
	conn->reader = line_reader_create_fd(&set, fd);
	conn->io = io_add(fd, IO_READ, worker_input, conn);
	conn->next = worker_conns;
	if (worker_conns != NULL)
		worker_conns->prev = conn;
	worker_conns = conn;
	worker_count++;
	if (worker_send(conn, AUTH_WORKER_VERSION_LINE "\n") < 0) {
		i_error("auth-worker: write(%s) failed: %m", worker_socket_path);
		worker_conn_destroy(&conn, NULL);
		return NULL;
	}
	return conn;
}

static bool worker_start_request(struct auth_worker_conn *conn,
				 struct auth_worker_request *request)
{
	const char *line = t_strdup_printf("%s\n", request->line);

	if (worker_send(conn, line) < 0) {
		i_error("auth-worker: write(%s) failed: %m", worker_socket_path);
		return false;
	}
	conn->request = request;
	worker_set_timeout(conn, true);
	return true;
}

static long long msecs_since(const struct timeval *tv)
{
	return ((long long)ioloop_timeval.tv_sec - tv->tv_sec) * 1000 +
	       (ioloop_timeval.tv_usec - tv->tv_usec) / 1000;
}

static void worker_queue_timeout(void *context ATTR_UNUSED)
{
	/* fail requests that waited too long for a free worker */
	while (queue_head != NULL &&
	       msecs_since(&queue_head->queued) >= AUTH_WORKER_REQUEST_TIMEOUT_MSECS) {
		struct auth_worker_request *request = queue_head;

		queue_head = request->next;
		if (queue_head == NULL)
			queue_tail = NULL;
		i_error("auth-worker: request %u waited too long for a free worker "
			"(auth_worker_max_count=%u)", request->id, worker_max_count);
		request_fail(request, "Timed out waiting for a free worker");
	}
	if (queue_head == NULL && to_queue != NULL)
		timeout_remove(&to_queue);
}

static void worker_queue_flush(void)
{
	while (queue_head != NULL) {
		struct auth_worker_conn *conn;

		for (conn = worker_conns; conn != NULL; conn = conn->next) {
			if (conn->request == NULL)
				break;
		}
		if (conn == NULL) {
			if (worker_count >= worker_max_count)
				break;
			conn = worker_conn_create();
			if (conn == NULL) {
				struct auth_worker_request *request = queue_head;

				queue_head = request->next;
				if (queue_head == NULL)
					queue_tail = NULL;
				request_fail(request, "Cannot connect to auth worker");
				continue;
			}
		}
		struct auth_worker_request *request = queue_head;

		queue_head = request->next;
		if (queue_head == NULL)
			queue_tail = NULL;
		if (!worker_start_request(conn, request)) {
			request->next = queue_head;
			queue_head = request;
			if (queue_tail == NULL)
				queue_tail = request;
			worker_conn_destroy(&conn, NULL);
			return;
		}
	}
	if (queue_head == NULL && to_queue != NULL)
		timeout_remove(&to_queue);
}

void auth_worker_call(const char *cmd, const char *request_args, auth_worker_callback_t *callback,
		      void *context)
{
	struct auth_worker_request *request = i_new(struct auth_worker_request, 1);

	request->id = worker_next_id++;
	if (worker_next_id == 0)
		worker_next_id = 1;
	request->line = i_strdup_printf("%s\t%u\t%s", cmd, request->id, request_args);
	request->callback = callback;
	request->context = context;
	io_loop_time_refresh();
	request->queued = ioloop_timeval;
	if (queue_tail != NULL)
		queue_tail->next = request;
	else
		queue_head = request;
	queue_tail = request;
	if (to_queue == NULL)
		to_queue = timeout_add(500, worker_queue_timeout, NULL);
	worker_queue_flush();
}

struct auth_worker_verify_ctx {
	auth_worker_verify_callback_t *callback;
	void *context;
};

enum passdb_result auth_worker_status_to_result(const char *status)
{
	if (strcmp(status, "ok") == 0)
		return PASSDB_RESULT_OK;
	if (strcmp(status, "mismatch") == 0)
		return PASSDB_RESULT_PASSWORD_MISMATCH;
	if (strcmp(status, "unknown") == 0)
		return PASSDB_RESULT_USER_UNKNOWN;
	if (strcmp(status, "disabled") == 0)
		return PASSDB_RESULT_USER_DISABLED;
	if (strcmp(status, "expired") == 0)
		return PASSDB_RESULT_PASS_EXPIRED;
	return PASSDB_RESULT_INTERNAL_FAILURE;
}

static void auth_worker_verify_cb(const char *status, const char *const *args, void *context)
{
	struct auth_worker_verify_ctx *ctx = context;
	enum passdb_result result = auth_worker_status_to_result(status);
	const char *error = args[0] != NULL ? args[0] : "Worker failed";

	ctx->callback(result, error, ctx->context);
	i_free(ctx);
}

void auth_worker_verify(const char *user, const char *password, const char *stored,
			const char *default_scheme, auth_worker_verify_callback_t *callback,
			void *context)
{
	struct auth_worker_verify_ctx *ctx = i_new(struct auth_worker_verify_ctx, 1);
	string_t *args = str_new(pool_temp, 256);

	ctx->callback = callback;
	ctx->context = context;
	auth_fields_append_escaped(args, user);
	str_append_c(args, '\t');
	auth_fields_append_escaped(args, default_scheme != NULL ? default_scheme : "");
	str_append_c(args, '\t');
	auth_fields_append_escaped(args, password);
	str_append_c(args, '\t');
	auth_fields_append_escaped(args, stored);
	auth_worker_call("VERIFY", str_c(args), auth_worker_verify_cb, ctx);
}

void auth_worker_server_init(const char *socket_path, unsigned int max_count)
{
	worker_socket_path = i_strdup(socket_path);
	worker_max_count = max_count == 0 ? 1 : max_count;
}

void auth_worker_server_deinit(void)
{
	/* no new connections while failing what is left */
	worker_max_count = 0;
	while (worker_conns != NULL) {
		struct auth_worker_conn *conn = worker_conns;

		worker_conn_destroy(&conn, "Shutting down");
	}
	while (queue_head != NULL) {
		struct auth_worker_request *request = queue_head;

		queue_head = request->next;
		request_fail(request, "Shutting down");
	}
	queue_tail = NULL;
	if (to_queue != NULL)
		timeout_remove(&to_queue);
	i_free(worker_socket_path);
}

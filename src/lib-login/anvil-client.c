/* Client of the anvil protocol (anvil-client.h). */
#include "lib.h"
#include "ioloop.h"
#include "net.h"
#include "line-reader.h"
#include "anvil-interface.h"
#include "anvil-client.h"

#include <poll.h>

#define ANVIL_CLIENT_MAX_OUTPUT (64 * 1024)
#define ANVIL_CLIENT_MAX_PENDING 128

struct anvil_query {
	anvil_query_callback_t *callback;
	void *context;
};

struct anvil_client {
	int fd;
	struct io *io, *io_out;
	struct line_reader *reader;
	string_t *output;
	ARRAY(struct anvil_query) queries;
	struct timeout *to_fail;
	anvil_kick_callback_t *kick_callback;
	void *kick_context;
};

static void anvil_client_fail(struct anvil_client *client, const char *reason);

static void anvil_client_output_cb(void *context);

static void anvil_client_flush(struct anvil_client *client)
{
	while (str_len(client->output) > 0) {
		ssize_t ret = write(client->fd, str_data(client->output), str_len(client->output));

		if (ret < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			anvil_client_fail(client, t_strdup_printf("write() failed: %m"));
			return;
		}
		str_delete(client->output, 0, (size_t)ret);
	}
	if (str_len(client->output) == 0)
		io_remove(&client->io_out);
	else if (client->io_out == NULL)
		client->io_out = io_add(client->fd, IO_WRITE, anvil_client_output_cb, client);
}

static void anvil_client_output_cb(void *context)
{
	anvil_client_flush(context);
}

static void anvil_client_send(struct anvil_client *client, const char *line)
{
	if (client->fd == -1)
		return;
	if (str_len(client->output) + strlen(line) >= ANVIL_CLIENT_MAX_OUTPUT)
		return; /* anvil is stuck; counters are advisory */
	str_append(client->output, line);
	str_append_c(client->output, '\n');
	if (client->io_out == NULL)
		anvil_client_flush(client);
}

static void anvil_client_fail_pending(struct anvil_client *client)
{
	while (array_count(&client->queries) > 0) {
		struct anvil_query query = array_idx_elem(&client->queries, 0);

		array_delete(&client->queries, 0, 1);
		query.callback(NULL, query.context);
	}
}

static void anvil_client_fail(struct anvil_client *client, const char *reason)
{
	if (client->fd == -1)
		return;
	i_error("anvil: %s", reason);
	io_remove(&client->io);
	io_remove(&client->io_out);
	i_close_fd(&client->fd);
	anvil_client_fail_pending(client);
}

static void anvil_client_input(void *context)
{
	struct anvil_client *client = context;
	const char *line;
	size_t len;
	ssize_t ret = line_reader_fill(client->reader);

	for (;;) {
		enum line_reader_result res = line_reader_next_line(client->reader, &line, &len);

		if (res == LINE_READER_MORE)
			break;
		if (res == LINE_READER_LINE && client->kick_callback != NULL &&
		    str_begins(line, ANVIL_KICK_PREFIX, &line)) {
			client->kick_callback(line, client->kick_context);
			if (client->fd == -1)
				return;
			continue;
		}
		if (res == LINE_READER_TOO_LONG || array_count(&client->queries) == 0) {
			anvil_client_fail(client, res == LINE_READER_TOO_LONG ?
					  "reply too long" : "unexpected reply");
			return;
		}
		struct anvil_query query = array_idx_elem(&client->queries, 0);

		array_delete(&client->queries, 0, 1);
		query.callback(line, query.context);
		if (client->fd == -1)
			return;
	}
	if (ret < 0)
		anvil_client_fail(client, "connection lost");
}

int anvil_client_connect(const char *path, struct anvil_client **client_r,
			 const char **error_r)
{
	struct line_reader_settings set = { .max_line_length = ANVIL_MAX_LINE_LENGTH };
	struct anvil_client *client;
	int fd = net_connect_unix(path);

	if (fd < 0) {
		*error_r = t_strdup_printf("connect(%s) failed: %m", path);
		return -1;
	}
	fd_set_nonblock(fd, true);
	client = i_new(struct anvil_client, 1);
	client->fd = fd;
	client->reader = line_reader_create_fd(&set, fd);
	client->output = str_new(pool_system, 128);
	i_array_init(&client->queries, 8);
	anvil_client_send(client, t_strdup_printf("VERSION\tanvil\t%u\t%u",
						  ANVIL_PROTOCOL_MAJOR_VERSION,
						  ANVIL_PROTOCOL_MINOR_VERSION));
	*client_r = client;
	return 0;
}

void anvil_client_deinit(struct anvil_client **_client)
{
	struct anvil_client *client = *_client;

	if (client == NULL)
		return;
	*_client = NULL;
	/* best effort: what is still buffered is lost with the process */
	io_remove(&client->io);
	io_remove(&client->io_out);
	timeout_remove(&client->to_fail);
	i_close_fd(&client->fd);
	line_reader_destroy(&client->reader);
	str_free(&client->output);
	array_free(&client->queries);
	i_free(client);
}

void anvil_client_set_kick_callback(struct anvil_client *client,
				    anvil_kick_callback_t *callback, void *context)
{
	client->kick_callback = callback;
	client->kick_context = context;
	if (client->io == NULL && client->fd != -1) {
		struct io_context *prev = io_context_switch(NULL);

		client->io = io_add(client->fd, IO_READ, anvil_client_input, client);
		(void)io_context_switch(prev);
	}
}

bool anvil_client_is_connected(const struct anvil_client *client)
{
	return client->fd != -1;
}

void anvil_client_cmd(struct anvil_client *client, const char *cmd)
{
	anvil_client_send(client, cmd);
}

static void anvil_client_fail_later(void *context)
{
	struct anvil_client *client = context;

	timeout_remove(&client->to_fail);
	anvil_client_fail_pending(client);
}

void anvil_client_query(struct anvil_client *client, const char *query,
			anvil_query_callback_t *callback, void *context)
{
	struct anvil_query q = { callback, context };

	array_push(&client->queries, &q);
	if (client->fd == -1 || array_count(&client->queries) > ANVIL_CLIENT_MAX_PENDING) {
		if (client->to_fail == NULL)
			client->to_fail = timeout_add_once(0, anvil_client_fail_later, client);
		return;
	}
	anvil_client_send(client, query);
	if (client->io == NULL && client->fd != -1)
		client->io = io_add(client->fd, IO_READ, anvil_client_input, client);
}

int anvil_client_query_sync(struct anvil_client *client, const char *query, bool multi_line,
			    unsigned int timeout_msecs, pool_t pool,
			    const char *const **lines_r, const char **error_r)
{
	ARRAY_TYPE(const_string) lines;
	const char *line;
	size_t len;

	i_assert(array_count(&client->queries) == 0);
	if (client->fd == -1) {
		*error_r = "not connected to anvil";
		return -1;
	}
	anvil_client_send(client, query);
	p_array_init(&lines, pool, 16);
	for (;;) {
		enum line_reader_result res = line_reader_next_line(client->reader, &line, &len);

		if (res == LINE_READER_TOO_LONG) {
			*error_r = "anvil sent a line that is too long";
			return -1;
		}
		if (res == LINE_READER_LINE) {
			if (multi_line && len == 0)
				break;
			line = p_strdup(pool, line);
			array_push(&lines, &line);
			if (!multi_line)
				break;
			continue;
		}
		if (str_len(client->output) > 0)
			anvil_client_flush(client);
		struct pollfd pfd = { .fd = client->fd, .events = POLLIN };
		int ret = poll(&pfd, 1, (int)timeout_msecs);

		if (ret == 0) {
			*error_r = "timed out waiting for anvil";
			return -1;
		}
		if (ret < 0 && errno != EINTR) {
			*error_r = t_strdup_printf("poll() failed: %m");
			return -1;
		}
		if (line_reader_fill(client->reader) < 0) {
			*error_r = "anvil closed the connection";
			return -1;
		}
	}
	line = NULL;
	array_push(&lines, &line);
	*lines_r = array_front(&lines);
	return 0;
}

const char *anvil_client_field(pool_t pool, const char *value)
{
	size_t len = strlen(value);
	char *copy = p_strndup(pool, value, MIN(len, ANVIL_MAX_FIELD_LENGTH));

	for (char *p = copy; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	return copy;
}

/* anvil client connections (anvil-connection.h). */
#include "lib.h"
#include "ioloop.h"
#include "net.h"
#include "line-reader.h"
#include "anvil-interface.h"
#include "anvil-state.h"
#include "anvil-connection.h"

struct anvil_connection {
	int fd;
	struct io *io, *io_out;
	struct line_reader *reader;
	string_t *output;
	struct anvil_state *state;
	bool version_seen;
	anvil_connection_destroy_callback_t *callback;
	void *context;
	struct timeout *to_destroy;
};

struct anvil_cmd {
	const char *name;
	unsigned int args; /* exact number of fields after the name */
	int (*func)(struct anvil_state *state, const void *owner, const char *const *args,
		    time_t now, string_t *reply, const char **error_r);
};

static bool field_ok(const char *value)
{
	size_t len = strlen(value);

	if (len == 0 || len > ANVIL_MAX_FIELD_LENGTH)
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
			return false;
	}
	return true;
}

static int parse_pid(const char *str, pid_t *pid_r, const char **error_r)
{
	unsigned int num;

	if (str_to_uint(str, &num) < 0 || num == 0 || num > INT32_MAX) {
		*error_r = "invalid pid";
		return -1;
	}
	*pid_r = (pid_t)num;
	return 0;
}

static int cmd_connect(struct anvil_state *state, const void *owner, const char *const *args,
		       time_t now ATTR_UNUSED, string_t *reply ATTR_UNUSED, const char **error_r)
{
	pid_t pid;

	if (parse_pid(args[0], &pid, error_r) < 0)
		return -1;
	if (anvil_state_connect(state, owner, pid, args[1], args[2], args[3]) < 0) {
		/* not the peer's bug: log it and go on */
		i_error("session limit %u reached: CONNECT of %s ignored", ANVIL_MAX_SESSIONS,
			args[2]);
	}
	return 0;
}

static int cmd_disconnect(struct anvil_state *state, const void *owner,
			  const char *const *args, time_t now ATTR_UNUSED,
			  string_t *reply ATTR_UNUSED, const char **error_r)
{
	pid_t pid;

	if (parse_pid(args[0], &pid, error_r) < 0)
		return -1;
	(void)anvil_state_disconnect(state, owner, pid, args[1], args[2], args[3]);
	return 0;
}

static int cmd_lookup(struct anvil_state *state, const void *owner ATTR_UNUSED,
		      const char *const *args, time_t now ATTR_UNUSED, string_t *reply,
		      const char **error_r ATTR_UNUSED)
{
	str_printfa(reply, "%u\n", anvil_state_lookup(state, args[0], args[1], args[2]));
	return 0;
}

static int cmd_who(struct anvil_state *state, const void *owner ATTR_UNUSED,
		   const char *const *args ATTR_UNUSED, time_t now ATTR_UNUSED, string_t *reply,
		   const char **error_r ATTR_UNUSED)
{
	const struct anvil_session *sessions;
	unsigned int count;

	sessions = anvil_state_sessions(state, &count);
	for (unsigned int i = 0; i < count; i++) {
		str_printfa(reply, "%s\t%s\t%ld\t%s\n", sessions[i].user, sessions[i].service,
			    (long)sessions[i].pid, sessions[i].ip);
	}
	str_append_c(reply, '\n');
	return 0;
}

static int cmd_penalty_get(struct anvil_state *state, const void *owner ATTR_UNUSED,
			   const char *const *args, time_t now, string_t *reply,
			   const char **error_r ATTR_UNUSED)
{
	unsigned int count;
	time_t last;

	anvil_state_penalty_get(state, args[0], now, &count, &last);
	str_printfa(reply, "%u\t%lld\n", count, (long long)last);
	return 0;
}

static int cmd_penalty_inc(struct anvil_state *state, const void *owner ATTR_UNUSED,
			   const char *const *args, time_t now, string_t *reply ATTR_UNUSED,
			   const char **error_r ATTR_UNUSED)
{
	anvil_state_penalty_inc(state, args[0], now);
	return 0;
}

static int cmd_kick(struct anvil_state *state, const void *owner ATTR_UNUSED,
		    const char *const *args, time_t now ATTR_UNUSED, string_t *reply,
		    const char **error_r ATTR_UNUSED)
{
	ARRAY_TYPE(const_string) users;
	const char *user;
	unsigned int count;

	p_array_init(&users, pool_temp, 8);
	count = anvil_state_kick(state, args[0], &users);
	array_foreach_elem(&users, user)
		str_printfa(reply, "%s\n", user);
	str_append_c(reply, '\n');
	if (count > 0)
		i_info("kick %s: %u sessions of %u users", args[0], count, array_count(&users));
	return 0;
}

static const struct anvil_cmd anvil_cmds[] = {
	{ "CONNECT", 4, cmd_connect },
	{ "DISCONNECT", 4, cmd_disconnect },
	{ "LOOKUP", 3, cmd_lookup },
	{ "WHO", 0, cmd_who },
	{ "KICK", 1, cmd_kick },
	{ "PENALTY-GET", 1, cmd_penalty_get },
	{ "PENALTY-INC", 1, cmd_penalty_inc },
};

int anvil_connection_line(struct anvil_state *state, const void *owner, bool *version_seen,
			  const char *line, time_t now, string_t *reply, const char **error_r)
{
	const char *const *args = p_strsplit(pool_temp, line, "\t");
	unsigned int count = str_array_length(args);

	if (!*version_seen) {
		unsigned int major;

		if (count != 4 || strcmp(args[0], "VERSION") != 0 ||
		    strcmp(args[1], "anvil") != 0 || str_to_uint(args[2], &major) < 0) {
			*error_r = "the first line was not VERSION\tanvil";
			return -1;
		}
		if (major != ANVIL_PROTOCOL_MAJOR_VERSION) {
			*error_r = t_strdup_printf("unsupported major version %u", major);
			return -1;
		}
		*version_seen = true;
		return 0;
	}
	for (unsigned int i = 0; i < N_ELEMENTS(anvil_cmds); i++) {
		if (strcmp(args[0], anvil_cmds[i].name) != 0)
			continue;
		if (count != anvil_cmds[i].args + 1) {
			*error_r = t_strdup_printf("%s: expected %u fields, got %u",
						   anvil_cmds[i].name, anvil_cmds[i].args,
						   count - 1);
			return -1;
		}
		for (unsigned int j = 1; j < count; j++) {
			if (!field_ok(args[j])) {
				*error_r = t_strdup_printf("%s: field %u is empty, too long or "
							   "has control characters",
							   anvil_cmds[i].name, j);
				return -1;
			}
		}
		return anvil_cmds[i].func(state, owner, args + 1, now, reply, error_r);
	}
	*error_r = t_strdup_printf("unknown command '%s'", str_sanitize(pool_temp, args[0], 32));
	return -1;
}

static void anvil_connection_output(void *context);

static void anvil_connection_flush(struct anvil_connection *conn)
{
	while (str_len(conn->output) > 0) {
		ssize_t ret = write(conn->fd, str_data(conn->output), str_len(conn->output));

		if (ret < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			/* the peer is gone; input will see EOF */
			str_truncate(conn->output, 0);
			break;
		}
		str_delete(conn->output, 0, (size_t)ret);
	}
	if (str_len(conn->output) == 0)
		io_remove(&conn->io_out);
	else if (conn->io_out == NULL)
		conn->io_out = io_add(conn->fd, IO_WRITE, anvil_connection_output, conn);
}

static void anvil_connection_output(void *context)
{
	anvil_connection_flush(context);
}

void anvil_connection_notify(const void *owner, const char *user, void *context ATTR_UNUSED)
{
	/* owners are connections: anvil_connection_line() is called with the
	   connection as the owner */
	struct anvil_connection *conn = (struct anvil_connection *)owner;

	str_printfa(conn->output, "%s%s\n", ANVIL_KICK_PREFIX, user);
	anvil_connection_flush(conn);
}

static void anvil_connection_end(void *context)
{
	struct anvil_connection *conn = context;
	anvil_connection_destroy_callback_t *callback = conn->callback;
	void *cb_context = conn->context;

	timeout_remove(&conn->to_destroy);
	anvil_connection_destroy(&conn);
	if (callback != NULL)
		callback(cb_context);
}

/* Never free inside our own io callback: defer a loop turn. */
static void anvil_connection_close_later(struct anvil_connection *conn)
{
	io_remove(&conn->io);
	if (conn->to_destroy == NULL)
		conn->to_destroy = timeout_add_once(0, anvil_connection_end, conn);
}

static void anvil_connection_input(void *context)
{
	struct anvil_connection *conn = context;
	const char *line, *error;
	size_t len;
	ssize_t ret = line_reader_fill(conn->reader);

	for (;;) {
		enum line_reader_result res = line_reader_next_line(conn->reader, &line, &len);

		if (res == LINE_READER_MORE)
			break;
		if (res == LINE_READER_TOO_LONG) {
			i_error("anvil client sent a line longer than %u bytes: disconnecting",
				ANVIL_MAX_LINE_LENGTH);
			anvil_connection_close_later(conn);
			return;
		}
		if (memchr(line, '\0', len) != NULL ||
		    anvil_connection_line(conn->state, conn, &conn->version_seen, line,
					  ioloop_time, conn->output, &error) < 0) {
			if (memchr(line, '\0', len) != NULL)
				error = "NUL byte in line";
			i_error("anvil client protocol error: %s: disconnecting", error);
			anvil_connection_close_later(conn);
			return;
		}
	}
	if (str_len(conn->output) > 0)
		anvil_connection_flush(conn);
	if (ret < 0)
		anvil_connection_close_later(conn);
}

struct anvil_connection *anvil_connection_create(int fd, struct anvil_state *state,
						 anvil_connection_destroy_callback_t *callback,
						 void *context)
{
	struct line_reader_settings set = { .max_line_length = ANVIL_MAX_LINE_LENGTH };
	struct anvil_connection *conn = i_new(struct anvil_connection, 1);

	fd_set_nonblock(fd, true);
	conn->fd = fd;
	conn->state = state;
	conn->callback = callback;
	conn->context = context;
	conn->reader = line_reader_create_fd(&set, fd);
	conn->output = str_new(pool_system, 128);
	conn->io = io_add(fd, IO_READ, anvil_connection_input, conn);
	return conn;
}

void anvil_connection_destroy(struct anvil_connection **_conn)
{
	struct anvil_connection *conn = *_conn;

	*_conn = NULL;
	anvil_state_disconnect_owner(conn->state, conn);
	io_remove(&conn->io);
	io_remove(&conn->io_out);
	timeout_remove(&conn->to_destroy);
	line_reader_destroy(&conn->reader);
	str_free(&conn->output);
	i_close_fd(&conn->fd);
	i_free(conn);
}

/* Login-process side of the hand-off (login-handoff-client.h). */
#include "lib.h"
#include "ioloop.h"
#include "net.h"
#include "fdpass.h"
#include "login-handoff-client.h"

struct login_handoff {
	int fd;
	struct io *io;
	struct timeout *to;
	char reply[LOGIN_HANDOFF_MAX_REPLY];
	size_t reply_used;
	login_handoff_callback_t *callback;
	void *context;
};

int login_handoff_parse_reply(const char *line, enum login_handoff_result *result_r,
			      pid_t *pid_r, const char **reason_r)
{
	const char *const *args = p_strsplit(pool_temp, line, "\t");
	unsigned int count = str_array_length(args), num;

	*pid_r = 0;
	*reason_r = NULL;
	if (count == 2 && strcmp(args[0], "OK") == 0) {
		if (str_to_uint(args[1], &num) < 0 || num == 0 || num > INT32_MAX)
			return -1;
		*result_r = LOGIN_HANDOFF_OK;
		*pid_r = (pid_t)num;
		return 0;
	}
	if (count == 3 && strcmp(args[0], "FAIL") == 0) {
		if (strcmp(args[1], "temp") == 0)
			*result_r = LOGIN_HANDOFF_TEMP_FAIL;
		else if (strcmp(args[1], "perm") == 0)
			*result_r = LOGIN_HANDOFF_PERM_FAIL;
		else if (strcmp(args[1], "retry") == 0)
			*result_r = LOGIN_HANDOFF_RETRY;
		else
			return -1;
		*reason_r = str_sanitize(pool_temp, args[2], 200);
		return 0;
	}
	return -1;
}

static void login_handoff_finish(struct login_handoff *handoff,
				 enum login_handoff_result result, pid_t pid, const char *reason)
{
	login_handoff_callback_t *callback = handoff->callback;
	void *context = handoff->context;

	login_handoff_abort(&handoff);
	callback(result, pid, reason, context);
}

static void login_handoff_input(void *context)
{
	struct login_handoff *handoff = context;
	enum login_handoff_result result;
	const char *reason;
	char *lf;
	pid_t pid;
	ssize_t ret;

	ret = read(handoff->fd, handoff->reply + handoff->reply_used,
		   sizeof(handoff->reply) - 1 - handoff->reply_used);
	if (ret < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (ret <= 0) {
		login_handoff_finish(handoff, LOGIN_HANDOFF_TEMP_FAIL, 0,
				     ret == 0 ? "post-login process closed the connection "
						"without an answer" :
						t_strdup_printf("read() failed: %m"));
		return;
	}
	handoff->reply_used += (size_t)ret;
	handoff->reply[handoff->reply_used] = '\0';
	lf = strchr(handoff->reply, '\n');
	if (lf == NULL) {
		if (handoff->reply_used == sizeof(handoff->reply) - 1 ||
		    memchr(handoff->reply, '\0', handoff->reply_used) != NULL) {
			login_handoff_finish(handoff, LOGIN_HANDOFF_TEMP_FAIL, 0,
					     "post-login process sent a malformed answer");
		}
		return;
	}
	*lf = '\0';
	if (lf[1] != '\0' || login_handoff_parse_reply(handoff->reply, &result, &pid,
						       &reason) < 0) {
		login_handoff_finish(handoff, LOGIN_HANDOFF_TEMP_FAIL, 0, t_strdup_printf(
			"post-login process sent a malformed answer: %s",
			str_sanitize(pool_temp, handoff->reply, 100)));
		return;
	}
	login_handoff_finish(handoff, result, pid, reason);
}

static void login_handoff_timeout(void *context)
{
	struct login_handoff *handoff = context;

	timeout_remove(&handoff->to);
	login_handoff_finish(handoff, LOGIN_HANDOFF_TEMP_FAIL, 0, t_strdup_printf(
		"post-login process did not answer in %u secs",
		LOGIN_HANDOFF_TIMEOUT_MSECS / 1000));
}

int login_handoff_start(const char *socket_path, struct login_handoff_request *req,
			const void *input, size_t input_size, int client_fd,
			login_handoff_callback_t *callback, void *context,
			struct login_handoff **handoff_r, const char **error_r)
{
	struct login_handoff *handoff;
	buffer_t *buf;
	ssize_t ret;
	int fd;

	if (input_size > LOGIN_HANDOFF_MAX_INPUT) {
		*error_r = t_strdup_printf("too much pipelined input (%zu bytes)", input_size);
		return -1;
	}
	req->version = LOGIN_HANDOFF_VERSION;
	req->client_input_size = (uint32_t)input_size;
	req->size = (uint32_t)(sizeof(*req) + input_size);

	fd = net_connect_unix(socket_path);
	if (fd < 0) {
		*error_r = t_strdup_printf("connect(%s) failed: %m", socket_path);
		return -1;
	}
	buf = buffer_create_dynamic(pool_temp, req->size);
	buffer_append(buf, req, sizeof(*req));
	if (input_size > 0)
		buffer_append(buf, input, input_size);
	/* one message on a fresh socket: the kernel buffer takes it whole */
	ret = fd_send(fd, client_fd, buf->data, buf->used);
	if (ret != (ssize_t)buf->used) {
		*error_r = ret < 0 ? t_strdup_printf("fd_send(%s) failed: %m", socket_path) :
				     t_strdup_printf("fd_send(%s) sent only part of the request",
						     socket_path);
		close(fd);
		return -1;
	}
	fd_set_nonblock(fd, true);
	handoff = i_new(struct login_handoff, 1);
	handoff->fd = fd;
	handoff->callback = callback;
	handoff->context = context;
	handoff->io = io_add(fd, IO_READ, login_handoff_input, handoff);
	handoff->to = timeout_add_once(LOGIN_HANDOFF_TIMEOUT_MSECS, login_handoff_timeout, handoff);
	*handoff_r = handoff;
	return 0;
}

void login_handoff_abort(struct login_handoff **_handoff)
{
	struct login_handoff *handoff = *_handoff;

	if (handoff == NULL)
		return;
	*_handoff = NULL;
	io_remove(&handoff->io);
	timeout_remove(&handoff->to);
	i_close_fd(&handoff->fd);
	i_free(handoff);
}

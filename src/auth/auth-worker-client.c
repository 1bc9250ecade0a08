/* Worker side: slow password hashes, PAM, getpwnam() and SQL run here, never in
   the auth process's event loop. The worker trusts its peer (the auth
   process) but is strict with it all the same: a malformed line ends the
   connection. */
#include "lib.h"
#include "ioloop.h"
#include "line-reader.h"
#include "auth-fields.h"
#include "password-scheme.h"
#include "master-service.h"
#include "auth-worker-protocol.h"
#include "auth.h"
#include "db-sql.h"
#include "auth-worker-client.h"

#include <poll.h>
#include <pwd.h>
#include <security/pam_appl.h>


struct auth_worker_client {
	int fd;
	struct io *io;
	struct line_reader *reader;
	bool version_received;
};

const char *auth_worker_reply(unsigned int id, const char *status, const char *text)
{
	string_t *str = str_new(pool_temp, 128);

	str_printfa(str, "RESULT\t%u\t%s", id, status);
	if (text != NULL) {
		str_append_c(str, '\t');
		auth_fields_append_escaped(str, text);
	}
	return str_c(str);
}

static const char *cmd_verify(unsigned int id, const char *const *args)
{
	const char *error;
	int ret;

	/* user, default scheme, password, stored */
	if (str_array_length(args) != 4)
		return NULL;
	ret = password_verify(args[2], args[3], args[1][0] == '\0' ? NULL : args[1], args[0],
			      &error);
	if (ret < 0)
		return auth_worker_reply(id, "internal", t_strdup_printf("Invalid password in passdb: %s",
							     error));
	return auth_worker_reply(id, ret > 0 ? "ok" : "mismatch", NULL);
}

struct pam_conv_ctx {
	const char *user, *password;
};

static int pam_conv_func(int num_msg, const struct pam_message **msg,
			 struct pam_response **resp_r, void *appdata_ptr)
{
	struct pam_conv_ctx *ctx = appdata_ptr;
	struct pam_response *resp;

	/* PAM frees the answers with free(): they come from calloc/strdup */
	resp = calloc((size_t)num_msg, sizeof(*resp));
	if (resp == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < num_msg; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_ON:
			resp[i].resp = strdup(ctx->user);
			break;
		case PAM_PROMPT_ECHO_OFF:
			resp[i].resp = strdup(ctx->password);
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			break;
		default:
			for (int j = 0; j < i; j++)
				free(resp[j].resp);
			free(resp);
			return PAM_CONV_ERR;
		}
	}
	*resp_r = resp;
	return PAM_SUCCESS;
}

static const char *cmd_pam(unsigned int id, const char *const *args)
{
	struct pam_conv_ctx ctx;
	struct pam_conv conv = { pam_conv_func, &ctx };
	pam_handle_t *pamh;
	const char *status, *text;
	int ret;

	/* service, user, password, rip, flags */
	if (str_array_length(args) != 5)
		return NULL;
	ctx.user = args[1];
	ctx.password = args[2];
	ret = pam_start(args[0], args[1], &conv, &pamh);
	if (ret != PAM_SUCCESS)
		return auth_worker_reply(id, "internal", t_strdup_printf("pam_start(%s) failed: %s", args[0],
							     pam_strerror(NULL, ret)));
	if (args[3][0] != '\0')
		(void)pam_set_item(pamh, PAM_RHOST, args[3]);
	ret = pam_authenticate(pamh, PAM_DISALLOW_NULL_AUTHTOK);
	if (ret == PAM_SUCCESS) {
		ret = pam_acct_mgmt(pamh, PAM_DISALLOW_NULL_AUTHTOK);
		text = t_strdup_printf("pam_acct_mgmt() failed: %s", pam_strerror(pamh, ret));
	} else {
		text = t_strdup_printf("pam_authenticate() failed: %s", pam_strerror(pamh, ret));
	}
	switch (ret) {
	case PAM_SUCCESS:
		status = "ok";
		text = NULL;
		break;
	case PAM_USER_UNKNOWN:
		status = "unknown";
		break;
	case PAM_AUTH_ERR:
	case PAM_PERM_DENIED:
		status = "mismatch";
		break;
	case PAM_ACCT_EXPIRED:
		status = "disabled";
		break;
	case PAM_NEW_AUTHTOK_REQD:
		status = "expired";
		break;
	default:
		status = "internal";
		break;
	}
	pam_end(pamh, ret);
	return auth_worker_reply(id, status, text);
}

static const char *cmd_getpw(unsigned int id, const char *const *args)
{
	struct passwd pw, *result;
	char buf[16384];
	string_t *str;
	int ret;

	if (str_array_length(args) != 1)
		return NULL;
	ret = getpwnam_r(args[0], &pw, buf, sizeof(buf), &result);
	if (ret != 0)
		return auth_worker_reply(id, "internal", t_strdup_printf("getpwnam(%s) failed: %s",
							     str_sanitize(pool_temp, args[0], 100),
							     strerror(ret)));
	if (result == NULL)
		return auth_worker_reply(id, "unknown", NULL);
	str = str_new(pool_temp, 128);
	str_printfa(str, "RESULT\t%u\tok\tuser=", id);
	auth_fields_append_escaped(str, pw.pw_name);
	str_printfa(str, "\tuid=%lu\tgid=%lu\thome=", (unsigned long)pw.pw_uid,
		    (unsigned long)pw.pw_gid);
	auth_fields_append_escaped(str, pw.pw_dir);
	return str_c(str);
}

const char *auth_worker_handle_line(const char *line)
{
	const char *const *args = auth_fields_split_line(pool_temp, line);
	unsigned int id;

	if (args == NULL || args[0] == NULL || args[1] == NULL || str_to_uint(args[1], &id) < 0)
		return NULL;
	if (strcmp(args[0], "VERIFY") == 0)
		return cmd_verify(id, args + 2);
	if (strcmp(args[0], "PAM") == 0)
		return cmd_pam(id, args + 2);
	if (strcmp(args[0], "GETPW") == 0)
		return cmd_getpw(id, args + 2);
	if (strcmp(args[0], "SQL") == 0)
		return db_sql_worker_request(id, args + 2);
	return NULL;
}

static void worker_client_destroy(struct auth_worker_client **_client)
{
	struct auth_worker_client *client = *_client;

	*_client = NULL;
	io_remove(&client->io);
	line_reader_destroy(&client->reader);
	i_close_fd(&client->fd);
	i_free(client);
	master_service_client_connection_destroyed(auth_master_service);
}

static int worker_client_send(struct auth_worker_client *client, const char *line)
{
	string_t *str = str_new(pool_temp, strlen(line) + 1);
	const unsigned char *data;
	size_t size;

	str_append(str, line);
	str_append_c(str, '\n');
	data = str_data(str);
	size = str_len(str);
	while (size > 0) {
		ssize_t ret = write(client->fd, data, size);

		if (ret > 0) {
			data += ret;
			size -= (size_t)ret;
		} else if (ret < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = client->fd, .events = POLLOUT };

			if (poll(&pfd, 1, AUTH_WORKER_REQUEST_TIMEOUT_MSECS) <= 0)
				return -1;
		} else if (ret < 0 && errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

static bool worker_client_line(struct auth_worker_client *client, const char *line)
{
	const char *answer;

	if (!client->version_received) {
		if (strcmp(line, AUTH_WORKER_VERSION_LINE) != 0) {
			i_error("BUG: auth process sent an unexpected handshake: %s",
				str_sanitize(pool_temp, line, 80));
			return false;
		}
		client->version_received = true;
		return worker_client_send(client, AUTH_WORKER_VERSION_LINE) == 0;
	}
	answer = auth_worker_handle_line(line);
	if (answer == NULL) {
		i_error("BUG: auth process sent a malformed request: %s",
			str_sanitize(pool_temp, line, 40));
		return false;
	}
	return worker_client_send(client, answer) == 0;
}

static void worker_client_input(void *context)
{
	struct auth_worker_client *client = context;
	const char *line;
	size_t len;
	ssize_t ret = line_reader_fill(client->reader);

	for (;;) {
		enum line_reader_result res = line_reader_next_line(client->reader, &line, &len);

		if (res == LINE_READER_MORE)
			break;
		if (res == LINE_READER_TOO_LONG || strlen(line) != len ||
		    !worker_client_line(client, line)) {
			if (res == LINE_READER_TOO_LONG)
				i_error("BUG: auth process sent a too long line");
			worker_client_destroy(&client);
			return;
		}
		pool_temp_clear();
	}
	if (ret < 0)
		worker_client_destroy(&client);
}

void auth_worker_client_create(struct master_service_connection *conn)
{
	const struct line_reader_settings set = {
		.max_line_length = AUTH_WORKER_MAX_LINE_LENGTH,
	};
	struct auth_worker_client *client = i_new(struct auth_worker_client, 1);

	client->fd = conn->fd;
	client->reader = line_reader_create_fd(&set, conn->fd);
	client->io = io_add(conn->fd, IO_READ, worker_client_input, client);
	conn->accepted = true;
}

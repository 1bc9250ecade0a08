/* A POP3 session: life cycle, input, output, logout logging (see
   pop3-client.h). The commands are in pop3-commands.c. */
#include "lib.h"
#include "str.h"
#include "ioloop.h"
#include "line-reader.h"
#include "ostream.h"
#include "net.h"
#include "var-expand.h"
#include "mail-storage.h"
#include "mail-user.h"
#include "pop3-common.h"

#include <fcntl.h>
#include <sys/file.h>
#include <zlib.h>

#define POP3_LOCK_FNAME "dovecot-pop3-session.lock"
#define POP3_MAX_BAD_COMMANDS 20
/* how long the last answer may take to be written */
#define POP3_DISCONNECT_FLUSH_MSECS (30 * 1000)

static void client_input(void *context);

void pop3_client_send_line(struct pop3_client *client, const char *line)
{
	(void)ostream_send_str(client->output, line);
	(void)ostream_send(client->output, "\r\n", 2);
}

void pop3_client_send_storage_error(struct pop3_client *client)
{
	enum mail_error error;
	const char *text = mailbox_get_last_error(client->box, &error);

	if (error == MAIL_ERROR_TEMP)
		pop3_client_send_line(client, t_strdup_printf("-ERR [SYS/TEMP] %s", text));
	else
		pop3_client_send_line(client, t_strdup_printf("-ERR %s", text));
}

static uint32_t uidl_crc(const struct pop3_message *msg)
{
	return (uint32_t)crc32(0L, (const Bytef *)msg->uidl, (uInt)strlen(msg->uidl));
}

/* Dovecot's %{uidl_change}: the number of messages and the XOR of the
   CRC32s of their UIDLs, as the client probably had them before the
   session (those before the first one retrieved; all when none was) and
   as they are left after it (all but the deleted ones). "" when no UIDL
   command was given. */
static const char *client_uidl_change(struct pop3_client *client)
{
	uint32_t old_count, new_count, old_hash = 0, new_hash = 0;

	if (!client->uidls_all_computed)
		return "";
	old_count = client->lowest_retr > 0 ? client->lowest_retr - 1 : client->count;
	for (uint32_t i = 0; i < old_count; i++)
		old_hash ^= uidl_crc(&client->msgs[i]);
	for (uint32_t i = 0; i < client->count; i++) {
		if (!client->msgs[i].deleted)
			new_hash ^= uidl_crc(&client->msgs[i]);
	}
	new_count = client->count - client->deleted_count;
	if (old_hash == new_hash && old_count == new_count)
		return t_strdup_printf("%u/%08x", old_count, old_hash);
	return t_strdup_printf("%u/%08x -> %u/%08x", old_count, old_hash, new_count, new_hash);
}

static const char *client_stats(struct pop3_client *client)
{
	const char *dcount = client->delete_success ?
		t_strdup_printf("%u", client->deleted_count) : "0";
	const char *dbytes = client->delete_success ?
		t_strdup_printf("%llu", (unsigned long long)client->deleted_size) : "0";
	const struct var_expand_table table[] = {
		{ 'p', t_strdup_printf("%llu", (unsigned long long)client->top_bytes),
		  "top_bytes" },
		{ 't', t_strdup_printf("%u", client->top_count), "top_count" },
		{ 'b', t_strdup_printf("%llu", (unsigned long long)client->retr_bytes),
		  "retr_bytes" },
		{ 'r', t_strdup_printf("%u", client->retr_count), "retr_count" },
		{ 'd', dcount, "deleted_count" },
		{ 'm', t_strdup_printf("%u", client->count), "message_count" },
		{ 's', t_strdup_printf("%llu", (unsigned long long)client->total_size),
		  "message_bytes" },
		{ 'i', t_strdup_printf("%llu", (unsigned long long)client->input_bytes), "input" },
		{ 'o', t_strdup_printf("%llu", (unsigned long long)
				       ostream_get_bytes_written(client->output)), "output" },
		{ 'u', client_uidl_change(client), "uidl_change" },
		{ '\0', client->session_id, "session" },
		{ '\0', dbytes, "deleted_bytes" },
		{ '\0', NULL, NULL },
	};
	string_t *str = str_new(pool_temp, 128);
	const char *error;

	if (var_expand(str, client->set->pop3_logout_format, table, &error) < 0)
		return t_strdup_printf("(pop3_logout_format: %s)", error);
	return str_c(str);
}

static void client_free(struct pop3_client *client)
{
	pop3_client_destroyed_callback_t *destroyed = client->destroyed;
	void *context = client->context;

	pop3_command_abort(client);
	/* as Dovecot: UIDLs shown are kept even without QUIT, since the
	   client may have downloaded the messages already */
	pop3_client_save_uidls(client);
	io_remove(&client->io_in);
	io_remove(&client->io_flush);
	timeout_remove(&client->to_idle);
	timeout_remove(&client->to_destroy);
	line_reader_destroy(&client->reader);
	ostream_destroy(&client->output);
	if (client->box != NULL)
		mailbox_free(&client->box);
	i_close_fd(&client->lock_fd);
	pool_unref(&client->pool);
	if (destroyed != NULL)
		destroyed(context);
}

static void client_destroy_now(void *context)
{
	struct pop3_client *client = context;

	client->to_destroy = NULL;
	client_free(client);
}

static void client_end(struct pop3_client *client)
{
	/* never free inside our own callbacks: the next loop turn does it */
	if (client->state == POP3_STATE_DESTROYED)
		return;
	client->state = POP3_STATE_DESTROYED;
	io_remove(&client->io_in);
	io_remove(&client->io_flush);
	timeout_remove(&client->to_idle);
	client->to_destroy = timeout_add_once(0, client_destroy_now, client);
}

static void client_log_disconnect(struct pop3_client *client, const char *reason)
{
	if (client->disconnect_reason != NULL)
		return;
	client->disconnect_reason = p_strdup(client->pool, reason);
	i_info("Disconnected: %s %s", reason, client_stats(client));
}

void pop3_client_disconnect(struct pop3_client *client, const char *reason)
{
	client_log_disconnect(client, reason);
	client_end(client);
}

static void client_flush_disconnect(void *context)
{
	struct pop3_client *client = context;

	if (ostream_flush(client->output) != 0)
		client_end(client);
}

static void client_flush_timeout(void *context)
{
	struct pop3_client *client = context;

	client->to_idle = NULL;
	client_end(client);
}

void pop3_client_disconnect_after_output(struct pop3_client *client, const char *reason)
{
	if (client->state >= POP3_STATE_DISCONNECTING)
		return;
	client_log_disconnect(client, reason);
	client->state = POP3_STATE_DISCONNECTING;
	io_remove(&client->io_in);
	timeout_remove(&client->to_idle);
	if (ostream_flush(client->output) != 0) {
		client_end(client);
		return;
	}
	client->io_flush = io_add(client->fd_out, IO_WRITE, client_flush_disconnect, client);
	client->to_idle = timeout_add_once(POP3_DISCONNECT_FLUSH_MSECS, client_flush_timeout,
					   client);
}

void pop3_client_kick(struct pop3_client *client, const char *reason)
{
	if (client->state >= POP3_STATE_DISCONNECTING)
		return;
	if (client->cmd_continue == NULL)
		pop3_client_send_line(client, "-ERR [SYS/TEMP] Server shutting down.");
	pop3_client_disconnect_after_output(client, reason);
}

static void client_idle_timeout(void *context)
{
	struct pop3_client *client = context;

	pop3_client_send_line(client, "-ERR Disconnected for inactivity.");
	pop3_client_disconnect_after_output(client, "Inactivity");
}

/* Reads input only while no command is running and output has room:
   pipelined commands wait in the socket, not in our memory. */
static void client_update_input(struct pop3_client *client)
{
	bool want = client->state == POP3_STATE_TRANSACTION && client->cmd_continue == NULL &&
		!ostream_is_full(client->output);

	if (want && client->io_in == NULL)
		client->io_in = io_add(client->fd_in, IO_READ, client_input, client);
	else if (!want)
		io_remove(&client->io_in);
}

/* Runs the complete lines that are buffered. */
static void client_handle_lines(struct pop3_client *client)
{
	const char *line;
	size_t len;

	while (client->state == POP3_STATE_TRANSACTION && client->cmd_continue == NULL &&
	       !ostream_is_full(client->output)) {
		enum line_reader_result ret = line_reader_next_line(client->reader, &line, &len);

		if (ret == LINE_READER_MORE)
			break;
		if (ret == LINE_READER_TOO_LONG) {
			pop3_client_send_line(client, "-ERR Input line too long.");
			pop3_client_disconnect_after_output(client, "Input line too long");
			break;
		}
		pop3_command_execute(client, line, len);
		if (client->bad_counter >= POP3_MAX_BAD_COMMANDS &&
		    client->state == POP3_STATE_TRANSACTION) {
			pop3_client_send_line(client, "-ERR Too many bad commands.");
			pop3_client_disconnect_after_output(client, "Too many bad commands");
		}
	}
	if (client->state == POP3_STATE_TRANSACTION && ostream_is_failed(client->output))
		pop3_client_disconnect(client, t_strdup_printf("Connection closed: %s",
					ostream_get_error(client->output)));
}

static void client_input(void *context)
{
	struct pop3_client *client = context;
	ssize_t ret;

	ret = line_reader_fill(client->reader);
	if (ret > 0 || line_reader_get_buffered(client->reader) > 0)
		timeout_reset(client->to_idle);
	ostream_cork(client->output);
	client_handle_lines(client);
	ostream_uncork(client->output);
	if (ret < 0 && client->state == POP3_STATE_TRANSACTION &&
	    client->cmd_continue == NULL) {
		/* EOF with no complete command left: a dropped connection
		   changes nothing */
		const char *error = line_reader_get_error(client->reader);

		pop3_client_disconnect(client, strcmp(error, "EOF") == 0 ? "Connection closed" :
				       t_strdup_printf("Connection closed: %s", error));
		return;
	}
	client_update_input(client);
}

static void client_output(void *context)
{
	struct pop3_client *client = context;

	if (client->state != POP3_STATE_TRANSACTION)
		return;
	timeout_reset(client->to_idle);
	if (client->cmd_continue != NULL) {
		if (!client->cmd_continue(client))
			return;
		client->cmd_continue = NULL;
	}
	client_handle_lines(client);
	client_update_input(client);
}

static ssize_t client_read(void *context, void *buf, size_t size)
{
	struct pop3_client *client = context;
	ssize_t ret;

	if (client->pre_input_size > 0) {
		size_t n = MIN(size, client->pre_input_size);

		memcpy(buf, client->pre_input, n);
		client->pre_input += n;
		client->pre_input_size -= n;
		client->input_bytes += n;
		return (ssize_t)n;
	}
	ret = read(client->fd_in, buf, size);
	if (ret > 0)
		client->input_bytes += (uint64_t)ret;
	return ret;
}

static int client_lock_session(struct pop3_client *client, const char **error_r)
{
	struct mail_namespace *ns = mail_user_get_inbox_namespace(client->user);
	const char *path;

	if (ns == NULL) {
		*error_r = "no INBOX namespace";
		return -1;
	}
	path = t_strdup_printf("%s/%s", ns->control_root, POP3_LOCK_FNAME);
	client->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (client->lock_fd == -1) {
		*error_r = t_strdup_printf("open(%s) failed: %m", path);
		return -1;
	}
	if (flock(client->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return 0;
		*error_r = t_strdup_printf("flock(%s) failed: %m", path);
		return -1;
	}
	return 1;
}

static bool has_keyword(const char *const *keywords, const char *name)
{
	for (; *keywords != NULL; keywords++) {
		if (strcasecmp(*keywords, name) == 0)
			return true;
	}
	return false;
}

void pop3_client_save_uidls(struct pop3_client *client)
{
	ARRAY_TYPE(mail_pop3_uidl) uidls;

	if (client->box == NULL || client->msgs == NULL)
		return;
	p_array_init(&uidls, pool_temp, 16);
	for (uint32_t i = 0; i < client->count; i++) {
		struct pop3_message *msg = &client->msgs[i];
		struct mail_pop3_uidl item = { .uid = msg->uid, .uidl = msg->uidl };

		/* an expunged message needs none */
		if (msg->uidl_save && msg->uidl != NULL &&
		    !(msg->deleted && client->delete_success))
			array_push(&uidls, &item);
		msg->uidl_save = false;
	}
	if (array_count(&uidls) > 0 &&
	    mailbox_set_pop3_uidls(client->box, array_front(&uidls), array_count(&uidls)) < 0)
		i_error("pop3_save_uidl: keeping the UIDLs failed: %s",
			mailbox_get_last_error(client->box, NULL));
}

/* Fixes the maildrop: the messages in INBOX now, with their sizes; those
   with pop3_deleted_flag were deleted by earlier sessions and are not
   part of it (Dovecot's rule). */
static int client_load_maildrop(struct pop3_client *client)
{
	const char *deleted_kw = client->set->pop3_deleted_flag;
	struct mailbox_status status;
	struct mail_info info;
	uint32_t count;
	pool_t info_pool;
	int ret = 0;

	/* synced after the session lock was taken (the open may be older) */
	if (mailbox_open(client->box) < 0 || mailbox_sync(client->box, NULL, NULL) < 0 ||
	    mailbox_get_status(client->box, &status) < 0)
		return -1;
	client->uidvalidity = status.uidvalidity;
	count = mailbox_count(client->box);
	client->msgs = p_new(client->pool, struct pop3_message, count + 1);
	info_pool = pool_alloconly_create("pop3 maildrop", 1024);
	for (uint32_t seq = 1; seq <= count; seq++) {
		struct pop3_message *msg = &client->msgs[client->count];

		pool_clear(info_pool);
		if (mailbox_mail_get_info(client->box, seq, info_pool, &info) < 0) {
			ret = -1;
			break;
		}
		if (deleted_kw[0] != '\0' && has_keyword(info.keywords, deleted_kw))
			continue;
		msg->uid = info.uid;
		msg->size = info.virtual_size;
		msg->seen_at_start = (info.flags & MAIL_SEEN) != 0;
		client->total_size += msg->size;
		client->count++;
		if (msg->seen_at_start && client->set->pop3_enable_last)
			client->last_seen = client->count;
	}
	pool_unref(&info_pool);
	return ret;
}

static bool client_start(struct pop3_client *client)
{
	const char *error;
	int ret;

	client->box = mailbox_alloc(client->user, "INBOX", 0);
	/* the lock file is in INBOX's control directory: a new user's INBOX
	   is created first (an open failure is reported by the load below) */
	if (client->set->pop3_lock_session && mailbox_open(client->box) == 0) {
		ret = client_lock_session(client, &error);
		if (ret <= 0) {
			if (ret < 0) {
				i_error("pop3_lock_session: %s", error);
				pop3_client_send_line(client,
					"-ERR [SYS/TEMP] Internal error occurred.");
				pop3_client_disconnect_after_output(client, "Lock failure");
			} else {
				pop3_client_send_line(client, "-ERR [IN-USE] Mailbox is locked "
						      "by another POP3 session.");
				pop3_client_disconnect_after_output(client,
					"Mailbox is locked by another POP3 session");
			}
			return false;
		}
	}
	if (client_load_maildrop(client) < 0) {
		enum mail_error merr;
		const char *text = mailbox_get_last_error(client->box, &merr);

		i_error("Couldn't open INBOX: %s", text);
		pop3_client_send_storage_error(client);
		pop3_client_disconnect_after_output(client, "Couldn't open INBOX");
		return false;
	}
	return true;
}

struct pop3_client *pop3_client_create(const struct pop3_client_params *params)
{
	struct line_reader_settings reader_set = {
		.max_line_length = POP3_MAX_LINE_LENGTH,
		.max_literal_size = 0,
	};
	struct pop3_client *client;
	pool_t pool = pool_alloconly_create("pop3 client", 4096);

	client = p_new(pool, struct pop3_client, 1);
	client->pool = pool;
	client->state = POP3_STATE_START;
	client->fd_in = params->fd_in;
	client->fd_out = params->fd_out;
	client->lock_fd = -1;
	if (params->input != NULL && params->input_size > 0) {
		void *copy = p_malloc(pool, params->input_size);

		memcpy(copy, params->input, params->input_size);
		client->pre_input = copy;
		client->pre_input_size = params->input_size;
	}
	client->set = params->set;
	client->user = params->user;
	client->session_id = params->session_id == NULL ? "" :
		p_strdup(pool, params->session_id);
	client->destroyed = params->destroyed;
	client->context = params->context;
	client->idle_timeout_msecs = params->idle_timeout_msecs != 0 ?
		params->idle_timeout_msecs : POP3_DEFAULT_IDLE_TIMEOUT_MSECS;

	fd_set_nonblock(client->fd_in, true);
	fd_set_nonblock(client->fd_out, true);
	client->reader = line_reader_create(&reader_set, client_read, client);
	client->output = ostream_create_fd(client->fd_out, POP3_OUTPUT_MAX_BUFFER);
	ostream_set_flush_callback(client->output, client_output, client);

	if (!client_start(client))
		return client;
	client->state = POP3_STATE_TRANSACTION;
	client->to_idle = timeout_add(client->idle_timeout_msecs, client_idle_timeout, client);
	pop3_client_send_line(client, "+OK Logged in.");
	client_update_input(client);
	/* pipelined input from the hand-off is served without waiting for the socket */
	if (client->pre_input_size > 0)
		client_input(client);
	return client;
}

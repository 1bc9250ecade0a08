/* The LMTP command loop (lmtp-client.h).

   Input: every byte comes through the connection's line_reader: command
   lines (at most LMTP_MAX_LINE_LENGTH) and, in DATA/BDAT, raw message
   bytes. The DATA decoder may stop inside what was buffered (the end of
   the body followed by pipelined commands); those bytes are pushed back
   through the reader's read function (client->pushback) so that they are
   parsed as commands in order.

   The message body goes to an unlinked spool file in mail_temp_dir, so a
   large message never sits in memory. After the body the transaction's
   recipients join the process's delivery batch and the connection stops
   reading; the batch is committed on the next loop turn together with
   the transactions of the other connections that completed meanwhile
   (group commit, lmtp-delivery.h: they share their fsyncs), and only
   then are the per-recipient replies written, in RCPT order.

   Blocking: userdb lookups (auth-master client) and the batch commit are
   synchronous: the connections of one process (client_limit) wait for
   each other's, which is what lets them share the durability points. */
#include "lib.h"
#include "str.h"
#include "strfuncs.h"
#include "buffer.h"
#include "base64.h"
#include "date.h"
#include "ioloop.h"
#include "line-reader.h"
#include "ostream.h"
#include "smtp-parser.h"
#include "smtp-dot-decoder.h"
#include "smtp-reply.h"
#include "auth-master-client.h"
#include "mail-storage-settings.h"
#include "lmtp-settings.h"
#include "lmtp-proto.h"
#include "lmtp-delivery.h"
#include "lmtp-client.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/time.h>

/* RFC 5321 4.5.3.1.4 asks for 512; clients send long ORCPT/XCLIENT lines */
#define LMTP_MAX_LINE_LENGTH 4096
#define LMTP_OUTPUT_MAX_BUFFER (64 * 1024)
#define LMTP_SPOOL_FLUSH_SIZE (64 * 1024)
#define LMTP_MAX_RECIPIENTS 1000
/* the longest a completed message waits for others to join its commit */
#define LMTP_COMMIT_DELAY_MSECS 5

enum lmtp_client_state {
	LMTP_STATE_COMMAND,  /* reading command lines */
	LMTP_STATE_DATA,     /* reading a DATA body */
	LMTP_STATE_BDAT,     /* reading a BDAT chunk */
	LMTP_STATE_COMMITTING, /* the message waits for the batch commit */
	LMTP_STATE_CLOSING,  /* QUIT given or fatal error: no more input */
};

struct lmtp_recipient {
	const char *address;   /* as given, encoded */
	const char *orcpt;
	const char *username;  /* from the userdb */
	const char *detail;
	const char *const *fields;
};

struct lmtp_client {
	struct lmtp_client *prev, *next; /* every connection of the process */
	pool_t pool;       /* the connection's */
	pool_t trans_pool; /* the current transaction's */
	const struct lmtp_globals *g;
	struct lmtp_client_info info;
	int fd;
	struct io *io;
	struct timeout *to_destroy;
	struct line_reader *reader;
	struct ostream *output;
	buffer_t *pushback;
	size_t pushback_pos;

	enum lmtp_client_state state;
	const char *session_id;
	unsigned int transaction_count;
	const char *lhlo;
	bool trusted;
	const char *remote_ip_str; /* "" for unix sockets */

	/* the transaction */
	bool have_mail;
	struct smtp_mail_from mail;
	const char *transaction_id;
	ARRAY(struct lmtp_recipient *) rcpts;
	int spool_fd;
	uint64_t msg_size;
	bool msg_too_big, spool_failed;
	buffer_t *body;
	struct smtp_dot_decoder *dot;
	uint64_t bdat_left;
	bool bdat_last, bdat_started, bdat_failed;
	/* waiting for the batch commit */
	struct lmtp_delivery_message *msg;
	struct lmtp_delivery_result *results;
	struct lmtp_client *next_committing;
};

/* The process's connections, and the group commit shared by them. */
static struct lmtp_client *clients;
static struct lmtp_delivery_batch *pending_batch;
static struct lmtp_client *committing;
static struct timeout *to_commit;

static void client_input(void *context);
static void client_process(struct lmtp_client *client);
static void client_disconnect_later(struct lmtp_client *client, const char *reason);

typedef void lmtp_cmd_func_t(struct lmtp_client *client, const char *args);

static void client_reply(struct lmtp_client *client, unsigned int code, const char *enh,
			 const char *text)
{
	string_t *str = str_new(pool_temp, 128);

	smtp_reply_append(str, code, enh, text);
	(void)ostream_send(client->output, str_data(str), str_len(str));
}

static const char *client_new_id(pool_t pool)
{
	unsigned char rnd[12];
	string_t *str = str_new(pool, 20);

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		/* ids are for logs and headers only: uniqueness, not secrecy */
		struct timeval tv;
		gettimeofday(&tv, NULL);
		memcpy(rnd, &tv, sizeof(rnd) < sizeof(tv) ? sizeof(rnd) : sizeof(tv));
	}
	base64_encode(rnd, sizeof(rnd), str);
	for (size_t i = 0; i < str_len(str); i++) {
		char *p = (char *)str_data(str) + i;
		if (*p == '/' || *p == '+')
			*p = 'x';
	}
	return str_c(str);
}

static void client_transaction_reset(struct lmtp_client *client)
{
	if (client->spool_fd != -1)
		i_close_fd(&client->spool_fd);
	if (client->dot != NULL)
		smtp_dot_decoder_destroy(&client->dot);
	client->have_mail = false;
	client->msg_size = 0;
	client->msg_too_big = client->spool_failed = false;
	client->bdat_left = 0;
	client->bdat_last = client->bdat_started = client->bdat_failed = false;
	client->body = NULL;
	memset(&client->mail, 0, sizeof(client->mail));
	client->transaction_id = NULL;
	pool_unref(&client->trans_pool);
	client->trans_pool = pool_alloconly_create("lmtp transaction", 4096);
	p_array_init(&client->rcpts, client->trans_pool, 8);
}

static int client_spool_open(struct lmtp_client *client)
{
	const char *dir = client->g->set->mail_temp_dir;

	client->spool_fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (client->spool_fd == -1) {
		i_error("open(%s, O_TMPFILE) failed: %m", dir);
		return -1;
	}
	client->body = buffer_create_dynamic(client->trans_pool, LMTP_SPOOL_FLUSH_SIZE + 1024);
	return 0;
}

static void client_spool_flush(struct lmtp_client *client)
{
	const unsigned char *data = client->body->data;
	size_t size = client->body->used, pos = 0;
	ssize_t ret;

	while (pos < size && !client->spool_failed) {
		ret = write(client->spool_fd, data + pos, size - pos);
		if (ret < 0) {
			i_error("write(message spool) failed: %m");
			client->spool_failed = true;
		} else {
			pos += (size_t)ret;
		}
	}
	buffer_set_used_size(client->body, 0);
}

/* Body bytes after decoding: counted against the size limit and spooled. */
static void client_body_append(struct lmtp_client *client, const void *data, size_t size)
{
	uint64_t max = client->g->set->lmtp_max_mail_size;

	client->msg_size += size;
	if (max != 0 && client->msg_size > max)
		client->msg_too_big = true;
	if (client->msg_too_big || client->spool_failed)
		return;
	buffer_append(client->body, data, size);
	if (client->body->used >= LMTP_SPOOL_FLUSH_SIZE)
		client_spool_flush(client);
}

static void client_build_headers(struct lmtp_client *client, string_t *dest)
{
	const struct lmtp_settings *set = client->g->set;
	struct lmtp_header_info info;
	enum lmtp_hdr_delivery_address mode = LMTP_HDR_DELIVERY_ADDRESS_FINAL;
	unsigned int count = array_count(&client->rcpts);
	struct lmtp_recipient *first = count == 0 ? NULL : array_idx_elem(&client->rcpts, 0);

	(void)lmtp_proto_parse_hdr_delivery_address(set->lmtp_hdr_delivery_address, &mode);
	memset(&info, 0, sizeof(info));
	info.mail_from = smtp_address_encode(client->trans_pool, &client->mail.path);
	if (first != NULL)
		info.delivered_to = lmtp_proto_delivered_to(mode, count, first->address,
							    first->orcpt);
	info.add_received = set->lmtp_add_received_header;
	info.lhlo_name = client->lhlo;
	info.remote_ip = client->remote_ip_str;
	info.hostname = client->g->hostname;
	info.session_id = client->transaction_id;
	info.received_for = count == 1 ? first->address : NULL;
	info.time = time(NULL);
	info.tz_offset = date_local_tz_offset(info.time);
	lmtp_proto_append_headers(dest, &info);
}

/* Replies for every recipient (their saves are durable), in RCPT order. */
static void client_deliver_finish(struct lmtp_client *client)
{
	struct lmtp_delivery_result *results = client->results;
	unsigned int i, count = array_count(&client->rcpts);

	for (i = 0; i < count; i++) {
		struct lmtp_recipient *rcpt = array_idx_elem(&client->rcpts, i);

		if (results[i].code == 250) {
			i_info("%s: from=<%s> size=%llu: saved mail to %s uid=%u",
			       str_sanitize(pool_temp, rcpt->username, 200),
			       str_sanitize(pool_temp, client->msg->mail_from, 200),
			       (unsigned long long)client->msg_size,
			       str_sanitize(pool_temp, results[i].mailbox, 200), results[i].uid);
		} else {
			i_info("%s: delivery failed: %u %s",
			       str_sanitize(pool_temp, rcpt->username, 200), results[i].code,
			       str_sanitize(pool_temp, results[i].text, 200));
		}
	}
	for (i = 0; i < count; i++) {
		struct lmtp_recipient *rcpt = array_idx_elem(&client->rcpts, i);
		const char *text = results[i].code == 250 ?
			t_strdup_printf("<%s> %s %s", rcpt->address, client->transaction_id,
					results[i].text) :
			t_strdup_printf("<%s> %s", rcpt->address, results[i].text);
		client_reply(client, results[i].code, results[i].enh, text);
	}
	client_transaction_reset(client);
}

/* Reads what the other connections have sent already, so that messages
   completed meanwhile join this commit. */
static void clients_drain_input(void)
{
	struct lmtp_client *client, *next;

	for (client = clients; client != NULL; client = next) {
		next = client->next;
		if (client->io != NULL && client->state != LMTP_STATE_COMMITTING &&
		    client->state != LMTP_STATE_CLOSING)
			client_input(client);
	}
}

static void clients_commit(void *context ATTR_UNUSED)
{
	struct lmtp_delivery_batch *batch;
	struct lmtp_client *client, *next;

	to_commit = NULL;
	clients_drain_input();
	batch = pending_batch;
	pending_batch = NULL;
	if (batch != NULL)
		lmtp_delivery_batch_commit(&batch);
	/* every save above is durable: now the replies */
	client = committing;
	committing = NULL;
	for (; client != NULL; client = next) {
		next = client->next_committing;
		client->next_committing = NULL;
		ostream_cork(client->output);
		client_deliver_finish(client);
		client->state = LMTP_STATE_COMMAND;
		/* pipelined commands may be buffered already */
		client_process(client);
		ostream_uncork(client->output);
		if (client->state == LMTP_STATE_CLOSING)
			client_disconnect_later(client, NULL);
		else if (ostream_is_failed(client->output))
			client_disconnect_later(client, ostream_get_error(client->output));
		else if (client->io == NULL && client->state != LMTP_STATE_COMMITTING)
			client->io = io_add(client->fd, IO_READ, client_input, client);
	}
}

/* Whether a connection is in the middle of a transaction that may still
   join the batch. */
static bool clients_have_open_transaction(void)
{
	for (struct lmtp_client *client = clients; client != NULL; client = client->next) {
		if (client->have_mail && client->state != LMTP_STATE_COMMITTING &&
		    client->state != LMTP_STATE_CLOSING)
			return true;
	}
	return false;
}

/* Group commit: the batch is committed on the next loop turn when no
   other connection is in a transaction; otherwise after at most
   LMTP_COMMIT_DELAY_MSECS, so that the transactions completing
   meanwhile share its fsyncs. */
static void clients_commit_schedule(void)
{
	if (clients_have_open_transaction()) {
		if (to_commit == NULL)
			to_commit = timeout_add_once(LMTP_COMMIT_DELAY_MSECS, clients_commit, NULL);
		return;
	}
	if (to_commit != NULL)
		timeout_remove(&to_commit);
	to_commit = timeout_add_once(0, clients_commit, NULL);
}

/* The body is complete: the recipients join the batch; the replies come
   after its commit. */
static void client_deliver(struct lmtp_client *client)
{
	struct lmtp_delivery_message *msg;
	unsigned int i, count = array_count(&client->rcpts);
	string_t *headers = str_new(client->trans_pool, 512);

	if (!client->msg_too_big && !client->spool_failed)
		client_spool_flush(client);
	client->results = p_new(client->trans_pool, struct lmtp_delivery_result, count);
	client_build_headers(client, headers);
	msg = client->msg = p_new(client->trans_pool, struct lmtp_delivery_message, 1);
	msg->fd = client->spool_fd;
	msg->size = client->msg_size;
	msg->headers = str_c(headers);
	msg->nl = "\r\n";
	msg->mail_from = smtp_address_encode(client->trans_pool, &client->mail.path);
	msg->session_id = client->transaction_id;
	for (i = 0; i < count; i++) {
		struct lmtp_recipient *rcpt = array_idx_elem(&client->rcpts, i);
		struct lmtp_delivery_recipient drcpt = {
			.username = rcpt->username, .fields = rcpt->fields, .detail = rcpt->detail,
			.address = rcpt->address, .orcpt = rcpt->orcpt,
		};

		if (client->msg_too_big) {
			client->results[i].code = 552;
			client->results[i].enh = "5.3.4";
			client->results[i].text = "Message size exceeds fixed maximum message size";
			continue;
		}
		if (client->spool_failed) {
			lmtp_delivery_error_reply(MAIL_ERROR_TEMP, &client->results[i]);
			continue;
		}
		if (pending_batch == NULL)
			pending_batch = lmtp_delivery_batch_create(client->g->set,
								   client->g->storage_set,
								   client->g->hostname);
		lmtp_delivery_batch_add(pending_batch, msg, &drcpt, client->trans_pool,
					&client->results[i]);
	}
	/* no more input until the replies are out */
	client->state = LMTP_STATE_COMMITTING;
	if (client->io != NULL)
		io_remove(&client->io);
	client->next_committing = committing;
	committing = client;
	clients_commit_schedule();
}

/* ---- commands ---- */

static bool client_check_args_empty(struct lmtp_client *client, const char *args)
{
	if (args[0] != '\0') {
		client_reply(client, 501, "5.5.4", "Invalid parameters");
		return false;
	}
	return true;
}

static void cmd_lhlo(struct lmtp_client *client, const char *args)
{
	string_t *str = str_new(pool_temp, 256);
	uint64_t max = client->g->set->lmtp_max_mail_size;

	if (args[0] == '\0') {
		client_reply(client, 501, "5.5.4", "Missing hostname");
		return;
	}
	client_transaction_reset(client);
	client->lhlo = p_strdup(client->pool, str_sanitize(pool_temp, args, 255));
	str_append(str, client->g->hostname);
	str_append(str, "\n8BITMIME\nCHUNKING\nENHANCEDSTATUSCODES\nPIPELINING");
	if (max != 0)
		str_printfa(str, "\nSIZE %llu", (unsigned long long)max);
	else
		str_append(str, "\nSIZE");
	str_append(str, "\nSMTPUTF8");
	if (client->trusted)
		str_append(str, "\nXCLIENT ADDR PORT HELO LOGIN PROTO");
	client_reply(client, 250, NULL, str_c(str));
}

static void cmd_helo(struct lmtp_client *client, const char *args ATTR_UNUSED)
{
	client_reply(client, 500, "5.5.1", "This is an LMTP server: use LHLO");
}

static void cmd_mail(struct lmtp_client *client, const char *args)
{
	struct smtp_error error;
	uint64_t max = client->g->set->lmtp_max_mail_size;

	if (client->lhlo == NULL) {
		client_reply(client, 503, "5.5.1", "Send LHLO first");
		return;
	}
	if (client->have_mail) {
		client_reply(client, 503, "5.5.1", "MAIL already given");
		return;
	}
	if (smtp_parse_mail_from(client->trans_pool, args, &client->mail, &error) < 0) {
		client_reply(client, error.code, error.enh, error.text);
		return;
	}
	if (max != 0 && client->mail.size > max) {
		client_reply(client, 552, "5.3.4", "Message size exceeds fixed maximum message size");
		return;
	}
	client->have_mail = true;
	client->transaction_id = p_strdup_printf(client->trans_pool, "%s:%u", client->session_id,
						 ++client->transaction_count);
	client_reply(client, 250, "2.1.0", "OK");
}

static void cmd_rcpt(struct lmtp_client *client, const char *args)
{
	const struct lmtp_settings *set = client->g->set;
	struct smtp_rcpt_to rcpt;
	struct smtp_error error;
	struct auth_master_user_info info;
	struct lmtp_recipient *r;
	const char *user, *detail, *lookup, *username, *const *fields, *lerror, *addr;
	int ret;

	if (!client->have_mail) {
		client_reply(client, 503, "5.5.1", "MAIL needed first");
		return;
	}
	if (smtp_parse_rcpt_to(client->trans_pool, args, &rcpt, &error) < 0) {
		client_reply(client, error.code, error.enh, error.text);
		return;
	}
	addr = smtp_address_encode(client->trans_pool, &rcpt.path);
	if (!client->mail.smtputf8) {
		for (const char *p = addr; *p != '\0'; p++) {
			if ((unsigned char)*p >= 0x80) {
				client_reply(client, 553, "5.6.7",
					     "Non-ASCII address needs SMTPUTF8 in MAIL FROM");
				return;
			}
		}
	}
	if (array_count(&client->rcpts) >= LMTP_MAX_RECIPIENTS) {
		client_reply(client, 452, "4.5.3", "Too many recipients");
		return;
	}
	smtp_address_detail_split(client->trans_pool, rcpt.path.localpart,
				  set->recipient_delimiter, &user, &detail);
	lookup = rcpt.path.domain == NULL ? user :
		p_strdup_printf(client->trans_pool, "%s@%s", user, rcpt.path.domain);
	memset(&info, 0, sizeof(info));
	info.service = "lmtp";
	info.session_id = client->transaction_id;
	if (!client->info.is_unix) {
		info.remote_ip = client->info.remote_ip;
		info.local_ip = client->info.local_ip;
		info.remote_port = client->info.remote_port;
		info.local_port = client->info.local_port;
	}
	ret = auth_master_user_lookup(client->g->auth, lookup, &info, client->trans_pool,
				      &username, &fields, &lerror);
	if (ret < 0) {
		i_error("userdb lookup for %s failed: %s", str_sanitize(pool_temp, lookup, 200),
			lerror);
		client_reply(client, 451, "4.3.0",
			     t_strdup_printf("<%s> Temporary user lookup failure", addr));
		return;
	}
	if (ret == 0) {
		client_reply(client, 550, "5.1.1",
			     t_strdup_printf("<%s> User doesn't exist: %s", addr, addr));
		return;
	}
	if (set->lmtp_rcpt_check_quota) {
		/* the quota plugin's answer before the body is sent */
		struct lmtp_delivery_recipient drcpt = {
			.username = username, .fields = fields, .detail = detail,
			.address = addr, .orcpt = rcpt.orcpt,
		};
		struct lmtp_delivery_result result;

		if (lmtp_delivery_rcpt_check_quota(set, client->g->storage_set, &drcpt,
						   client->trans_pool, &result) < 0) {
			client_reply(client, result.code, result.enh,
				     t_strdup_printf("<%s> %s", addr, result.text));
			return;
		}
	}
	r = p_new(client->trans_pool, struct lmtp_recipient, 1);
	r->address = addr;
	r->orcpt = rcpt.orcpt;
	r->username = username;
	r->detail = detail == NULL ? "" : detail;
	r->fields = fields;
	array_push(&client->rcpts, &r);
	client_reply(client, 250, "2.1.5", "OK");
}

static bool client_body_start(struct lmtp_client *client)
{
	if (!client->have_mail) {
		client_reply(client, 503, "5.5.1", "MAIL needed first");
		return false;
	}
	if (array_count(&client->rcpts) == 0) {
		client_reply(client, 554, "5.5.1", "No valid recipients");
		return false;
	}
	if (client->spool_fd == -1 && client_spool_open(client) < 0) {
		client_reply(client, 451, "4.3.0", "Temporary internal error");
		return false;
	}
	return true;
}

static void cmd_data(struct lmtp_client *client, const char *args)
{
	if (!client_check_args_empty(client, args))
		return;
	if (client->bdat_started) {
		client_reply(client, 503, "5.5.1", "DATA cannot follow BDAT");
		return;
	}
	if (!client_body_start(client))
		return;
	client->dot = smtp_dot_decoder_create();
	client->state = LMTP_STATE_DATA;
	client_reply(client, 354, NULL, "OK");
}

static void cmd_bdat(struct lmtp_client *client, const char *args)
{
	struct smtp_error error;
	uint64_t size;
	bool last;

	if (smtp_parse_bdat(args, &size, &last, &error) < 0) {
		/* the chunk's size is unknown: the stream cannot be followed */
		client_reply(client, error.code, error.enh, error.text);
		client->state = LMTP_STATE_CLOSING;
		return;
	}
	/* RFC 3030: after a failed BDAT the chunk is still read and dropped */
	client->bdat_failed = !client_body_start(client);
	client->bdat_started = true;
	client->bdat_left = size;
	client->bdat_last = last;
	client->state = LMTP_STATE_BDAT;
}

static void cmd_rset(struct lmtp_client *client, const char *args)
{
	if (!client_check_args_empty(client, args))
		return;
	client_transaction_reset(client);
	client_reply(client, 250, "2.0.0", "OK");
}

static void cmd_noop(struct lmtp_client *client, const char *args ATTR_UNUSED)
{
	client_reply(client, 250, "2.0.0", "OK");
}

static void cmd_vrfy(struct lmtp_client *client, const char *args ATTR_UNUSED)
{
	/* never tells whether a user exists */
	client_reply(client, 252, "2.3.3", "Try RCPT instead");
}

static void cmd_quit(struct lmtp_client *client, const char *args ATTR_UNUSED)
{
	client_reply(client, 221, "2.0.0", "Bye");
	client->state = LMTP_STATE_CLOSING;
}

static void cmd_xclient(struct lmtp_client *client, const char *args)
{
	struct lmtp_xclient xclient;
	const char *error;

	if (!client->trusted) {
		client_reply(client, 550, "5.7.14", "You are not from trusted IP");
		return;
	}
	if (client->have_mail) {
		client_reply(client, 503, "5.5.1", "XCLIENT not allowed during a transaction");
		return;
	}
	if (lmtp_proto_parse_xclient(client->pool, args, &xclient, &error) < 0) {
		client_reply(client, 501, "5.5.4", error);
		return;
	}
	if (xclient.have_addr) {
		client->info.is_unix = false;
		client->info.remote_ip = xclient.addr;
		client->remote_ip_str = net_ip2addr(client->pool, &xclient.addr);
	}
	if (xclient.have_port)
		client->info.remote_port = xclient.port;
	if (xclient.helo != NULL)
		client->lhlo = p_strdup(client->pool, str_sanitize(pool_temp, xclient.helo, 255));
	/* as Postfix: XCLIENT resets the session and greets again */
	client_transaction_reset(client);
	client_reply(client, 220, NULL, t_strdup_printf("%s Roost ready.", client->g->hostname));
}

static void cmd_unknown(struct lmtp_client *client, const char *args ATTR_UNUSED)
{
	client_reply(client, 500, "5.5.2", "Unknown command");
}

static lmtp_cmd_func_t *const lmtp_cmds[] = {
	[SMTP_VERB_UNKNOWN] = cmd_unknown,
	[SMTP_VERB_LHLO] = cmd_lhlo,
	[SMTP_VERB_HELO] = cmd_helo,
	[SMTP_VERB_EHLO] = cmd_helo,
	[SMTP_VERB_MAIL] = cmd_mail,
	[SMTP_VERB_RCPT] = cmd_rcpt,
	[SMTP_VERB_DATA] = cmd_data,
	[SMTP_VERB_BDAT] = cmd_bdat,
	[SMTP_VERB_RSET] = cmd_rset,
	[SMTP_VERB_NOOP] = cmd_noop,
	[SMTP_VERB_QUIT] = cmd_quit,
	[SMTP_VERB_VRFY] = cmd_vrfy,
	[SMTP_VERB_XCLIENT] = cmd_xclient,
	[SMTP_VERB_STARTTLS] = cmd_unknown,
	[SMTP_VERB_HELP] = cmd_unknown,
};

static void client_command(struct lmtp_client *client, const char *line, size_t len)
{
	const char *verb, *args;
	enum smtp_verb v;

	if (strlen(line) != len) {
		client_reply(client, 500, "5.5.2", "NUL in command");
		return;
	}
	v = smtp_command_parse(line, &verb, &args);
	if ((unsigned int)v >= N_ELEMENTS(lmtp_cmds) || lmtp_cmds[v] == NULL)
		v = SMTP_VERB_UNKNOWN;
	lmtp_cmds[v](client, args);
}

/* ---- input ---- */

static ssize_t client_read(void *context, void *buf, size_t size)
{
	struct lmtp_client *client = context;

	if (client->pushback != NULL && client->pushback_pos < client->pushback->used) {
		size_t n = client->pushback->used - client->pushback_pos;
		if (n > size)
			n = size;
		memcpy(buf, (const unsigned char *)client->pushback->data + client->pushback_pos, n);
		client->pushback_pos += n;
		if (client->pushback_pos == client->pushback->used) {
			buffer_set_used_size(client->pushback, 0);
			client->pushback_pos = 0;
		}
		return (ssize_t)n;
	}
	return read(client->fd, buf, size);
}

/* Returns false when nothing more can be done now. */
static bool client_input_data(struct lmtp_client *client)
{
	const unsigned char *data;
	size_t size, used;
	bool done = false;
	buffer_t *scratch;

	size = line_reader_read_data(client->reader, SIZE_MAX, &data);
	if (size == 0)
		return false;
	scratch = buffer_create_dynamic(pool_temp, size);
	used = smtp_dot_decoder_feed(client->dot, data, size, scratch, &done);
	client_body_append(client, scratch->data, scratch->used);
	if (!done)
		return true;
	if (used < size) {
		/* pipelined commands after the body: read them next */
		if (client->pushback == NULL)
			client->pushback = buffer_create_dynamic(client->pool, 256);
		buffer_append(client->pushback, data + used, size - used);
		(void)line_reader_fill(client->reader);
	}
	client->state = LMTP_STATE_COMMAND;
	client_deliver(client);
	return true;
}

static bool client_input_bdat(struct lmtp_client *client)
{
	const unsigned char *data;
	size_t size = 0;

	if (client->bdat_left > 0) {
		size = line_reader_read_data(client->reader, client->bdat_left > SIZE_MAX ?
						     SIZE_MAX : (size_t)client->bdat_left, &data);
		if (size == 0)
			return false;
		client->bdat_left -= size;
		if (!client->bdat_failed)
			client_body_append(client, data, size);
		if (client->bdat_left > 0)
			return true;
	}
	client->state = LMTP_STATE_COMMAND;
	if (client->bdat_failed) {
		/* the failure was answered when the command was read */
		client->bdat_failed = false;
		return true;
	}
	if (client->bdat_last) {
		client_deliver(client);
	} else {
		client_reply(client, 250, "2.0.0",
			     t_strdup_printf("%llu octets received",
					     (unsigned long long)client->msg_size));
	}
	return true;
}

static void client_process(struct lmtp_client *client)
{
	const char *line;
	size_t len;

	for (;;) {
		switch (client->state) {
		case LMTP_STATE_CLOSING:
		case LMTP_STATE_COMMITTING:
			return;
		case LMTP_STATE_DATA:
			if (!client_input_data(client))
				return;
			continue;
		case LMTP_STATE_BDAT:
			if (!client_input_bdat(client))
				return;
			continue;
		case LMTP_STATE_COMMAND:
			break;
		}
		switch (line_reader_next_line(client->reader, &line, &len)) {
		case LINE_READER_MORE:
			return;
		case LINE_READER_TOO_LONG:
			client_reply(client, 500, "5.5.2", "Line too long");
			line_reader_skip_line(client->reader);
			break;
		case LINE_READER_LINE:
			client_command(client, line, len);
			break;
		}
	}
}

static void client_destroy_timeout(void *context)
{
	struct lmtp_client *client = context;

	lmtp_client_destroy(&client);
}

static void client_disconnect_later(struct lmtp_client *client, const char *reason)
{
	if (client->to_destroy != NULL)
		return;
	if (reason != NULL)
		i_info("Disconnect from %s: %s",
		       client->info.is_unix ? "local" : client->remote_ip_str, reason);
	client->state = LMTP_STATE_CLOSING;
	if (client->io != NULL)
		io_remove(&client->io);
	client->to_destroy = timeout_add_once(0, client_destroy_timeout, client);
}

static void client_input(void *context)
{
	struct lmtp_client *client = context;
	ssize_t ret;
	bool eof;

	if (client->state == LMTP_STATE_COMMITTING)
		return;
	ostream_cork(client->output);
	ret = line_reader_fill(client->reader);
	eof = ret < 0;
	client_process(client);
	ostream_uncork(client->output);
	if (client->state == LMTP_STATE_COMMITTING)
		return;
	if (client->state == LMTP_STATE_CLOSING)
		client_disconnect_later(client, NULL);
	else if (eof)
		client_disconnect_later(client, line_reader_is_eof(client->reader) ?
				"Connection closed" : line_reader_get_error(client->reader));
	else if (ostream_is_failed(client->output))
		client_disconnect_later(client, ostream_get_error(client->output));
}

struct lmtp_client *lmtp_client_create(const struct lmtp_globals *globals, int fd,
				       const struct lmtp_client_info *info)
{
	struct line_reader_settings rset;
	struct lmtp_client *client;
	pool_t pool = pool_alloconly_create("lmtp client", 4096);
	const struct lmtp_settings *set = globals->set;

	client = p_new(pool, struct lmtp_client, 1);
	client->pool = pool;
	client->g = globals;
	client->info = *info;
	client->fd = fd;
	client->spool_fd = -1;
	client->session_id = client_new_id(pool);
	client->remote_ip_str = info->is_unix ? "" : net_ip2addr(pool, &info->remote_ip);
	if (!info->is_unix && set->login_trusted_networks != NULL) {
		for (const char *const *n = set->login_trusted_networks; *n != NULL; n++) {
			struct ip_addr net_ip;
			unsigned int bits;

			if (net_parse_range(*n, &net_ip, &bits) == 0 &&
			    net_is_in_network(&info->remote_ip, &net_ip, bits))
				client->trusted = true;
		}
	}
	memset(&rset, 0, sizeof(rset));
	rset.max_line_length = LMTP_MAX_LINE_LENGTH;
	fd_set_nonblock(fd, true);
	client->reader = line_reader_create(&rset, client_read, client);
	client->output = ostream_create_fd(fd, LMTP_OUTPUT_MAX_BUFFER);
	client->trans_pool = pool_alloconly_create("lmtp transaction", 4096);
	p_array_init(&client->rcpts, client->trans_pool, 8);
	client->io = io_add(fd, IO_READ, client_input, client);
	client->next = clients;
	if (clients != NULL)
		clients->prev = client;
	clients = client;
	i_info("Connect from %s", info->is_unix ? "local" : client->remote_ip_str);
	client_reply(client, 220, NULL,
		     t_strdup_printf("%s Roost ready.", globals->hostname));
	return client;
}

void lmtp_client_destroy(struct lmtp_client **_client)
{
	struct lmtp_client *client = *_client;
	void (*destroyed)(void) = client->g->client_destroyed;

	*_client = NULL;
	i_assert(client->state != LMTP_STATE_COMMITTING);
	if (client->prev != NULL)
		client->prev->next = client->next;
	else
		clients = client->next;
	if (client->next != NULL)
		client->next->prev = client->prev;
	if (client->io != NULL)
		io_remove(&client->io);
	if (client->to_destroy != NULL)
		timeout_remove(&client->to_destroy);
	/* the last replies (221, or the delivery results) must reach the peer */
	fd_set_nonblock(client->fd, false);
	(void)ostream_flush(client->output);
	ostream_destroy(&client->output);
	line_reader_destroy(&client->reader);
	if (client->spool_fd != -1)
		i_close_fd(&client->spool_fd);
	if (client->dot != NULL)
		smtp_dot_decoder_destroy(&client->dot);
	i_close_fd(&client->fd);
	pool_unref(&client->trans_pool);
	pool_unref(&client->pool);
	if (destroyed != NULL)
		destroyed();
}

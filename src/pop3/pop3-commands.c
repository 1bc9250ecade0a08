/* The POP3 commands of the TRANSACTION state (RFC 1939, RFC 2449 CAPA), as
   a table of small cmd_* handlers. Each checks its arguments before it
   acts; answers that can be long continue from the output's flush
   callback (client->cmd_continue). */
#include "lib.h"
#include "str.h"
#include "hex.h"
#include "md5.h"
#include "ostream.h"
#include "var-expand.h"
#include "mail-storage.h"
#include "pop3-parse.h"
#include "pop3-uidl.h"
#include "pop3-common.h"

#include <stdio.h>
#include <unistd.h>

/* bytes read from the message file per step */
#define POP3_FETCH_CHUNK 16384
/* the header read for %m and pop3_reuse_xuidl */
#define POP3_MAX_HEADER_SIZE (1024 * 1024)

#define POP3_CAPABILITY_REPLY                                                                      \
	"+OK\r\n"                                                                                  \
	"CAPA\r\n"                                                                                 \
	"TOP\r\n"                                                                                  \
	"UIDL\r\n"                                                                                 \
	"RESP-CODES\r\n"                                                                           \
	"PIPELINING\r\n"                                                                           \
	"AUTH-RESP-CODE\r\n"                                                                       \
	"USER\r\n"                                                                                 \
	"UTF8\r\n"                                                                                 \
	"IMPLEMENTATION Roost\r\n"                                                                 \
	".\r\n"

struct pop3_command {
	const char *name;
	/* returns 0, or -1 for a bad command (counted towards the limit) */
	int (*func)(struct pop3_client *client, const char *args);
};

struct fetch_context {
	int fd;
	uint32_t msgnum;
	/* TOP: body lines still to send (counting the empty line after the
	   header); RETR: UINT64_MAX */
	uint64_t body_lines;
	uint64_t *byte_counter;
	uint64_t start_offset;
	string_t *out; /* the converted chunk */
	unsigned char last;
	bool in_body;
};

struct list_context {
	uint32_t msgnum; /* 0-based, next to send */
	bool uidl;
};

static uint64_t output_offset(struct pop3_client *client)
{
	return ostream_get_bytes_written(client->output) +
		ostream_get_buffer_used(client->output);
}

static int get_msg(struct pop3_client *client, const char *args, bool then_space,
		   uint32_t *msgnum_r, const char **rest_r)
{
	const char *error, *rest;
	uint32_t seq;

	if (pop3_parse_msgnum(args, client->count, then_space, &seq, &rest, &error) < 0) {
		pop3_client_send_line(client, error);
		return -1;
	}
	if (client->msgs[seq - 1].deleted) {
		pop3_client_send_line(client, "-ERR Message is deleted.");
		return -1;
	}
	*msgnum_r = seq - 1;
	if (rest_r != NULL)
		*rest_r = rest;
	return 0;
}

/* ---- UIDL values ---- */

/* Reads the header (up to the empty line, at most POP3_MAX_HEADER_SIZE). */
static int read_header(int fd, string_t *dest)
{
	char buf[4096];
	ssize_t ret;

	while ((ret = read(fd, buf, sizeof(buf))) > 0) {
		const char *end;

		str_append_data(dest, buf, (size_t)ret);
		if ((end = strstr(str_c(dest), "\n\n")) != NULL ||
		    (end = strstr(str_c(dest), "\n\r\n")) != NULL) {
			str_truncate(dest, (size_t)(end - str_c(dest)) + 1);
			return 0;
		}
		if (str_len(dest) > POP3_MAX_HEADER_SIZE)
			return 0;
	}
	return ret < 0 ? -1 : 0;
}

/* The UIDLs the storage keeps (pop3_save_uidl, migrations) win over the
   format, as in Dovecot; read once per session, at the first UIDL. */
static int load_kept_uidls(struct pop3_client *client)
{
	ARRAY_TYPE(mail_pop3_uidl) kept;
	uint32_t i = 0;

	if (client->kept_uidls_loaded)
		return 0;
	if (mailbox_get_pop3_uidls(client->box, pool_temp, &kept) < 0) {
		i_error("UIDL: reading the kept UIDLs failed: %s",
			mailbox_get_last_error(client->box, NULL));
		return -1;
	}
	client->kept_uidls_loaded = true;
	/* both ascending by UID */
	array_foreach(&kept, k) {
		while (i < client->count && client->msgs[i].uid < k->uid)
			i++;
		if (i == client->count)
			break;
		if (client->msgs[i].uid != k->uid)
			continue;
		if (!pop3_uidl_is_valid(k->uidl, strlen(k->uidl))) {
			i_warning("UIDL: message uid=%u has an invalid kept UIDL: ignored",
				  k->uid);
			continue;
		}
		client->msgs[i].uidl = p_strdup(client->pool, k->uidl);
		client->msgs[i].uidl_permanent = true;
	}
	return 0;
}

/* Sets msgs[msgnum].uidl: kept by the storage, X-UIDL or the format. */
static int compute_uidl(struct pop3_client *client, uint32_t msgnum, const char **uidl_r)
{
	struct pop3_message *msg = &client->msgs[msgnum];
	enum pop3_uidl_keys keys = pop3_uidl_format_needs(client->set->pop3_uidl_format);
	struct pop3_uidl_values values = {
		.uidvalidity = client->uidvalidity,
		.uid = msg->uid,
	};
	string_t *str;
	const char *error;
	int fd = -1;

	if (load_kept_uidls(client) < 0)
		return -1;
	if (msg->uidl != NULL) {
		*uidl_r = msg->uidl;
		return 0;
	}

	if ((keys & (POP3_UIDL_KEY_MD5 | POP3_UIDL_KEY_FILENAME | POP3_UIDL_KEY_GUID)) != 0 ||
	    client->set->pop3_reuse_xuidl) {
		uint64_t size;
		uint32_t seq = mailbox_uid_to_seq(client->box, msg->uid);

		if (seq == 0 || mailbox_mail_open(client->box, seq, &fd, &size) < 0) {
			i_error("UIDL: message uid=%u could not be opened", msg->uid);
			return -1;
		}
	}
	if ((keys & (POP3_UIDL_KEY_FILENAME | POP3_UIDL_KEY_GUID)) != 0) {
		/* lib-storage has no file name API: the open fd knows it */
		char path[4096];
		ssize_t len = readlink(t_strdup_printf("/proc/self/fd/%d", fd), path,
				       sizeof(path) - 1);
		const char *p;

		if (len <= 0) {
			i_error("UIDL: readlink(fd) failed: %m");
			i_close_fd(&fd);
			return -1;
		}
		path[len] = '\0';
		p = strrchr(path, '/');
		values.filename = t_strdup(p == NULL ? path : p + 1);
	}
	if ((keys & POP3_UIDL_KEY_MD5) != 0 || client->set->pop3_reuse_xuidl) {
		string_t *hdr = str_new(pool_temp, 4096);
		unsigned char digest[MD5_RESULTLEN];
		const char *xuidl;

		if (read_header(fd, hdr) < 0) {
			i_error("UIDL: read(message uid=%u) failed: %m", msg->uid);
			i_close_fd(&fd);
			return -1;
		}
		if (client->set->pop3_reuse_xuidl &&
		    pop3_uidl_find_xuidl((const unsigned char *)str_c(hdr), str_len(hdr),
					 client->pool, &xuidl)) {
			i_close_fd(&fd);
			msg->uidl = xuidl;
			msg->uidl_save = client->set->pop3_save_uidl;
			*uidl_r = xuidl;
			return 0;
		}
		md5_get_digest(str_c(hdr), str_len(hdr), digest);
		values.md5_hex = hex_encode_pool(pool_temp, digest, sizeof(digest));
	}
	i_close_fd(&fd);
	str = str_new(pool_temp, 64);
	if (pop3_uidl_format(str, client->set->pop3_uidl_format, &values, &error) < 0) {
		i_error("UIDL: %s", error);
		return -1;
	}
	msg->uidl = p_strdup(client->pool, str_c(str));
	/* pop3_save_uidl: kept at the end of the session (pop3-client.c) */
	msg->uidl_save = client->set->pop3_save_uidl;
	*uidl_r = msg->uidl;
	return 0;
}

/* pop3_uidl_duplicates = rename, as Dovecot: in message order, a UIDL
   seen before gets "-N" appended (N = how many times its base was seen),
   again until the result is new. A small open-addressing table of the
   UIDLs given out, with their counters. */
struct uidl_seen {
	const char *uidl;
	unsigned int count;
};

static struct uidl_seen *uidl_seen_find(struct uidl_seen *table, size_t mask, const char *uidl)
{
	uint32_t h = 2166136261u;

	for (const char *p = uidl; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		if (table[i].uidl == NULL || strcmp(table[i].uidl, uidl) == 0)
			return &table[i];
	}
}

static void rename_duplicate_uidls(struct pop3_client *client)
{
	size_t size = 16, mask;
	struct uidl_seen *table, *slot;
	string_t *str = str_new(pool_temp, 128);

	while (size < (size_t)client->count * 2)
		size *= 2;
	mask = size - 1;
	table = p_new(pool_temp, struct uidl_seen, size);
	for (uint32_t i = 0; i < client->count; i++) {
		struct pop3_message *msg = &client->msgs[i];
		bool renamed = false;

		str_truncate(str, 0);
		str_append(str, msg->uidl);
		while ((slot = uidl_seen_find(table, mask, str_c(str)))->uidl != NULL) {
			str_printfa(str, "-%u", ++slot->count);
			renamed = true;
		}
		if (renamed) {
			msg->uidl = p_strdup(client->pool, str_c(str));
			/* kept as renamed, unless the storage keeps one already */
			msg->uidl_save = client->set->pop3_save_uidl && !msg->uidl_permanent;
		}
		slot->uidl = msg->uidl;
		slot->count = 1;
	}
}

/* At the first UIDL command, as Dovecot: every message's UIDL (deleted
   ones too) when duplicates are renamed (a duplicate is known only once
   every UIDL is) or the logout line shows %{uidl_change}. */
static int prepare_uidls(struct pop3_client *client)
{
	bool rename = strcmp(client->set->pop3_uidl_duplicates, "rename") == 0;
	const char *uidl;

	if (client->uidls_all_computed ||
	    (!rename && !var_has_key(client->set->pop3_logout_format, 'u', "uidl_change")))
		return 0;
	for (uint32_t i = 0; i < client->count; i++) {
		if (compute_uidl(client, i, &uidl) < 0)
			return -1;
	}
	if (rename)
		rename_duplicate_uidls(client);
	client->uidls_all_computed = true;
	return 0;
}

static int get_uidl(struct pop3_client *client, uint32_t msgnum, const char **uidl_r)
{
	if (prepare_uidls(client) < 0)
		return -1;
	return compute_uidl(client, msgnum, uidl_r);
}

/* ---- LIST and UIDL ---- */

static bool list_continue(struct pop3_client *client)
{
	struct list_context *ctx = client->cmd_context;
	const char *uidl;

	for (; ctx->msgnum < client->count; ctx->msgnum++) {
		const struct pop3_message *msg = &client->msgs[ctx->msgnum];

		if (ostream_is_full(client->output))
			return false;
		if (msg->deleted)
			continue;
		if (!ctx->uidl) {
			pop3_client_send_line(client, t_strdup_printf("%u %llu", ctx->msgnum + 1,
						(unsigned long long)msg->size));
		} else if (get_uidl(client, ctx->msgnum, &uidl) < 0) {
			/* the list so far is incomplete: the client must not
			   take it for the whole maildrop */
			i_free(ctx);
			client->cmd_context = NULL;
			pop3_client_disconnect_after_output(client, "UIDL failed");
			return true;
		} else {
			pop3_client_send_line(client,
					      t_strdup_printf("%u %s", ctx->msgnum + 1, uidl));
		}
	}
	pop3_client_send_line(client, ".");
	i_free(ctx);
	client->cmd_context = NULL;
	return true;
}

static int start_list(struct pop3_client *client, bool uidl)
{
	struct list_context *ctx = i_new(struct list_context, 1);

	ctx->uidl = uidl;
	client->cmd_context = ctx;
	if (!list_continue(client))
		client->cmd_continue = list_continue;
	return 0;
}

static int cmd_list(struct pop3_client *client, const char *args)
{
	uint32_t msgnum;

	if (*args == '\0') {
		pop3_client_send_line(client, t_strdup_printf("+OK %u messages:",
					client->count - client->deleted_count));
		return start_list(client, false);
	}
	if (get_msg(client, args, false, &msgnum, NULL) < 0)
		return -1;
	pop3_client_send_line(client, t_strdup_printf("+OK %u %llu", msgnum + 1,
				(unsigned long long)client->msgs[msgnum].size));
	return 0;
}

static int cmd_uidl(struct pop3_client *client, const char *args)
{
	const char *uidl;
	uint32_t msgnum;

	if (*args != '\0' && get_msg(client, args, false, &msgnum, NULL) < 0)
		return -1;
	if (prepare_uidls(client) < 0) {
		pop3_client_send_line(client, "-ERR [SYS/TEMP] Internal error occurred.");
		return -1;
	}
	if (*args == '\0') {
		pop3_client_send_line(client, "+OK");
		return start_list(client, true);
	}
	if (get_uidl(client, msgnum, &uidl) < 0) {
		pop3_client_send_line(client, "-ERR [SYS/TEMP] Internal error occurred.");
		return -1;
	}
	pop3_client_send_line(client, t_strdup_printf("+OK %u %s", msgnum + 1, uidl));
	return 0;
}

/* ---- RETR and TOP ---- */

/* Converts one chunk of the message to wire form: CRLF line ends, dot-
   stuffing, NULs replaced when asked; stops after the last TOP line.
   Returns the number of input bytes consumed. */
static size_t fetch_convert(struct pop3_client *client, struct fetch_context *ctx,
			    const unsigned char *data, size_t size, string_t *out)
{
	bool no_nuls = (client->set->parsed_workarounds & POP3_WORKAROUND_OUTLOOK_NO_NULS) != 0;
	size_t i;

	for (i = 0; i < size && ctx->body_lines > 0; i++) {
		unsigned char c = data[i];
		bool line_start = ctx->last == '\n' || ctx->last == '\0';

		if (!ctx->in_body && line_start && (c == '\r' || c == '\n'))
			ctx->in_body = true;
		if (c == '\n' && ctx->last != '\r')
			str_append_c(out, '\r');
		else if (c == '.' && line_start)
			str_append_c(out, '.');
		else if (c == '\0' && no_nuls)
			c = 0x80;
		str_append_c(out, (char)c);
		ctx->last = c;
		if (c == '\n' && ctx->in_body && ctx->body_lines != UINT64_MAX)
			ctx->body_lines--;
	}
	return i;
}

static void fetch_free(struct fetch_context *ctx)
{
	i_close_fd(&ctx->fd);
	str_free(&ctx->out);
	i_free(ctx);
}

static void fetch_finish(struct pop3_client *client, struct fetch_context *ctx)
{
	if (ctx->last != '\n')
		(void)ostream_send(client->output, "\r\n", 2);
	if (!ctx->in_body &&
	    (client->set->parsed_workarounds & POP3_WORKAROUND_OE_NS_EOH) != 0)
		(void)ostream_send(client->output, "\r\n", 2);
	*ctx->byte_counter += output_offset(client) - ctx->start_offset;
	pop3_client_send_line(client, ".");
}

static bool fetch_continue(struct pop3_client *client)
{
	struct fetch_context *ctx = client->cmd_context;
	unsigned char buf[POP3_FETCH_CHUNK];
	string_t *out = ctx->out;

	while (!ostream_is_full(client->output) && !ostream_is_failed(client->output)) {
		ssize_t ret;
		size_t used;

		if (ctx->body_lines == 0)
			break;
		ret = read(ctx->fd, buf, sizeof(buf));
		if (ret < 0) {
			/* the +OK is out: the client must not take a truncated
			   message for the whole one */
			i_error("read(message %u) failed: %m", ctx->msgnum + 1);
			fetch_free(ctx);
			client->cmd_context = NULL;
			pop3_client_disconnect_after_output(client, "Message read failed");
			return true;
		}
		if (ret == 0)
			break;
		str_truncate(out, 0);
		used = fetch_convert(client, ctx, buf, (size_t)ret, out);
		(void)ostream_send(client->output, str_data(out), str_len(out));
		if (used < (size_t)ret)
			break;
	}
	if (ostream_is_full(client->output) && ctx->body_lines != 0 &&
	    !ostream_is_failed(client->output))
		return false;
	fetch_finish(client, ctx);
	fetch_free(ctx);
	client->cmd_context = NULL;
	return true;
}

static int fetch(struct pop3_client *client, uint32_t msgnum, uint64_t body_lines,
		 uint64_t *byte_counter)
{
	struct pop3_message *msg = &client->msgs[msgnum];
	struct fetch_context *ctx;
	uint32_t seq = mailbox_uid_to_seq(client->box, msg->uid);
	uint64_t size;
	int fd;

	if (seq == 0 || mailbox_mail_open(client->box, seq, &fd, &size) < 0) {
		enum mail_error error = MAIL_ERROR_EXPUNGED;

		if (seq != 0)
			(void)mailbox_get_last_error(client->box, &error);
		if (error == MAIL_ERROR_EXPUNGED) {
			pop3_client_send_line(client, t_strdup_printf("-ERR Message %u expunged.",
								      msgnum + 1));
		} else {
			pop3_client_send_storage_error(client);
		}
		return -1;
	}
	ctx = i_new(struct fetch_context, 1);
	ctx->out = str_new(pool_system, POP3_FETCH_CHUNK * 2 + 2);
	ctx->fd = fd;
	ctx->msgnum = msgnum;
	ctx->byte_counter = byte_counter;
	if (body_lines == UINT64_MAX) {
		pop3_client_send_line(client, t_strdup_printf("+OK %llu octets",
					(unsigned long long)msg->size));
		ctx->body_lines = UINT64_MAX;
	} else {
		pop3_client_send_line(client, "+OK");
		/* the empty line after the header counts too */
		ctx->body_lines = body_lines == UINT64_MAX - 1 ? body_lines : body_lines + 1;
	}
	ctx->start_offset = output_offset(client);
	client->cmd_context = ctx;
	if (!fetch_continue(client))
		client->cmd_continue = fetch_continue;
	return 0;
}

static int cmd_retr(struct pop3_client *client, const char *args)
{
	uint32_t msgnum;

	if (get_msg(client, args, false, &msgnum, NULL) < 0)
		return -1;
	if (client->last_seen < msgnum + 1)
		client->last_seen = msgnum + 1;
	if (client->lowest_retr == 0 || client->lowest_retr > msgnum + 1)
		client->lowest_retr = msgnum + 1;
	if (!client->set->pop3_no_flag_updates && !client->msgs[msgnum].seen_at_start)
		client->msgs[msgnum].mark_seen = true;
	client->retr_count++;
	return fetch(client, msgnum, UINT64_MAX, &client->retr_bytes);
}

static int cmd_top(struct pop3_client *client, const char *args)
{
	const char *rest, *error;
	uint32_t msgnum;
	uint64_t lines;

	if (get_msg(client, args, true, &msgnum, &rest) < 0)
		return -1;
	if (pop3_parse_lines(rest, &lines, &error) < 0) {
		pop3_client_send_line(client, error);
		return -1;
	}
	client->top_count++;
	return fetch(client, msgnum, MIN(lines, UINT64_MAX - 1), &client->top_bytes);
}

/* ---- the rest ---- */

static int cmd_capa(struct pop3_client *client, const char *args ATTR_UNUSED)
{
	(void)ostream_send_str(client->output, POP3_CAPABILITY_REPLY);
	return 0;
}

static int cmd_dele(struct pop3_client *client, const char *args)
{
	uint32_t msgnum;

	if (get_msg(client, args, false, &msgnum, NULL) < 0)
		return -1;
	client->msgs[msgnum].deleted = true;
	client->deleted_count++;
	client->deleted_size += client->msgs[msgnum].size;
	pop3_client_send_line(client, "+OK Marked to be deleted.");
	return 0;
}

static int cmd_last(struct pop3_client *client, const char *args ATTR_UNUSED)
{
	pop3_client_send_line(client, t_strdup_printf("+OK %u", client->last_seen));
	return 0;
}

static int cmd_noop(struct pop3_client *client, const char *args ATTR_UNUSED)
{
	pop3_client_send_line(client, "+OK");
	return 0;
}

static int cmd_rset(struct pop3_client *client, const char *args ATTR_UNUSED)
{
	client->last_seen = 0;
	for (uint32_t i = 0; i < client->count; i++) {
		client->msgs[i].deleted = false;
		client->msgs[i].mark_seen = false;
	}
	client->deleted_count = 0;
	client->deleted_size = 0;
	if (client->set->pop3_enable_last) {
		/* RFC 1460: RSET removes every \Seen flag */
		struct mailbox_transaction *t = mailbox_transaction_begin(client->box);

		for (uint32_t i = 0; i < client->count; i++) {
			(void)mailbox_update_flags(t, client->msgs[i].uid, MODIFY_REMOVE,
						   MAIL_SEEN, NULL);
			client->msgs[i].seen_at_start = false;
		}
		if (mailbox_transaction_commit(&t, NULL, NULL) < 0)
			i_error("RSET: removing \\Seen failed");
	}
	pop3_client_send_line(client, "+OK");
	return 0;
}

static int cmd_stat(struct pop3_client *client, const char *args ATTR_UNUSED)
{
	pop3_client_send_line(client, t_strdup_printf("+OK %u %llu",
				client->count - client->deleted_count,
				(unsigned long long)(client->total_size - client->deleted_size)));
	return 0;
}

/* UPDATE state: expunge the marked messages, set \Seen on the retrieved
   ones, all in one transaction that is durable before we answer. */
static int update_mails(struct pop3_client *client)
{
	const char *const deleted_kw[] = { client->set->pop3_deleted_flag, NULL };
	struct mailbox_transaction *t;
	bool changes = false;

	for (uint32_t i = 0; i < client->count; i++) {
		if (client->msgs[i].deleted || client->msgs[i].mark_seen)
			changes = true;
	}
	if (!changes)
		return 0;
	t = mailbox_transaction_begin(client->box);
	for (uint32_t i = 0; i < client->count; i++) {
		const struct pop3_message *msg = &client->msgs[i];
		int ret = 0;

		if (msg->deleted &&
		    client->set->parsed_delete_type == POP3_DELETE_TYPE_FLAG)
			ret = mailbox_update_flags(t, msg->uid, MODIFY_ADD, 0, deleted_kw);
		else if (msg->deleted)
			ret = mailbox_expunge(t, msg->uid);
		else if (msg->mark_seen)
			ret = mailbox_update_flags(t, msg->uid, MODIFY_ADD, MAIL_SEEN, NULL);
		if (ret < 0) {
			enum mail_error error;

			(void)mailbox_get_last_error(client->box, &error);
			if (error != MAIL_ERROR_EXPUNGED) {
				mailbox_transaction_rollback(&t);
				return -1;
			}
		}
	}
	if (mailbox_transaction_commit(&t, NULL, NULL) < 0)
		return -1;
	return mailbox_sync(client->box, NULL, NULL);
}

static int cmd_quit(struct pop3_client *client, const char *args ATTR_UNUSED)
{
	if (update_mails(client) < 0) {
		i_error("QUIT: updating the mailbox failed: %s",
			mailbox_get_last_error(client->box, NULL));
		pop3_client_send_storage_error(client);
		pop3_client_disconnect_after_output(client, "Storage error during logout.");
		return 0;
	}
	client->delete_success = true;
	pop3_client_save_uidls(client);
	pop3_client_send_line(client, client->deleted_count == 0 ? "+OK Logging out." :
			      "+OK Logging out, messages deleted.");
	pop3_client_disconnect_after_output(client, "Logged out");
	return 0;
}

static const struct pop3_command pop3_commands[] = {
	{ "CAPA", cmd_capa },
	{ "DELE", cmd_dele },
	{ "LIST", cmd_list },
	{ "NOOP", cmd_noop },
	{ "QUIT", cmd_quit },
	{ "RETR", cmd_retr },
	{ "RSET", cmd_rset },
	{ "STAT", cmd_stat },
	{ "TOP", cmd_top },
	{ "UIDL", cmd_uidl },
	{ "LAST", cmd_last }, /* only with pop3_enable_last */
};

static const struct pop3_command *find_command(struct pop3_client *client, const char *name)
{
	for (unsigned int i = 0; i < N_ELEMENTS(pop3_commands); i++) {
		if (strcmp(pop3_commands[i].name, name) != 0)
			continue;
		if (pop3_commands[i].func == cmd_last && !client->set->pop3_enable_last)
			return NULL;
		return &pop3_commands[i];
	}
	return NULL;
}

void pop3_command_execute(struct pop3_client *client, const char *line, size_t len)
{
	char name[POP3_MAX_KEYWORD_LEN + 1];
	const struct pop3_command *cmd = NULL;
	const char *args;

	if (strlen(line) == len && pop3_parse_command(line, name, &args) == 0)
		cmd = find_command(client, name);
	if (cmd == NULL) {
		/* the keyword as the client sent it, made safe */
		const char *sp = memchr(line, ' ', len);
		size_t name_len = sp == NULL ? len : (size_t)(sp - line);

		pop3_client_send_line(client, t_strdup_printf("-ERR Unknown command: %s",
					str_sanitize(pool_temp, t_strndup(line, MIN(name_len, 40)),
						     40)));
		client->bad_counter++;
		return;
	}
	if (cmd->func(client, args) < 0)
		client->bad_counter++;
	else
		client->bad_counter = 0;
}

void pop3_command_abort(struct pop3_client *client)
{
	if (client->cmd_continue == fetch_continue && client->cmd_context != NULL)
		fetch_free(client->cmd_context);
	else if (client->cmd_continue == list_continue && client->cmd_context != NULL)
		i_free(client->cmd_context);
	client->cmd_continue = NULL;
	client->cmd_context = NULL;
}

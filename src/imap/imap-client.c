/* One post-login IMAP connection: input state machine, dispatch and the
   untagged updates. See imap-client.h. */

#include "lib.h"
#include "imap-client.h"
#include "imap-quota.h"
#include "imap-commands.h"
#include "imap-condstore.h"
#include "deflate-stream.h"
#include "imap-quote.h"
#include "mutf7.h"
#include "net.h"
#include "str.h"
#include "strfuncs.h"
#include "utf8.h"
#include "var-expand.h"

#include <unistd.h>

#define CLIENT_OUTPUT_MAX_BUFFER (128 * 1024)
#define CLIENT_MAX_LITERAL_ARGS_SIZE (256 * 1024)
#define CLIENT_READ_CHUNK (64 * 1024)
#define IMAP_COMPRESS_LEVEL 6
#define IMAP_LITERAL_MINUS_MAX_SIZE 4096
/* how long a disconnected client's last output may take to leave */
#define CLIENT_DESTROY_FLUSH_MSECS 2000

static void client_handle_input(struct client *client);

static const char *const capability_list =
    "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UNSELECT CHILDREN "
    "NAMESPACE UIDPLUS MOVE SPECIAL-USE MULTIAPPEND CONDSTORE QRESYNC ESEARCH SEARCHRES I18NLEVEL=1 "
    "SORT SORT=DISPLAY ESORT THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT COMPRESS=DEFLATE";

/* The list above with LIST-EXTENDED and friends (imap-list.c,
   imap-status.c, imap-binary.c); LITERAL- instead of LITERAL+ with
   imap_literal_minus, as Dovecot; APPENDLIMIT=n for a configured limit,
   else plain APPENDLIMIT (STATUS APPENDLIMIT then says NIL, RFC 7889). */
static const char *client_capability_list(const struct client *client)
{
	uint64_t limit = imap_settings_get_append_limit(client->set);
	string_t *str = str_new(pool_temp, 512);
	const char *p;

	str_append(str, capability_list);
	if (client->set->imap_literal_minus && (p = strstr(str_c(str), "LITERAL+")) != NULL)
		buffer_write(str, (size_t)(p - str_c(str)) + 7, "-", 1);
	str_append(str, " LIST-EXTENDED LIST-STATUS CREATE-SPECIAL-USE STATUS=SIZE BINARY APPENDLIMIT");
	if (limit != 0)
		str_printfa(str, "=%llu", (unsigned long long)limit);
	if (imap_quota_enabled(client))
		str_append(str, " QUOTA");
	/* as Dovecot 2.3: only when both settings are there (the commands
	   answer NO [CANNOT] otherwise); no METADATA-SERVER, which
	   METADATA implies (RFC 5464 section 1) */
	if (client->set->imap_metadata && mail_user_has_attributes(client->user))
		str_append(str, " METADATA");
	return str_c(str);
}

const char *client_capability(const struct client *client)
{
	const char *cap = client->set->imap_capability;

	if (cap[0] == '\0')
		return client_capability_list(client);
	if (cap[0] == '+')
		return t_strdup_printf("%s %s", client_capability_list(client), cap + 1);
	return cap;
}

static void client_output_flush(void *context);
static void client_io_input(void *context);

static void client_pending_input(void *context)
{
	struct client *client = context;

	client->to_pending = NULL;
	client_io_input(client);
}

/* The inflater may hold more than one read returned: the fd will not
   wake us for it, so read again from the event loop. */
static void client_check_pending_input(struct client *client)
{
	if (client->deflate_in == NULL || client->disconnected || client->input_blocked ||
	    client->to_pending != NULL || !line_reader_source_has_pending(client->reader))
		return;
	client->to_pending = timeout_add_once(0, client_pending_input, client);
}

int client_start_compression(struct client *client)
{
	const unsigned char *data;
	size_t size = line_reader_get_buffered(client->reader);

	/* zlib's default level, as Dovecot's imap_zlib */
	client->deflate_out = deflate_output_create(IMAP_COMPRESS_LEVEL);
	if (client->deflate_out == NULL)
		return -1;
	(void)line_reader_read_data(client->reader, size, &data);
	client->deflate_in = deflate_input_create(client->fd_in, data, size);
	line_reader_set_source(client->reader, deflate_input_read, client->deflate_in,
			       deflate_input_has_pending);
	ostream_set_filter(client->output, deflate_output_filter, client->deflate_out);
	client->compressed = true;
	if (size > 0 && client->to_pending == NULL)
		client->to_pending = timeout_add_once(0, client_pending_input, client);
	return 0;
}

static void client_io_input(void *context)
{
	struct client *client = context;
	ssize_t ret;

	ret = line_reader_fill(client->reader);
	if (ret < 0) {
		client_disconnect(client, NULL,
				  line_reader_is_eof(client->reader)
				      ? "Connection closed"
				      : t_strdup_printf("read failed: %s",
							line_reader_get_error(client->reader)));
		return;
	}
	client->bytes_in += (uint64_t)ret;
	if (ret > 0) {
		client->last_input = ioloop_time;
		if (client->to_autologout != NULL)
			timeout_reset(client->to_autologout);
	}
	/* one write() per buffer-full, not one per response line: a FETCH of
	   20,000 messages made 60,000 small writes. The client is destroyed
	   from a timeout, never in here, so its output is still there. */
	if (client->output != NULL)
		ostream_cork(client->output);
	client_handle_input(client);
	if (client->output != NULL)
		ostream_uncork(client->output);
	client_check_pending_input(client);
}

/* No input for imap_autologout_timeout: Dovecot's autologout. A client in
   IDLE, or one still reading a response, is not idle. */
static void client_autologout(void *context)
{
	struct client *client = context;
	uint64_t out = ostream_get_bytes_written(client->output);

	if (client->input_state == CLIENT_INPUT_IDLE || out != client->autologout_out_mark) {
		client->autologout_out_mark = out;
		return;
	}
	client_kick(client, "Disconnected for inactivity.",
		    t_strdup_printf("Inactivity - no input for %ld secs",
				    (long)(ioloop_time - client->last_input)));
}

struct client *client_create(int fd_in, int fd_out, struct mail_user *user,
			     const struct imap_settings *set)
{
	struct line_reader_settings lr_set;
	struct imap_parser_settings p_set;
	struct client *client;
	pool_t pool;

	pool = pool_alloconly_create("imap client", 2048);
	client = p_new(pool, struct client, 1);
	client->pool = pool;
	client->cmd_pool = pool_alloconly_create("imap command", 1024);
	client->fd_in = fd_in;
	client->fd_out = fd_out;
	fd_set_nonblock(fd_in, true);
	fd_set_nonblock(fd_out, true);
	client->user = user;
	client->set = set;
	memset(&lr_set, 0, sizeof(lr_set));
	lr_set.max_line_length = (size_t)set->imap_max_line_length;
	client->reader = line_reader_create_fd(&lr_set, fd_in);
	memset(&p_set, 0, sizeof(p_set));
	/* APPEND streams its literals; the others count in max_args_size */
	p_set.max_literal_size = (uint64_t)1 << 40;
	p_set.max_args_size = (size_t)set->imap_max_line_length + CLIENT_MAX_LITERAL_ARGS_SIZE;
	p_set.max_list_depth = 100;
	p_set.max_args = 100000;
	client->parser = imap_parser_create(&p_set);
	client->output = ostream_create_fd(fd_out, CLIENT_OUTPUT_MAX_BUFFER);
	ostream_set_flush_callback(client->output, client_output_flush, client);
	client->state = CLIENT_STATE_AUTHENTICATED;
	return client;
}

bool client_add_pipelined_input(struct client *client, const void *data, size_t size)
{
	return line_reader_feed(client->reader, data, size);
}

static void client_start_input(void *context)
{
	struct client *client = context;

	timeout_remove(&client->to_start);
	client_handle_input(client);
}

void client_start(struct client *client, const char *greeting)
{
	if (greeting != NULL)
		client_send_line(client, greeting);
	client->io = io_add(client->fd_in, IO_READ, client_io_input, client);
	client->last_input = ioloop_time;
	client->autologout_out_mark = ostream_get_bytes_written(client->output);
	client->to_autologout = timeout_add(client->set->imap_autologout_timeout * 1000,
					    client_autologout, client);
	/* commands already buffered get no read event: run them now */
	if (line_reader_get_buffered(client->reader) > 0)
		client->to_start = timeout_add_once(0, client_start_input, client);
}

void client_set_destroy_callback(struct client *client, client_destroy_callback_t *callback,
				 void *context)
{
	client->destroy_callback = callback;
	client->destroy_context = context;
}

static void client_destroy_timeout(void *context)
{
	struct client *client = context;

	client->to_resume = NULL;
	/* the last responses (BYE, LOGOUT's OK) get a short while to leave;
	   the loop goes on serving the process's other clients meanwhile */
	if (ostream_flush(client->output) == 0 &&
	    client->destroy_flush_waits++ < CLIENT_DESTROY_FLUSH_MSECS / 50) {
		client->to_resume = timeout_add_once(50, client_destroy_timeout, client);
		return;
	}
	if (client->destroy_callback != NULL)
		client->destroy_callback(client, client->destroy_context);
	else
		client_destroy(&client);
}

void client_disconnect(struct client *client, const char *bye, const char *log_reason)
{
	if (client->disconnected)
		return;
	client->disconnected = true;
	if (bye != NULL)
		client_send_line(client, t_strdup_printf("* BYE %s", bye));
	i_info("Disconnected: %s %s", log_reason, client_logout_string(client));
	client->disconnect_reason = p_strdup(client->pool, log_reason);
	if (client->io != NULL)
		io_remove(&client->io);
	timeout_remove(&client->to_autologout);
	if (client->to_resume != NULL)
		timeout_remove(&client->to_resume);
	client->to_resume = timeout_add_once(0, client_destroy_timeout, client);
}

void client_kick(struct client *client, const char *bye, const char *log_reason)
{
	/* a FETCH literal or a long response is on its way: a BYE inside it
	   would corrupt it; the disconnection says enough */
	bool mid_response = client->cmd_continue != NULL &&
			    client->input_state != CLIENT_INPUT_IDLE;

	client_disconnect(client, mid_response ? NULL : bye, log_reason);
}

const char *client_logout_string(struct client *client)
{
	const struct client_logout_stats *st = &client->logout_stats;
	string_t *str = str_new(pool_temp, 128);
	const char *error;
#define U64(n) t_strdup_printf("%llu", (unsigned long long)(n))
	const struct var_expand_table tab[] = {
		{ 'i', U64(client->bytes_in), "input" },
		{ 'o', U64(ostream_get_bytes_written(client->output)), "output" },
		{ '\0', client->session_id, "session" },
		{ '\0', U64(st->fetch_hdr_count), "fetch_hdr_count" },
		{ '\0', U64(st->fetch_hdr_bytes), "fetch_hdr_bytes" },
		{ '\0', U64(st->fetch_body_count), "fetch_body_count" },
		{ '\0', U64(st->fetch_body_bytes), "fetch_body_bytes" },
		{ '\0', U64(st->deleted), "deleted" },
		{ '\0', U64(st->expunged), "expunged" },
		{ '\0', U64(st->trashed), "trashed" },
		{ '\0', "0", "autoexpunged" },
		{ '\0', U64(st->appended), "appended" },
		{ '\0', NULL, NULL },
	};
#undef U64

	if (var_expand(str, client->set->imap_logout_format, tab, &error) < 0) {
		/* the format is the admin's: say what is wrong once per line */
		str_truncate(str, 0);
		str_printfa(str, "in=%llu out=%llu (imap_logout_format: %s)",
			    (unsigned long long)client->bytes_in,
			    (unsigned long long)ostream_get_bytes_written(client->output), error);
	}
	return str_c(str);
}

void client_count_fetch(struct client *client, bool header_only, uint64_t fetch_size)
{
	if (header_only) {
		client->logout_stats.fetch_hdr_count++;
		client->logout_stats.fetch_hdr_bytes += fetch_size;
	} else {
		client->logout_stats.fetch_body_count++;
		client->logout_stats.fetch_body_bytes += fetch_size;
	}
}

static void client_send_flags_lines(struct client *client)
{
	string_t *str = str_new(client->cmd_pool, 128), *kw = str_new(client->cmd_pool, 64);
	const char *name;

	array_foreach_elem(&client->box_keywords, name) str_printfa(kw, " %s", name);
	str_printfa(str, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft%s)", str_c(kw));
	client_send_line(client, str_c(str));
	if (client->box_readonly)
		client_send_line(client, "* OK [PERMANENTFLAGS ()] Read-only mailbox.");
	else
		client_send_line(client,
				 t_strdup_printf("* OK [PERMANENTFLAGS (\\Answered \\Flagged "
						 "\\Deleted \\Seen \\Draft%s \\*)] "
						 "Flags permitted.",
						 str_c(kw)));
}

static bool client_keyword_add(struct client *client, const char *name)
{
	const char *known;

	array_foreach_elem(&client->box_keywords, known)
	{
		if (strcasecmp(known, name) == 0)
			return false;
	}
	name = p_strdup(client->box_pool, name);
	array_push(&client->box_keywords, &name);
	return true;
}

void client_send_mailbox_flags(struct client *client)
{
	struct mail_info info;
	uint32_t seq, count = mailbox_count(client->box);
	const char *const *kw;

	if (client->box_pool == NULL)
		client->box_pool = pool_alloconly_create("imap mailbox", 512);
	p_array_init(&client->box_keywords, client->box_pool, 8);
	p_array_init(&client->own_flag_changes, client->box_pool, 8);
	for (seq = 1; seq <= count; seq++) {
		if (mailbox_mail_get_info(client->box, seq, client->cmd_pool, &info) < 0)
			continue;
		for (kw = info.keywords; kw != NULL && *kw != NULL; kw++)
			(void)client_keyword_add(client, *kw);
	}
	client_send_flags_lines(client);
}

void client_keywords_seen(struct client *client, const char *const *keywords)
{
	bool added = false;

	if (client->box_pool == NULL)
		return;
	for (; keywords != NULL && *keywords != NULL; keywords++) {
		if (client_keyword_add(client, *keywords))
			added = true;
	}
	if (added)
		client_send_flags_lines(client);
}

void client_own_flag_change(struct client *client, uint32_t uid)
{
	if (array_is_created(&client->own_flag_changes))
		array_push(&client->own_flag_changes, &uid);
}

static bool client_is_own_flag_change(struct client *client, uint32_t uid)
{
	uint32_t own;

	if (!array_is_created(&client->own_flag_changes))
		return false;
	array_foreach_elem(&client->own_flag_changes, own)
	{
		if (own == uid)
			return true;
	}
	return false;
}

void client_close_mailbox(struct client *client)
{
	if (client->box_pool != NULL)
		pool_unref(&client->box_pool);
	memset(&client->box_keywords, 0, sizeof(client->box_keywords));
	memset(&client->own_flag_changes, 0, sizeof(client->own_flag_changes));
	/* "$" is empty again after SELECT, EXAMINE, CLOSE, UNSELECT */
	memset(&client->search_saved_uids, 0, sizeof(client->search_saved_uids));
	if (client->box != NULL) {
		mailbox_notify_changes(client->box, NULL, NULL);
		mailbox_free(&client->box);
	}
	client->state = CLIENT_STATE_AUTHENTICATED;
}

void client_destroy(struct client **_client)
{
	struct client *client = *_client;
	pool_t pool = client->pool;

	*_client = NULL;
	if (client->io != NULL)
		io_remove(&client->io);
	if (client->to_resume != NULL)
		timeout_remove(&client->to_resume);
	timeout_remove(&client->to_start);
	timeout_remove(&client->to_autologout);
	timeout_remove(&client->to_pending);
	if (client->to_idle != NULL)
		timeout_remove(&client->to_idle);
	imap_append_state_free(client);
	if (client->cmd_free != NULL)
		client->cmd_free(client);
	client_close_mailbox(client);
	/* what is still buffered (BYE, LOGOUT's OK) gets one more try; never
	   wait for a client that does not read: the process serves others */
	(void)ostream_flush(client->output);
	ostream_destroy(&client->output);
	line_reader_destroy(&client->reader);
	deflate_input_destroy(&client->deflate_in);
	deflate_output_destroy(&client->deflate_out);
	imap_parser_destroy(&client->parser);
	if (client->user != NULL)
		mail_user_free(&client->user);
	if (client->fd_out != client->fd_in)
		i_close_fd(&client->fd_out);
	i_close_fd(&client->fd_in);
	pool_unref(&client->cmd_pool);
	pool_unref(&pool);
}

void client_send_line(struct client *client, const char *line)
{
	if (client->output == NULL)
		return;
	ostream_cork(client->output);
	(void)ostream_send_str(client->output, line);
	(void)ostream_send(client->output, "\r\n", 2);
	ostream_uncork(client->output);
}

void client_send_tagline(struct client *client, const char *text)
{
	const struct imap_command *cmd;

	/* untagged updates go before the tagged reply of every command that
	   got as far as running; EXPUNGE only where RFC 3501 7.4.1 allows */
	if (client->box != NULL && client->cmd_name != NULL &&
	    client->state == CLIENT_STATE_SELECTED &&
	    (strncmp(text, "OK", 2) == 0 || strncmp(text, "NO", 2) == 0)) {
		cmd = imap_command_find(client->cmd_name);
		if (cmd != NULL)
			(void)client_sync(client,
					  client->cmd_uid ||
					      (cmd->flags & IMAP_COMMAND_FLAG_NO_EXPUNGES) == 0);
	}
	client_send_line(client, t_strdup_printf("%s %s", client->tag, text));
}

void client_send_bad(struct client *client, const char *text)
{
	size_t len = strlen(text);

	/* Dovecot's texts end in a period */
	client_send_tagline(
	    client, t_strdup_printf("BAD %s%s", text, len > 0 && text[len - 1] == '.' ? "" : "."));
}

void client_send_storage_error(struct client *client, struct mailbox *box)
{
	enum mail_error error;
	const char *text = mailbox_get_last_error(box, &error);
	const char *code = "";

	switch (error) {
	case MAIL_ERROR_NOTFOUND:
		code = "[NONEXISTENT] ";
		text = t_strdup_printf(
		    "Mailbox doesn't exist: %s.",
		    str_sanitize(pool_temp,
				 client->enabled_imap4rev2
				     ? mailbox_get_vname(box)
				     : client_mailbox_name_out(pool_temp, mailbox_get_vname(box)),
				 100));
		break;
	case MAIL_ERROR_EXISTS:
		code = "[ALREADYEXISTS] ";
		break;
	case MAIL_ERROR_PERM:
		code = "[NOPERM] ";
		break;
	case MAIL_ERROR_TEMP:
		code = "[SERVERBUG] ";
		break;
	case MAIL_ERROR_NOSPACE:
	case MAIL_ERROR_NOQUOTA:
		code = "[OVERQUOTA] ";
		/* Dovecot's text ends with its timing and a period */
		if (text[0] != '\0' && text[strlen(text) - 1] != '.')
			text = t_strdup_printf("%s.", text);
		break;
	case MAIL_ERROR_LIMIT:
		code = "[LIMIT] ";
		break;
	case MAIL_ERROR_EXPUNGED:
		code = "[EXPUNGEISSUED] ";
		break;
	case MAIL_ERROR_NOTPOSSIBLE:
	case MAIL_ERROR_PARAMS:
		code = "[CANNOT] ";
		break;
	default:
		break;
	}
	client_send_tagline(client, t_strdup_printf("NO %s%s", code, text));
}

/* ---- flags ---- */

void client_append_flags(string_t *dest, enum mail_flags flags, const char *const *keywords)
{
	size_t start = str_len(dest);

	str_append_c(dest, '(');
	if ((flags & MAIL_ANSWERED) != 0)
		str_append(dest, "\\Answered ");
	if ((flags & MAIL_FLAGGED) != 0)
		str_append(dest, "\\Flagged ");
	if ((flags & MAIL_DELETED) != 0)
		str_append(dest, "\\Deleted ");
	if ((flags & MAIL_SEEN) != 0)
		str_append(dest, "\\Seen ");
	if ((flags & MAIL_DRAFT) != 0)
		str_append(dest, "\\Draft ");
	if ((flags & MAIL_RECENT) != 0)
		str_append(dest, "\\Recent ");
	for (; keywords != NULL && *keywords != NULL; keywords++)
		str_printfa(dest, "%s ", *keywords);
	if (str_len(dest) > start + 1)
		str_truncate(dest, str_len(dest) - 1);
	str_append_c(dest, ')');
}

static bool flag_atom_is_valid(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr("(){%*\"\\]", *s) != NULL)
			return false;
	}
	return true;
}

int client_parse_flags(pool_t pool, const struct imap_arg *args, enum mail_flags *flags_r,
		       const char *const **keywords_r, const char **error_r)
{
	ARRAY(const char *) keywords;
	const char *atom, *null = NULL;

	*flags_r = 0;
	p_array_init(&keywords, pool, 4);
	for (; !imap_arg_is_eol(args); args++) {
		if (!imap_arg_get_atom(args, &atom)) {
			*error_r = "Flags list contains non-atoms.";
			return -1;
		}
		if (atom[0] == '\\') {
			if (strcasecmp(atom, "\\Answered") == 0)
				*flags_r |= MAIL_ANSWERED;
			else if (strcasecmp(atom, "\\Flagged") == 0)
				*flags_r |= MAIL_FLAGGED;
			else if (strcasecmp(atom, "\\Deleted") == 0)
				*flags_r |= MAIL_DELETED;
			else if (strcasecmp(atom, "\\Seen") == 0)
				*flags_r |= MAIL_SEEN;
			else if (strcasecmp(atom, "\\Draft") == 0)
				*flags_r |= MAIL_DRAFT;
			else {
				*error_r = t_strdup_printf("Invalid system flag %s",
							   str_sanitize(pool_temp, atom, 40));
				return -1;
			}
		} else {
			if (!flag_atom_is_valid(atom)) {
				*error_r = "Invalid keyword";
				return -1;
			}
			atom = p_strdup(pool, atom);
			array_push(&keywords, &atom);
		}
	}
	array_push(&keywords, &null);
	*keywords_r = array_front(&keywords);
	return 0;
}

/* ---- mailbox names ---- */

const char *client_mailbox_name(struct client *client, const char *name)
{
	string_t *str = str_new(client->cmd_pool, 64);

	if (strcasecmp(name, "INBOX") == 0)
		return "INBOX";
	if (client->enabled_imap4rev2)
		return utf8_is_valid(name, strlen(name)) ? name : NULL;
	if (imap_utf7_to_utf8(name, str) < 0)
		return NULL;
	return str_c(str);
}

const char *client_mailbox_name_out(pool_t pool, const char *vname)
{
	string_t *str = str_new(pool, 64);

	if (imap_utf8_to_utf7(vname, str) < 0)
		return vname;
	return str_c(str);
}

void client_append_mailbox_name(struct client *client, string_t *dest, const char *vname)
{
	if (client->enabled_imap4rev2)
		imap_append_astring_utf8(dest, vname);
	else
		imap_append_astring(dest, client_mailbox_name_out(client->cmd_pool, vname));
}

enum mail_flags client_visible_flags(const struct client *client, enum mail_flags flags)
{
	return client->enabled_imap4rev2 ? flags & ~MAIL_RECENT : flags;
}

/* ---- untagged updates ---- */

int client_sync(struct client *client, bool with_expunges)
{
	return client_sync_full(client, with_expunges, true);
}

int client_sync_full(struct client *client, bool with_expunges, bool report_flags)
{
	struct mailbox_sync_result result;
	struct mail_info info;
	uint32_t seq, remaining;
	string_t *str;

	if (client->box == NULL || !with_expunges)
		return 0;
	if (mailbox_sync(client->box, client->cmd_pool, &result) < 0)
		return -1;
	str = str_new(client->cmd_pool, 128);
	if (client->enabled_qresync && array_count(&result.expunged_uids) > 0) {
		/* RFC 7162 3.2.10: UIDs instead of sequence numbers */
		ARRAY_TYPE(mailbox_uid_range) ranges;
		uint32_t uid;

		p_array_init(&ranges, client->cmd_pool, 8);
		array_foreach_elem(&result.expunged_uids, uid)
		{
			unsigned int n = array_count(&ranges);
			struct mailbox_uid_range *last = n == 0 ? NULL : array_idx(&ranges, n - 1);

			if (last != NULL && last->last + 1 == uid) {
				last->last = uid;
			} else {
				struct mailbox_uid_range r = { uid, uid };
				array_push(&ranges, &r);
			}
		}
		str_append(str, "* VANISHED ");
		imap_append_uid_ranges(str, &ranges);
		client_send_line(client, str_c(str));
	} else {
		array_foreach_elem(&result.expunged_seqs, seq)
		    client_send_line(client, t_strdup_printf("* %u EXPUNGE", seq));
	}
	remaining = result.old_messages - array_count(&result.expunged_seqs);
	if (result.messages > remaining)
		client_send_line(client, t_strdup_printf("* %u EXISTS", result.messages));
	if (!client->enabled_imap4rev2 &&
	    (result.messages != result.old_messages || array_count(&result.expunged_seqs) > 0)) {
		/* as Dovecot: whenever the count changed, expunges included;
		   IMAP4rev2 has no RECENT response */
		uint32_t recent = mailbox_recent_count(client->box);
		if (recent != client->box_recent_sent) {
			client_send_line(client, t_strdup_printf("* %u RECENT", recent));
			client->box_recent_sent = recent;
		}
	}
	array_foreach(&result.changed_uids, uidp)
	{
		if (!report_flags)
			break;
		if (client_is_own_flag_change(client, *uidp))
			continue;
		seq = mailbox_uid_to_seq(client->box, *uidp);
		if (seq == 0 || seq > remaining)
			continue;
		if (mailbox_mail_get_info(client->box, seq, client->cmd_pool, &info) < 0)
			continue;
		client_keywords_seen(client, info.keywords);
		str_truncate(str, 0);
		str_printfa(str, "* %u FETCH (", seq);
		if (client->cmd_uid || client->enabled_qresync)
			str_printfa(str, "UID %u ", info.uid);
		if (client->enabled_condstore) {
			imap_append_modseq(str, info.modseq);
			str_append_c(str, ' ');
		}
		str_append(str, "FLAGS ");
		client_append_flags(str, client_visible_flags(client, info.flags), info.keywords);
		str_append_c(str, ')');
		client_send_line(client, str_c(str));
	}
	if (array_is_created(&client->own_flag_changes))
		array_clear(&client->own_flag_changes);
	return 0;
}

/* ---- input ---- */

static void client_resume_timeout(void *context)
{
	struct client *client = context;

	client->to_resume = NULL;
	client_handle_input(client);
	client_check_pending_input(client);
}

static void client_resume_input(struct client *client)
{
	if (client->disconnected)
		return;
	client->input_blocked = false;
	if (client->io == NULL)
		client->io = io_add(client->fd_in, IO_READ, client_io_input, client);
	/* lines may already be buffered: the fd will not wake us for them */
	if (client->to_resume == NULL)
		client->to_resume = timeout_add_once(0, client_resume_timeout, client);
}

static void client_block_input(struct client *client)
{
	client->input_blocked = true;
	if (client->io != NULL)
		io_remove(&client->io);
}

static void client_output_flush(void *context)
{
	struct client *client = context;

	if (client->disconnected)
		return;
	if (client->cmd_continue != NULL) {
		if (client->cmd_continue(client))
			client_command_finished(client);
	} else if (client->input_blocked && client->input_state != CLIENT_INPUT_IDLE &&
		   client->tag == NULL) {
		client_resume_input(client);
	}
}

void client_command_finished(struct client *client)
{
	client->cmd_continue = NULL;
	client->cmd_context = NULL;
	client->cmd_free = NULL;
	client->tag = NULL;
	client->cmd_name = NULL;
	client->cmd_uid = false;
	client->cmd_first_line_done = false;
	client->append_mailbox_literal = NULL;
	client->input_state = CLIENT_INPUT_COMMAND;
	imap_parser_reset(client->parser);
	pool_clear(client->cmd_pool);
	if (client->state == CLIENT_STATE_LOGOUT) {
		client_disconnect(client, NULL, "Logged out");
		return;
	}
	client_resume_input(client);
}

static bool tag_is_valid(const char *tag, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)tag[i];

		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\+", c) != NULL)
			return false;
	}
	return true;
}

static void client_run_command(struct client *client)
{
	const struct imap_arg *args = imap_parser_get_args(client->parser);
	const struct imap_command *cmd;
	const char *name;
	bool finished;

	/* args[0] is the tag */
	args++;
	if (!imap_arg_get_atom(args, &name)) {
		client_send_bad(client, "Error in IMAP command received by server.");
		client_command_finished(client);
		return;
	}
	args++;
	if (strcasecmp(name, "UID") == 0) {
		if (!imap_arg_get_atom(args, &name)) {
			client_send_bad(client, "Error in IMAP command UID: Missing command name.");
			client_command_finished(client);
			return;
		}
		args++;
		client->cmd_uid = true;
	}
	client->cmd_name = str_ucase(p_strdup(client->cmd_pool, name));
	cmd = imap_command_find(name);
	if (cmd == NULL || (client->cmd_uid && (cmd->flags & IMAP_COMMAND_FLAG_UID) == 0)) {
		client_send_bad(
		    client, t_strdup_printf(
				"Error in IMAP command %s%s: Unknown command.",
				client->cmd_uid ? "UID " : "",
				str_ucase(p_strdup(pool_temp, str_sanitize(pool_temp, name, 40)))));
		client_command_finished(client);
		return;
	}
	if ((cmd->flags & IMAP_COMMAND_FLAG_SELECTED) != 0 &&
	    client->state != CLIENT_STATE_SELECTED) {
		client_send_bad(client, "No mailbox selected.");
		client_command_finished(client);
		return;
	}
	finished = cmd->func(client, args);
	if (finished)
		client_command_finished(client);
	else if (client->cmd_continue != NULL)
		client_block_input(client);
}

static bool line_is_append_message(struct client *client, const char *line, size_t len)
{
	const char *p, *end = line + len;
	unsigned int words = 0;

	if (client->cmd_name == NULL || strcasecmp(client->cmd_name, "APPEND") != 0)
		return false;
	if (client->cmd_first_line_done)
		return true;
	/* "tag APPEND {n}": the literal is the mailbox name */
	for (p = line; p < end && words < 3; words++) {
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
		if (words == 1 && p < end && (*p == '{' || *p == '~'))
			return false;
	}
	return true;
}

static void client_command_abort_line(struct client *client, const char *bad, bool fatal)
{
	if (client->tag != NULL)
		client_send_bad(client, bad);
	else
		client_send_line(client, t_strdup_printf("* BAD %s", bad));
	if (fatal) {
		client_disconnect(client, "Too long argument.", "Too long argument");
		return;
	}
	imap_append_state_free(client);
	client_command_finished(client);
}

static void client_handle_line(struct client *client, const char *line, size_t len)
{
	enum imap_parse_result ret;
	const char *p, *name_start;
	uint64_t size;
	bool sync;

	if (client->tag == NULL) {
		p = memchr(line, ' ', len);
		if (len == 0) {
			/* empty lines are ignored, as Dovecot does */
			return;
		}
		if (!tag_is_valid(line, p == NULL ? len : (size_t)(p - line))) {
			client_send_line(client, "* BAD Error in IMAP command received by server.");
			return;
		}
		client->tag =
		    p_strndup(client->cmd_pool, line, p == NULL ? len : (size_t)(p - line));
		if (p != NULL) {
			name_start = p + 1;
			p = memchr(name_start, ' ', len - (size_t)(name_start - line));
			client->cmd_name = p_strndup(client->cmd_pool, name_start,
						     p == NULL ? len - (size_t)(name_start - line)
							       : (size_t)(p - name_start));
		}
	}
	ret = imap_parser_feed_line(client->parser, line, len);
	switch (ret) {
	case IMAP_PARSE_ERROR:
		client_command_abort_line(
		    client,
		    t_strdup_printf("Error in IMAP command %s: %s",
				    client->cmd_name == NULL
					? ""
					: str_sanitize(pool_temp, client->cmd_name, 40),
				    imap_parser_get_error(client->parser)),
		    imap_parser_is_fatal(client->parser));
		return;
	case IMAP_PARSE_LITERAL:
		size = imap_parser_literal_size(client->parser);
		sync = imap_parser_literal_is_sync(client->parser);
		if (!sync && size > IMAP_LITERAL_MINUS_MAX_SIZE && client->set->imap_literal_minus) {
			/* RFC 7888 4: LITERAL- allows {n+} up to 4096 bytes;
			   the bytes are on their way and could be taken for
			   commands, so the connection ends (as in Dovecot) */
			client_send_bad(client, "[TOOBIG] Error in IMAP command: "
						"Non-synchronizing literal size too large.");
			client_disconnect(client, "Non-synchronizing literal size too large",
					  "Non-synchronizing literal size too large");
			return;
		}
		if (line_is_append_message(client, line, len)) {
			imap_parser_stream_literal(client->parser);
			if (imap_append_literal_begin(
				client, line, len, !client->cmd_first_line_done, size, sync) < 0 &&
			    sync) {
				imap_append_state_free(client);
				client_command_finished(client);
				return;
			}
			client->input_state = CLIENT_INPUT_APPEND_LITERAL;
		} else if (size > CLIENT_MAX_LITERAL_ARGS_SIZE) {
			/* refused before the client sends it: with {n} it waits
			   for "+", so the session goes on; with {n+} the bytes
			   are on their way and the connection cannot resync */
			client_command_abort_line(
			    client, "Error in IMAP command: Literal too large.", !sync);
			return;
		} else {
			client->input_state = CLIENT_INPUT_LITERAL;
			if (client->cmd_name != NULL &&
			    strcasecmp(client->cmd_name, "APPEND") == 0 &&
			    !client->cmd_first_line_done)
				client->append_mailbox_literal = str_new(client->cmd_pool, 64);
		}
		client->cmd_first_line_done = true;
		client->literal_left = size;
		if (sync)
			client_send_line(client, "+ OK");
		if (size == 0) {
			if (client->input_state == CLIENT_INPUT_LITERAL)
				(void)imap_parser_feed_literal(client->parser, "", 0);
			else
				imap_append_literal_end(client);
			client->input_state = CLIENT_INPUT_COMMAND;
		}
		return;
	case IMAP_PARSE_DONE:
		client_run_command(client);
		return;
	}
}

static bool client_handle_literal(struct client *client)
{
	const unsigned char *data;
	enum imap_parse_result ret;
	size_t n;

	n = line_reader_read_data(client->reader,
				  (size_t)MIN(client->literal_left, CLIENT_READ_CHUNK), &data);
	if (n == 0)
		return false;
	client->literal_left -= n;
	if (client->input_state == CLIENT_INPUT_APPEND_LITERAL) {
		imap_append_literal_data(client, data, n);
		if (client->literal_left == 0) {
			imap_append_literal_end(client);
			client->input_state = CLIENT_INPUT_COMMAND;
		}
		return true;
	}
	if (client->append_mailbox_literal != NULL)
		str_append_data(client->append_mailbox_literal, data, n);
	ret = imap_parser_feed_literal(client->parser, data, n);
	if (ret == IMAP_PARSE_ERROR) {
		client->input_state = CLIENT_INPUT_COMMAND;
		client_command_abort_line(client, imap_parser_get_error(client->parser),
					  imap_parser_is_fatal(client->parser));
		return true;
	}
	if (client->literal_left == 0)
		client->input_state = CLIENT_INPUT_COMMAND;
	return true;
}

void cmd_idle_line(struct client *client, const char *line);

static void client_handle_input(struct client *client)
{
	enum line_reader_result ret;
	const char *line;
	size_t len;

	while (!client->disconnected && client->cmd_continue == NULL) {
		if (client->input_state == CLIENT_INPUT_LITERAL ||
		    client->input_state == CLIENT_INPUT_APPEND_LITERAL) {
			if (!client_handle_literal(client))
				break;
			continue;
		}
		if (ostream_is_full(client->output)) {
			/* the client does not read its replies: stop reading
			   its commands until it does */
			client_block_input(client);
			return;
		}
		ret = line_reader_next_line(client->reader, &line, &len);
		if (ret == LINE_READER_MORE) {
			/* an idle connection keeps no input buffer */
			if (line_reader_get_buffered(client->reader) == 0)
				line_reader_compact(client->reader);
			break;
		}
		if (ret == LINE_READER_TOO_LONG) {
			if (client->tag == NULL)
				client->tag = "*";
			client_send_bad(client, "Error in IMAP command: Too long argument.");
			client_disconnect(client, "Too long argument.", "Too long command line");
			return;
		}
		if (memchr(line, '\0', len) != NULL) {
			if (client->tag == NULL)
				client->tag = "*";
			client_command_abort_line(
			    client, "Error in IMAP command received by server.", false);
			continue;
		}
		if (client->input_state == CLIENT_INPUT_IDLE) {
			cmd_idle_line(client, line);
			continue;
		}
		client_handle_line(client, line, len);
	}
	if (!client->disconnected && client->cmd_continue == NULL && client->io == NULL &&
	    !client->input_blocked)
		client->io = io_add(client->fd_in, IO_READ, client_io_input, client);
}

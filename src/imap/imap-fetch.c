/* FETCH: item parsing and the streaming of message data. Message bytes go
   from the file to the ostream in chunks, converted to CRLF line ends on
   the way, and the command stops whenever the ostream is full: it resumes
   from the flush callback, so a slow reader costs a bounded buffer. */

#include "lib.h"
#include "imap-fetch.h"
#include "imap-binary.h"
#include "date.h"
#include "imap-arg.h"
#include "imap-commands.h"
#include "imap-condstore.h"
#include "imap-util.h"
#include "message-parser.h"
#include "str.h"
#include "strfuncs.h"

#include <unistd.h>

#define FETCH_CHUNK (32 * 1024)
#define FETCH_MAX_HEADER_SIZE (1024 * 1024)

/* ---- parsing ---- */

static void add_simple(pool_t pool, ARRAY_TYPE(imap_fetch_item) *items,
		       enum imap_fetch_item_type type, const char *name)
{
	struct imap_fetch_item *item = array_append_space(items);

	(void)pool;
	item->type = type;
	item->name = name;
}

static int parse_body_section(pool_t pool, const char *atom, ARRAY_TYPE(imap_fetch_item) *items,
			      const char **error_r)
{
	struct imap_fetch_item item;
	const char *p, *end, *spec;
	string_t *name;

	memset(&item, 0, sizeof(item));
	item.type = IMAP_FETCH_BODY_SECTION;
	if (strncasecmp(atom, "BODY.PEEK[", 10) == 0) {
		item.peek = true;
		p = atom + 10;
	} else if (strncasecmp(atom, "BODY[", 5) == 0) {
		p = atom + 5;
	} else {
		*error_r =
		    t_strdup_printf("Unknown parameter: %s", str_sanitize(pool_temp, atom, 40));
		return -1;
	}
	end = strrchr(p, ']');
	if (end == NULL) {
		*error_r = "Invalid BODY[..] parameter: Missing ']'";
		return -1;
	}
	spec = p_strndup(pool, p, (size_t)(end - p));
	if (message_section_parse(pool, spec, &item.section, error_r) < 0) {
		*error_r = t_strdup_printf("Invalid BODY[..] parameter: %s", *error_r);
		return -1;
	}
	name = str_new(pool, 64);
	str_printfa(name, "BODY[%s]", str_ucase(p_strdup(pool, spec)));
	p = end + 1;
	if (*p == '<') {
		const char *dot = strchr(p, '.'), *close = strchr(p, '>');
		const char *num;

		if (dot == NULL || close == NULL || dot > close || close[1] != '\0') {
			*error_r = "Invalid partial";
			return -1;
		}
		num = t_strndup(p + 1, (size_t)(dot - p - 1));
		if (str_to_uint64(num, &item.partial_offset) < 0 ||
		    str_to_uint64(t_strndup(dot + 1, (size_t)(close - dot - 1)),
				  &item.partial_size) < 0 ||
		    item.partial_size == 0) {
			*error_r = "Invalid partial";
			return -1;
		}
		item.partial = true;
		str_printfa(name, "<%llu>", (unsigned long long)item.partial_offset);
	} else if (*p != '\0') {
		*error_r = "Invalid BODY[..] parameter: Junk after ']'";
		return -1;
	}
	item.name = str_c(name);
	array_push(items, &item);
	return 0;
}

static int parse_item(pool_t pool, const char *atom, ARRAY_TYPE(imap_fetch_item) *items,
		      bool allow_macro, const char **error_r)
{
	struct imap_fetch_item *item;

	if (strcasecmp(atom, "FLAGS") == 0)
		add_simple(pool, items, IMAP_FETCH_FLAGS, "FLAGS");
	else if (strcasecmp(atom, "UID") == 0)
		add_simple(pool, items, IMAP_FETCH_UID, "UID");
	else if (strcasecmp(atom, "INTERNALDATE") == 0)
		add_simple(pool, items, IMAP_FETCH_INTERNALDATE, "INTERNALDATE");
	else if (strcasecmp(atom, "RFC822.SIZE") == 0)
		add_simple(pool, items, IMAP_FETCH_RFC822_SIZE, "RFC822.SIZE");
	else if (strcasecmp(atom, "ENVELOPE") == 0)
		add_simple(pool, items, IMAP_FETCH_ENVELOPE, "ENVELOPE");
	else if (strcasecmp(atom, "BODYSTRUCTURE") == 0)
		add_simple(pool, items, IMAP_FETCH_BODYSTRUCTURE, "BODYSTRUCTURE");
	else if (strcasecmp(atom, "BODY") == 0)
		add_simple(pool, items, IMAP_FETCH_BODY, "BODY");
	else if (strcasecmp(atom, "MODSEQ") == 0)
		add_simple(pool, items, IMAP_FETCH_MODSEQ, "MODSEQ");
	else if (strcasecmp(atom, "RFC822") == 0 || strcasecmp(atom, "RFC822.HEADER") == 0 ||
		 strcasecmp(atom, "RFC822.TEXT") == 0) {
		item = array_append_space(items);
		item->type = IMAP_FETCH_BODY_SECTION;
		item->name = str_ucase(p_strdup(pool, atom));
		if (strcasecmp(atom, "RFC822.HEADER") == 0) {
			item->peek = true;
			item->section.type = MESSAGE_SECTION_HEADER;
		} else if (strcasecmp(atom, "RFC822.TEXT") == 0) {
			item->section.type = MESSAGE_SECTION_TEXT;
		}
	} else if (allow_macro && strcasecmp(atom, "ALL") == 0) {
		return parse_item(pool, "FLAGS", items, false, error_r) |
		       parse_item(pool, "INTERNALDATE", items, false, error_r) |
		       parse_item(pool, "RFC822.SIZE", items, false, error_r) |
		       parse_item(pool, "ENVELOPE", items, false, error_r);
	} else if (allow_macro && strcasecmp(atom, "FAST") == 0) {
		return parse_item(pool, "FLAGS", items, false, error_r) |
		       parse_item(pool, "INTERNALDATE", items, false, error_r) |
		       parse_item(pool, "RFC822.SIZE", items, false, error_r);
	} else if (allow_macro && strcasecmp(atom, "FULL") == 0) {
		return parse_item(pool, "ALL", items, true, error_r) |
		       parse_item(pool, "BODY", items, false, error_r);
	} else if (strncasecmp(atom, "BINARY", 6) == 0) {
		return imap_binary_parse_item(pool, atom, items, error_r);
	} else if (strchr(atom, '[') != NULL) {
		return parse_body_section(pool, atom, items, error_r);
	} else {
		*error_r =
		    t_strdup_printf("Unknown parameter: %s", str_sanitize(pool_temp, atom, 40));
		return -1;
	}
	return 0;
}

int imap_fetch_parse(pool_t pool, const struct imap_arg *arg, ARRAY_TYPE(imap_fetch_item) *items,
		     const char **error_r)
{
	const struct imap_arg *list;
	unsigned int count;
	const char *atom;

	if (imap_arg_get_atom(arg, &atom))
		return parse_item(pool, atom, items, true, error_r);
	if (!imap_arg_get_list(arg, &list, &count) || count == 0) {
		*error_r = "Invalid arguments.";
		return -1;
	}
	for (; !imap_arg_is_eol(list); list++) {
		if (!imap_arg_get_atom(list, &atom)) {
			*error_r = "Invalid arguments.";
			return -1;
		}
		if (parse_item(pool, atom, items, false, error_r) < 0)
			return -1;
	}
	return 0;
}

/* ---- the command ---- */

struct fetch_context {
	struct client *client;
	ARRAY_TYPE(imap_fetch_item) items;
	ARRAY_TYPE(imap_seqs) seqs;
	unsigned int seq_idx, item_idx;
	bool msg_started, add_flags, any_expunged, set_seen, flags_pending;
	/* CONDSTORE: only messages with a modseq above this (CHANGEDSINCE);
	   QRESYNC: VANISHED (EARLIER) first */
	struct imap_fetch_modifiers mods;
	/* messages this FETCH set \Seen on: their new MODSEQ is sent at the end */
	ARRAY_TYPE(imap_seqs) seen_set;
	pool_t msg_pool;
	struct mail_info info;
	int fd;
	uint64_t fd_size;
	struct message_part *parts;

	/* streaming a literal */
	bool streaming;
	uint64_t phys_pos, phys_end, vskip, vleft;
	bool last_cr;
	/* or sending it from memory */
	const unsigned char *mem;
	size_t mem_left;
	/* BINARY items (imap-binary.c), and why a message could not be sent */
	struct imap_binary_fetch *binary;
	const char *binary_error;
};

static void fetch_message_free(struct fetch_context *ctx)
{
	if (ctx->binary != NULL)
		imap_binary_fetch_reset(ctx->binary);
	if (ctx->fd != -1)
		i_close_fd(&ctx->fd);
	ctx->parts = NULL;
	ctx->streaming = false;
	ctx->mem = NULL;
	ctx->mem_left = 0;
	pool_clear(ctx->msg_pool);
}

static int fetch_open(struct fetch_context *ctx)
{
	if (ctx->fd != -1)
		return 0;
	return mailbox_mail_open(ctx->client->box, array_idx_elem(&ctx->seqs, ctx->seq_idx),
				 &ctx->fd, &ctx->fd_size);
}

static int fetch_parse_parts(struct fetch_context *ctx)
{
	struct message_parser_settings set;
	struct message_parser_ctx *parser;
	struct message_block block;
	unsigned char *buf;
	uint64_t pos = 0;
	ssize_t ret;

	if (ctx->parts != NULL)
		return 0;
	if (fetch_open(ctx) < 0)
		return -1;
	memset(&set, 0, sizeof(set));
	set.no_envelope = true;
	buf = p_malloc(ctx->msg_pool, FETCH_CHUNK);
	parser = message_parser_init(ctx->msg_pool, &set);
	for (;;) {
		ret = pread(ctx->fd, buf, FETCH_CHUNK, (off_t)pos);
		if (ret < 0) {
			i_error("pread(message) failed: %m");
			ctx->parts = message_parser_deinit(&parser);
			return -1;
		}
		if (ret == 0)
			break;
		pos += (uint64_t)ret;
		message_parser_feed(parser, buf, (size_t)ret);
		while (message_parser_next_block(parser, &block) == MESSAGE_PARSER_BLOCK)
			;
	}
	message_parser_feed_eof(parser);
	while (message_parser_next_block(parser, &block) == MESSAGE_PARSER_BLOCK)
		;
	ctx->parts = message_parser_deinit(&parser);
	return 0;
}

/* Appends data with bare LFs turned into CRLF, skipping *vskip virtual
   bytes first and writing at most *vleft. */
static void crlf_convert(string_t *dest, const unsigned char *data, size_t size, bool *last_cr,
			 uint64_t *vskip, uint64_t *vleft)
{
	size_t i;

	for (i = 0; i<size && * vleft> 0; i++) {
		if (*vskip == 0) {
			/* a run without LF or NUL goes as it is, in one append */
			size_t run = 0, max = (size_t)MIN(size - i, *vleft);

			while (run < max && data[i + run] != '\n' && data[i + run] != '\0')
				run++;
			if (run > 0) {
				str_append_data(dest, data + i, run);
				*vleft -= run;
				*last_cr = data[i + run - 1] == '\r';
				i += run - 1;
				continue;
			}
		}
		/* a NUL cannot go in a plain literal: 0x80, as Dovecot
		   sends it (BINARY sends it as it is) */
		unsigned char c = data[i] == '\0' ? 0x80 : data[i];

		if (data[i] == '\n' && !*last_cr) {
			if (*vskip > 0)
				(*vskip)--;
			else if (*vleft > 0) {
				str_append_c(dest, '\r');
				(*vleft)--;
			}
		}
		if (*vskip > 0)
			(*vskip)--;
		else if (*vleft > 0) {
			str_append_c(dest, (char)c);
			(*vleft)--;
		}
		*last_cr = data[i] == '\r';
	}
}

static void fetch_send_literal_header(struct fetch_context *ctx, const struct imap_fetch_item *item,
				      uint64_t vsize)
{
	uint64_t size = vsize;

	if (item->partial) {
		size = item->partial_offset >= vsize
			   ? 0
			   : MIN(item->partial_size, vsize - item->partial_offset);
	}
	(void)ostream_send_str(ctx->client->output, t_strdup_printf("%s {%llu}\r\n", item->name,
								    (unsigned long long)size));
	client_count_fetch(ctx->client,
			   item->section.type == MESSAGE_SECTION_HEADER ||
				   item->section.type == MESSAGE_SECTION_HEADER_FIELDS ||
				   item->section.type == MESSAGE_SECTION_HEADER_FIELDS_NOT ||
				   item->section.type == MESSAGE_SECTION_MIME,
			   size);
	ctx->vskip = item->partial ? item->partial_offset : 0;
	ctx->vleft = size;
	ctx->last_cr = false;
}

/* Sends the fields of hdr (a header, or the storage's cached part of
   one) that the HEADER.FIELDS[.NOT] item names. */
static void fetch_header_fields_send(struct fetch_context *ctx, const struct imap_fetch_item *item,
				     const unsigned char *hdr, size_t hdr_size)
{
	ARRAY_TYPE(message_section_range) ranges;
	string_t *text = str_new(ctx->msg_pool, 256);
	uint64_t vskip = 0, vleft = (uint64_t)-1, size;
	bool last_cr = false;

	p_array_init(&ranges, ctx->msg_pool, 8);
	(void)message_section_filter_header(&item->section, hdr, hdr_size, 0, &ranges);
	array_foreach(&ranges, r)
	{
		last_cr = false;
		crlf_convert(text, hdr + r->offset, (size_t)r->size, &last_cr, &vskip, &vleft);
		if (str_len(text) > 0 && str_data(text)[str_len(text) - 1] != '\n')
			str_append(text, "\r\n");
	}
	str_append(text, "\r\n");
	fetch_send_literal_header(ctx, item, str_len(text));
	size = ctx->vleft;
	ctx->mem = str_data(text) + MIN(ctx->vskip, str_len(text));
	ctx->mem_left = (size_t)size;
}

static int fetch_header_fields(struct fetch_context *ctx, const struct imap_fetch_item *item,
			       const struct message_section_range *range)
{
	size_t hdr_size = (size_t)MIN(range->size, FETCH_MAX_HEADER_SIZE);
	unsigned char *hdr = p_malloc(ctx->msg_pool, hdr_size + 1);
	ssize_t ret;

	ret = pread(ctx->fd, hdr, hdr_size, (off_t)range->offset);
	if (ret < 0) {
		i_error("pread(message) failed: %m");
		return -1;
	}
	fetch_header_fields_send(ctx, item, hdr, (size_t)ret);
	return 0;
}

/* HEADER.FIELDS of the message itself from the storage's cache (which
   reads and caches the header when it does not have them). Returns 1 when
   sent, 0 when the message must be read, -1 on error. */
static int fetch_header_fields_cached(struct fetch_context *ctx,
				      const struct imap_fetch_item *item)
{
	const void *data;
	size_t size;

	if (item->section.type != MESSAGE_SECTION_HEADER_FIELDS || item->section.path_len != 0)
		return 0;
	int ret = mailbox_mail_get_header_fields(ctx->client->box,
						 array_idx_elem(&ctx->seqs, ctx->seq_idx),
						 item->section.fields, ctx->msg_pool, &data, &size);
	if (ret <= 0)
		return ret;
	fetch_header_fields_send(ctx, item, data, size);
	return 1;
}

/* The part a section path names (NULL if none). */
static const struct message_part *part_at(const struct message_part *part, const unsigned int *path,
					  unsigned int len)
{
	const struct message_part *child;
	unsigned int i, n;

	for (i = 0; i < len && part != NULL; i++) {
		if ((part->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) != 0)
			part = part->children;
		if (part == NULL)
			return NULL;
		if ((part->flags & MESSAGE_PART_FLAG_MULTIPART) != 0) {
			child = part->children;
			for (n = 1; child != NULL && n < path[i]; n++)
				child = child->next;
			part = child;
		} else if (path[i] != 1) {
			return NULL;
		}
	}
	return part;
}

/* HEADER/TEXT after a part number mean the encapsulated message of a
   message/rfc822 part; of any other part they are empty, as in Dovecot. */
static bool section_is_empty(const struct message_part *root, const struct message_section *sec)
{
	const struct message_part *part;

	if (sec->path_len == 0 || sec->type == MESSAGE_SECTION_PART ||
	    sec->type == MESSAGE_SECTION_MIME || sec->type == MESSAGE_SECTION_WHOLE)
		return false;
	part = part_at(root, sec->path, sec->path_len);
	return part == NULL || (part->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) == 0;
}

static int fetch_body_item(struct fetch_context *ctx, const struct imap_fetch_item *item)
{
	struct message_section_range range;
	struct message_size msize;
	const char *error;

	if (item->section.type == MESSAGE_SECTION_WHOLE) {
		if (fetch_open(ctx) < 0)
			return -1;
		fetch_send_literal_header(ctx, item, ctx->info.virtual_size);
		ctx->phys_pos = 0;
		ctx->phys_end = ctx->fd_size;
		ctx->streaming = true;
		return 0;
	}
	if (ctx->parts == NULL) {
		int ret = fetch_header_fields_cached(ctx, item);
		if (ret != 0)
			return ret < 0 ? -1 : 0;
	}
	if (fetch_parse_parts(ctx) < 0)
		return -1;
	if (section_is_empty(ctx->parts, &item->section) ||
	    message_section_find(ctx->parts, &item->section, &range, &msize, &error) < 0) {
		/* a part that does not exist is empty (as Dovecot answers) */
		fetch_send_literal_header(ctx, item, 0);
		return 0;
	}
	if (item->section.type == MESSAGE_SECTION_HEADER_FIELDS ||
	    item->section.type == MESSAGE_SECTION_HEADER_FIELDS_NOT)
		return fetch_header_fields(ctx, item, &range);
	fetch_send_literal_header(ctx, item, msize.virtual_size);
	ctx->phys_pos = range.offset;
	ctx->phys_end = range.offset + range.size;
	ctx->streaming = true;
	return 0;
}

/* Sends one chunk of the literal. Returns 1 when it is complete. */
static int fetch_stream_chunk(struct fetch_context *ctx)
{
	unsigned char buf[FETCH_CHUNK];
	string_t *out;
	ssize_t ret;
	size_t n;

	if (ctx->mem != NULL) {
		n = MIN(ctx->mem_left, FETCH_CHUNK);
		(void)ostream_send(ctx->client->output, ctx->mem, n);
		ctx->mem += n;
		ctx->mem_left -= n;
		if (ctx->mem_left > 0)
			return 0;
		ctx->mem = NULL;
		return 1;
	}
	if (ctx->vleft == 0) {
		ctx->streaming = false;
		return 1;
	}
	n = (size_t)MIN(FETCH_CHUNK / 2, ctx->phys_end - ctx->phys_pos);
	ret = n == 0 ? 0 : pread(ctx->fd, buf, n, (off_t)ctx->phys_pos);
	if (ret <= 0) {
		/* the file is shorter than its index said: keep the
		   protocol in sync with spaces, and log it */
		if (ret < 0)
			i_error("pread(message) failed: %m");
		else
			i_error("message uid=%u is shorter than expected", ctx->info.uid);
		out = t_str_new(ctx->vleft);
		while (ctx->vleft > 0) {
			str_append_c(out, ' ');
			ctx->vleft--;
		}
		(void)ostream_send(ctx->client->output, str_data(out), str_len(out));
		ctx->streaming = false;
		return 1;
	}
	ctx->phys_pos += (uint64_t)ret;
	out = t_str_new(FETCH_CHUNK + 16);
	crlf_convert(out, buf, (size_t)ret, &ctx->last_cr, &ctx->vskip, &ctx->vleft);
	(void)ostream_send(ctx->client->output, str_data(out), str_len(out));
	return 0;
}

static int fetch_simple_item(struct fetch_context *ctx, const struct imap_fetch_item *item,
			     string_t *str)
{
	enum mail_fetch_field field;
	const char *value;
	uint32_t seq = array_idx_elem(&ctx->seqs, ctx->seq_idx);

	switch (item->type) {
	case IMAP_FETCH_FLAGS:
		str_append(str, "FLAGS ");
		client_append_flags(str, client_visible_flags(ctx->client, ctx->info.flags),
				    ctx->info.keywords);
		return 0;
	case IMAP_FETCH_UID:
		str_printfa(str, "UID %u", ctx->info.uid);
		return 0;
	case IMAP_FETCH_INTERNALDATE:
		str_append(str, "INTERNALDATE \"");
		date_append_imap_datetime_local(str, ctx->info.received_date);
		str_append_c(str, '"');
		return 0;
	case IMAP_FETCH_RFC822_SIZE:
		str_printfa(str, "RFC822.SIZE %llu", (unsigned long long)ctx->info.virtual_size);
		return 0;
	case IMAP_FETCH_MODSEQ:
		imap_append_modseq(str, ctx->info.modseq);
		return 0;
	case IMAP_FETCH_ENVELOPE:
		field = MAIL_FETCH_ENVELOPE;
		break;
	case IMAP_FETCH_BODYSTRUCTURE:
		field = MAIL_FETCH_BODYSTRUCTURE;
		break;
	case IMAP_FETCH_BODY:
		field = MAIL_FETCH_BODY;
		break;
	default:
		i_unreached();
	}
	if (mailbox_mail_get_cached(ctx->client->box, seq, field, ctx->msg_pool, &value) < 0)
		return -1;
	str_printfa(str, "%s %s", item->name, value);
	return 0;
}

/* Returns 1 when the message's response started, 0 when CHANGEDSINCE
   leaves it out, -1 when it was expunged. */
static int fetch_start_message(struct fetch_context *ctx)
{
	struct client *client = ctx->client;
	struct mailbox_transaction *t;
	uint32_t seq = array_idx_elem(&ctx->seqs, ctx->seq_idx);
	int ret;

	if (mailbox_mail_get_info(client->box, seq, ctx->msg_pool, &ctx->info) < 0)
		return -1;
	if (ctx->mods.changedsince_set && ctx->info.modseq <= ctx->mods.changedsince)
		return 0;
	if (ctx->binary != NULL) {
		/* measured before anything is sent: a section that cannot be
		   decoded leaves the message out of the answer */
		if (fetch_parse_parts(ctx) < 0)
			return -1;
		ret = imap_binary_fetch_prepare(ctx->binary, ctx->msg_pool, ctx->fd, ctx->parts,
						&ctx->items, &ctx->binary_error);
		if (ret < 0)
			return ret == -1 ? -2 : -1;
	}
	ctx->add_flags = false;
	if (ctx->set_seen && (ctx->info.flags & MAIL_SEEN) == 0) {
		t = mailbox_transaction_begin(client->box);
		if (mailbox_update_flags(t, ctx->info.uid, MODIFY_ADD, MAIL_SEEN, NULL) < 0 ||
		    mailbox_transaction_commit(&t, NULL, NULL) < 0) {
			if (t != NULL)
				mailbox_transaction_rollback(&t);
		} else {
			ctx->info.flags |= MAIL_SEEN;
			ctx->add_flags = true;
			client_own_flag_change(client, ctx->info.uid);
			array_push(&ctx->seen_set, &seq);
			array_foreach(&ctx->items, item)
			{
				if (item->type == IMAP_FETCH_FLAGS)
					ctx->add_flags = false;
			}
		}
	}
	(void)ostream_send_str(client->output, t_strdup_printf("* %u FETCH (", seq));
	/* the implicit FLAGS goes first (after UID), as Dovecot writes it */
	ctx->flags_pending = ctx->add_flags;
	ctx->msg_started = true;
	ctx->item_idx = 0;
	return 1;
}

/* With CONDSTORE, the \Seen this FETCH set gave the messages new modseqs:
   the client learns them after the data, as Dovecot tells them. */
static void fetch_send_seen_modseqs(struct fetch_context *ctx)
{
	struct client *client = ctx->client;
	struct mail_info info;
	string_t *str;
	uint32_t seq;

	if (!client->enabled_condstore)
		return;
	str = t_str_new(64);
	array_foreach_elem(&ctx->seen_set, seq)
	{
		if (mailbox_mail_get_info(client->box, seq, client->cmd_pool, &info) < 0)
			continue;
		str_truncate(str, 0);
		str_printfa(str, "* %u FETCH (", seq);
		if (client->enabled_qresync)
			str_printfa(str, "UID %u ", info.uid);
		imap_append_modseq(str, info.modseq);
		str_append_c(str, ')');
		client_send_line(client, str_c(str));
	}
}

static bool fetch_continue(struct client *client)
{
	struct fetch_context *ctx = client->cmd_context;
	const struct imap_fetch_item *item;
	string_t *str;
	int ret;

	while (ctx->seq_idx < array_count(&ctx->seqs)) {
		if (ostream_is_full(client->output))
			return false;
		if (ostream_is_failed(client->output)) {
			fetch_message_free(ctx);
			client_disconnect(client, NULL, "Connection closed during FETCH");
			return false;
		}
		if (!ctx->msg_started) {
			ret = fetch_start_message(ctx);
			if (ret <= 0) {
				if (ret == -1)
					ctx->any_expunged = true;
				fetch_message_free(ctx);
				ctx->seq_idx++;
				continue;
			}
		}
		if (ctx->binary != NULL && imap_binary_fetch_is_streaming(ctx->binary)) {
			(void)imap_binary_fetch_stream(ctx->binary, ctx->fd, client->output);
			continue;
		}
		if (ctx->streaming || ctx->mem != NULL) {
			(void)fetch_stream_chunk(ctx);
			continue;
		}
		if (ctx->item_idx < array_count(&ctx->items)) {
			item = array_idx(&ctx->items, ctx->item_idx);
			if (ctx->item_idx > 0)
				(void)ostream_send(client->output, " ", 1);
			if (ctx->flags_pending &&
			    ctx->item_idx == (client->cmd_uid || client->enabled_qresync ? 1U : 0U)) {
				str = str_new(ctx->msg_pool, 64);
				str_append(str, "FLAGS ");
				client_append_flags(str,
						    client_visible_flags(client, ctx->info.flags),
						    ctx->info.keywords);
				str_append_c(str, ' ');
				(void)ostream_send(client->output, str_data(str), str_len(str));
				ctx->flags_pending = false;
			}
			ctx->item_idx++;
			if (item->type == IMAP_FETCH_BODY_SECTION)
				ret = fetch_body_item(ctx, item);
			else if (item->type == IMAP_FETCH_BINARY ||
				 item->type == IMAP_FETCH_BINARY_SIZE) {
				imap_binary_fetch_send_item(ctx->binary, item, ctx->item_idx - 1,
							    client->output);
				ret = 0;
			} else {
				/* from the message's pool, cleared after each
				   message: pool_temp would grow by the whole
				   FETCH before the loop turns */
				str = str_new(ctx->msg_pool, 256);
				ret = fetch_simple_item(ctx, item, str);
				(void)ostream_send(client->output, str_data(str), str_len(str));
			}
			if (ret < 0) {
				/* the message vanished under us: the response
				   is already partly sent, so this connection
				   cannot go on in sync */
				fetch_message_free(ctx);
				client_disconnect(client, "FETCH failed: message disappeared",
						  "FETCH failed");
				return false;
			}
			continue;
		}
		str = str_new(ctx->msg_pool, 64);
		if (ctx->flags_pending) {
			str_append(str, " FLAGS ");
			client_append_flags(str, client_visible_flags(client, ctx->info.flags),
					    ctx->info.keywords);
			ctx->flags_pending = false;
		}
		str_append(str, ")\r\n");
		(void)ostream_send(client->output, str_data(str), str_len(str));
		fetch_message_free(ctx);
		ctx->msg_started = false;
		ctx->seq_idx++;
	}
	imap_binary_fetch_destroy(&ctx->binary);
	pool_unref(&ctx->msg_pool);
	client->cmd_free = NULL;
	fetch_send_seen_modseqs(ctx);
	if (client->cmd_uid)
		(void)client_sync(client, true);
	client_send_tagline(client,
			    ctx->binary_error != NULL
				? t_strdup_printf("NO %s", ctx->binary_error)
			    : ctx->any_expunged ? "NO [EXPUNGEISSUED] Some messages were also expunged."
						: "OK Fetch completed.");
	return true;
}

static void fetch_free(struct client *client)
{
	struct fetch_context *ctx = client->cmd_context;

	imap_binary_fetch_destroy(&ctx->binary);
	if (ctx->fd != -1)
		i_close_fd(&ctx->fd);
	if (ctx->msg_pool != NULL)
		pool_unref(&ctx->msg_pool);
}

bool cmd_fetch(struct client *client, const struct imap_arg *args)
{
	struct fetch_context *ctx;
	const char *set_str, *error;
	struct imap_fetch_item uid_item;
	bool has_uid = false, has_modseq = false;

	ctx = p_new(client->cmd_pool, struct fetch_context, 1);
	ctx->client = client;
	ctx->fd = -1;
	p_array_init(&ctx->items, client->cmd_pool, 8);
	p_array_init(&ctx->seqs, client->cmd_pool, 32);
	if (!imap_arg_get_atom(args, &set_str) || imap_arg_is_eol(args + 1)) {
		client_send_bad(client, "Error in IMAP command FETCH: Invalid arguments.");
		return true;
	}
	if (imap_fetch_parse(client->cmd_pool, args + 1, &ctx->items, &error) < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %sFETCH: %s",
							client->cmd_uid ? "UID " : "", error));
		return true;
	}
	if (imap_condstore_parse_fetch_modifiers(args + 2, client->cmd_uid, client->enabled_qresync,
						 &ctx->mods, &error) < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %sFETCH: %s",
							client->cmd_uid ? "UID " : "", error));
		return true;
	}
	if (imap_util_seqset_to_seqs(client, set_str, &ctx->seqs, &error) < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %sFETCH: %s",
							client->cmd_uid ? "UID " : "", error));
		return true;
	}
	array_foreach(&ctx->items, item)
	{
		if (item->type == IMAP_FETCH_UID)
			has_uid = true;
		if (item->type == IMAP_FETCH_MODSEQ)
			has_modseq = true;
		if ((item->type == IMAP_FETCH_BODY_SECTION || item->type == IMAP_FETCH_BINARY) &&
		    !item->peek && !client->box_readonly)
			ctx->set_seen = true;
		if ((item->type == IMAP_FETCH_BINARY || item->type == IMAP_FETCH_BINARY_SIZE) &&
		    ctx->binary == NULL)
			ctx->binary = imap_binary_fetch_create();
	}
	/* QRESYNC: every FETCH response carries the UID (RFC 7162 3.2.4) */
	if ((client->cmd_uid || client->enabled_qresync) && !has_uid) {
		memset(&uid_item, 0, sizeof(uid_item));
		uid_item.type = IMAP_FETCH_UID;
		uid_item.name = "UID";
		array_push(&ctx->items, &uid_item);
		/* UID first, as Dovecot writes it */
		memmove(array_idx(&ctx->items, 1), array_idx(&ctx->items, 0),
			sizeof(uid_item) * (array_count(&ctx->items) - 1));
		*array_idx(&ctx->items, 0) = uid_item;
	}
	if (ctx->mods.changedsince_set && !has_modseq) {
		/* CHANGEDSINCE implies MODSEQ, which goes last */
		struct imap_fetch_item *item = array_append_space(&ctx->items);

		item->type = IMAP_FETCH_MODSEQ;
		item->name = "MODSEQ";
		has_modseq = true;
	}
	if (has_modseq)
		client_enable_condstore(client);
	if (ctx->mods.vanished) {
		ARRAY_TYPE(imap_seq_range) uids;
		bool saved;

		/* the set parsed above already: valid */
		p_array_init(&uids, client->cmd_pool, 8);
		if (imap_seq_set_parse(set_str, &uids, &saved, &error) == 0 && !saved)
			imap_qresync_send_vanished_earlier(client, &uids, ctx->mods.changedsince);
	}
	p_array_init(&ctx->seen_set, client->cmd_pool, 4);
	ctx->msg_pool = pool_alloconly_create("fetch message", 4096);
	client->cmd_context = ctx;
	client->cmd_continue = fetch_continue;
	client->cmd_free = fetch_free;
	if (fetch_continue(client)) {
		client->cmd_continue = NULL;
		return true;
	}
	return false;
}

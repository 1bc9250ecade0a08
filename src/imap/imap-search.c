/* SEARCH: the key parser and evaluation against the index and, for
   header/body keys, the message file read in bounded chunks and decoded
   (RFC 2047, Content-Transfer-Encoding, charset) for i;unicode-casemap
   matching. The result goes out as SEARCH or ESEARCH (imap-esearch.c). */

#include "lib.h"
#include "imap-search.h"
#include "charset-utf8.h"
#include "date.h"
#include "imap-arg.h"
#include "imap-commands.h"
#include "imap-condstore.h"
#include "imap-esearch.h"
#include "imap-util.h"
#include "message-cte.h"
#include "message-header-parser.h"
#include "message-parser.h"
#include "message-part-data.h"
#include "rfc2047.h"
#include "str.h"
#include "strfuncs.h"
#include "unicode-casemap.h"

#include <unistd.h>

#define SEARCH_CHUNK (64 * 1024)
#define SEARCH_MAX_HEADER_SIZE (1024 * 1024)
#define SEARCH_MAX_DEPTH 50

/* ---- parsing ---- */

static struct search_key *key_new(pool_t pool, enum search_key_type type)
{
	struct search_key *key = p_new(pool, struct search_key, 1);

	key->type = type;
	return key;
}

static bool parse_astring(const struct imap_arg **args, const char **str_r)
{
	if (imap_arg_is_eol(*args) || !imap_arg_get_astring(*args, str_r))
		return false;
	(*args)++;
	return true;
}

static struct search_key *parse_key(pool_t pool, const struct imap_arg **args, unsigned int depth,
				    const char **error_r);

static struct search_key *parse_list(pool_t pool, const struct imap_arg *args, unsigned int depth,
				     const char **error_r)
{
	struct search_key *root = key_new(pool, SEARCH_AND), **tail = &root->children;

	if (imap_arg_is_eol(args)) {
		*error_r = "Missing search parameters";
		return NULL;
	}
	while (!imap_arg_is_eol(args)) {
		*tail = parse_key(pool, &args, depth + 1, error_r);
		if (*tail == NULL)
			return NULL;
		tail = &(*tail)->next;
	}
	return root;
}

static const struct {
	const char *name;
	enum search_key_type type;
	enum mail_flags flag;
} flag_keys[] = {
    {"ANSWERED", SEARCH_FLAG, MAIL_ANSWERED},
    {"DELETED", SEARCH_FLAG, MAIL_DELETED},
    {"DRAFT", SEARCH_FLAG, MAIL_DRAFT},
    {"FLAGGED", SEARCH_FLAG, MAIL_FLAGGED},
    {"SEEN", SEARCH_FLAG, MAIL_SEEN},
    {"RECENT", SEARCH_FLAG, MAIL_RECENT},
    {"UNANSWERED", SEARCH_NOFLAG, MAIL_ANSWERED},
    {"UNDELETED", SEARCH_NOFLAG, MAIL_DELETED},
    {"UNDRAFT", SEARCH_NOFLAG, MAIL_DRAFT},
    {"UNFLAGGED", SEARCH_NOFLAG, MAIL_FLAGGED},
    {"UNSEEN", SEARCH_NOFLAG, MAIL_SEEN},
};

static const struct {
	const char *name;
	enum search_key_type type;
} date_keys[] = {
    {"BEFORE", SEARCH_BEFORE},	       {"ON", SEARCH_ON},	  {"SINCE", SEARCH_SINCE},
    {"SENTBEFORE", SEARCH_SENTBEFORE}, {"SENTON", SEARCH_SENTON}, {"SENTSINCE", SEARCH_SENTSINCE},
};

/* MODSEQ [<entry-name> <entry-type-req>] <mod-sequence-valzer> (RFC 7162
   3.1.5). Modseqs are kept per message, not per flag, so the entry only
   has to be well-formed. */
static struct search_key *parse_modseq(pool_t pool, const struct imap_arg **args,
				       const char **error_r)
{
	struct search_key *key = key_new(pool, SEARCH_MODSEQ);
	const char *value, *type;

	if (!parse_astring(args, &value)) {
		*error_r = "Invalid MODSEQ value";
		return NULL;
	}
	if (strncasecmp(value, "/flags/", 7) == 0) {
		if (!parse_astring(args, &type) ||
		    (strcasecmp(type, "priv") != 0 && strcasecmp(type, "shared") != 0 &&
		     strcasecmp(type, "all") != 0)) {
			*error_r = "Invalid MODSEQ type";
			return NULL;
		}
		if (!parse_astring(args, &value)) {
			*error_r = "Invalid MODSEQ value";
			return NULL;
		}
	}
	if (imap_parse_modseq(value, true, &key->modseq) < 0) {
		*error_r = "Invalid MODSEQ value";
		return NULL;
	}
	return key;
}

static struct search_key *parse_key(pool_t pool, const struct imap_arg **args, unsigned int depth,
				    const char **error_r)
{
	const struct imap_arg *list;
	struct search_key *key;
	const char *name, *value, *err;
	unsigned int i, count;
	bool saved;

	if (depth > SEARCH_MAX_DEPTH) {
		*error_r = "Too deep search nesting";
		return NULL;
	}
	if (imap_arg_is_eol(*args)) {
		*error_r = "Missing search parameters";
		return NULL;
	}
	if (imap_arg_get_list(*args, &list, &count)) {
		(*args)++;
		return parse_list(pool, list, depth, error_r);
	}
	if (!imap_arg_get_atom(*args, &name)) {
		*error_r = "Invalid search key";
		return NULL;
	}
	(*args)++;
	for (i = 0; i < N_ELEMENTS(flag_keys); i++) {
		if (strcasecmp(name, flag_keys[i].name) == 0) {
			key = key_new(pool, flag_keys[i].type);
			key->flag = flag_keys[i].flag;
			return key;
		}
	}
	for (i = 0; i < N_ELEMENTS(date_keys); i++) {
		if (strcasecmp(name, date_keys[i].name) == 0) {
			key = key_new(pool, date_keys[i].type);
			if (!parse_astring(args, &value) ||
			    date_parse_imap_date(value, &key->date, &err) < 0) {
				*error_r = "Invalid search date parameter";
				return NULL;
			}
			return key;
		}
	}
	if (strcasecmp(name, "ALL") == 0)
		return key_new(pool, SEARCH_ALL);
	if (strcasecmp(name, "NEW") == 0)
		return key_new(pool, SEARCH_NEW);
	if (strcasecmp(name, "OLD") == 0)
		return key_new(pool, SEARCH_OLD);
	if (strcasecmp(name, "NOT") == 0) {
		key = key_new(pool, SEARCH_NOT);
		key->children = parse_key(pool, args, depth + 1, error_r);
		return key->children == NULL ? NULL : key;
	}
	if (strcasecmp(name, "OR") == 0) {
		key = key_new(pool, SEARCH_OR);
		key->children = parse_key(pool, args, depth + 1, error_r);
		if (key->children == NULL)
			return NULL;
		key->children->next = parse_key(pool, args, depth + 1, error_r);
		return key->children->next == NULL ? NULL : key;
	}
	if (strcasecmp(name, "KEYWORD") == 0 || strcasecmp(name, "UNKEYWORD") == 0) {
		key = key_new(pool,
			      strcasecmp(name, "KEYWORD") == 0 ? SEARCH_KEYWORD : SEARCH_NOKEYWORD);
		if (!parse_astring(args, &value)) {
			*error_r = "Missing parameter for KEYWORD";
			return NULL;
		}
		key->value = p_strdup(pool, value);
		return key;
	}
	if (strcasecmp(name, "LARGER") == 0 || strcasecmp(name, "SMALLER") == 0) {
		key =
		    key_new(pool, strcasecmp(name, "LARGER") == 0 ? SEARCH_LARGER : SEARCH_SMALLER);
		if (!parse_astring(args, &value) || str_to_uint64(value, &key->size) < 0) {
			*error_r = "Invalid size parameter";
			return NULL;
		}
		return key;
	}
	if (strcasecmp(name, "UID") == 0) {
		key = key_new(pool, SEARCH_UIDSET);
		p_array_init(&key->set, pool, 4);
		if (!parse_astring(args, &value) ||
		    imap_seq_set_parse(value, &key->set, &saved, &err) < 0) {
			*error_r = "Invalid UID messageset";
			return NULL;
		}
		if (saved)
			key->type = SEARCH_SAVED;
		return key;
	}
	if (strcasecmp(name, "MODSEQ") == 0)
		return parse_modseq(pool, args, error_r);
	if (strcasecmp(name, "HEADER") == 0) {
		key = key_new(pool, SEARCH_HEADER);
		if (!parse_astring(args, &key->header) || !parse_astring(args, &value)) {
			*error_r = "Missing parameter for HEADER";
			return NULL;
		}
		key->header = p_strdup(pool, key->header);
		key->value = p_strdup(pool, value);
		return key;
	}
	if (strcasecmp(name, "FROM") == 0 || strcasecmp(name, "TO") == 0 ||
	    strcasecmp(name, "CC") == 0 || strcasecmp(name, "BCC") == 0 ||
	    strcasecmp(name, "SUBJECT") == 0) {
		key = key_new(pool, SEARCH_HEADER);
		key->header = p_strdup(pool, name);
		if (!parse_astring(args, &value)) {
			*error_r = t_strdup_printf("Missing parameter for %s", name);
			return NULL;
		}
		key->value = p_strdup(pool, value);
		return key;
	}
	if (strcasecmp(name, "BODY") == 0 || strcasecmp(name, "TEXT") == 0) {
		key = key_new(pool, strcasecmp(name, "BODY") == 0 ? SEARCH_BODY : SEARCH_TEXT);
		if (!parse_astring(args, &value)) {
			*error_r = t_strdup_printf("Missing parameter for %s", name);
			return NULL;
		}
		key->value = p_strdup(pool, value);
		return key;
	}
	if ((name[0] >= '0' && name[0] <= '9') || name[0] == '*' || strcmp(name, "$") == 0) {
		key = key_new(pool, SEARCH_SEQSET);
		p_array_init(&key->set, pool, 4);
		if (imap_seq_set_parse(name, &key->set, &saved, &err) < 0) {
			*error_r = "Invalid messageset";
			return NULL;
		}
		if (saved)
			key->type = SEARCH_SAVED;
		return key;
	}
	*error_r = t_strdup_printf("Unknown argument %s", str_sanitize(pool_temp, name, 40));
	return NULL;
}

struct search_key *imap_search_parse(pool_t pool, const struct imap_arg *args,
				     const char **charset_r, const char **error_r)
{
	const char *charset;

	*charset_r = NULL;
	if (imap_arg_atom_equals(args, "CHARSET")) {
		if (!imap_arg_get_astring(args + 1, &charset)) {
			*error_r = "Missing CHARSET";
			return NULL;
		}
		*charset_r = p_strdup(pool, charset);
		args += 2;
	}
	return parse_list(pool, args, 0, error_r);
}

struct search_key *imap_search_parse_keys(pool_t pool, const struct imap_arg *args,
					  const char **error_r)
{
	return parse_list(pool, args, 0, error_r);
}

static int prepare_value(pool_t pool, struct search_key *key, const char *charset)
{
	string_t *utf8 = str_new(pool, strlen(key->value) + 16);
	string_t *mapped = str_new(pool, strlen(key->value) + 16);

	if (charset == NULL || charset_is_utf8(charset))
		(void)charset_utf8_append_valid(utf8, key->value, strlen(key->value));
	else if (charset_to_utf8_str(charset, key->value, strlen(key->value), utf8) ==
		 CHARSET_RET_UNKNOWN)
		return -1;
	uni_utf8_casemap(str_data(utf8), str_len(utf8), mapped);
	key->value = str_c(mapped);
	return 0;
}

int imap_search_prepare(pool_t pool, struct search_key *root, const char *charset)
{
	struct search_key *key;

	if (charset != NULL && !charset_is_utf8(charset) && !charset_is_known(charset))
		return -1;
	for (key = root; key != NULL; key = key->next) {
		if ((key->type == SEARCH_HEADER || key->type == SEARCH_BODY ||
		     key->type == SEARCH_TEXT) &&
		    prepare_value(pool, key, charset) < 0)
			return -1;
		if (key->children != NULL && imap_search_prepare(pool, key->children, charset) < 0)
			return -1;
	}
	return 0;
}

bool imap_search_has_modseq(const struct search_key *key)
{
	for (; key != NULL; key = key->next) {
		if (key->type == SEARCH_MODSEQ || imap_search_has_modseq(key->children))
			return true;
	}
	return false;
}

/* ---- evaluation ---- */

struct search_message {
	struct client *client;
	uint32_t seq;
	struct mail_info info;
	pool_t pool;
	int fd;
	uint64_t size;
	/* the header, unfolded field by field, lazily read */
	const char *header;
	size_t header_size;
	bool failed;
};

/* Whether the casemapped text contains the casemapped needle. */
static bool text_contains(const void *hay, size_t hay_len, const char *needle)
{
	return needle[0] == '\0' || memmem(hay, hay_len, needle, strlen(needle)) != NULL;
}

/* Appends value RFC 2047-decoded and casemapped. */
static void casemap_header_value(pool_t pool, string_t *dest, const void *value, size_t size)
{
	string_t *utf8 = str_new(pool, size + 16);

	rfc2047_decode_utf8(value, size, utf8);
	uni_utf8_casemap(str_data(utf8), str_len(utf8), dest);
}

static int msg_open(struct search_message *msg)
{
	if (msg->fd != -1)
		return 0;
	if (mailbox_mail_open(msg->client->box, msg->seq, &msg->fd, &msg->size) < 0) {
		msg->failed = true;
		return -1;
	}
	return 0;
}

static int msg_read_header(struct search_message *msg)
{
	size_t cap, i, used = 0;
	char *buf;
	ssize_t ret;

	if (msg->header != NULL)
		return 0;
	if (msg_open(msg) < 0)
		return -1;
	cap = (size_t)MIN(msg->size, SEARCH_MAX_HEADER_SIZE);
	buf = p_malloc(msg->pool, cap + 1);
	while (used < cap) {
		ret = pread(msg->fd, buf + used, cap - used, (off_t)used);
		if (ret <= 0)
			break;
		used += (size_t)ret;
	}
	/* the header ends at the first empty line */
	for (i = 0; i < used; i++) {
		if (buf[i] == '\n' && (i + 1 < used) &&
		    (buf[i + 1] == '\n' ||
		     (buf[i + 1] == '\r' && i + 2 < used && buf[i + 2] == '\n'))) {
			used = i + 1;
			break;
		}
	}
	buf[used] = '\0';
	msg->header = buf;
	msg->header_size = used;
	return 0;
}

static void str_drop_cr(string_t *str)
{
	if (str_len(str) > 0 && str_data(str)[str_len(str) - 1] == '\r')
		str_truncate(str, str_len(str) - 1);
}

/* Whether a field called name in the header block contains value. */
static bool header_block_match(struct search_message *msg, const char *block, size_t size,
			       const char *name, const char *value)
{
	const char *p, *end, *line_end, *colon;
	size_t name_len = strlen(name);
	string_t *field = str_new(msg->pool, 256), *mapped = str_new(msg->pool, 256);

	p = block;
	end = p + size;
	while (p < end) {
		line_end = memchr(p, '\n', (size_t)(end - p));
		if (line_end == NULL)
			line_end = end;
		colon = memchr(p, ':', (size_t)(line_end - p));
		if (colon != NULL && (size_t)(colon - p) == name_len &&
		    strncasecmp(p, name, name_len) == 0) {
			str_truncate(field, 0);
			str_append_data(field, colon + 1, (size_t)(line_end - colon - 1));
			/* continuation lines: unfolded (the line ends dropped) */
			while (line_end + 1 < end && (line_end[1] == ' ' || line_end[1] == '\t')) {
				p = line_end + 1;
				line_end = memchr(p, '\n', (size_t)(end - p));
				if (line_end == NULL)
					line_end = end;
				str_drop_cr(field);
				str_append_data(field, p, (size_t)(line_end - p));
			}
			str_drop_cr(field);
			str_truncate(mapped, 0);
			casemap_header_value(msg->pool, mapped, str_data(field), str_len(field));
			if (text_contains(str_data(mapped), str_len(mapped), value))
				return true;
		}
		p = line_end + 1;
	}
	return false;
}

static bool header_match(struct search_message *msg, const char *name, const char *value)
{
	const char *names[] = { name, NULL };
	const void *data;
	size_t size;

	/* from the cache when a FETCH or an earlier SEARCH asked for the field
	   (else it is cached now, as Dovecot does): no message file opened */
	if (msg->header == NULL &&
	    mailbox_mail_get_header_fields(msg->client->box, msg->seq, names, msg->pool, &data,
					   &size) > 0)
		return header_block_match(msg, data, size, name, value);
	if (msg_read_header(msg) < 0)
		return false;
	return header_block_match(msg, msg->header, msg->header_size, name, value);
}

/* BODY and TEXT: the message goes through the MIME parser; each text
   part's body is decoded from its Content-Transfer-Encoding, converted from its
   charset (text parts) and casemapped into a window that keeps the last
   needle-length bytes, so a match across two chunks is found. TEXT also
   looks at every header field ("Name: value", RFC 2047-decoded). */
struct body_search {
	pool_t pool;
	const char *needle;
	size_t needle_len;
	bool text;
	struct message_part *part;
	struct message_cte_decoder *decoder;
	struct charset_translation *translation;
	buffer_t *decoded;
	string_t *utf8, *window;
	bool found;
};

static void body_search_scan(struct body_search *bs)
{
	size_t used;

	/* the UTF-8 text is casemapped; a character cut at the end waits
	   for the next chunk */
	used = uni_utf8_casemap_partial(str_data(bs->utf8), str_len(bs->utf8), bs->window);
	str_delete(bs->utf8, 0, used);
	if (text_contains(str_data(bs->window), str_len(bs->window), bs->needle)) {
		bs->found = true;
		return;
	}
	if (str_len(bs->window) >= bs->needle_len)
		str_delete(bs->window, 0, str_len(bs->window) - (bs->needle_len - 1));
}

static void body_search_convert(struct body_search *bs, bool last)
{
	if (bs->translation != NULL) {
		(void)charset_translation_add(bs->translation, bs->decoded->data, bs->decoded->used,
					      bs->utf8);
		if (last)
			(void)charset_translation_finish(bs->translation, bs->utf8);
	} else {
		str_append_data(bs->utf8, bs->decoded->data, bs->decoded->used);
	}
	buffer_set_used_size(bs->decoded, 0);
	if (last && str_len(bs->utf8) > 0) {
		/* what is left is a cut character: invalid */
		uni_utf8_casemap(str_data(bs->utf8), str_len(bs->utf8), bs->window);
		str_truncate(bs->utf8, 0);
	}
	body_search_scan(bs);
}

static void body_search_end_part(struct body_search *bs)
{
	if (bs->decoder != NULL) {
		message_cte_decoder_finish(bs->decoder, bs->decoded);
		body_search_convert(bs, true);
		message_cte_decoder_destroy(&bs->decoder);
	}
	if (bs->translation != NULL)
		charset_translation_destroy(&bs->translation);
	str_truncate(bs->utf8, 0);
	str_truncate(bs->window, 0);
	bs->part = NULL;
}

static void body_search_start_part(struct body_search *bs, struct message_part *part)
{
	const char *charset;

	body_search_end_part(bs);
	bs->part = part;
	bs->decoder = message_cte_decoder_create(message_cte_parse(
	    part->data == NULL ? NULL : part->data->content_transfer_encoding));
	if ((part->flags & MESSAGE_PART_FLAG_TEXT) != 0 && part->data != NULL) {
		charset = message_part_data_get_param(part->data, "charset");
		if (charset != NULL && !charset_is_utf8(charset))
			bs->translation = charset_translation_create(charset);
	}
}

/* TEXT: "Name: value" of one header field, the value RFC 2047-decoded. */
static void body_search_header(struct body_search *bs, const struct message_header_field *field)
{
	string_t *line = str_new(bs->pool, field->name_len + field->value_len + 16);
	string_t *mapped = str_new(bs->pool, field->name_len + field->value_len + 16);

	str_append_data(line, field->name, field->name_len);
	str_append(line, ": ");
	uni_utf8_casemap(str_data(line), str_len(line), mapped);
	casemap_header_value(bs->pool, mapped, field->value, field->value_len);
	if (text_contains(str_data(mapped), str_len(mapped), bs->needle))
		bs->found = true;
}

static void body_search_block(struct body_search *bs, const struct message_block *block)
{
	switch (block->type) {
	case MESSAGE_BLOCK_HEADER_FIELD:
		/* the previous part ended: what its decoders hold back counts */
		if (bs->part != NULL && block->part != bs->part)
			body_search_end_part(bs);
		if (bs->text)
			body_search_header(bs, block->field);
		break;
	case MESSAGE_BLOCK_HEADER_END:
		body_search_start_part(bs, block->part);
		break;
	case MESSAGE_BLOCK_BODY:
		/* as Dovecot: only text parts are searched, not attachments
		   nor the preamble and epilogue of a multipart */
		if ((block->part->flags & MESSAGE_PART_FLAG_TEXT) == 0)
			break;
		if (block->part != bs->part)
			body_search_start_part(bs, block->part);
		message_cte_decoder_decode(bs->decoder, block->data, block->size, bs->decoded);
		body_search_convert(bs, false);
		break;
	}
}

static bool body_match(struct search_message *msg, const char *value, bool text)
{
	struct message_parser_settings set;
	struct message_parser_ctx *parser;
	struct message_block block;
	struct body_search bs;
	unsigned char *buf;
	uint64_t pos = 0;
	ssize_t ret;

	if (value[0] == '\0')
		return true;
	if (msg_open(msg) < 0)
		return false;
	memset(&bs, 0, sizeof(bs));
	bs.pool = msg->pool;
	bs.needle = value;
	bs.needle_len = strlen(value);
	bs.text = text;
	bs.decoded = buffer_create_dynamic(msg->pool, SEARCH_CHUNK);
	bs.utf8 = str_new(msg->pool, SEARCH_CHUNK);
	bs.window = str_new(msg->pool, SEARCH_CHUNK);
	memset(&set, 0, sizeof(set));
	set.no_envelope = true;
	buf = p_malloc(msg->pool, SEARCH_CHUNK);
	parser = message_parser_init(msg->pool, &set);
	while (!bs.found) {
		ret = pread(msg->fd, buf, SEARCH_CHUNK, (off_t)pos);
		if (ret < 0) {
			i_error("pread(message) failed: %m");
			break;
		}
		if (ret == 0) {
			message_parser_feed_eof(parser);
			while (!bs.found &&
			       message_parser_next_block(parser, &block) == MESSAGE_PARSER_BLOCK)
				body_search_block(&bs, &block);
			break;
		}
		pos += (uint64_t)ret;
		message_parser_feed(parser, buf, (size_t)ret);
		while (!bs.found &&
		       message_parser_next_block(parser, &block) == MESSAGE_PARSER_BLOCK)
			body_search_block(&bs, &block);
	}
	if (!bs.found)
		body_search_end_part(&bs);
	if (bs.decoder != NULL)
		message_cte_decoder_destroy(&bs.decoder);
	if (bs.translation != NULL)
		charset_translation_destroy(&bs.translation);
	(void)message_parser_deinit(&parser);
	return bs.found;
}

static time_t day_start(time_t t)
{
	int tz = date_local_tz_offset(t);

	/* the day of t in the server's time zone, as 00:00 UTC of that date */
	t += tz * 60;
	return t - t % 86400;
}

static bool sent_date(struct search_message *msg, time_t *day_r)
{
	const char *p, *end, *line_end;
	time_t t;
	int tz;
	const char *err;

	if (msg_read_header(msg) < 0)
		return false;
	p = msg->header;
	end = p + msg->header_size;
	while (p < end) {
		line_end = memchr(p, '\n', (size_t)(end - p));
		if (line_end == NULL)
			line_end = end;
		if (strncasecmp(p, "Date:", 5) == 0) {
			if (date_parse_rfc5322(p + 5, (size_t)(line_end - p - 5), &t, &tz, &err) <
			    0)
				return false;
			t += tz * 60;
			*day_r = t - t % 86400;
			return true;
		}
		p = line_end + 1;
	}
	return false;
}

static bool keyword_has(const char *const *keywords, const char *kw)
{
	for (; keywords != NULL && *keywords != NULL; keywords++) {
		if (strcasecmp(*keywords, kw) == 0)
			return true;
	}
	return false;
}

static bool key_match(struct search_message *msg, const struct search_key *key)
{
	const struct search_key *child;
	uint32_t count = mailbox_count(msg->client->box);
	time_t day;

	switch (key->type) {
	case SEARCH_ALL:
		return true;
	case SEARCH_AND:
		for (child = key->children; child != NULL; child = child->next) {
			if (!key_match(msg, child))
				return false;
		}
		return true;
	case SEARCH_OR:
		return key_match(msg, key->children) || key_match(msg, key->children->next);
	case SEARCH_NOT:
		return !key_match(msg, key->children);
	case SEARCH_SEQSET:
		return imap_seq_set_contains(&key->set, msg->seq, count);
	case SEARCH_UIDSET:
		return imap_seq_set_contains(&key->set, msg->info.uid,
					     mailbox_seq_to_uid(msg->client->box, count));
	case SEARCH_FLAG:
		return (msg->info.flags & key->flag) != 0;
	case SEARCH_NOFLAG:
		return (msg->info.flags & key->flag) == 0;
	case SEARCH_KEYWORD:
		return keyword_has(msg->info.keywords, key->value);
	case SEARCH_NOKEYWORD:
		return !keyword_has(msg->info.keywords, key->value);
	case SEARCH_NEW:
		return (msg->info.flags & (MAIL_RECENT | MAIL_SEEN)) == MAIL_RECENT;
	case SEARCH_OLD:
		return (msg->info.flags & MAIL_RECENT) == 0;
	case SEARCH_LARGER:
		return msg->info.virtual_size > key->size;
	case SEARCH_SMALLER:
		return msg->info.virtual_size < key->size;
	case SEARCH_BEFORE:
		return day_start(msg->info.received_date) < key->date;
	case SEARCH_ON:
		return day_start(msg->info.received_date) == key->date;
	case SEARCH_SINCE:
		return day_start(msg->info.received_date) >= key->date;
	case SEARCH_SENTBEFORE:
		return sent_date(msg, &day) && day < key->date;
	case SEARCH_SENTON:
		return sent_date(msg, &day) && day == key->date;
	case SEARCH_SENTSINCE:
		return sent_date(msg, &day) && day >= key->date;
	case SEARCH_HEADER:
		return header_match(msg, key->header, key->value);
	case SEARCH_BODY:
		return body_match(msg, key->value, false);
	case SEARCH_TEXT:
		return body_match(msg, key->value, true);
	case SEARCH_MODSEQ:
		return msg->info.modseq >= key->modseq;
	case SEARCH_SAVED:
		return imap_search_saved_has(msg->client, msg->info.uid);
	}
	return false;
}

static void search_send_result(struct client *client, bool esearch, enum imap_search_return ret,
			       const ARRAY_TYPE(imap_search_match) *matches, bool with_modseq)
{
	string_t *str = str_new(client->cmd_pool, 256);
	uint64_t modseq;

	modseq = !with_modseq ? 0
			      : imap_search_result_modseq(matches,
							  esearch ? ret : IMAP_SEARCH_RETURN_ALL);
	if (esearch) {
		if (imap_esearch_write(str, client->tag, client->cmd_uid, ret, matches, modseq))
			client_send_line(client, str_c(str));
		return;
	}
	str_append(str, "* SEARCH");
	array_foreach(matches, m) str_printfa(str, " %u", client->cmd_uid ? m->uid : m->seq);
	if (modseq != 0)
		str_printfa(str, " (MODSEQ %llu)", (unsigned long long)modseq);
	client_send_line(client, str_c(str));
}

void imap_search_run(struct client *client, const struct search_key *root,
		     ARRAY_TYPE(imap_search_match) *matches)
{
	struct imap_search_match match;
	struct search_message msg;
	uint32_t seq, count = mailbox_count(client->box);

	memset(&msg, 0, sizeof(msg));
	msg.client = client;
	msg.pool = pool_alloconly_create("search message", 1024);
	for (seq = 1; seq <= count; seq++) {
		msg.seq = seq;
		msg.fd = -1;
		msg.header = NULL;
		msg.failed = false;
		if (mailbox_mail_get_info(client->box, seq, msg.pool, &msg.info) == 0 &&
		    key_match(&msg, root)) {
			match.seq = seq;
			match.uid = msg.info.uid;
			match.modseq = msg.info.modseq;
			array_push(matches, &match);
		}
		if (msg.fd != -1)
			i_close_fd(&msg.fd);
		pool_clear(msg.pool);
	}
	pool_unref(&msg.pool);
}

bool cmd_search(struct client *client, const struct imap_arg *args)
{
	ARRAY_TYPE(imap_search_match) matches;
	enum imap_search_return ret;
	struct search_key *root = NULL;
	const char *charset, *error;
	bool esearch, with_modseq;
	int rret;

	rret = imap_search_return_parse(&args, &ret, &error);
	if (rret >= 0)
		root = imap_search_parse(client->cmd_pool, args, &charset, &error);
	if (rret < 0 || root == NULL) {
		/* a BAD leaves "$" as it was (RFC 5182 2.1) */
		client_send_bad(client, t_strdup_printf("Error in IMAP command %sSEARCH: %s",
							client->cmd_uid ? "UID " : "", error));
		return true;
	}
	/* IMAP4rev2 answers every SEARCH with ESEARCH (RFC 9051 6.4.4) */
	esearch = rret > 0 || client->enabled_imap4rev2;
	if (rret == 0 && esearch)
		ret = IMAP_SEARCH_RETURN_ALL;
	if (imap_search_prepare(client->cmd_pool, root, charset) < 0) {
		if ((ret & IMAP_SEARCH_RETURN_SAVE) != 0)
			imap_search_save_clear(client);
		client_send_tagline(client, "NO [BADCHARSET] Unknown charset.");
		return true;
	}
	with_modseq = imap_search_has_modseq(root);
	if (with_modseq)
		client_enable_condstore(client);
	p_array_init(&matches, client->cmd_pool, 64);
	imap_search_run(client, root, &matches);
	if ((ret & IMAP_SEARCH_RETURN_SAVE) != 0)
		imap_search_save(client, ret, &matches);
	search_send_result(client, esearch, ret, &matches, with_modseq);
	client_send_tagline(client, "OK Search completed.");
	return true;
}

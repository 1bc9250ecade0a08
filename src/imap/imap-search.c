/* SEARCH: the key parser and evaluation against the index and, for
   header/body keys, the message file read in bounded chunks. */

#include "lib.h"
#include "imap-search.h"
#include "date.h"
#include "imap-arg.h"
#include "imap-commands.h"
#include "imap-util.h"
#include "str.h"
#include "strfuncs.h"

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
		    imap_seq_set_parse(value, &key->set, &saved, &err) < 0 || saved) {
			*error_r = "Invalid UID messageset";
			return NULL;
		}
		return key;
	}
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
	if ((name[0] >= '0' && name[0] <= '9') || name[0] == '*' || name[0] == '$') {
		key = key_new(pool, SEARCH_SEQSET);
		p_array_init(&key->set, pool, 4);
		if (imap_seq_set_parse(name, &key->set, &saved, &err) < 0 || saved) {
			*error_r = "Invalid messageset";
			return NULL;
		}
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

static bool ci_contains(const char *hay, size_t hay_len, const char *needle)
{
	size_t n = strlen(needle), i;

	if (n == 0)
		return true;
	for (i = 0; i + n <= hay_len; i++) {
		if (strncasecmp(hay + i, needle, n) == 0)
			return true;
	}
	return false;
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

static bool header_match(struct search_message *msg, const char *name, const char *value)
{
	const char *p, *end, *line_end, *colon;
	size_t name_len = strlen(name);
	string_t *field = t_str_new(256);

	if (msg_read_header(msg) < 0)
		return false;
	p = msg->header;
	end = p + msg->header_size;
	while (p < end) {
		line_end = memchr(p, '\n', (size_t)(end - p));
		if (line_end == NULL)
			line_end = end;
		colon = memchr(p, ':', (size_t)(line_end - p));
		if (colon != NULL && (size_t)(colon - p) == name_len &&
		    strncasecmp(p, name, name_len) == 0) {
			str_truncate(field, 0);
			str_append_data(field, colon + 1, (size_t)(line_end - colon - 1));
			/* continuation lines */
			while (line_end + 1 < end && (line_end[1] == ' ' || line_end[1] == '\t')) {
				p = line_end + 1;
				line_end = memchr(p, '\n', (size_t)(end - p));
				if (line_end == NULL)
					line_end = end;
				str_append_data(field, p, (size_t)(line_end - p));
			}
			if (ci_contains(str_c(field), str_len(field), value))
				return true;
		}
		p = line_end + 1;
	}
	return false;
}

/* Scans the message from offset for value, in chunks that overlap by the
   needle's length so a match across a chunk boundary is found. */
static bool body_match(struct search_message *msg, const char *value, bool text)
{
	size_t n = strlen(value), keep = 0;
	uint64_t pos;
	char *buf;
	ssize_t ret;

	if (n == 0)
		return true;
	if (msg_read_header(msg) < 0)
		return false;
	if (text && ci_contains(msg->header, msg->header_size, value))
		return true;
	pos = msg->header_size;
	buf = p_malloc(msg->pool, SEARCH_CHUNK + n + 1);
	for (;;) {
		ret = pread(msg->fd, buf + keep, SEARCH_CHUNK, (off_t)pos);
		if (ret <= 0)
			return false;
		pos += (uint64_t)ret;
		if (ci_contains(buf, keep + (size_t)ret, value))
			return true;
		if (keep + (size_t)ret >= n - 1) {
			memmove(buf, buf + keep + (size_t)ret - (n - 1), n - 1);
			keep = n - 1;
		} else {
			keep += (size_t)ret;
		}
	}
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
	}
	return false;
}

bool cmd_search(struct client *client, const struct imap_arg *args)
{
	struct search_message msg;
	struct search_key *root;
	const char *charset, *error;
	uint32_t seq, count;
	string_t *str;

	root = imap_search_parse(client->cmd_pool, args, &charset, &error);
	if (root == NULL) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %sSEARCH: %s",
							client->cmd_uid ? "UID " : "", error));
		return true;
	}
	if (charset != NULL && strcasecmp(charset, "UTF-8") != 0 &&
	    strcasecmp(charset, "US-ASCII") != 0) {
		client_send_tagline(client, "NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
		return true;
	}
	str = str_new(client->cmd_pool, 256);
	str_append(str, "* SEARCH");
	count = mailbox_count(client->box);
	memset(&msg, 0, sizeof(msg));
	msg.client = client;
	msg.pool = pool_alloconly_create("search message", 1024);
	for (seq = 1; seq <= count; seq++) {
		msg.seq = seq;
		msg.fd = -1;
		msg.header = NULL;
		msg.failed = false;
		if (mailbox_mail_get_info(client->box, seq, msg.pool, &msg.info) == 0 &&
		    key_match(&msg, root))
			str_printfa(str, " %u", client->cmd_uid ? msg.info.uid : seq);
		if (msg.fd != -1)
			i_close_fd(&msg.fd);
		pool_clear(msg.pool);
	}
	pool_unref(&msg.pool);
	client_send_line(client, str_c(str));
	client_send_tagline(client, "OK Search completed.");
	return true;
}

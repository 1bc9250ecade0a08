/* SORT (RFC 5256, RFC 5957), ESORT (RFC 5267) and THREAD. The keys come
   from the storage: sizes and arrival dates from the index, header fields
   from the cache (mailbox_mail_get_header_fields(), which caches them at
   the first SORT as Dovecot decides), so a repeated SORT reads no message
   file. Search keys and the result options are SEARCH's. */

#include "lib.h"
#include "charset-utf8.h"
#include "date.h"
#include "imap-base-subject.h"
#include "imap-commands.h"
#include "imap-condstore.h"
#include "imap-esearch.h"
#include "imap-quote.h"
#include "imap-search.h"
#include "imap-sort-args.h"
#include "imap-thread.h"
#include "message-address.h"
#include "message-header-parser.h"
#include "message-id.h"
#include "rfc2047.h"
#include "str.h"
#include "strfuncs.h"
#include "unicode-casemap.h"

#include <stdlib.h>
#include <unistd.h>

/* a header larger than the cache takes is read from the file up to this */
#define SORT_MAX_HEADER_SIZE (1024 * 1024)

enum sort_header {
	HDR_DATE,
	HDR_SUBJECT,
	HDR_FROM,
	HDR_TO,
	HDR_CC,
	HDR_MESSAGE_ID,
	HDR_IN_REPLY_TO,
	HDR_REFERENCES,
	HDR_COUNT
};

static const char *const header_names[HDR_COUNT] = {
	"date", "subject", "from", "to", "cc", "message-id", "in-reply-to", "references",
};

struct sort_msg {
	uint32_t seq, uid;
	uint64_t modseq;
	uint64_t size;
	time_t arrival, date;
	/* the casemapped string keys, NULL when not in the program */
	const char *str[IMAP_SORT_KEY_COUNT];
};

/* The first value of each wanted header of a message, unfolded. */
struct header_values {
	const char *value[HDR_COUNT];
	size_t len[HDR_COUNT];
};

static void header_values_parse(pool_t pool, const void *data, size_t size, unsigned int wanted,
				struct header_values *values)
{
	struct message_header_parser_ctx *parser = message_header_parser_init(NULL);
	const struct message_header_field *field;
	unsigned int found = 0;

	memset(values, 0, sizeof(*values));
	enum message_header_parse_result ret;
	bool eof = false;

	message_header_parser_feed(parser, data, size);
	while (found != wanted) {
		ret = message_header_parser_next(parser, &field);
		if (ret == MESSAGE_HEADER_PARSE_DONE)
			break;
		if (ret == MESSAGE_HEADER_PARSE_NEED_MORE) {
			if (eof)
				break;
			message_header_parser_feed_eof(parser);
			eof = true;
			continue;
		}
		for (unsigned int i = 0; i < HDR_COUNT; i++) {
			if ((wanted & (1U << i)) == 0 || (found & (1U << i)) != 0 ||
			    strcasecmp(field->name, header_names[i]) != 0)
				continue;
			values->value[i] = p_strndup(pool, field->value, field->value_len);
			values->len[i] = strlen(values->value[i]);
			found |= 1U << i;
			break;
		}
	}
	message_header_parser_deinit(&parser);
}

/* The message's header read from its file (the cache holds headers up to
   256 KB). */
static int header_read_file(struct client *client, uint32_t seq, pool_t pool, const void **data_r,
			    size_t *size_r)
{
	uint64_t size;
	size_t used = 0, cap;
	ssize_t ret;
	int fd;

	if (mailbox_mail_open(client->box, seq, &fd, &size) < 0)
		return -1;
	cap = (size_t)MIN(size, SORT_MAX_HEADER_SIZE);
	char *buf = p_malloc(pool, cap + 1);
	while (used < cap && (ret = pread(fd, buf + used, cap - used, (off_t)used)) > 0)
		used += (size_t)ret;
	i_close_fd(&fd);
	*data_r = buf;
	*size_r = used;
	return 0;
}

/* The wanted headers of message seq, from the cache. Returns 0, or -1
   when the message is gone (its values stay empty). */
static int headers_get(struct client *client, uint32_t seq, pool_t pool, unsigned int wanted,
		       struct header_values *values)
{
	const char *names[HDR_COUNT + 1];
	unsigned int n = 0;
	const void *data;
	size_t size;
	int ret;

	memset(values, 0, sizeof(*values));
	if (wanted == 0)
		return 0;
	for (unsigned int i = 0; i < HDR_COUNT; i++) {
		if ((wanted & (1U << i)) != 0)
			names[n++] = header_names[i];
	}
	names[n] = NULL;
	ret = mailbox_mail_get_header_fields(client->box, seq, names, pool, &data, &size);
	if (ret == 0)
		ret = header_read_file(client, seq, pool, &data, &size) < 0 ? -1 : 1;
	if (ret < 0)
		return -1;
	header_values_parse(pool, data, size, wanted, values);
	return 0;
}

/* The sent date, or the arrival date when there is none (RFC 5256). */
static time_t sent_date(const struct header_values *values, time_t arrival)
{
	const char *error;
	time_t t;
	int tz;

	if (values->value[HDR_DATE] == NULL ||
	    date_parse_rfc5322(values->value[HDR_DATE], values->len[HDR_DATE], &t, &tz, &error) <
		0 ||
	    t == 0)
		return arrival;
	return t;
}

static const char *casemap(pool_t pool, const char *text)
{
	string_t *str = str_new(pool, strlen(text) + 16);

	uni_utf8_casemap(text, strlen(text), str);
	return str_c(str);
}

/* The first address of an address header, after RFC 2047 decoding (as
   Dovecot). */
static const struct message_address *first_address(pool_t pool, const struct header_values *values,
						    enum sort_header hdr)
{
	if (values->value[hdr] == NULL)
		return NULL;
	string_t *utf8 = str_new(pool, values->len[hdr] + 16);
	rfc2047_decode_utf8(values->value[hdr], values->len[hdr], utf8);
	return message_address_parse(pool, str_data(utf8), str_len(utf8), 1,
				     MESSAGE_ADDRESS_PARSE_FLAG_FILL_MISSING);
}

/* FROM, TO, CC: the first address's local part (RFC 5256). */
static const char *addr_mailbox_key(pool_t pool, const struct header_values *values,
				    enum sort_header hdr)
{
	const struct message_address *addr = first_address(pool, values, hdr);

	return casemap(pool, addr == NULL || addr->mailbox == NULL ? "" : addr->mailbox);
}

/* DISPLAYFROM, DISPLAYTO (RFC 5957): the display name, else the address. */
static const char *addr_display_key(pool_t pool, const struct header_values *values,
				    enum sort_header hdr)
{
	const struct message_address *addr = first_address(pool, values, hdr);
	const char *name = "";

	if (addr != NULL && addr->name != NULL && addr->name[0] != '\0')
		name = addr->name;
	else if (addr != NULL && addr->mailbox != NULL && addr->domain != NULL)
		name = p_strconcat(pool, addr->mailbox, "@", addr->domain, NULL);
	else if (addr != NULL && addr->mailbox != NULL)
		name = addr->mailbox;
	return casemap(pool, name);
}

static unsigned int program_headers(const struct imap_sort_program *program)
{
	unsigned int wanted = 0;

	for (unsigned int i = 0; i < program->count; i++) {
		switch (program->criteria[i].key) {
		case IMAP_SORT_DATE:
			wanted |= 1U << HDR_DATE;
			break;
		case IMAP_SORT_SUBJECT:
			wanted |= 1U << HDR_SUBJECT;
			break;
		case IMAP_SORT_FROM:
		case IMAP_SORT_DISPLAYFROM:
			wanted |= 1U << HDR_FROM;
			break;
		case IMAP_SORT_TO:
		case IMAP_SORT_DISPLAYTO:
			wanted |= 1U << HDR_TO;
			break;
		case IMAP_SORT_CC:
			wanted |= 1U << HDR_CC;
			break;
		case IMAP_SORT_ARRIVAL:
		case IMAP_SORT_SIZE:
		case IMAP_SORT_KEY_COUNT:
			break;
		}
	}
	return wanted;
}

static void sort_msg_fill(struct client *client, pool_t pool,
			  const struct imap_sort_program *program, unsigned int wanted,
			  pool_t tmp_pool, struct sort_msg *msg)
{
	struct header_values values;
	struct mail_info info;

	if (mailbox_mail_get_info(client->box, msg->seq, tmp_pool, &info) == 0) {
		msg->size = info.virtual_size;
		msg->arrival = info.received_date;
	}
	(void)headers_get(client, msg->seq, tmp_pool, wanted, &values);
	msg->date = sent_date(&values, msg->arrival);
	for (unsigned int i = 0; i < program->count; i++) {
		enum imap_sort_key key = program->criteria[i].key;
		const char *str = NULL;

		switch (key) {
		case IMAP_SORT_SUBJECT:
			str = values.value[HDR_SUBJECT] == NULL
				  ? ""
				  : imap_base_subject(pool, values.value[HDR_SUBJECT],
						      values.len[HDR_SUBJECT], NULL);
			break;
		case IMAP_SORT_FROM:
			str = addr_mailbox_key(tmp_pool, &values, HDR_FROM);
			break;
		case IMAP_SORT_TO:
			str = addr_mailbox_key(tmp_pool, &values, HDR_TO);
			break;
		case IMAP_SORT_CC:
			str = addr_mailbox_key(tmp_pool, &values, HDR_CC);
			break;
		case IMAP_SORT_DISPLAYFROM:
			str = addr_display_key(tmp_pool, &values, HDR_FROM);
			break;
		case IMAP_SORT_DISPLAYTO:
			str = addr_display_key(tmp_pool, &values, HDR_TO);
			break;
		case IMAP_SORT_ARRIVAL:
		case IMAP_SORT_DATE:
		case IMAP_SORT_SIZE:
		case IMAP_SORT_KEY_COUNT:
			break;
		}
		if (str != NULL)
			msg->str[key] = str == values.value[HDR_SUBJECT] ? str : p_strdup(pool, str);
	}
}

static const struct imap_sort_program *cmp_program;

static int cmp_num(uint64_t a, uint64_t b)
{
	return a < b ? -1 : (a > b ? 1 : 0);
}

static int sort_msg_cmp(const void *p1, const void *p2)
{
	const struct sort_msg *m1 = p1, *m2 = p2;

	for (unsigned int i = 0; i < cmp_program->count; i++) {
		enum imap_sort_key key = cmp_program->criteria[i].key;
		int ret;

		switch (key) {
		case IMAP_SORT_ARRIVAL:
			ret = m1->arrival < m2->arrival ? -1 : (m1->arrival > m2->arrival ? 1 : 0);
			break;
		case IMAP_SORT_DATE:
			ret = m1->date < m2->date ? -1 : (m1->date > m2->date ? 1 : 0);
			break;
		case IMAP_SORT_SIZE:
			ret = cmp_num(m1->size, m2->size);
			break;
		default:
			ret = strcmp(m1->str[key], m2->str[key]);
			break;
		}
		if (ret != 0)
			return cmp_program->criteria[i].reverse ? -ret : ret;
	}
	/* ties: in mailbox order, whatever was reversed (RFC 5256) */
	return cmp_num(m1->seq, m2->seq);
}

/* Parses the search keys (with the charset given before them) and runs
   them. Returns the matches, or NULL after answering BAD/NO. */
static ARRAY_TYPE(imap_search_match) *
sort_search(struct client *client, const char *cmd_name, const char *charset,
	    const struct imap_arg *search_args, enum imap_search_return ret, bool *with_modseq_r)
{
	ARRAY_TYPE(imap_search_match) *matches;
	struct search_key *root;
	const char *error;

	root = imap_search_parse_keys(client->cmd_pool, search_args, &error);
	if (root == NULL) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %s%s: %s",
							client->cmd_uid ? "UID " : "", cmd_name,
							error));
		return NULL;
	}
	if (imap_search_prepare(client->cmd_pool, root, charset) < 0) {
		if ((ret & IMAP_SEARCH_RETURN_SAVE) != 0)
			imap_search_save_clear(client);
		client_send_tagline(client, "NO [BADCHARSET] Unknown charset.");
		return NULL;
	}
	*with_modseq_r = imap_search_has_modseq(root);
	if (*with_modseq_r)
		client_enable_condstore(client);
	matches = p_new(client->cmd_pool, ARRAY_TYPE(imap_search_match), 1);
	p_array_init(matches, client->cmd_pool, 64);
	imap_search_run(client, root, matches);
	return matches;
}

static int match_uid_cmp(const void *p1, const void *p2)
{
	const struct imap_search_match *m1 = p1, *m2 = p2;

	return cmp_num(m1->uid, m2->uid);
}

/* RETURN (SAVE): the set of the messages (the first and/or last in sort
   order for MIN/MAX alone), kept in UID order. */
static void sort_save(struct client *client, enum imap_search_return ret,
		      const ARRAY_TYPE(imap_search_match) *sorted)
{
	ARRAY_TYPE(imap_search_match) saved;
	unsigned int count = array_count(sorted);

	p_array_init(&saved, client->cmd_pool, count + 1);
	if ((ret & (IMAP_SEARCH_RETURN_MIN | IMAP_SEARCH_RETURN_MAX)) != 0 &&
	    (ret & (IMAP_SEARCH_RETURN_ALL | IMAP_SEARCH_RETURN_COUNT)) == 0) {
		if (count > 0 && (ret & IMAP_SEARCH_RETURN_MIN) != 0)
			array_push(&saved, array_idx(sorted, 0));
		if (count > 0 && (ret & IMAP_SEARCH_RETURN_MAX) != 0)
			array_push(&saved, array_idx(sorted, count - 1));
	} else {
		array_append(&saved, array_front(sorted), count);
	}
	if (array_count(&saved) > 0)
		array_sort(&saved, match_uid_cmp);
	imap_search_save(client, IMAP_SEARCH_RETURN_ALL, &saved);
}

/* "* ESEARCH (TAG ..) [UID] MIN n MAX n ALL set COUNT n [MODSEQ n]": MIN
   and MAX are the first and last in sort order, ALL lists the messages in
   sort order with runs of ascending consecutive numbers as ranges. */
static void esort_write(struct client *client, enum imap_search_return ret,
			const ARRAY_TYPE(imap_search_match) *sorted, uint64_t modseq)
{
	string_t *str = str_new(client->cmd_pool, 256);
	const struct imap_search_match *m = array_front(sorted);
	unsigned int i, count = array_count(sorted);
	bool uid = client->cmd_uid;

	if ((ret & ~IMAP_SEARCH_RETURN_SAVE) == 0 && modseq == 0)
		return;
	str_append(str, "* ESEARCH (TAG ");
	imap_append_string(str, client->tag);
	str_append_c(str, ')');
	if (uid)
		str_append(str, " UID");
	if ((ret & IMAP_SEARCH_RETURN_MIN) != 0 && count > 0)
		str_printfa(str, " MIN %u", uid ? m[0].uid : m[0].seq);
	if ((ret & IMAP_SEARCH_RETURN_MAX) != 0 && count > 0)
		str_printfa(str, " MAX %u", uid ? m[count - 1].uid : m[count - 1].seq);
	if ((ret & IMAP_SEARCH_RETURN_ALL) != 0 && count > 0) {
		str_append(str, " ALL ");
		for (i = 0; i < count;) {
			uint32_t first = uid ? m[i].uid : m[i].seq, last = first;

			for (i++; i < count && (uid ? m[i].uid : m[i].seq) == last + 1; i++)
				last++;
			if (str_data(str)[str_len(str) - 1] != ' ')
				str_append_c(str, ',');
			if (last == first)
				str_printfa(str, "%u", first);
			else
				str_printfa(str, "%u:%u", first, last);
		}
	}
	if ((ret & IMAP_SEARCH_RETURN_COUNT) != 0)
		str_printfa(str, " COUNT %u", count);
	if (modseq != 0)
		str_printfa(str, " MODSEQ %llu", (unsigned long long)modseq);
	client_send_line(client, str_c(str));
}

bool cmd_sort(struct client *client, const struct imap_arg *args)
{
	ARRAY_TYPE(imap_search_match) *matches, sorted;
	struct imap_sort_program program;
	const struct imap_arg *search_args;
	enum imap_search_return ret;
	const char *charset, *error;
	bool with_modseq;
	int rret;

	rret = imap_search_return_parse(&args, &ret, &error);
	if (rret >= 0 &&
	    imap_sort_args_parse(args, &program, &charset, &search_args, &error) < 0)
		rret = -1;
	if (rret < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %sSORT: %s",
							client->cmd_uid ? "UID " : "", error));
		return true;
	}
	matches = sort_search(client, "SORT", charset, search_args, ret, &with_modseq);
	if (matches == NULL)
		return true;

	unsigned int count = array_count(matches), wanted = program_headers(&program);
	struct sort_msg *msgs = p_new(client->cmd_pool, struct sort_msg, count + 1);
	pool_t tmp_pool = pool_alloconly_create("sort message", 4096);
	for (unsigned int i = 0; i < count; i++) {
		const struct imap_search_match *m = array_idx(matches, i);

		msgs[i].seq = m->seq;
		msgs[i].uid = m->uid;
		msgs[i].modseq = m->modseq;
		sort_msg_fill(client, client->cmd_pool, &program, wanted, tmp_pool, &msgs[i]);
		pool_clear(tmp_pool);
	}
	pool_unref(&tmp_pool);
	cmp_program = &program;
	qsort(msgs, count, sizeof(*msgs), sort_msg_cmp);

	p_array_init(&sorted, client->cmd_pool, count + 1);
	for (unsigned int i = 0; i < count; i++) {
		struct imap_search_match m = {
			.seq = msgs[i].seq, .uid = msgs[i].uid, .modseq = msgs[i].modseq,
		};
		array_push(&sorted, &m);
	}
	if ((ret & IMAP_SEARCH_RETURN_SAVE) != 0)
		sort_save(client, ret, &sorted);
	uint64_t modseq = !with_modseq ? 0
				       : imap_search_result_modseq(&sorted, rret > 0 ? ret
										 : IMAP_SEARCH_RETURN_ALL);
	if (rret > 0) {
		esort_write(client, ret, &sorted, modseq);
	} else {
		string_t *str = str_new(client->cmd_pool, count * 7 + 16);

		str_append(str, "* SORT");
		for (unsigned int i = 0; i < count; i++)
			str_printfa(str, " %u", client->cmd_uid ? msgs[i].uid : msgs[i].seq);
		if (modseq != 0)
			str_printfa(str, " (MODSEQ %llu)", (unsigned long long)modseq);
		client_send_line(client, str_c(str));
	}
	client_send_tagline(client, "OK Sort completed.");
	return true;
}

/* ---- THREAD ---- */

static const char *const *refs_get(pool_t pool, const struct header_values *values)
{
	ARRAY(const char *) refs;
	const char *p, *id;

	p_array_init(&refs, pool, 8);
	p = values->value[HDR_REFERENCES];
	while ((id = message_id_get_next(pool, &p)) != NULL)
		array_push(&refs, &id);
	if (array_count(&refs) == 0) {
		/* no References: In-Reply-To's first id */
		p = values->value[HDR_IN_REPLY_TO];
		if ((id = message_id_get_next(pool, &p)) != NULL)
			array_push(&refs, &id);
	}
	if (array_count(&refs) == 0)
		return NULL;
	id = NULL;
	array_push(&refs, &id);
	return array_front(&refs);
}

bool cmd_thread(struct client *client, const struct imap_arg *args)
{
	ARRAY_TYPE(imap_search_match) *matches;
	enum imap_thread_algorithm alg;
	const struct imap_arg *search_args;
	const char *charset, *error;

	if (imap_thread_args_parse(args, &alg, &charset, &search_args, &error) < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %sTHREAD: %s",
							client->cmd_uid ? "UID " : "", error));
		return true;
	}
	bool with_modseq;
	matches = sort_search(client, "THREAD", charset, search_args, 0, &with_modseq);
	if (matches == NULL)
		return true;

	unsigned int count = array_count(matches);
	unsigned int wanted = (1U << HDR_DATE) | (1U << HDR_SUBJECT);
	if (alg != IMAP_THREAD_ORDEREDSUBJECT)
		wanted |= (1U << HDR_MESSAGE_ID) | (1U << HDR_IN_REPLY_TO) | (1U << HDR_REFERENCES);
	if (alg == IMAP_THREAD_REFS)
		wanted &= ~(1U << HDR_SUBJECT);
	struct imap_thread_msg *msgs = p_new(client->cmd_pool, struct imap_thread_msg, count + 1);
	pool_t tmp_pool = pool_alloconly_create("thread message", 4096);
	for (unsigned int i = 0; i < count; i++) {
		const struct imap_search_match *m = array_idx(matches, i);
		struct header_values values;
		struct mail_info info;
		time_t arrival = 0;
		const char *p;

		msgs[i].seq = m->seq;
		msgs[i].uid = m->uid;
		if (mailbox_mail_get_info(client->box, m->seq, tmp_pool, &info) == 0)
			arrival = info.received_date;
		(void)headers_get(client, m->seq, tmp_pool, wanted, &values);
		msgs[i].date = sent_date(&values, arrival);
		if (values.value[HDR_SUBJECT] != NULL)
			msgs[i].subject = imap_base_subject(client->cmd_pool,
							    values.value[HDR_SUBJECT],
							    values.len[HDR_SUBJECT],
							    &msgs[i].reply_or_fwd);
		if (alg != IMAP_THREAD_ORDEREDSUBJECT) {
			p = values.value[HDR_MESSAGE_ID];
			msgs[i].message_id = message_id_get_next(client->cmd_pool, &p);
			msgs[i].refs = refs_get(client->cmd_pool, &values);
		}
		pool_clear(tmp_pool);
	}
	pool_unref(&tmp_pool);

	string_t *str = str_new(client->cmd_pool, count * 8 + 16);
	str_append(str, "* THREAD ");
	imap_thread_write(alg, msgs, count, client->cmd_uid, str);
	client_send_line(client, str_c(str));
	client_send_tagline(client, "OK Thread completed.");
	return true;
}

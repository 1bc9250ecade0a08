/* CONDSTORE session state and parsers. See imap-condstore.h. */

#include "lib.h"
#include "imap-condstore.h"
#include "imap-util.h"
#include "str.h"
#include "strfuncs.h"

void client_enable_condstore(struct client *client)
{
	struct mailbox_status status;

	if (client->enabled_condstore)
		return;
	client->enabled_condstore = true;
	if (client->box != NULL && mailbox_get_status(client->box, &status) == 0)
		client_send_line(client,
				 t_strdup_printf("* OK [HIGHESTMODSEQ %llu] Highest",
						 (unsigned long long)status.highest_modseq));
}

void client_enable_qresync(struct client *client)
{
	client_enable_condstore(client);
	client->enabled_qresync = true;
}

int imap_parse_modseq(const char *str, bool allow_zero, uint64_t *modseq_r)
{
	uint64_t value;

	if (str_to_uint64(str, &value) < 0 || value > (uint64_t)INT64_MAX)
		return -1;
	if (value == 0 && !allow_zero)
		return -1;
	*modseq_r = value;
	return 0;
}

/* "name value" pairs where the only known name is known, with a modseq
   value. errors: the texts for an unknown name and for a bad value. */
static int parse_modifier_list(const struct imap_arg *list, const char *known, bool *set_r,
			       uint64_t *value_r, const char *const errors[2],
			       const char **error_r)
{
	const char *name, *value;

	*set_r = false;
	for (; !imap_arg_is_eol(list); list += 2) {
		if (!imap_arg_get_atom(list, &name) || strcasecmp(name, known) != 0) {
			*error_r = errors[0];
			return -1;
		}
		if (!imap_arg_get_atom(list + 1, &value) ||
		    imap_parse_modseq(value, true, value_r) < 0) {
			*error_r = errors[1];
			return -1;
		}
		*set_r = true;
	}
	return 0;
}

int imap_condstore_parse_fetch_modifiers(const struct imap_arg *args, bool uid, bool qresync,
					 struct imap_fetch_modifiers *mods_r,
					 const char **error_r)
{
	const struct imap_arg *list;
	const char *name, *value;
	unsigned int count;

	memset(mods_r, 0, sizeof(*mods_r));
	if (imap_arg_is_eol(args))
		return 0;
	if (!imap_arg_get_list(args, &list, &count) || !imap_arg_is_eol(args + 1)) {
		*error_r = "Invalid arguments.";
		return -1;
	}
	for (; !imap_arg_is_eol(list); list++) {
		if (!imap_arg_get_atom(list, &name)) {
			*error_r = "Unknown FETCH modifier";
			return -1;
		}
		if (strcasecmp(name, "CHANGEDSINCE") == 0) {
			list++;
			if (!imap_arg_get_atom(list, &value) ||
			    imap_parse_modseq(value, true, &mods_r->changedsince) < 0) {
				*error_r = "Invalid CHANGEDSINCE modseq";
				return -1;
			}
			mods_r->changedsince_set = true;
		} else if (strcasecmp(name, "VANISHED") == 0 && uid) {
			if (!qresync) {
				*error_r = "QRESYNC not enabled";
				return -1;
			}
			mods_r->vanished = true;
		} else {
			*error_r = "Unknown FETCH modifier";
			return -1;
		}
	}
	if (mods_r->vanished && !mods_r->changedsince_set) {
		*error_r = "VANISHED used without CHANGEDSINCE";
		return -1;
	}
	return 0;
}

int imap_condstore_parse_store_modifiers(const struct imap_arg *list, bool *set_r,
					 uint64_t *unchangedsince_r, const char **error_r)
{
	static const char *const errors[] = {"Unknown STORE modifier", "Invalid modseq"};

	return parse_modifier_list(list, "UNCHANGEDSINCE", set_r, unchangedsince_r, errors,
				   error_r);
}

void imap_append_modseq(string_t *dest, uint64_t modseq)
{
	str_printfa(dest, "MODSEQ (%llu)", (unsigned long long)modseq);
}

static int parse_uid_set(pool_t pool, const struct imap_arg *arg,
			 ARRAY_TYPE(imap_seq_range) *set_r)
{
	const char *str, *error;
	bool saved;

	if (!imap_arg_get_atom(arg, &str) || strchr(str, '*') != NULL)
		return -1;
	p_array_init(set_r, pool, 8);
	if (imap_seq_set_parse(str, set_r, &saved, &error) < 0 || saved)
		return -1;
	return 0;
}

static unsigned int seq_set_count(const ARRAY_TYPE(imap_seq_range) *set)
{
	unsigned int count = 0;

	array_foreach(set, r)
		count += (r->seq1 < r->seq2 ? r->seq2 - r->seq1 : r->seq1 - r->seq2) + 1;
	return count;
}

int imap_qresync_parse_select(pool_t pool, const struct imap_arg *arg,
			      struct imap_qresync_select *qr_r, const char **error_r)
{
	const struct imap_arg *list, *match;
	const char *str;
	unsigned int count, match_count;
	uint64_t value;

	memset(qr_r, 0, sizeof(*qr_r));
	if (!imap_arg_get_list(arg, &list, &count)) {
		*error_r = "QRESYNC parameters missing";
		return -1;
	}
	if (count < 2 || count > 4 || !imap_arg_get_atom(&list[0], &str) ||
	    str_to_uint64(str, &value) < 0 || value > UINT32_MAX ||
	    !imap_arg_get_atom(&list[1], &str) ||
	    imap_parse_modseq(str, true, &qr_r->modseq) < 0) {
		*error_r = "Invalid QRESYNC parameters";
		return -1;
	}
	qr_r->uidvalidity = (uint32_t)value;
	if (count >= 3 && parse_uid_set(pool, &list[2], &qr_r->known_uids) < 0) {
		*error_r = "Invalid QRESYNC known-uids";
		return -1;
	}
	if (count == 4) {
		/* (known-sequence-set known-uid-set): one UID per sequence */
		ARRAY_TYPE(imap_seq_range) seqs, uids;

		if (!imap_arg_get_list(&list[3], &match, &match_count)) {
			*error_r = "Invalid QRESYNC parameters";
			return -1;
		}
		if (match_count != 2 || parse_uid_set(pool, &match[0], &seqs) < 0 ||
		    parse_uid_set(pool, &match[1], &uids) < 0) {
			*error_r = "Invalid QRESYNC known-uid-set";
			return -1;
		}
		if (seq_set_count(&seqs) != seq_set_count(&uids)) {
			*error_r = "Invalid QRESYNC sets";
			return -1;
		}
	}
	return 0;
}

void imap_append_uid_ranges(string_t *dest, const ARRAY_TYPE(mailbox_uid_range) *ranges)
{
	array_foreach(ranges, r)
	{
		if (r != array_front(ranges))
			str_append_c(dest, ',');
		if (r->first == r->last)
			str_printfa(dest, "%u", r->first);
		else
			str_printfa(dest, "%u:%u", r->first, r->last);
	}
}

static void send_vanished_earlier(struct client *client,
				  const ARRAY_TYPE(mailbox_uid_range) *ranges)
{
	string_t *str;

	if (array_count(ranges) == 0)
		return;
	str = t_str_new(128);
	str_append(str, "* VANISHED (EARLIER) ");
	imap_append_uid_ranges(str, ranges);
	client_send_line(client, str_c(str));
}

/* The vanished UIDs of set: each range on its own, "*" as far as the
   UIDs go (so an expunged last message is included, as Dovecot does). */
static void collect_vanished(struct client *client, const ARRAY_TYPE(imap_seq_range) *set,
			     uint64_t modseq, ARRAY_TYPE(mailbox_uid_range) *ranges)
{
	ARRAY_TYPE(mailbox_uid_range) part;

	p_array_init(&part, client->cmd_pool, 8);
	array_foreach(set, r)
	{
		uint32_t a = r->seq1 == IMAP_SEQ_STAR ? UINT32_MAX : r->seq1;
		uint32_t b = r->seq2 == IMAP_SEQ_STAR ? UINT32_MAX : r->seq2;

		array_clear(&part);
		mailbox_get_vanished(client->box, modseq, MIN(a, b), MAX(a, b), &part);
		array_foreach(&part, p)
			array_push(ranges, p);
	}
	/* the set's ranges may overlap or come unordered: sort and merge */
	struct mailbox_uid_range *items = array_count(ranges) == 0 ? NULL : array_front(ranges);
	unsigned int n = array_count(ranges), out = 0;
	for (unsigned int i = 1; i < n; i++) {
		struct mailbox_uid_range tmp = items[i];
		unsigned int j = i;
		for (; j > 0 && items[j - 1].first > tmp.first; j--)
			items[j] = items[j - 1];
		items[j] = tmp;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (out > 0 && items[i].first <= items[out - 1].last + 1) {
			if (items[i].last > items[out - 1].last)
				items[out - 1].last = items[i].last;
		} else {
			items[out++] = items[i];
		}
	}
	if (n > 0)
		array_delete(ranges, out, n - out);
}

void imap_qresync_send_vanished_earlier(struct client *client,
					const ARRAY_TYPE(imap_seq_range) *uids, uint64_t modseq)
{
	ARRAY_TYPE(mailbox_uid_range) ranges;

	p_array_init(&ranges, client->cmd_pool, 8);
	collect_vanished(client, uids, modseq, &ranges);
	send_vanished_earlier(client, &ranges);
}

void imap_qresync_select_report(struct client *client, const struct imap_qresync_select *qr)
{
	ARRAY_TYPE(imap_seq_range) all;
	const ARRAY_TYPE(imap_seq_range) *known = &qr->known_uids;
	struct mail_info info;
	uint32_t count = mailbox_count(client->box);
	string_t *str = t_str_new(128);

	if (!array_is_created(known)) {
		struct imap_seq_range r = { 1, IMAP_SEQ_STAR };

		p_array_init(&all, client->cmd_pool, 1);
		array_push(&all, &r);
		known = &all;
	}
	imap_qresync_send_vanished_earlier(client, known, qr->modseq);
	uint32_t max_uid = mailbox_seq_to_uid(client->box, count);
	for (uint32_t seq = 1; seq <= count; seq++) {
		if (mailbox_mail_get_info(client->box, seq, client->cmd_pool, &info) < 0 ||
		    info.modseq <= qr->modseq ||
		    !imap_seq_set_contains(known, info.uid, max_uid))
			continue;
		client_keywords_seen(client, info.keywords);
		str_truncate(str, 0);
		str_printfa(str, "* %u FETCH (UID %u FLAGS ", seq, info.uid);
		client_append_flags(str, client_visible_flags(client, info.flags), info.keywords);
		str_append_c(str, ' ');
		imap_append_modseq(str, info.modseq);
		str_append_c(str, ')');
		client_send_line(client, str_c(str));
	}
}

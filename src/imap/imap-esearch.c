/* ESEARCH result options and the SEARCHRES saved result. See
   imap-esearch.h. */

#include "lib.h"
#include "imap-esearch.h"
#include "imap-quote.h"
#include "imap-seqset.h"
#include "str.h"
#include "strfuncs.h"

static const struct {
	const char *name;
	enum imap_search_return flag;
} return_options[] = {
    {"MIN", IMAP_SEARCH_RETURN_MIN},	 {"MAX", IMAP_SEARCH_RETURN_MAX},
    {"ALL", IMAP_SEARCH_RETURN_ALL},	 {"COUNT", IMAP_SEARCH_RETURN_COUNT},
    {"SAVE", IMAP_SEARCH_RETURN_SAVE},
};

int imap_search_return_parse(const struct imap_arg **args, enum imap_search_return *return_r,
			     const char **error_r)
{
	const struct imap_arg *list;
	unsigned int i, count;
	const char *name;

	*return_r = 0;
	if (!imap_arg_atom_equals(*args, "RETURN") || !imap_arg_get_list(*args + 1, &list, &count))
		return 0;
	for (; !imap_arg_is_eol(list); list++) {
		if (!imap_arg_get_atom(list, &name)) {
			*error_r = "Unknown SEARCH return option";
			return -1;
		}
		for (i = 0; i < N_ELEMENTS(return_options); i++) {
			if (strcasecmp(name, return_options[i].name) == 0)
				break;
		}
		if (i == N_ELEMENTS(return_options)) {
			*error_r = "Unknown SEARCH return option";
			return -1;
		}
		*return_r |= return_options[i].flag;
	}
	if (*return_r == 0)
		*return_r = IMAP_SEARCH_RETURN_ALL;
	*args += 2;
	return 1;
}

/* Only MIN and/or MAX (with or without SAVE): those are what is
   "returned" and what SAVE keeps. */
static bool return_is_min_max_only(enum imap_search_return ret)
{
	return (ret & (IMAP_SEARCH_RETURN_MIN | IMAP_SEARCH_RETURN_MAX)) != 0 &&
	       (ret & (IMAP_SEARCH_RETURN_ALL | IMAP_SEARCH_RETURN_COUNT)) == 0;
}

uint64_t imap_search_result_modseq(const ARRAY_TYPE(imap_search_match) *matches,
				   enum imap_search_return ret)
{
	const struct imap_search_match *first, *last;
	uint64_t modseq = 0;

	if (array_count(matches) == 0)
		return 0;
	if (return_is_min_max_only(ret)) {
		first = array_front(matches);
		last = array_idx(matches, array_count(matches) - 1);
		if ((ret & IMAP_SEARCH_RETURN_MIN) != 0)
			modseq = first->modseq;
		if ((ret & IMAP_SEARCH_RETURN_MAX) != 0 && last->modseq > modseq)
			modseq = last->modseq;
		return modseq;
	}
	array_foreach(matches, m)
	{
		if (m->modseq > modseq)
			modseq = m->modseq;
	}
	return modseq;
}

bool imap_esearch_write(string_t *dest, const char *tag, bool uid, enum imap_search_return ret,
			const ARRAY_TYPE(imap_search_match) *matches, uint64_t modseq)
{
	ARRAY_TYPE(imap_seq_range) set;
	unsigned int count = array_count(matches);

	if ((ret & ~IMAP_SEARCH_RETURN_SAVE) == 0 && modseq == 0)
		return false;
	str_append(dest, "* ESEARCH (TAG ");
	imap_append_string(dest, tag);
	str_append_c(dest, ')');
	if (uid)
		str_append(dest, " UID");
	if ((ret & IMAP_SEARCH_RETURN_MIN) != 0 && count > 0) {
		const struct imap_search_match *first = array_front(matches);

		str_printfa(dest, " MIN %u", uid ? first->uid : first->seq);
	}
	if ((ret & IMAP_SEARCH_RETURN_MAX) != 0 && count > 0) {
		const struct imap_search_match *last = array_idx(matches, count - 1);

		str_printfa(dest, " MAX %u", uid ? last->uid : last->seq);
	}
	if ((ret & IMAP_SEARCH_RETURN_ALL) != 0 && count > 0) {
		p_array_init(&set, pool_temp, count);
		array_foreach(matches, m)
		{
			struct imap_seq_range r;

			r.seq1 = r.seq2 = uid ? m->uid : m->seq;
			array_push(&set, &r);
		}
		str_append(dest, " ALL ");
		imap_seq_set_write(dest, &set);
	}
	if ((ret & IMAP_SEARCH_RETURN_COUNT) != 0)
		str_printfa(dest, " COUNT %u", count);
	if (modseq != 0)
		str_printfa(dest, " MODSEQ %llu", (unsigned long long)modseq);
	return true;
}

static void save_uid(struct client *client, uint32_t uid)
{
	/* matches come in ascending order, and so do their UIDs */
	if (array_count(&client->search_saved_uids) == 0 ||
	    array_idx_elem(&client->search_saved_uids,
			   array_count(&client->search_saved_uids) - 1) < uid)
		array_push(&client->search_saved_uids, &uid);
}

void imap_search_save_clear(struct client *client)
{
	if (client->box_pool == NULL)
		return;
	if (!array_is_created(&client->search_saved_uids))
		p_array_init(&client->search_saved_uids, client->box_pool, 16);
	array_clear(&client->search_saved_uids);
}

void imap_search_save(struct client *client, enum imap_search_return ret,
		      const ARRAY_TYPE(imap_search_match) *matches)
{
	imap_search_save_clear(client);
	if (client->box_pool == NULL || array_count(matches) == 0)
		return;
	if (return_is_min_max_only(ret)) {
		if ((ret & IMAP_SEARCH_RETURN_MIN) != 0)
			save_uid(client, array_front(matches)->uid);
		if ((ret & IMAP_SEARCH_RETURN_MAX) != 0)
			save_uid(client, array_idx(matches, array_count(matches) - 1)->uid);
		return;
	}
	array_foreach(matches, m) save_uid(client, m->uid);
}

bool imap_search_saved_has(const struct client *client, uint32_t uid)
{
	unsigned int lo = 0, hi, mid;
	uint32_t value;

	if (!array_is_created(&client->search_saved_uids))
		return false;
	hi = array_count(&client->search_saved_uids);
	while (lo < hi) {
		mid = (lo + hi) / 2;
		value = array_idx_elem(&client->search_saved_uids, mid);
		if (value < uid)
			lo = mid + 1;
		else if (value > uid)
			hi = mid;
		else
			return true;
	}
	return false;
}

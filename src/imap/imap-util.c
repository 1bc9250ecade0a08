/* Helpers shared by the command handlers. */

#include "lib.h"
#include "imap-util.h"
#include "str.h"

int imap_util_seqset_to_seqs(struct client *client, const char *set, ARRAY_TYPE(imap_seqs) *seqs,
			     const char **error_r)
{
	ARRAY_TYPE(imap_seq_range) ranges;
	uint32_t count = mailbox_count(client->box), seq, max;
	bool saved;

	p_array_init(&ranges, client->cmd_pool, 8);
	if (imap_seq_set_parse(set, &ranges, &saved, error_r) < 0) {
		*error_r = "Invalid messageset";
		return -1;
	}
	if (saved) {
		imap_util_saved_to_seqs(client, seqs);
		return 0;
	}
	if (!client->cmd_uid) {
		array_foreach(&ranges, r)
		{
			if ((r->seq1 != IMAP_SEQ_STAR && r->seq1 > count) ||
			    (r->seq2 != IMAP_SEQ_STAR && r->seq2 > count)) {
				*error_r = "Invalid messageset";
				return -1;
			}
		}
	}
	max = client->cmd_uid ? mailbox_seq_to_uid(client->box, count) : count;
	for (seq = 1; seq <= count; seq++) {
		uint32_t num = client->cmd_uid ? mailbox_seq_to_uid(client->box, seq) : seq;

		if (imap_seq_set_contains(&ranges, num, max))
			array_push(seqs, &seq);
	}
	/* "UID FETCH n:*" always includes the last message (RFC 3501 6.4.8) */
	if (client->cmd_uid && count > 0 &&
	    (array_count(seqs) == 0 || array_idx_elem(seqs, array_count(seqs) - 1) != count)) {
		array_foreach(&ranges, r)
		{
			if (r->seq1 == IMAP_SEQ_STAR || r->seq2 == IMAP_SEQ_STAR) {
				array_push(seqs, &count);
				break;
			}
		}
	}
	return 0;
}

void imap_util_saved_to_seqs(struct client *client, ARRAY_TYPE(imap_seqs) *seqs)
{
	uint32_t uid, seq;

	if (!array_is_created(&client->search_saved_uids))
		return;
	/* ascending UIDs give ascending sequences; expunged ones are gone */
	array_foreach_elem(&client->search_saved_uids, uid)
	{
		seq = mailbox_uid_to_seq(client->box, uid);
		if (seq != 0)
			array_push(seqs, &seq);
	}
}

void imap_util_write_uid_list(string_t *dest, const ARRAY_TYPE(imap_seq_range) *uids)
{
	uint32_t start = 0, prev = 0;

	array_foreach(uids, r)
	{
		if (start != 0 && r->seq1 == prev + 1) {
			prev = r->seq1;
			continue;
		}
		if (start != 0) {
			if (start == prev)
				str_printfa(dest, "%u,", start);
			else
				str_printfa(dest, "%u:%u,", start, prev);
		}
		start = prev = r->seq1;
	}
	if (start != 0) {
		if (start == prev)
			str_printfa(dest, "%u", start);
		else
			str_printfa(dest, "%u:%u", start, prev);
	}
}

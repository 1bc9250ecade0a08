/* STORE and UID STORE, with CONDSTORE's UNCHANGEDSINCE (RFC 7162 3.1.3).

   A FETCH response goes out only for messages whose flags really changed
   (their modseq moved), as Dovecot does: a no-op STORE is silent. Once
   CONDSTORE is enabled the responses carry MODSEQ, even with .SILENT. A
   conditional change is tested and applied under the storage's commit
   lock; the messages that failed the test are listed in the tagged
   [MODIFIED set] (UIDs for UID STORE). */

#include "lib.h"
#include "imap-commands.h"
#include "imap-condstore.h"
#include "imap-seqset.h"
#include "imap-util.h"
#include "str.h"
#include "strfuncs.h"

#include <stdlib.h>

struct store_args {
	const char *set;
	bool conditional;
	uint64_t unchanged_since;
	enum modify_type type;
	bool silent;
	enum mail_flags flags;
	const char *const *keywords;
};

static int store_parse(struct client *client, const struct imap_arg *args, struct store_args *sargs,
		       const char **error_r)
{
	const struct imap_arg *list;
	const char *item;
	unsigned int count;

	memset(sargs, 0, sizeof(*sargs));
	if (!imap_arg_get_atom(args, &sargs->set)) {
		*error_r = "Invalid arguments.";
		return -1;
	}
	args++;
	if (imap_arg_get_list(args, &list, &count)) {
		if (imap_condstore_parse_store_modifiers(list, &sargs->conditional,
							 &sargs->unchanged_since, error_r) < 0)
			return -1;
		args++;
	}
	if (!imap_arg_get_atom(args, &item) || imap_arg_is_eol(args + 1)) {
		*error_r = "Invalid arguments.";
		return -1;
	}
	args++;
	sargs->type = MODIFY_REPLACE;
	if (item[0] == '+') {
		sargs->type = MODIFY_ADD;
		item++;
	} else if (item[0] == '-') {
		sargs->type = MODIFY_REMOVE;
		item++;
	}
	if (strcasecmp(item, "FLAGS.SILENT") == 0)
		sargs->silent = true;
	else if (strcasecmp(item, "FLAGS") != 0) {
		*error_r = "Invalid STORE item";
		return -1;
	}
	if (imap_arg_get_list(args, &list, &count)) {
		if (!imap_arg_is_eol(args + 1)) {
			*error_r = "Invalid arguments.";
			return -1;
		}
	} else {
		list = args;
	}
	return client_parse_flags(client->cmd_pool, list, &sargs->flags, &sargs->keywords,
				  error_r);
}

static int uid_cmp(const void *p1, const void *p2)
{
	uint32_t a = *(const uint32_t *)p1, b = *(const uint32_t *)p2;

	return a < b ? -1 : a > b ? 1 : 0;
}

/* modified is sorted */
static bool uid_in(const ARRAY_TYPE(imap_seqs) *modified, uint32_t uid)
{
	return array_count(modified) > 0 &&
	       bsearch(&uid, array_front(modified), array_count(modified), sizeof(uid),
		       uid_cmp) != NULL;
}

/* Sends the FETCH response of one changed message. */
static void store_send_fetch(struct client *client, uint32_t seq, const struct mail_info *info,
			     bool silent)
{
	string_t *str;

	if (silent && !client->enabled_condstore)
		return;
	client_keywords_seen(client, info->keywords);
	str = t_str_new(128);
	str_printfa(str, "* %u FETCH (", seq);
	/* QRESYNC: every FETCH response carries the UID (RFC 7162 3.2.4) */
	if (client->cmd_uid || client->enabled_qresync)
		str_printfa(str, "UID %u ", info->uid);
	if (client->enabled_condstore) {
		imap_append_modseq(str, info->modseq);
		str_append_c(str, ' ');
	}
	if (!silent) {
		str_append(str, "FLAGS ");
		client_append_flags(str, client_visible_flags(client, info->flags),
				    info->keywords);
	} else {
		str_truncate(str, str_len(str) - 1);
	}
	str_append_c(str, ')');
	client_send_line(client, str_c(str));
}

bool cmd_store(struct client *client, const struct imap_arg *args)
{
	struct mail_transaction_commit_changes changes;
	ARRAY_TYPE(imap_seq_range) modified_set;
	ARRAY_TYPE(imap_seqs) seqs, modified;
	ARRAY(uint64_t) old_modseqs;
	ARRAY(uint8_t) old_deleted;
	struct mailbox_transaction *t;
	struct store_args sargs;
	struct mail_info info;
	const char *error;
	uint64_t modseq;
	unsigned int i, deleted = 0;
	uint32_t seq, uid;
	uint8_t was_deleted;
	int ret;

	if (store_parse(client, args, &sargs, &error) < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %sSTORE: %s",
							client->cmd_uid ? "UID " : "", error));
		return true;
	}
	p_array_init(&seqs, client->cmd_pool, 16);
	if (imap_util_seqset_to_seqs(client, sargs.set, &seqs, &error) < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %sSTORE: %s",
							client->cmd_uid ? "UID " : "", error));
		return true;
	}
	if (sargs.conditional)
		client_enable_condstore(client);
	if (client->box_readonly) {
		client_send_tagline(client, "OK Store ignored with read-only mailbox.");
		return true;
	}
	/* the modseqs before: a message whose modseq did not move was not
	   changed (its flags already were as asked) */
	p_array_init(&old_modseqs, client->cmd_pool, array_count(&seqs));
	p_array_init(&old_deleted, client->cmd_pool, array_count(&seqs));
	t = mailbox_transaction_begin(client->box);
	array_foreach_elem(&seqs, seq)
	{
		modseq = 0;
		was_deleted = 1;
		if (mailbox_mail_get_info(client->box, seq, client->cmd_pool, &info) == 0) {
			modseq = info.modseq;
			was_deleted = (info.flags & MAIL_DELETED) != 0 ? 1 : 0;
		}
		array_push(&old_modseqs, &modseq);
		array_push(&old_deleted, &was_deleted);
		uid = mailbox_seq_to_uid(client->box, seq);
		if (sargs.conditional)
			ret = mailbox_update_flags_conditional(t, uid, sargs.type, sargs.flags,
							       sargs.keywords,
							       sargs.unchanged_since);
		else
			ret = mailbox_update_flags(t, uid, sargs.type, sargs.flags,
						   sargs.keywords);
		if (ret < 0) {
			mailbox_transaction_rollback(&t);
			client_send_storage_error(client, client->box);
			return true;
		}
	}
	if (mailbox_transaction_commit(&t, client->cmd_pool, &changes) < 0) {
		client_send_storage_error(client, client->box);
		return true;
	}
	p_array_init(&modified, client->cmd_pool, 4);
	p_array_init(&modified_set, client->cmd_pool, 4);
	array_foreach_elem(&changes.modified_uids, uid) array_push(&modified, &uid);
	array_sort(&modified, uid_cmp);
	for (i = 0; i < array_count(&seqs); i++) {
		seq = array_idx_elem(&seqs, i);
		uid = mailbox_seq_to_uid(client->box, seq);
		if (uid_in(&modified, uid)) {
			struct imap_seq_range r;

			r.seq1 = r.seq2 = client->cmd_uid ? uid : seq;
			array_push(&modified_set, &r);
			continue;
		}
		if (mailbox_mail_get_info(client->box, seq, client->cmd_pool, &info) < 0 ||
		    info.modseq == array_idx_elem(&old_modseqs, i))
			continue;
		/* imap_logout_format's %{deleted}: messages newly marked */
		if ((info.flags & MAIL_DELETED) != 0 && array_idx_elem(&old_deleted, i) == 0)
			deleted++;
		store_send_fetch(client, seq, &info, sargs.silent);
		/* our own change would come back from the next sync as a
		   FETCH: remember not to report it again */
		client_own_flag_change(client, uid);
	}
	client->logout_stats.deleted += deleted;
	/* only the UID form may see EXPUNGEs now (RFC 3501 7.4.1) */
	if (client->cmd_uid)
		(void)client_sync(client, true);
	if (array_count(&modified_set) > 0) {
		string_t *str = t_str_new(64);

		str_append(str, "OK [MODIFIED ");
		imap_seq_set_write(str, &modified_set);
		str_append(str, "] Conditional store failed.");
		client_send_tagline(client, str_c(str));
	} else {
		client_send_tagline(client, "OK Store completed.");
	}
	return true;
}

/* The IMAP command table and the commands that fit on a screen or two.
   FETCH is in imap-fetch.c, SEARCH in imap-search.c, APPEND in
   cmd-append.c. */

#include "lib.h"
#include "imap-commands.h"
#include "imap-quote.h"
#include "imap-seqset.h"
#include "imap-util.h"
#include "str.h"
#include "strfuncs.h"

static bool cmd_capability(struct client *client, const struct imap_arg *args)
{
	(void)args;
	client_send_line(client, t_strdup_printf("* CAPABILITY %s", client_capability(client)));
	client_send_tagline(client, "OK Capability completed.");
	return true;
}

static bool cmd_noop(struct client *client, const struct imap_arg *args)
{
	(void)args;
	(void)client_sync(client, true);
	client_send_tagline(client, "OK NOOP completed.");
	return true;
}

static bool cmd_check(struct client *client, const struct imap_arg *args)
{
	(void)args;
	(void)client_sync(client, true);
	client_send_tagline(client, "OK Check completed.");
	return true;
}

static bool cmd_logout(struct client *client, const struct imap_arg *args)
{
	(void)args;
	client_send_line(client, "* BYE Logging out");
	client_send_tagline(client, "OK Logout completed.");
	client->state = CLIENT_STATE_LOGOUT;
	return true;
}

static bool cmd_enable(struct client *client, const struct imap_arg *args)
{
	string_t *str = t_str_new(64);
	const char *name;

	if (imap_arg_is_eol(args)) {
		client_send_bad(client, "Missing capabilities.");
		return true;
	}
	str_append(str, "* ENABLED");
	(void)str;
	for (; !imap_arg_is_eol(args); args++) {
		if (!imap_arg_get_atom(args, &name)) {
			client_send_bad(client, "Invalid arguments.");
			return true;
		}
		/* nothing this server implements needs enabling yet:
		   CONDSTORE and IMAP4rev2 come with their implementation */
	}
	/* "* ENABLED" lists what got enabled: nothing yet, and Dovecot then
	   sends no line at all */
	client_send_tagline(client, "OK Enabled.");
	return true;
}

static bool cmd_id(struct client *client, const struct imap_arg *args)
{
	const struct imap_arg *list;
	unsigned int count;

	if (!imap_arg_get_list(args, &list, &count) && args->type != IMAP_ARG_NIL) {
		client_send_bad(client, "Invalid ID parameters");
		return true;
	}
	if (args->type == IMAP_ARG_LIST && count % 2 != 0) {
		client_send_bad(client, "Invalid ID parameters");
		return true;
	}
	client_send_line(client, "* ID (\"name\" \"Roost\")");
	client_send_tagline(client, "OK ID completed.");
	return true;
}

/* ---- SELECT / EXAMINE ---- */

static bool cmd_select_full(struct client *client, const struct imap_arg *args, bool readonly)
{
	struct mailbox_status status;
	const char *name, *vname;
	struct mailbox *box;

	if (!imap_arg_get_astring(args, &name) || !imap_arg_is_eol(args + 1)) {
		client_send_bad(client, "Invalid arguments.");
		return true;
	}
	vname = client_mailbox_name(client, name);
	if (vname == NULL) {
		client_send_tagline(client, "NO Mailbox doesn't exist: invalid name");
		return true;
	}
	if (client->box != NULL) {
		client_close_mailbox(client);
		client_send_line(client, "* OK [CLOSED] Previous mailbox closed.");
	}
	/* SELECT takes the \Recent flags, EXAMINE only sees them */
	box = mailbox_alloc(client->user, vname,
			    readonly ? MAILBOX_FLAG_READONLY : MAILBOX_FLAG_DROP_RECENT);
	if (mailbox_open(box) < 0 || mailbox_get_status(box, &status) < 0) {
		client_send_storage_error(client, box);
		mailbox_free(&box);
		return true;
	}
	client->box = box;
	client->box_readonly = readonly;
	client->state = CLIENT_STATE_SELECTED;
	client_send_mailbox_flags(client);
	client_send_line(client, t_strdup_printf("* %u EXISTS", status.messages));
	client_send_line(client, t_strdup_printf("* %u RECENT", status.recent));
	client->box_recent_sent = status.recent;
	if (status.first_unseen_seq != 0)
		client_send_line(client, t_strdup_printf("* OK [UNSEEN %u] First unseen.",
							 status.first_unseen_seq));
	client_send_line(client,
			 t_strdup_printf("* OK [UIDVALIDITY %u] UIDs valid", status.uidvalidity));
	client_send_line(client,
			 t_strdup_printf("* OK [UIDNEXT %u] Predicted next UID", status.uidnext));
	client_send_line(client, t_strdup_printf("* OK [HIGHESTMODSEQ %llu] Highest",
						 (unsigned long long)status.highest_modseq));
	client_send_tagline(client, readonly ? "OK [READ-ONLY] Examine completed."
					     : "OK [READ-WRITE] Select completed.");
	return true;
}

static bool cmd_select(struct client *client, const struct imap_arg *args)
{
	return cmd_select_full(client, args, false);
}

static bool cmd_examine(struct client *client, const struct imap_arg *args)
{
	return cmd_select_full(client, args, true);
}

static bool cmd_close(struct client *client, const struct imap_arg *args)
{
	struct mailbox_transaction *t;
	struct mail_info info;
	uint32_t seq, count;

	(void)args;
	if (!client->box_readonly) {
		/* expunge \Deleted silently */
		t = mailbox_transaction_begin(client->box);
		count = mailbox_count(client->box);
		for (seq = 1; seq <= count; seq++) {
			if (mailbox_mail_get_info(client->box, seq, client->cmd_pool, &info) == 0 &&
			    (info.flags & MAIL_DELETED) != 0)
				(void)mailbox_expunge(t, info.uid);
		}
		if (mailbox_transaction_commit(&t, NULL, NULL) < 0) {
			client_send_storage_error(client, client->box);
			return true;
		}
	}
	client_close_mailbox(client);
	client_send_tagline(client, "OK Close completed.");
	return true;
}

static bool cmd_unselect(struct client *client, const struct imap_arg *args)
{
	(void)args;
	client_close_mailbox(client);
	client_send_tagline(client, "OK Unselect completed.");
	return true;
}

static bool cmd_expunge(struct client *client, const struct imap_arg *args)
{
	ARRAY_TYPE(imap_seq_range) uidset;
	struct mailbox_transaction *t;
	struct mail_info info;
	uint32_t seq, count;
	const char *str, *error;
	bool saved;

	if (client->cmd_uid) {
		p_array_init(&uidset, client->cmd_pool, 8);
		if (!imap_arg_get_atom(args, &str) || !imap_arg_is_eol(args + 1) ||
		    imap_seq_set_parse(str, &uidset, &saved, &error) < 0 || saved) {
			client_send_bad(client,
					"Error in IMAP command UID EXPUNGE: Invalid uidset");
			return true;
		}
	} else if (!imap_arg_is_eol(args)) {
		client_send_bad(client, "Error in IMAP command EXPUNGE: Unexpected arguments");
		return true;
	}
	if (client->box_readonly) {
		client_send_tagline(client, "NO Mailbox is read-only.");
		return true;
	}
	t = mailbox_transaction_begin(client->box);
	count = mailbox_count(client->box);
	for (seq = 1; seq <= count; seq++) {
		if (mailbox_mail_get_info(client->box, seq, client->cmd_pool, &info) < 0 ||
		    (info.flags & MAIL_DELETED) == 0)
			continue;
		if (client->cmd_uid &&
		    !imap_seq_set_contains(&uidset, info.uid,
					   mailbox_seq_to_uid(client->box, count)))
			continue;
		(void)mailbox_expunge(t, info.uid);
	}
	if (mailbox_transaction_commit(&t, NULL, NULL) < 0) {
		client_send_storage_error(client, client->box);
		return true;
	}
	(void)client_sync(client, true);
	client_send_tagline(client, "OK Expunge completed.");
	return true;
}

/* ---- mailbox management ---- */

static const char *arg_mailbox(struct client *client, const struct imap_arg *args)
{
	const char *name;

	if (!imap_arg_get_astring(args, &name))
		return NULL;
	return client_mailbox_name(client, name);
}

static bool cmd_create(struct client *client, const struct imap_arg *args)
{
	struct mail_namespace *ns;
	const char *vname, *error;
	struct mailbox *box;
	size_t len;

	vname = arg_mailbox(client, args);
	if (vname == NULL || !imap_arg_is_eol(args + 1)) {
		client_send_bad(client, "Invalid arguments.");
		return true;
	}
	ns = mail_user_find_namespace(client->user, vname);
	len = strlen(vname);
	if (ns != NULL && len > 0 && vname[len - 1] == ns->sep) {
		/* "foo/" creates foo */
		vname = t_strndup(vname, len - 1);
	}
	if (ns == NULL || (strlen(vname) >= strlen(ns->prefix) &&
			   mailbox_name_validate(ns, vname + strlen(ns->prefix), &error) < 0)) {
		client_send_tagline(
		    client, t_strdup_printf("NO %s", ns == NULL ? "Invalid mailbox name" : error));
		return true;
	}
	box = mailbox_alloc(client->user, vname, 0);
	if (mailbox_create(box, NULL) < 0)
		client_send_storage_error(client, box);
	else
		client_send_tagline(client, "OK Create completed.");
	mailbox_free(&box);
	return true;
}

static bool cmd_delete(struct client *client, const struct imap_arg *args)
{
	const char *vname = arg_mailbox(client, args);
	struct mailbox *box;

	if (vname == NULL || !imap_arg_is_eol(args + 1)) {
		client_send_bad(client, "Invalid arguments.");
		return true;
	}
	if (strcmp(vname, "INBOX") == 0) {
		client_send_tagline(client, "NO INBOX can't be deleted.");
		return true;
	}
	if (client->box != NULL && strcmp(mailbox_get_vname(client->box), vname) == 0) {
		client_close_mailbox(client);
		client_send_line(client, "* OK [CLOSED] Previous mailbox closed.");
	}
	box = mailbox_alloc(client->user, vname, 0);
	if (mailbox_delete(box) < 0)
		client_send_storage_error(client, box);
	else
		client_send_tagline(client, "OK Delete completed.");
	mailbox_free(&box);
	return true;
}

static bool cmd_rename(struct client *client, const struct imap_arg *args)
{
	const char *oldname = arg_mailbox(client, args), *newname, *error;
	struct mailbox *src, *dest;
	struct mail_namespace *ns;

	newname = oldname == NULL ? NULL : arg_mailbox(client, args + 1);
	if (newname == NULL || !imap_arg_is_eol(args + 2)) {
		client_send_bad(client, "Invalid arguments.");
		return true;
	}
	ns = mail_user_find_namespace(client->user, newname);
	if (ns == NULL || (strlen(newname) >= strlen(ns->prefix) &&
			   mailbox_name_validate(ns, newname + strlen(ns->prefix), &error) < 0)) {
		client_send_tagline(
		    client, t_strdup_printf("NO %s", ns == NULL ? "Invalid mailbox name" : error));
		return true;
	}
	src = mailbox_alloc(client->user, oldname, 0);
	dest = mailbox_alloc(client->user, newname, 0);
	if (mailbox_rename(src, dest) < 0)
		client_send_storage_error(client, src);
	else
		client_send_tagline(client, "OK Rename completed.");
	mailbox_free(&src);
	mailbox_free(&dest);
	return true;
}

static bool cmd_subscribe_full(struct client *client, const struct imap_arg *args, bool set)
{
	const char *vname = arg_mailbox(client, args);
	struct mailbox *box;

	if (vname == NULL || !imap_arg_is_eol(args + 1)) {
		client_send_bad(client, "Invalid arguments.");
		return true;
	}
	box = mailbox_alloc(client->user, vname, 0);
	if (set && mailbox_exists(box) == 0) {
		client_send_tagline(client,
				    t_strdup_printf("NO [NONEXISTENT] Mailbox doesn't exist: %s",
						    str_sanitize(pool_temp, vname, 100)));
	} else if (mailbox_set_subscribed(box, set) < 0) {
		client_send_storage_error(client, box);
	} else {
		client_send_tagline(client,
				    set ? "OK Subscribe completed." : "OK Unsubscribe completed.");
	}
	mailbox_free(&box);
	return true;
}

static bool cmd_subscribe(struct client *client, const struct imap_arg *args)
{
	return cmd_subscribe_full(client, args, true);
}

static bool cmd_unsubscribe(struct client *client, const struct imap_arg *args)
{
	return cmd_subscribe_full(client, args, false);
}

static void list_append_flags(string_t *str, const struct mailbox_info *info, bool lsub)
{
	size_t start = str_len(str);

	str_append_c(str, '(');
	if ((info->flags & MAILBOX_NOSELECT) != 0)
		str_append(str, "\\Noselect ");
	if ((info->flags & MAILBOX_NONEXISTENT) != 0 && !lsub)
		str_append(str, "\\NonExistent ");
	if (!lsub) {
		if ((info->flags & MAILBOX_CHILDREN) != 0)
			str_append(str, "\\HasChildren ");
		else if ((info->flags & MAILBOX_NOCHILDREN) != 0)
			str_append(str, "\\HasNoChildren ");
		if (info->special_use != NULL && info->special_use[0] != '\0')
			str_printfa(str, "%s ", info->special_use);
	}
	if (str_len(str) > start + 1)
		str_truncate(str, str_len(str) - 1);
	str_append_c(str, ')');
}

static bool cmd_list_full(struct client *client, const struct imap_arg *args, bool lsub)
{
	ARRAY_TYPE(mailbox_info) result;
	ARRAY(const char *) patterns;
	const struct imap_arg *list;
	struct mail_namespace *ns;
	const char *ref, *pattern, *error, *null = NULL;
	unsigned int count;
	string_t *str;

	if (!imap_arg_get_astring(args, &ref)) {
		client_send_bad(client, "Invalid arguments.");
		return true;
	}
	p_array_init(&patterns, client->cmd_pool, 4);
	if (imap_arg_get_list(args + 1, &list, &count) && !lsub) {
		for (; !imap_arg_is_eol(list); list++) {
			if (!imap_arg_get_astring(list, &pattern)) {
				client_send_bad(client, "Invalid pattern list.");
				return true;
			}
			pattern = client_mailbox_name(client, t_strconcat(ref, pattern, NULL));
			if (pattern != NULL)
				array_push(&patterns, &pattern);
		}
	} else if (imap_arg_get_astring(args + 1, &pattern)) {
		if (pattern[0] == '\0' && !lsub) {
			ns = mail_user_get_inbox_namespace(client->user);
			client_send_line(client, t_strdup_printf("* LIST (\\Noselect) \"%c\" \"\"",
								 ns == NULL ? '/' : ns->sep));
			client_send_tagline(client, "OK List completed.");
			return true;
		}
		pattern = client_mailbox_name(client, t_strconcat(ref, pattern, NULL));
		if (pattern != NULL)
			array_push(&patterns, &pattern);
	} else {
		client_send_bad(client, "Invalid arguments.");
		return true;
	}
	if (!imap_arg_is_eol(args + 2)) {
		client_send_bad(client, "Invalid arguments.");
		return true;
	}
	array_push(&patterns, &null);
	p_array_init(&result, client->cmd_pool, 16);
	if (mailbox_list(client->user, array_front(&patterns),
			 lsub ? MAILBOX_LIST_ITER_SUBSCRIBED : 0, client->cmd_pool, &result,
			 &error) < 0) {
		client_send_tagline(client, "NO " MAIL_ERRSTR_CRITICAL);
		return true;
	}
	str = str_new(client->cmd_pool, 128);
	array_foreach(&result, info)
	{
		str_truncate(str, 0);
		str_append(str, lsub ? "* LSUB " : "* LIST ");
		list_append_flags(str, info, lsub);
		str_printfa(str, " \"%c\" ", info->sep);
		imap_append_astring(str, client_mailbox_name_out(client->cmd_pool, info->vname));
		client_send_line(client, str_c(str));
	}
	client_send_tagline(client, lsub ? "OK Lsub completed." : "OK List completed.");
	return true;
}

static bool cmd_list(struct client *client, const struct imap_arg *args)
{
	return cmd_list_full(client, args, false);
}

static bool cmd_lsub(struct client *client, const struct imap_arg *args)
{
	return cmd_list_full(client, args, true);
}

static bool cmd_namespace(struct client *client, const struct imap_arg *args)
{
	string_t *str = t_str_new(128);
	struct mail_namespace *ns;
	bool any = false;

	(void)args;
	str_append(str, "* NAMESPACE (");
	array_foreach_elem(&client->user->namespaces, ns)
	{
		if (ns->hidden)
			continue;
		str_append_c(str, '(');
		imap_append_string(str, ns->prefix);
		str_printfa(str, " \"%c\")", ns->sep);
		any = true;
	}
	if (!any) {
		str_truncate(str, str_len(str) - 1);
		str_append(str, "NIL");
	} else
		str_append_c(str, ')');
	str_append(str, " NIL NIL");
	client_send_line(client, str_c(str));
	client_send_tagline(client, "OK Namespace completed.");
	return true;
}

static bool cmd_status(struct client *client, const struct imap_arg *args)
{
	const struct imap_arg *items;
	struct mailbox_status status;
	const char *vname = arg_mailbox(client, args), *item;
	struct mailbox *box;
	unsigned int count;
	string_t *str;

	if (vname == NULL || !imap_arg_get_list(args + 1, &items, &count) || count == 0 ||
	    !imap_arg_is_eol(args + 2)) {
		client_send_bad(client, "Invalid arguments.");
		return true;
	}
	box = mailbox_alloc(client->user, vname, MAILBOX_FLAG_READONLY);
	if (client->box != NULL && strcmp(mailbox_get_vname(client->box), vname) == 0)
		(void)client_sync(client, true);
	if (mailbox_get_status(box, &status) < 0) {
		client_send_storage_error(client, box);
		mailbox_free(&box);
		return true;
	}
	mailbox_free(&box);
	str = t_str_new(128);
	str_append(str, "* STATUS ");
	imap_append_astring(str, client_mailbox_name_out(client->cmd_pool, vname));
	str_append(str, " (");
	for (; !imap_arg_is_eol(items); items++) {
		if (!imap_arg_get_atom(items, &item)) {
			client_send_bad(client, "Invalid arguments.");
			return true;
		}
		if (strcasecmp(item, "MESSAGES") == 0)
			str_printfa(str, "MESSAGES %u ", status.messages);
		else if (strcasecmp(item, "RECENT") == 0)
			str_printfa(str, "RECENT %u ", status.recent);
		else if (strcasecmp(item, "UIDNEXT") == 0)
			str_printfa(str, "UIDNEXT %u ", status.uidnext);
		else if (strcasecmp(item, "UIDVALIDITY") == 0)
			str_printfa(str, "UIDVALIDITY %u ", status.uidvalidity);
		else if (strcasecmp(item, "UNSEEN") == 0)
			str_printfa(str, "UNSEEN %u ", status.unseen);
		else if (strcasecmp(item, "HIGHESTMODSEQ") == 0)
			str_printfa(str, "HIGHESTMODSEQ %llu ",
				    (unsigned long long)status.highest_modseq);
		else if (strcasecmp(item, "SIZE") == 0)
			str_printfa(str, "SIZE %llu ", (unsigned long long)status.size);
		else {
			client_send_bad(client, t_strdup_printf("Invalid status item %s",
								str_sanitize(pool_temp, item, 40)));
			return true;
		}
	}
	str_truncate(str, str_len(str) - 1);
	str_append_c(str, ')');
	client_send_line(client, str_c(str));
	client_send_tagline(client, "OK Status completed.");
	return true;
}

/* ---- STORE ---- */

static bool cmd_store(struct client *client, const struct imap_arg *args)
{
	ARRAY_TYPE(imap_seqs) seqs;
	const struct imap_arg *list;
	const char *set_str, *item, *error;
	const char *const *keywords;
	struct mailbox_transaction *t;
	enum mail_flags flags;
	enum modify_type type;
	struct mail_info info;
	unsigned int count;
	bool silent = false;
	uint32_t seq;
	string_t *str;

	if (!imap_arg_get_atom(args, &set_str) || !imap_arg_get_atom(args + 1, &item) ||
	    imap_arg_is_eol(args + 2)) {
		client_send_bad(client, "Error in IMAP command STORE: Invalid arguments.");
		return true;
	}
	if (item[0] == '+') {
		type = MODIFY_ADD;
		item++;
	} else if (item[0] == '-') {
		type = MODIFY_REMOVE;
		item++;
	} else {
		type = MODIFY_REPLACE;
	}
	if (strcasecmp(item, "FLAGS.SILENT") == 0)
		silent = true;
	else if (strcasecmp(item, "FLAGS") != 0) {
		client_send_bad(client, "Error in IMAP command STORE: Invalid STORE item");
		return true;
	}
	if (imap_arg_get_list(args + 2, &list, &count)) {
		if (!imap_arg_is_eol(args + 3)) {
			client_send_bad(client, "Error in IMAP command STORE: Invalid arguments.");
			return true;
		}
	} else {
		list = args + 2;
	}
	if (client_parse_flags(client->cmd_pool, list, &flags, &keywords, &error) < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command STORE: %s", error));
		return true;
	}
	p_array_init(&seqs, client->cmd_pool, 16);
	if (imap_util_seqset_to_seqs(client, set_str, &seqs, &error) < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command STORE: %s", error));
		return true;
	}
	if (client->box_readonly) {
		client_send_tagline(client, "OK Store ignored with read-only mailbox.");
		return true;
	}
	t = mailbox_transaction_begin(client->box);
	array_foreach_elem(&seqs, seq)
	{
		if (mailbox_update_flags(t, mailbox_seq_to_uid(client->box, seq), type, flags,
					 keywords) < 0) {
			mailbox_transaction_rollback(&t);
			client_send_storage_error(client, client->box);
			return true;
		}
	}
	if (mailbox_transaction_commit(&t, NULL, NULL) < 0) {
		client_send_storage_error(client, client->box);
		return true;
	}
	str = str_new(client->cmd_pool, 128);
	if (!silent) {
		array_foreach_elem(&seqs, seq)
		{
			if (mailbox_mail_get_info(client->box, seq, client->cmd_pool, &info) < 0)
				continue;
			client_keywords_seen(client, info.keywords);
			str_truncate(str, 0);
			str_printfa(str, "* %u FETCH (", seq);
			if (client->cmd_uid)
				str_printfa(str, "UID %u ", info.uid);
			str_append(str, "FLAGS ");
			client_append_flags(str, info.flags, info.keywords);
			str_append_c(str, ')');
			client_send_line(client, str_c(str));
		}
	}
	/* our own change would come back from the next sync as a FETCH:
	   remember not to report it again. Only the UID form may see
	   EXPUNGEs now (RFC 3501 7.4.1). */
	array_foreach_elem(&seqs, seq)
	    client_own_flag_change(client, mailbox_seq_to_uid(client->box, seq));
	if (client->cmd_uid)
		(void)client_sync(client, true);
	client_send_tagline(client, "OK Store completed.");
	return true;
}

/* ---- COPY / MOVE ---- */

static bool cmd_copy_full(struct client *client, const struct imap_arg *args, bool move)
{
	struct mail_transaction_commit_changes changes;
	ARRAY_TYPE(imap_seq_range) src_uids, dest_uids;
	struct mailbox_transaction *t;
	struct mail_save_params params;
	const char *set_str, *vname, *error;
	struct mail_info info;
	struct mailbox *dest;
	string_t *src_str, *dest_str;
	ARRAY_TYPE(imap_seqs) seqs;
	uint32_t seq;

	if (!imap_arg_get_atom(args, &set_str) || (vname = arg_mailbox(client, args + 1)) == NULL ||
	    !imap_arg_is_eol(args + 2)) {
		client_send_bad(client,
				t_strdup_printf("Error in IMAP command %s: Invalid arguments.",
						client->cmd_name));
		return true;
	}
	p_array_init(&seqs, client->cmd_pool, 16);
	if (imap_util_seqset_to_seqs(client, set_str, &seqs, &error) < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %s: %s",
							client->cmd_name, error));
		return true;
	}
	if (move && client->box_readonly) {
		client_send_tagline(client, "NO Mailbox is read-only.");
		return true;
	}
	dest = mailbox_alloc(client->user, vname, 0);
	if (mailbox_open(dest) < 0) {
		enum mail_error err;

		(void)mailbox_get_last_error(dest, &err);
		if (err == MAIL_ERROR_NOTFOUND)
			client_send_tagline(
			    client, t_strdup_printf("NO [TRYCREATE] Mailbox doesn't exist: %s.",
						    str_sanitize(pool_temp, vname, 100)));
		else
			client_send_storage_error(client, dest);
		mailbox_free(&dest);
		return true;
	}
	t = mailbox_transaction_begin(dest);
	p_array_init(&src_uids, client->cmd_pool, 16);
	array_foreach_elem(&seqs, seq)
	{
		struct imap_seq_range r;

		if (mailbox_mail_get_info(client->box, seq, client->cmd_pool, &info) < 0)
			continue;
		memset(&params, 0, sizeof(params));
		params.flags = info.flags & MAIL_FLAGS_MASK;
		params.keywords = info.keywords;
		params.received_date = info.received_date;
		if ((move ? mailbox_move(t, client->box, info.uid, &params) :
			    mailbox_copy(t, client->box, info.uid, &params)) < 0) {
			mailbox_transaction_rollback(&t);
			client_send_storage_error(client, dest);
			mailbox_free(&dest);
			return true;
		}
		r.seq1 = r.seq2 = info.uid;
		array_push(&src_uids, &r);
	}
	if (mailbox_transaction_commit(&t, client->cmd_pool, &changes) < 0) {
		client_send_storage_error(client, dest);
		mailbox_free(&dest);
		return true;
	}
	mailbox_free(&dest);
	if (array_count(&src_uids) == 0) {
		client_send_tagline(client,
				    move ? "OK No messages found." : "OK No messages found.");
		return true;
	}
	p_array_init(&dest_uids, client->cmd_pool, 16);
	if (move) {
		/* a move whose source another session expunged meanwhile
		   has no destination UID: leave the pair out */
		ARRAY_TYPE(imap_seq_range) moved;
		unsigned int i = 0;
		p_array_init(&moved, client->cmd_pool, 16);
		array_foreach(&src_uids, r)
		{
			uint32_t dest_uid = array_idx_elem(&changes.saved_uids, i++);
			if (dest_uid != 0)
				array_push(&moved, r);
		}
		src_uids = moved;
	}
	array_foreach(&changes.saved_uids, uidp)
	{
		struct imap_seq_range r = {*uidp, *uidp};

		if (*uidp != 0)
			array_push(&dest_uids, &r);
	}
	src_str = t_str_new(64);
	dest_str = t_str_new(64);
	imap_util_write_uid_list(src_str, &src_uids);
	imap_util_write_uid_list(dest_str, &dest_uids);
	if (!move) {
		client_send_tagline(client, t_strdup_printf("OK [COPYUID %u %s %s] Copy completed.",
							    changes.uid_validity, str_c(src_str),
							    str_c(dest_str)));
		return true;
	}
	/* mailbox_move() expunged them from this mailbox in the commit */
	if (array_count(&src_uids) > 0)
		client_send_line(client, t_strdup_printf("* OK [COPYUID %u %s %s] Moved UIDs.",
							 changes.uid_validity, str_c(src_str),
							 str_c(dest_str)));
	(void)client_sync(client, true);
	client_send_tagline(client, "OK Move completed.");
	return true;
}

static bool cmd_copy(struct client *client, const struct imap_arg *args)
{
	return cmd_copy_full(client, args, false);
}

static bool cmd_move(struct client *client, const struct imap_arg *args)
{
	return cmd_copy_full(client, args, true);
}

/* ---- IDLE ---- */

static void idle_notify(struct mailbox *box, void *context)
{
	struct client *client = context;

	(void)box;
	if (client->input_state != CLIENT_INPUT_IDLE || client->disconnected)
		return;
	(void)client_sync(client, true);
}

static void idle_keepalive(void *context)
{
	struct client *client = context;

	client_send_line(client, "* OK Still here");
}

static bool cmd_idle(struct client *client, const struct imap_arg *args)
{
	(void)args;
	client->input_state = CLIENT_INPUT_IDLE;
	client_send_line(client, "+ idling");
	client->to_idle =
	    timeout_add(client->set->imap_idle_notify_interval * 1000, idle_keepalive, client);
	if (client->box != NULL) {
		(void)client_sync(client, true);
		mailbox_notify_changes(client->box, idle_notify, client);
	}
	return false;
}

void cmd_idle_line(struct client *client, const char *line);
void cmd_idle_line(struct client *client, const char *line)
{
	if (client->to_idle != NULL)
		timeout_remove(&client->to_idle);
	if (client->box != NULL)
		mailbox_notify_changes(client->box, NULL, NULL);
	if (strcasecmp(line, "DONE") == 0) {
		(void)client_sync(client, true);
		client_send_tagline(client, "OK Idle completed.");
	} else {
		client_send_bad(client, "Expected DONE.");
	}
	client_command_finished(client);
}

static const struct imap_command imap_commands[] = {
    {"APPEND", cmd_append, 0},
    {"CAPABILITY", cmd_capability, 0},
    {"CHECK", cmd_check, IMAP_COMMAND_FLAG_SELECTED},
    {"CLOSE", cmd_close, IMAP_COMMAND_FLAG_SELECTED},
    {"COPY", cmd_copy, IMAP_COMMAND_FLAG_SELECTED | IMAP_COMMAND_FLAG_UID},
    {"CREATE", cmd_create, 0},
    {"DELETE", cmd_delete, 0},
    {"ENABLE", cmd_enable, 0},
    {"EXAMINE", cmd_examine, 0},
    {"EXPUNGE", cmd_expunge, IMAP_COMMAND_FLAG_SELECTED | IMAP_COMMAND_FLAG_UID},
    {"FETCH", cmd_fetch,
     IMAP_COMMAND_FLAG_SELECTED | IMAP_COMMAND_FLAG_UID | IMAP_COMMAND_FLAG_NO_EXPUNGES},
    {"ID", cmd_id, 0},
    {"IDLE", cmd_idle, 0},
    {"LIST", cmd_list, 0},
    {"LOGOUT", cmd_logout, 0},
    {"LSUB", cmd_lsub, 0},
    {"MOVE", cmd_move, IMAP_COMMAND_FLAG_SELECTED | IMAP_COMMAND_FLAG_UID},
    {"NAMESPACE", cmd_namespace, 0},
    {"NOOP", cmd_noop, 0},
    {"RENAME", cmd_rename, 0},
    {"SEARCH", cmd_search,
     IMAP_COMMAND_FLAG_SELECTED | IMAP_COMMAND_FLAG_UID | IMAP_COMMAND_FLAG_NO_EXPUNGES},
    {"SELECT", cmd_select, 0},
    {"STATUS", cmd_status, 0},
    {"STORE", cmd_store,
     IMAP_COMMAND_FLAG_SELECTED | IMAP_COMMAND_FLAG_UID | IMAP_COMMAND_FLAG_NO_EXPUNGES},
    {"SUBSCRIBE", cmd_subscribe, 0},
    {"UNSELECT", cmd_unselect, IMAP_COMMAND_FLAG_SELECTED},
    {"UNSUBSCRIBE", cmd_unsubscribe, 0},
};

const struct imap_command *imap_command_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(imap_commands); i++) {
		if (strcasecmp(imap_commands[i].name, name) == 0)
			return &imap_commands[i];
	}
	return NULL;
}

/* The IMAP command table and the commands that fit on a screen or two.
   FETCH is in imap-fetch.c, SEARCH in imap-search.c, APPEND in
   cmd-append.c. */

#include "lib.h"
#include "imap-commands.h"
#include "imap-quota.h"
#include "imap-list.h"
#include "imap-condstore.h"
#include "imap-esearch.h"
#include "imap-quote.h"
#include "imap-seqset.h"
#include "imap-util.h"
#include "mail-user.h"
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
	for (const struct imap_arg *arg = args; !imap_arg_is_eol(arg); arg++) {
		if (!imap_arg_get_atom(arg, &name)) {
			client_send_bad(client, "Invalid arguments.");
			return true;
		}
	}
	/* "* ENABLED" lists what this server knows of, even when it was on
	   already (as Dovecot does); unknown names are ignored, and with
	   none known no line is sent */
	for (; !imap_arg_is_eol(args); args++) {
		(void)imap_arg_get_atom(args, &name);
		if (strcasecmp(name, "CONDSTORE") == 0) {
			client_enable_condstore(client);
			str_append(str, " CONDSTORE");
		} else if (strcasecmp(name, "QRESYNC") == 0) {
			client_enable_qresync(client);
			str_append(str, " QRESYNC");
		} else if (strcasecmp(name, "IMAP4rev2") == 0) {
			client->enabled_imap4rev2 = true;
			str_append(str, " IMAP4rev2");
		}
	}
	if (str_len(str) > 0)
		client_send_line(client, t_strdup_printf("* ENABLED%s", str_c(str)));
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

/* "(CONDSTORE QRESYNC (...))" after the mailbox name (RFC 7162 3.1.8,
   3.2.5). Only the names are checked here: *qresync_arg_r is what follows
   QRESYNC (NULL: none), checked once the previous mailbox is closed, in
   Dovecot's order. */
static int select_parse_params(struct client *client, const struct imap_arg *args,
			       bool *condstore_r, const struct imap_arg **qresync_arg_r,
			       const char **error_r)
{
	const struct imap_arg *list;
	unsigned int count;
	const char *name;

	*condstore_r = false;
	*qresync_arg_r = NULL;
	if (imap_arg_is_eol(args))
		return 0;
	if (!imap_arg_get_list(args, &list, &count) || !imap_arg_is_eol(args + 1)) {
		*error_r = "Invalid arguments.";
		return -1;
	}
	for (; !imap_arg_is_eol(list); list++) {
		if (imap_arg_get_atom(list, &name) && strcasecmp(name, "CONDSTORE") == 0) {
			*condstore_r = true;
		} else if (imap_arg_get_atom(list, &name) && strcasecmp(name, "QRESYNC") == 0) {
			*qresync_arg_r = list + 1;
			if (list[1].type != IMAP_ARG_LIST)
				break; /* "parameters missing", whatever follows */
			list++;
		} else {
			*error_r = t_strdup_printf("Error in IMAP command %s: Unknown %s parameter",
						   client->cmd_name, client->cmd_name);
			return -1;
		}
	}
	return 0;
}

/* IMAP4rev2 SELECT/EXAMINE end with the mailbox's LIST response (RFC 9051
   6.3.2), with its attributes. */
static void select_send_list(struct client *client, const char *vname)
{
	ARRAY_TYPE(mailbox_info) result;
	const char *patterns[2] = {vname, NULL}, *error;
	struct mail_namespace *ns;
	string_t *str = t_str_new(128);

	p_array_init(&result, client->cmd_pool, 4);
	str_append(str, "* LIST ");
	if (strpbrk(vname, "*%") == NULL &&
	    mailbox_list(client->user, patterns, 0, client->cmd_pool, &result, &error) == 0 &&
	    array_count(&result) > 0) {
		const struct mailbox_info *info = array_idx(&result, 0);

		imap_list_append_mailbox_attributes(client, str, info);
		str_printfa(str, " \"%c\" ", info->sep);
	} else {
		ns = mailbox_get_namespace(client->box);
		str_printfa(str, "() \"%c\" ", ns == NULL ? '/' : ns->sep);
	}
	client_append_mailbox_name(client, str, vname);
	client_send_line(client, str_c(str));
}

static bool cmd_select_full(struct client *client, const struct imap_arg *args, bool readonly)
{
	struct mailbox_status status;
	struct imap_qresync_select qr;
	const struct imap_arg *qresync_arg;
	const char *name, *vname, *error;
	struct mailbox *box;
	bool condstore;

	if (!imap_arg_get_astring(args, &name)) {
		client_send_bad(client, "Invalid arguments.");
		return true;
	}
	if (select_parse_params(client, args + 1, &condstore, &qresync_arg, &error) < 0) {
		client_send_bad(client, error);
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
	if (qresync_arg != NULL && !client->enabled_qresync) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %s: QRESYNC not enabled",
							client->cmd_name));
		return true;
	}
	if (qresync_arg != NULL &&
	    imap_qresync_parse_select(client->cmd_pool, qresync_arg, &qr, &error) < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %s: %s",
							client->cmd_name, error));
		return true;
	}
	if (condstore)
		client_enable_condstore(client);
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
	/* IMAP4rev2 has neither RECENT nor the UNSEEN response code */
	if (!client->enabled_imap4rev2)
		client_send_line(client, t_strdup_printf("* %u RECENT", status.recent));
	client->box_recent_sent = status.recent;
	if (status.first_unseen_seq != 0 && !client->enabled_imap4rev2)
		client_send_line(client, t_strdup_printf("* OK [UNSEEN %u] First unseen.",
							 status.first_unseen_seq));
	client_send_line(client,
			 t_strdup_printf("* OK [UIDVALIDITY %u] UIDs valid", status.uidvalidity));
	client_send_line(client,
			 t_strdup_printf("* OK [UIDNEXT %u] Predicted next UID", status.uidnext));
	/* sent always: our mailboxes keep modseqs (RFC 7162 3.1.2.1) */
	client_send_line(client, t_strdup_printf("* OK [HIGHESTMODSEQ %llu] Highest",
						 (unsigned long long)status.highest_modseq));
	if (qresync_arg != NULL && qr.uidvalidity == status.uidvalidity)
		imap_qresync_select_report(client, &qr);
	if (client->enabled_imap4rev2)
		select_send_list(client, vname);
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
	unsigned int expunged = 0;

	(void)args;
	if (!client->box_readonly) {
		/* expunge \Deleted silently */
		t = mailbox_transaction_begin(client->box);
		count = mailbox_count(client->box);
		for (seq = 1; seq <= count; seq++) {
			if (mailbox_mail_get_info(client->box, seq, client->cmd_pool, &info) == 0 &&
			    (info.flags & MAIL_DELETED) != 0 && mailbox_expunge(t, info.uid) == 0)
				expunged++;
		}
		if (mailbox_transaction_commit(&t, NULL, NULL) < 0) {
			client_send_storage_error(client, client->box);
			return true;
		}
		client->logout_stats.expunged += expunged;
	}
	client_close_mailbox(client);
	client_send_tagline(client, "OK Close completed.");
	return true;
}

/* COMPRESS DEFLATE (RFC 4978), with Dovecot's answers. */
static bool cmd_compress(struct client *client, const struct imap_arg *args)
{
	const char *mech;

	if (!imap_arg_get_atom(args, &mech) || !imap_arg_is_eol(args + 1)) {
		client_send_bad(client, "Error in IMAP command COMPRESS: Invalid arguments.");
		return true;
	}
	if (client->compressed) {
		client_send_tagline(client, "NO [COMPRESSIONACTIVE] COMPRESSION=DEFLATE "
					    "already enabled.");
		return true;
	}
	if (strcasecmp(mech, "DEFLATE") != 0) {
		client_send_tagline(client, "NO Unknown compression mechanism.");
		return true;
	}
	/* the OK goes out as it is; everything after it compressed */
	client_send_tagline(client, "OK Begin compression.");
	if (client_start_compression(client) < 0)
		client_disconnect(client, "Internal error", "COMPRESS failed: out of memory");
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
	unsigned int expunged = 0;
	const char *str, *error;
	bool saved = false;

	if (client->cmd_uid) {
		p_array_init(&uidset, client->cmd_pool, 8);
		if (!imap_arg_get_atom(args, &str) || !imap_arg_is_eol(args + 1) ||
		    imap_seq_set_parse(str, &uidset, &saved, &error) < 0) {
			client_send_bad(client,
					"Error in IMAP command UID EXPUNGE: Invalid uidset");
			return true;
		}
		/* "$": the saved search result (RFC 5182), looked up below */
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
		if (client->cmd_uid && saved && !imap_search_saved_has(client, info.uid))
			continue;
		if (client->cmd_uid && !saved &&
		    !imap_seq_set_contains(&uidset, info.uid,
					   mailbox_seq_to_uid(client->box, count)))
			continue;
		if (mailbox_expunge(t, info.uid) == 0)
			expunged++;
	}
	if (mailbox_transaction_commit(&t, NULL, NULL) < 0) {
		client_send_storage_error(client, client->box);
		return true;
	}
	client->logout_stats.expunged += expunged;
	(void)client_sync(client, true);
	if (client->enabled_qresync && expunged > 0) {
		/* RFC 7162 3.2.10; as Dovecot, only when something went */
		struct mailbox_status status;

		if (mailbox_get_status(client->box, &status) == 0) {
			client_send_tagline(client, t_strdup_printf(
				"OK [HIGHESTMODSEQ %llu] Expunge completed.",
				(unsigned long long)status.highest_modseq));
			return true;
		}
	}
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
	const char *vname, *error, *special_use = NULL;
	const struct imap_arg *params;
	struct mail_namespace *ns;
	struct mailbox *box;
	bool useattr;
	size_t len;

	vname = arg_mailbox(client, args);
	if (vname == NULL || (!imap_arg_is_eol(args + 1) &&
			      (!imap_arg_get_list(args + 1, &params, NULL) ||
			       !imap_arg_is_eol(args + 2)))) {
		client_send_bad(client, "Invalid arguments.");
		return true;
	}
	/* CREATE-SPECIAL-USE (RFC 6154): "CREATE name (USE (\Drafts))" */
	if (!imap_arg_is_eol(args + 1) &&
	    imap_create_parse_params(params, &special_use, &useattr, &error) < 0) {
		if (useattr)
			client_send_tagline(client, t_strdup_printf("NO [USEATTR] %s.", error));
		else
			client_send_bad(client,
					t_strdup_printf("Error in IMAP command CREATE: %s", error));
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
	if (mailbox_create(box, special_use) < 0)
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
	/* INBOX is there even before its Maildir is (it is made at open) */
	if (set && strcmp(vname, "INBOX") != 0 && mailbox_exists(box) == 0) {
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

/* ---- COPY / MOVE ---- */

/* Whether box has the \Trash special use (for %{trashed}). */
static bool mailbox_is_trash(struct mailbox *box)
{
	struct mail_namespace *ns = mailbox_get_namespace(box);
	const char *name = mailbox_get_vname(box), *const *flags;

	if (ns == NULL)
		return false;
	if (strncmp(name, ns->prefix, strlen(ns->prefix)) == 0)
		name += strlen(ns->prefix);
	flags = p_strsplit_spaces(pool_temp, mailbox_list_get_special_use(ns, name, pool_temp),
				  " ");
	for (; *flags != NULL; flags++) {
		if (strcasecmp(*flags, "\\Trash") == 0)
			return true;
	}
	return false;
}

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
	if (mailbox_is_trash(dest))
		client->logout_stats.trashed += array_count(&src_uids);
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
    {"COMPRESS", cmd_compress, 0},
    {"COPY", cmd_copy, IMAP_COMMAND_FLAG_SELECTED | IMAP_COMMAND_FLAG_UID},
    {"CREATE", cmd_create, 0},
    {"DELETE", cmd_delete, 0},
    {"ENABLE", cmd_enable, 0},
    {"EXAMINE", cmd_examine, 0},
    {"EXPUNGE", cmd_expunge, IMAP_COMMAND_FLAG_SELECTED | IMAP_COMMAND_FLAG_UID},
    {"FETCH", cmd_fetch,
     IMAP_COMMAND_FLAG_SELECTED | IMAP_COMMAND_FLAG_UID | IMAP_COMMAND_FLAG_NO_EXPUNGES},
    {"GETMETADATA", cmd_getmetadata, 0},
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
    {"SETMETADATA", cmd_setmetadata, 0},
    {"SORT", cmd_sort,
     IMAP_COMMAND_FLAG_SELECTED | IMAP_COMMAND_FLAG_UID | IMAP_COMMAND_FLAG_NO_EXPUNGES},
    {"STATUS", cmd_status, 0},
    {"STORE", cmd_store,
     IMAP_COMMAND_FLAG_SELECTED | IMAP_COMMAND_FLAG_UID | IMAP_COMMAND_FLAG_NO_EXPUNGES},
    {"SUBSCRIBE", cmd_subscribe, 0},
    {"THREAD", cmd_thread,
     IMAP_COMMAND_FLAG_SELECTED | IMAP_COMMAND_FLAG_UID | IMAP_COMMAND_FLAG_NO_EXPUNGES},
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
	for (i = 0; imap_quota_commands[i].name != NULL; i++) {
		if (strcasecmp(imap_quota_commands[i].name, name) == 0)
			return &imap_quota_commands[i];
	}
	return NULL;
}

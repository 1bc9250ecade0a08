/* Per-recipient delivery (lmtp-delivery.h). */
#include "lib.h"
#include "str.h"
#include "strfuncs.h"
#include "restrict-access.h"
#include "mail-storage.h"
#include "mail-storage-settings.h"
#include "mail-user.h"
#include "mail-storage-hooks.h"
#include "mail-deliver-hooks.h"
#include "quota.h"
#include "config-load.h"
#include "module-dir.h"
#include "smtp-parser.h"
#include "lmtp-proto.h"
#include "lmtp-settings.h"
#include "lmtp-delivery.h"

#include <grp.h>
#include <strings.h>
#include <stdio.h>

#define LMTP_DELIVERY_IO_SIZE (64 * 1024)


static const char *field_find(const char *const *fields, const char *key)
{
	size_t len = strlen(key);

	for (; fields != NULL && *fields != NULL; fields++) {
		if (strncmp(*fields, key, len) == 0 && (*fields)[len] == '=')
			return *fields + len + 1;
	}
	return NULL;
}

/* The user's uid/gid: userdb uid/gid, else mail_uid/mail_gid. */
static int lmtp_delivery_get_ids(const struct lmtp_settings *set, const char *const *fields,
				 uid_t *uid_r, gid_t *gid_r, const char **error_r)
{
	const char *uid_str = field_find(fields, "uid"), *gid_str = field_find(fields, "gid");
	const char *error;
	unsigned int num;
	gid_t user_gid = (gid_t)-1;

	if (uid_str == NULL || uid_str[0] == '\0')
		uid_str = set->mail_uid;
	if (gid_str == NULL || gid_str[0] == '\0')
		gid_str = set->mail_gid;
	if (uid_str[0] == '\0') {
		*error_r = "no uid for the user: set mail_uid or return uid from the userdb";
		return -1;
	}
	if (str_to_uint(uid_str, &num) == 0) {
		*uid_r = (uid_t)num;
	} else if (restrict_access_lookup_user(uid_str, uid_r, &user_gid, &error) < 0) {
		*error_r = t_strdup_printf("uid: %s", error);
		return -1;
	}
	if (gid_str[0] == '\0') {
		*gid_r = user_gid;
	} else if (str_to_uint(gid_str, &num) == 0) {
		*gid_r = (gid_t)num;
	} else if (restrict_access_lookup_group(gid_str, gid_r, &error) < 0) {
		*error_r = t_strdup_printf("gid: %s", error);
		return -1;
	}
	if (*gid_r == (gid_t)-1) {
		*error_r = "no gid for the user: set mail_gid or return gid from the userdb";
		return -1;
	}
	if (*uid_r == 0 || *uid_r < set->first_valid_uid ||
	    (set->last_valid_uid != 0 && *uid_r > set->last_valid_uid)) {
		*error_r = t_strdup_printf("uid %u is not a valid mail uid (first_valid_uid=%u, "
					   "last_valid_uid=%u, never root)", (unsigned int)*uid_r,
					   set->first_valid_uid, set->last_valid_uid);
		return -1;
	}
	if (*gid_r < set->first_valid_gid ||
	    (set->last_valid_gid != 0 && *gid_r > set->last_valid_gid)) {
		*error_r = t_strdup_printf("gid %u is not a valid mail gid (first_valid_gid=%u, "
					   "last_valid_gid=%u)", (unsigned int)*gid_r,
					   set->first_valid_gid, set->last_valid_gid);
		return -1;
	}
	return 0;
}

/* The temporary switch of effective ids. Only these two functions change
   ids in lmtp; the permanent drop of other processes is restrict_access(). */
static int lmtp_delivery_become_user(uid_t uid, gid_t gid, bool *switched_r,
				     const char **error_r)
{
	*switched_r = false;
	if (geteuid() != 0) {
		if (geteuid() == uid && getegid() == gid)
			return 0;
		*error_r = t_strdup_printf("lmtp runs as uid %u and cannot deliver as uid %u",
					   (unsigned int)geteuid(), (unsigned int)uid);
		return -1;
	}
	if (setgroups(1, &gid) < 0 || setegid(gid) < 0) {
		*error_r = t_strdup_printf("setegid(%u) failed: %m", (unsigned int)gid);
		if (setegid(0) < 0 || setgroups(0, NULL) < 0)
			abort();
		return -1;
	}
	if (seteuid(uid) < 0) {
		*error_r = t_strdup_printf("seteuid(%u) failed: %m", (unsigned int)uid);
		if (setegid(0) < 0 || setgroups(0, NULL) < 0)
			abort();
		return -1;
	}
	*switched_r = true;
	return 0;
}

static void lmtp_delivery_become_root(void)
{
	/* going on with a mail user's ids after this would deliver the next
	   recipient's mail as the wrong user: stop the process instead */
	if (seteuid(0) < 0 || setegid(0) < 0 || setgroups(0, NULL) < 0) {
		i_error("Cannot switch back to root: %m");
		abort();
	}
}

void lmtp_delivery_error_reply(enum mail_error error, struct lmtp_delivery_result *result_r)
{
	switch (error) {
	case MAIL_ERROR_NOSPACE:
		result_r->code = 452;
		result_r->enh = "4.3.1";
		result_r->text = "Insufficient system storage";
		break;
	case MAIL_ERROR_NOQUOTA:
		result_r->code = 552;
		result_r->enh = "5.2.2";
		result_r->text = "Quota exceeded (mailbox for user is full)";
		break;
	default:
		result_r->code = 451;
		result_r->enh = "4.3.0";
		result_r->text = "Temporary internal error";
		break;
	}
}

/* ---- plugins ---- */

/* quota_full_tempfail: the MTA keeps over-quota mail and retries */
static void quota_reply_adjust(const struct lmtp_settings *set,
			       struct lmtp_delivery_result *result)
{
	if (set->quota_full_tempfail && result->code == 552 &&
	    strcmp(result->enh, "5.2.2") == 0) {
		result->code = 452;
		result->enh = "4.2.2";
	}
}

static bool quota_initialized;

int lmtp_delivery_plugins_load(const struct lmtp_settings *set, const struct config_tree *tree,
			       const char **error_r)
{
	ARRAY_TYPE(const_string) names;

	mail_storage_plugin_settings_set(set->plugin);
	if (quota_plugin_wanted(set->mail_plugins, "quota")) {
		struct quota_plugin_settings qset;

		quota_plugin_settings_from_config(tree, pool_temp, &qset);
		qset.base_dir = set->base_dir;
		quota_plugin_init(&qset);
		quota_initialized = true;
	}
	p_array_init(&names, pool_temp, 8);
	for (const char *const *n = set->mail_plugins; n != NULL && *n != NULL; n++) {
		const char *name = *n;

		if (name[0] == '$' || name[0] == '\0' || config_mail_plugin_is_available(name))
			continue; /* built in: nothing to load */
		if (config_mail_plugin_is_planned(name) &&
		    !module_dir_has(set->mail_plugin_dir, name)) {
			/* the seed configurations name sieve and quota */
			i_warning("mail_plugins: plugin '%s' is not available yet; it has no effect",
				  name);
			continue;
		}
		array_push(&names, &name);
	}
	array_append_space(&names);
	return mail_storage_plugins_load(set->mail_plugin_dir, array_front(&names), error_r);
}

void lmtp_delivery_plugins_unload(void)
{
	if (quota_initialized) {
		quota_plugin_deinit();
		quota_initialized = false;
	}
	mail_storage_plugins_unload();
}

/* ---- the batch ---- */

struct batch_user {
	const char *username;
	struct mail_user *user;
};

struct batch_box {
	struct batch_user *user;
	const char *vname;
	struct mailbox *box;
	struct mailbox_transaction *t;
	/* the entries saved in t, in save order */
	ARRAY(struct batch_entry *) saved;
	bool synced;
	bool group_commit;
};

struct batch_entry {
	const struct lmtp_delivery_message *msg;
	struct lmtp_delivery_recipient rcpt;
	pool_t pool;
	struct lmtp_delivery_result *result;
	uid_t uid;
	gid_t gid;
	struct batch_user *user;
	struct batch_box *box;
	/* header lines a plugin added: this copy is not byte-identical */
	const char *extra_headers;
	/* the copy this one is a hard link of */
	struct batch_entry *source;
	bool done;
};

struct lmtp_delivery_batch {
	pool_t pool;
	const struct lmtp_settings *set;
	const struct mail_storage_settings *storage_set;
	const char *hostname;
	ARRAY(struct batch_entry *) entries;
	/* per uid group, reset between groups */
	ARRAY(struct batch_user *) users;
	ARRAY(struct batch_box *) boxes;
};

struct lmtp_delivery_batch *lmtp_delivery_batch_create(const struct lmtp_settings *set,
						       const struct mail_storage_settings *storage_set,
						       const char *hostname)
{
	pool_t pool = pool_alloconly_create("lmtp delivery batch", 4096);
	struct lmtp_delivery_batch *batch = p_new(pool, struct lmtp_delivery_batch, 1);

	batch->pool = pool;
	batch->set = set;
	batch->storage_set = storage_set;
	batch->hostname = p_strdup(pool, hostname);
	p_array_init(&batch->entries, pool, 16);
	p_array_init(&batch->users, pool, 8);
	p_array_init(&batch->boxes, pool, 8);
	return batch;
}

void lmtp_delivery_batch_add(struct lmtp_delivery_batch *batch,
			     const struct lmtp_delivery_message *msg,
			     const struct lmtp_delivery_recipient *rcpt, pool_t pool,
			     struct lmtp_delivery_result *result_r)
{
	struct batch_entry *entry = p_new(batch->pool, struct batch_entry, 1);

	memset(result_r, 0, sizeof(*result_r));
	entry->msg = msg;
	entry->rcpt = *rcpt;
	entry->pool = pool;
	entry->result = result_r;
	array_push(&batch->entries, &entry);
}

unsigned int lmtp_delivery_batch_count(const struct lmtp_delivery_batch *batch)
{
	return array_count(&batch->entries);
}

static void entry_fail(struct batch_entry *entry, enum mail_error error)
{
	lmtp_delivery_error_reply(error, entry->result);
	entry->done = true;
}

/* Sets up a mail user: its settings (userdb mail overrides mail_location)
   and the plugins' mail_user_created hooks. */
static struct mail_user *delivery_user_create(const struct mail_storage_settings *storage_set,
					      const struct lmtp_delivery_recipient *rcpt,
					      pool_t pool, const char **error_r)
{
	struct mail_storage_settings *uset = p_new(pool, struct mail_storage_settings, 1);
	const char *mail = field_find(rcpt->fields, "mail");
	const char *home = field_find(rcpt->fields, "home");
	struct mail_user *user;

	*uset = *storage_set;
	if (mail != NULL && mail[0] != '\0')
		uset->mail_location = mail;
	if (home != NULL && home[0] == '\0')
		home = NULL;
	if (mail_user_create(uset, rcpt->username, home, &user, error_r) < 0)
		return NULL;
	mail_user_plugins_init(user, rcpt->fields);
	return user;
}

static struct batch_user *batch_get_user(struct lmtp_delivery_batch *batch,
					 struct batch_entry *entry)
{
	struct batch_user *bu;
	const char *error;

	array_foreach_elem(&batch->users, bu) {
		if (strcmp(bu->username, entry->rcpt.username) == 0)
			return bu;
	}
	bu = p_new(batch->pool, struct batch_user, 1);
	bu->username = p_strdup(batch->pool, entry->rcpt.username);
	bu->user = delivery_user_create(batch->storage_set, &entry->rcpt, batch->pool, &error);
	if (bu->user == NULL)
		i_error("Cannot set up the mail user %s: %s",
			str_sanitize(pool_temp, entry->rcpt.username, 200), error);
	array_push(&batch->users, &bu);
	return bu;
}

/* Opens vname for saving. Returns 1, 0 when it does not exist (and may not
   be created), -1 on error (*error_r). */
static int batch_box_open(const struct lmtp_settings *set, struct mailbox *box,
			  enum mail_error *error_r)
{
	const char *vname = mailbox_get_vname(box);
	int ret;

	*error_r = MAIL_ERROR_NONE;
	if (strcmp(vname, "INBOX") != 0) {
		ret = mailbox_exists(box);
		if (ret == 0 && !set->lda_mailbox_autocreate)
			return 0;
		if (ret == 0) {
			if (mailbox_create(box, NULL) < 0 &&
			    (mailbox_get_last_error(box, error_r), *error_r != MAIL_ERROR_EXISTS))
				goto fail;
			if (set->lda_mailbox_autosubscribe && mailbox_set_subscribed(box, true) < 0)
				i_warning("Failed to subscribe to %s", str_sanitize(pool_temp, vname, 200));
		} else if (ret < 0) {
			goto fail;
		}
	}
	if (mailbox_open(box) == 0)
		return 1;
fail:
	i_error("Opening %s failed: %s", str_sanitize(pool_temp, vname, 200),
		mailbox_get_last_error(box, error_r));
	if (*error_r == MAIL_ERROR_NOTFOUND || *error_r == MAIL_ERROR_PARAMS)
		return 0;
	if (*error_r == MAIL_ERROR_NONE)
		*error_r = MAIL_ERROR_TEMP;
	return -1;
}

static struct batch_box *batch_get_box(struct lmtp_delivery_batch *batch, struct batch_user *bu,
				       const char *vname, enum mail_error *error_r)
{
	struct batch_box *bb;
	struct mailbox *box;
	int ret;

	array_foreach_elem(&batch->boxes, bb) {
		if (bb->user == bu && strcmp(bb->vname, vname) == 0)
			return bb;
	}
	box = mailbox_alloc(bu->user, vname, MAILBOX_FLAG_POST_SESSION);
	ret = batch_box_open(batch->set, box, error_r);
	if (ret <= 0) {
		mailbox_free(&box);
		if (ret < 0 || strcmp(vname, "INBOX") == 0)
			return NULL;
		/* as Dovecot's LDA: a missing mailbox falls back to INBOX */
		return batch_get_box(batch, bu, "INBOX", error_r);
	}
	bb = p_new(batch->pool, struct batch_box, 1);
	bb->user = bu;
	bb->vname = p_strdup(batch->pool, vname);
	bb->box = box;
	bb->group_commit = array_count(&batch->entries) > 1;
	p_array_init(&bb->saved, batch->pool, 4);
	array_push(&batch->boxes, &bb);
	return bb;
}

static const char *entry_target_vname(struct lmtp_delivery_batch *batch,
				      struct batch_entry *entry)
{
	const struct lmtp_delivery_recipient *rcpt = &entry->rcpt;

	if (rcpt->mailbox != NULL && rcpt->mailbox[0] != '\0' &&
	    strcasecmp(rcpt->mailbox, "INBOX") != 0)
		return rcpt->mailbox;
	if (batch->set->lmtp_save_to_detail_mailbox && rcpt->detail != NULL &&
	    rcpt->detail[0] != '\0') {
		struct mail_namespace *ns = mail_user_get_inbox_namespace(entry->user->user);

		return p_strconcat(batch->pool, ns == NULL ? "" : ns->prefix, rcpt->detail, NULL);
	}
	return "INBOX";
}

static const char *rcpt_domain(pool_t pool, const char *address)
{
	struct smtp_address addr;
	const char *error;

	if (address == NULL || smtp_address_parse(pool, address, true, &addr, &error) < 0 ||
	    addr.domain == NULL)
		return "";
	return addr.domain;
}

/* The plugins' deliver hooks: may refuse, redirect or add header lines. */
static const char *entry_run_hooks(struct lmtp_delivery_batch *batch, struct batch_entry *entry,
				   const char *vname)
{
	struct mail_deliver_context ctx;
	struct mail_deliver_reply reply;
	const char *error;

	memset(&ctx, 0, sizeof(ctx));
	ctx.pool = entry->pool;
	ctx.user = entry->user->user;
	ctx.rcpt_to = entry->rcpt.address != NULL ? entry->rcpt.address : entry->rcpt.username;
	ctx.orig_rcpt_to = entry->rcpt.orcpt;
	ctx.mail_from = entry->msg->mail_from != NULL ? entry->msg->mail_from : "";
	ctx.session_id = entry->msg->session_id;
	if (lmtp_proto_postmaster_address(entry->pool, batch->set->postmaster_address,
					  rcpt_domain(entry->pool, ctx.rcpt_to), batch->hostname,
					  &ctx.postmaster_address, &error) < 0) {
		i_error("%s", error);
		ctx.postmaster_address = "postmaster";
	}
	ctx.msg_fd = entry->msg->fd;
	ctx.msg_size = entry->msg->size;
	ctx.mailbox = vname;
	ctx.headers = str_new(entry->pool, 128);
	if (hook_mail_deliver(&ctx, &reply) != MAIL_DELIVER_HOOK_CONTINUE) {
		entry->result->code = reply.code;
		entry->result->enh = p_strdup(entry->pool, reply.enh);
		entry->result->text = p_strdup(entry->pool, reply.text);
		entry->done = true;
		return NULL;
	}
	if (str_len(ctx.headers) > 0) {
		string_t *hdr = str_new(entry->pool, str_len(ctx.headers));
		const char *p = str_c(ctx.headers);

		/* the message's own line ending */
		for (; *p != '\0'; p++) {
			if (*p == '\r' && p[1] == '\n')
				continue;
			if (*p == '\n')
				str_append(hdr, entry->msg->nl);
			else
				str_append_c(hdr, *p);
		}
		entry->extra_headers = str_c(hdr);
	}
	return ctx.mailbox == NULL || ctx.mailbox[0] == '\0' ? "INBOX" : ctx.mailbox;
}

/* The user, hooks and the mailbox of an entry (running as its uid). */
static void entry_prepare(struct lmtp_delivery_batch *batch, struct batch_entry *entry)
{
	enum mail_error error;
	const char *vname;

	entry->user = batch_get_user(batch, entry);
	if (entry->user->user == NULL) {
		entry_fail(entry, MAIL_ERROR_TEMP);
		return;
	}
	vname = entry_target_vname(batch, entry);
	if (mail_deliver_hooks_have_deliver()) {
		vname = entry_run_hooks(batch, entry, vname);
		if (vname == NULL)
			return;
	}
	entry->box = batch_get_box(batch, entry->user, vname, &error);
	if (entry->box == NULL)
		entry_fail(entry, error);
}

static int delivery_write_body(struct mail_save_context *save, const struct batch_entry *entry,
			       const char **error_r)
{
	const struct lmtp_delivery_message *msg = entry->msg;
	unsigned char buf[LMTP_DELIVERY_IO_SIZE];
	uint64_t offset = 0;
	ssize_t ret;

	if (mailbox_save_write(save, msg->headers, strlen(msg->headers)) < 0)
		return 0;
	if (entry->extra_headers != NULL &&
	    mailbox_save_write(save, entry->extra_headers, strlen(entry->extra_headers)) < 0)
		return 0;
	while (offset < msg->size) {
		size_t want = msg->size - offset < sizeof(buf) ? (size_t)(msg->size - offset) :
								  sizeof(buf);
		ret = pread(msg->fd, buf, want, (off_t)offset);
		if (ret <= 0) {
			*error_r = ret == 0 ? "message spool file is truncated" :
					      t_strdup_printf("pread(message spool) failed: %m");
			return -1;
		}
		if (mailbox_save_write(save, buf, (size_t)ret) < 0)
			return 0;
		offset += (uint64_t)ret;
	}
	return 1;
}

static struct mailbox_transaction *batch_box_transaction(struct batch_box *bb)
{
	if (bb->t == NULL) {
		bb->t = mailbox_transaction_begin(bb->box);
		/* deferring the file fsyncs pays only when there are several */
		if (bb->group_commit)
			mailbox_transaction_set_group_commit(bb->t);
	}
	return bb->t;
}

/* Writes entry's copy into its mailbox's transaction (not yet committed). */
static void entry_save(struct batch_entry *entry)
{
	struct batch_box *bb = entry->box;
	struct mailbox_transaction *t = batch_box_transaction(bb);
	struct mail_save_context *save;
	struct mail_save_params params;
	enum mail_error error;
	const char *errstr;
	int ret;

	memset(&params, 0, sizeof(params));
	save = mailbox_save_begin(t, &params);
	if (save == NULL)
		goto fail;
	ret = delivery_write_body(save, entry, &errstr);
	if (ret <= 0) {
		mailbox_save_abort(&save);
		if (ret < 0) {
			i_error("%s", errstr);
			entry_fail(entry, MAIL_ERROR_TEMP);
			return;
		}
		goto fail;
	}
	if (mailbox_save_finish(&save) < 0)
		goto fail;
	array_push(&bb->saved, &entry);
	return;
fail:
	errstr = mailbox_get_last_error(bb->box, &error);
	i_error("Saving to %s failed: %s", str_sanitize(pool_temp, bb->vname, 200), errstr);
	entry_fail(entry, error == MAIL_ERROR_NONE ? MAIL_ERROR_TEMP : error);
}

/* A hard link of the source's committed copy; a normal save when that is
   not possible. */
static void entry_copy(struct batch_entry *entry)
{
	struct batch_entry *src = entry->source;
	struct mail_save_params params;

	if (src->result->code == 250 && src->box->box != NULL) {
		if (!src->box->synced) {
			/* the handle's view must include the new message */
			src->box->synced = mailbox_sync(src->box->box, NULL, NULL) == 0;
		}
		memset(&params, 0, sizeof(params));
		if (src->box->synced &&
		    mailbox_copy(batch_box_transaction(entry->box), src->box->box,
				 src->result->uid, &params) == 0) {
			array_push(&entry->box->saved, &entry);
			return;
		}
		i_warning("Copying to %s failed, saving the message instead",
			  str_sanitize(pool_temp, entry->box->vname, 200));
	}
	entry_save(entry);
}

/* Commits every open transaction at once; sets the results of the
   entries saved in them. */
static void batch_commit_boxes(struct lmtp_delivery_batch *batch)
{
	ARRAY(struct batch_box *) boxes;
	ARRAY(struct mailbox_transaction *) ts;
	struct mail_transaction_commit_changes *changes;
	struct batch_box *bb;
	unsigned int i, count;
	int *rets;

	p_array_init(&boxes, pool_temp, 8);
	p_array_init(&ts, pool_temp, 8);
	array_foreach_elem(&batch->boxes, bb) {
		if (bb->t != NULL) {
			array_push(&boxes, &bb);
			array_push(&ts, &bb->t);
			bb->t = NULL;
		}
	}
	count = array_count(&ts);
	if (count == 0)
		return;
	changes = p_new(batch->pool, struct mail_transaction_commit_changes, count);
	rets = p_new(batch->pool, int, count);
	mailbox_transactions_commit(array_front(&ts), count, batch->pool, changes, rets);
	for (i = 0; i < count; i++) {
		struct batch_entry *entry;
		enum mail_error error = MAIL_ERROR_TEMP;
		unsigned int n = 0;

		const char *errstr = NULL;

		bb = array_idx_elem(&boxes, i);
		if (rets[i] < 0) {
			errstr = mailbox_get_last_error(bb->box, &error);
			/* over quota is the user's state, not a server error */
			if (error == MAIL_ERROR_NOQUOTA)
				i_info("Saving to %s failed: %s",
				       str_sanitize(pool_temp, bb->vname, 200), errstr);
			else
				i_error("Saving to %s failed: %s",
					str_sanitize(pool_temp, bb->vname, 200), errstr);
		}
		array_foreach_elem(&bb->saved, entry) {
			if (rets[i] < 0) {
				entry_fail(entry, error == MAIL_ERROR_NONE ? MAIL_ERROR_TEMP : error);
				if (error == MAIL_ERROR_NOQUOTA) {
					/* quota_exceeded_message */
					entry->result->text = p_strdup(entry->pool, errstr);
					quota_reply_adjust(batch->set, entry->result);
				}
				continue;
			}
			entry->result->code = 250;
			entry->result->enh = "2.0.0";
			entry->result->text = "Saved";
			entry->result->mailbox = p_strdup(entry->pool, bb->vname);
			entry->result->uid = n < array_count(&changes[i].saved_uids) ?
				array_idx_elem(&changes[i].saved_uids, n) : 0;
			entry->done = true;
			n++;
		}
		array_clear(&bb->saved);
	}
}

static void batch_close_group(struct lmtp_delivery_batch *batch)
{
	struct batch_box *bb;
	struct batch_user *bu;

	array_foreach_elem(&batch->boxes, bb) {
		if (bb->t != NULL)
			mailbox_transaction_rollback(&bb->t);
		mailbox_free(&bb->box);
	}
	array_foreach_elem(&batch->users, bu) {
		if (bu->user != NULL)
			mail_user_free(&bu->user);
	}
	array_clear(&batch->boxes);
	array_clear(&batch->users);
}

/* The deliveries of one uid/gid, as that user. */
static void batch_commit_group(struct lmtp_delivery_batch *batch, uid_t uid, gid_t gid)
{
	struct batch_entry *entry, *other;
	const char *error;
	bool switched;

	if (lmtp_delivery_become_user(uid, gid, &switched, &error) < 0) {
		i_error("Cannot deliver as uid %u: %s", (unsigned int)uid, error);
		array_foreach_elem(&batch->entries, entry) {
			if (!entry->done && entry->uid == uid && entry->gid == gid)
				entry_fail(entry, MAIL_ERROR_TEMP);
		}
		return;
	}
	array_foreach_elem(&batch->entries, entry) {
		if (!entry->done && entry->uid == uid && entry->gid == gid)
			entry_prepare(batch, entry);
	}
	/* the first copy of each message is written; the later identical
	   ones become hard links of it once it is committed */
	array_foreach_elem(&batch->entries, entry) {
		if (entry->done || entry->uid != uid || entry->gid != gid)
			continue;
		if (entry->extra_headers == NULL) {
			array_foreach_elem(&batch->entries, other) {
				if (other == entry)
					break;
				if (other->msg == entry->msg && other->uid == uid &&
				    other->gid == gid && other->box != NULL &&
				    other->extra_headers == NULL && other->source == NULL &&
				    !other->done) {
					entry->source = other;
					break;
				}
			}
		}
		if (entry->source == NULL)
			entry_save(entry);
	}
	batch_commit_boxes(batch);
	array_foreach_elem(&batch->entries, entry) {
		if (!entry->done && entry->source != NULL && entry->uid == uid &&
		    entry->gid == gid)
			entry_copy(entry);
	}
	batch_commit_boxes(batch);
	/* closing must not write anything as root into the user's Maildir */
	batch_close_group(batch);
	if (switched)
		lmtp_delivery_become_root();
}

void lmtp_delivery_batch_commit(struct lmtp_delivery_batch **_batch)
{
	struct lmtp_delivery_batch *batch = *_batch;
	struct batch_entry *entry, *other;
	const char *error;

	*_batch = NULL;
	array_foreach_elem(&batch->entries, entry) {
		if (lmtp_delivery_get_ids(batch->set, entry->rcpt.fields, &entry->uid, &entry->gid,
					  &error) < 0) {
			i_error("Cannot deliver to %s: %s",
				str_sanitize(pool_temp, entry->rcpt.username, 200), error);
			entry_fail(entry, MAIL_ERROR_TEMP);
		}
	}
	/* one group per uid/gid, in order of first appearance */
	array_foreach_elem(&batch->entries, entry) {
		bool first = !entry->done;

		array_foreach_elem(&batch->entries, other) {
			if (other == entry)
				break;
			if (!other->done && other->uid == entry->uid && other->gid == entry->gid)
				first = false;
		}
		if (first)
			batch_commit_group(batch, entry->uid, entry->gid);
	}
	array_foreach_elem(&batch->entries, entry) {
		if (!entry->done) {
			/* nothing decided it: never leave a result unset */
			entry_fail(entry, MAIL_ERROR_TEMP);
		}
	}
	pool_unref(&batch->pool);
}

int lmtp_delivery_rcpt_check_quota(const struct lmtp_settings *set,
				   const struct mail_storage_settings *storage_set,
				   const struct lmtp_delivery_recipient *rcpt, pool_t pool,
				   struct lmtp_delivery_result *result_r)
{
	struct mail_deliver_reply reply;
	struct mail_user *user;
	const char *error;
	bool switched;
	uid_t uid;
	gid_t gid;
	int ret = 0;

	memset(result_r, 0, sizeof(*result_r));
	if (!set->lmtp_rcpt_check_quota || !mail_deliver_hooks_have_rcpt_check_quota())
		return 0;
	if (lmtp_delivery_get_ids(set, rcpt->fields, &uid, &gid, &error) < 0 ||
	    lmtp_delivery_become_user(uid, gid, &switched, &error) < 0) {
		/* the delivery reports it */
		return 0;
	}
	user = delivery_user_create(storage_set, rcpt, pool, &error);
	if (user == NULL) {
		i_error("Cannot set up the mail user %s: %s",
			str_sanitize(pool_temp, rcpt->username, 200), error);
		lmtp_delivery_error_reply(MAIL_ERROR_TEMP, result_r);
		ret = -1;
	} else {
		if (hook_mail_deliver_rcpt_check_quota(user, rcpt->address, &reply) !=
		    MAIL_DELIVER_HOOK_CONTINUE) {
			result_r->code = reply.code;
			result_r->enh = p_strdup(pool, reply.enh);
			result_r->text = p_strdup(pool, reply.text);
			quota_reply_adjust(set, result_r);
			ret = -1;
		}
		mail_user_free(&user);
	}
	if (switched)
		lmtp_delivery_become_root();
	return ret;
}

/* Per-recipient delivery (lmtp-delivery.h). */
#include "lib.h"
#include "str.h"
#include "strfuncs.h"
#include "restrict-access.h"
#include "mail-storage.h"
#include "mail-storage-settings.h"
#include "mail-user.h"
#include "lmtp-settings.h"
#include "lmtp-delivery.h"

#include <grp.h>
#include <strings.h>
#include <stdio.h>

#define LMTP_DELIVERY_IO_SIZE (64 * 1024)

struct lmtp_delivery_source {
	uid_t uid;
	gid_t gid;
	struct mail_user *user;
	struct mailbox *box;
	uint32_t msg_uid;
};

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

static int lmtp_delivery_write_body(struct mail_save_context *save,
				    const struct lmtp_delivery_message *msg, const char **error_r)
{
	unsigned char buf[LMTP_DELIVERY_IO_SIZE];
	uint64_t offset = 0;
	ssize_t ret;

	if (mailbox_save_write(save, msg->headers, strlen(msg->headers)) < 0)
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

/* Saves into vname. Returns 1 on success, 0 when the mailbox does not
   exist (and may not be created), -1 on a storage error (*error_r set) */
static int lmtp_delivery_save(const struct lmtp_settings *set, struct mail_user *user,
			      const char *vname, const struct lmtp_delivery_message *msg,
			      struct lmtp_delivery_source *copy_src, pool_t pool,
			      struct mailbox **box_r, uint32_t *uid_r, enum mail_error *error_r)
{
	struct mailbox *box = mailbox_alloc(user, vname, 0);
	struct mailbox_transaction *t;
	struct mail_save_context *save;
	struct mail_save_params params;
	struct mail_transaction_commit_changes changes;
	const char *error;
	int ret;

	*error_r = MAIL_ERROR_NONE;
	if (strcmp(vname, "INBOX") != 0) {
		ret = mailbox_exists(box);
		if (ret == 0 && !set->lda_mailbox_autocreate) {
			mailbox_free(&box);
			return 0;
		}
		if (ret == 0) {
			if (mailbox_create(box, NULL) < 0 &&
			    (mailbox_get_last_error(box, error_r), *error_r != MAIL_ERROR_EXISTS))
				goto fail;
			if (set->lda_mailbox_autosubscribe && mailbox_set_subscribed(box, true) < 0)
				i_warning("Failed to subscribe to %s", str_sanitize(pool, vname, 200));
		} else if (ret < 0) {
			goto fail;
		}
	}
	if (mailbox_open(box) < 0)
		goto fail;
	t = mailbox_transaction_begin(box);
	memset(&params, 0, sizeof(params));
	if (copy_src != NULL) {
		/* byte-identical to the source: a hard link of its file */
		if (mailbox_copy(t, copy_src->box, copy_src->msg_uid, &params) == 0 &&
		    mailbox_transaction_commit(&t, pool, &changes) == 0)
			goto saved;
		if (t != NULL)
			mailbox_transaction_rollback(&t);
		i_warning("Copying to %s failed, saving the message instead",
			  str_sanitize(pool, vname, 200));
		t = mailbox_transaction_begin(box);
	}
	save = mailbox_save_begin(t, &params);
	if (save == NULL) {
		mailbox_transaction_rollback(&t);
		goto fail;
	}
	ret = lmtp_delivery_write_body(save, msg, &error);
	if (ret <= 0) {
		if (ret < 0)
			i_error("%s", error);
		mailbox_save_abort(&save);
		mailbox_transaction_rollback(&t);
		if (ret < 0) {
			*error_r = MAIL_ERROR_TEMP;
			mailbox_free(&box);
			return -1;
		}
		goto fail;
	}
	if (mailbox_save_finish(&save) < 0) {
		mailbox_transaction_rollback(&t);
		goto fail;
	}
	if (mailbox_transaction_commit(&t, pool, &changes) < 0)
		goto fail;
saved:
	*uid_r = array_count(&changes.saved_uids) > 0 ? array_idx_elem(&changes.saved_uids, 0) : 0;
	*box_r = box;
	return 1;
fail:
	error = mailbox_get_last_error(box, error_r);
	if (*error_r == MAIL_ERROR_NONE)
		*error_r = MAIL_ERROR_TEMP;
	i_error("Saving to %s failed: %s", str_sanitize(pool, vname, 200), error);
	mailbox_free(&box);
	return -1;
}

static void lmtp_delivery_as_user(const struct lmtp_settings *set,
				  const struct mail_storage_settings *storage_set,
				  const struct lmtp_delivery_message *msg,
				  const struct lmtp_delivery_recipient *rcpt, pool_t pool,
				  struct lmtp_delivery_source *copy_src,
				  struct mail_user **user_r, struct mailbox **box_r,
				  struct lmtp_delivery_result *result_r)
{
	struct mail_storage_settings *uset = p_new(pool, struct mail_storage_settings, 1);
	struct mail_user *user;
	struct mailbox *box = NULL;
	const char *mail = field_find(rcpt->fields, "mail");
	const char *home = field_find(rcpt->fields, "home"), *error, *vname = "INBOX";
	enum mail_error merror = MAIL_ERROR_NONE;
	uint32_t uid = 0;
	int ret = 0;

	*user_r = NULL;
	*box_r = NULL;
	*uset = *storage_set;
	if (mail != NULL && mail[0] != '\0')
		uset->mail_location = mail;
	if (home != NULL && home[0] == '\0')
		home = NULL;
	if (mail_user_create(uset, rcpt->username, home, &user, &error) < 0) {
		i_error("Cannot set up the mail user: %s", error);
		lmtp_delivery_error_reply(MAIL_ERROR_TEMP, result_r);
		return;
	}
	if (rcpt->mailbox != NULL && rcpt->mailbox[0] != '\0' &&
	    strcasecmp(rcpt->mailbox, "INBOX") != 0) {
		vname = rcpt->mailbox;
	} else if (set->lmtp_save_to_detail_mailbox && rcpt->detail[0] != '\0') {
		struct mail_namespace *ns = mail_user_get_inbox_namespace(user);

		vname = p_strconcat(pool, ns == NULL ? "" : ns->prefix, rcpt->detail, NULL);
	}
	if (strcmp(vname, "INBOX") != 0) {
		ret = lmtp_delivery_save(set, user, vname, msg, copy_src, pool, &box, &uid,
					 &merror);
		if (ret == 0 || (ret < 0 && (merror == MAIL_ERROR_NOTFOUND ||
					     merror == MAIL_ERROR_PARAMS))) {
			/* as Dovecot's LDA: a missing mailbox falls back to INBOX */
			vname = "INBOX";
			ret = 0;
		}
	}
	if (ret == 0)
		ret = lmtp_delivery_save(set, user, vname, msg, copy_src, pool, &box, &uid,
					 &merror);
	if (ret <= 0) {
		mail_user_free(&user);
		lmtp_delivery_error_reply(ret == 0 ? MAIL_ERROR_NOTFOUND : merror, result_r);
		return;
	}
	*user_r = user;
	*box_r = box;
	result_r->code = 250;
	result_r->enh = "2.0.0";
	result_r->text = "Saved";
	result_r->mailbox = p_strdup(pool, vname);
	result_r->uid = uid;
}

static void lmtp_delivery_close(struct mail_user **user, struct mailbox **box)
{
	if (*box != NULL)
		mailbox_free(box);
	if (*user != NULL)
		mail_user_free(user);
}

void lmtp_delivery_deliver(const struct lmtp_settings *set,
			   const struct mail_storage_settings *storage_set,
			   const struct lmtp_delivery_message *msg,
			   const struct lmtp_delivery_recipient *rcpt, pool_t pool,
			   struct lmtp_delivery_source **source,
			   struct lmtp_delivery_result *result_r)
{
	struct lmtp_delivery_source *src = *source, *copy_src;
	struct mail_user *user;
	struct mailbox *box;
	const char *error;
	bool switched;
	uid_t uid;
	gid_t gid;

	memset(result_r, 0, sizeof(*result_r));
	if (lmtp_delivery_get_ids(set, rcpt->fields, &uid, &gid, &error) < 0 ||
	    lmtp_delivery_become_user(uid, gid, &switched, &error) < 0) {
		i_error("Cannot deliver to %s: %s", str_sanitize(pool, rcpt->username, 200), error);
		lmtp_delivery_error_reply(MAIL_ERROR_TEMP, result_r);
		return;
	}
	/* hard links only between mail of the same owner */
	copy_src = src != NULL && src->uid == uid && src->gid == gid ? src : NULL;
	lmtp_delivery_as_user(set, storage_set, msg, rcpt, pool, copy_src, &user, &box,
			      result_r);
	if (result_r->code == 250 && src == NULL) {
		/* the next recipients of this uid link to this copy; the
		   handle's view must include the new message */
		if (mailbox_sync(box, NULL, NULL) == 0) {
			src = p_new(pool, struct lmtp_delivery_source, 1);
			src->uid = uid;
			src->gid = gid;
			src->user = user;
			src->box = box;
			src->msg_uid = result_r->uid;
			*source = src;
			user = NULL;
			box = NULL;
		}
	}
	lmtp_delivery_close(&user, &box);
	if (switched)
		lmtp_delivery_become_root();
}

void lmtp_delivery_source_free(struct lmtp_delivery_source **_source)
{
	struct lmtp_delivery_source *source = *_source;
	bool switched = false;
	const char *error;

	if (source == NULL)
		return;
	*_source = NULL;
	/* closing must not write anything as root into the user's Maildir */
	if (lmtp_delivery_become_user(source->uid, source->gid, &switched, &error) < 0)
		i_error("Closing the delivered mailbox: %s", error);
	lmtp_delivery_close(&source->user, &source->box);
	if (switched)
		lmtp_delivery_become_root();
}

/* POP3 UIDLs kept in dovecot-uidlist's 'P' record fields (mail-storage.h),
   read and written compatibly with Dovecot's pop3_save_uidl. */
#include "lib.h"
#include "mail-storage-private.h"
#include "maildir-sync.h"
#include "maildir-uidlist.h"

#define MAILDIR_UIDLIST_EXT_POP3_UIDL 'P'
#define POP3_UIDL_MAX_LEN 70

static const char *base_name(pool_t pool, const char *fname)
{
	const char *colon = strchr(fname, ':');

	return colon == NULL ? p_strdup(pool, fname) :
		p_strndup(pool, fname, (size_t)(colon - fname));
}

int mailbox_get_pop3_uidls(struct mailbox *box, pool_t pool,
			   ARRAY_TYPE(mail_pop3_uidl) *uidls_r)
{
	struct maildir_uidlist_ctx uctx = { 0 };

	p_array_init(uidls_r, pool, 16);
	if (!box->opened) {
		mailbox_set_error(box, MAIL_ERROR_NOTPOSSIBLE, "Mailbox isn't open");
		return -1;
	}
	/* no lock: the file is only ever appended to or replaced by rename */
	if (maildir_uidlist_read(box, &uctx) < 0) {
		maildir_uidlist_unlock(&uctx);
		return -1;
	}
	if (uctx.list != NULL) {
		array_foreach(&uctx.list->recs, rec) {
			const char *value = maildir_uidlist_ext_get(pool, rec->ext,
						MAILDIR_UIDLIST_EXT_POP3_UIDL);
			struct mail_pop3_uidl item = { .uid = rec->uid, .uidl = value };

			if (value == NULL)
				continue;
			if (value[0] == '\0')
				item.uidl = base_name(pool, rec->fname);
			array_push(uidls_r, &item);
		}
	}
	maildir_uidlist_unlock(&uctx);
	return 0;
}

static bool pop3_uidl_is_valid(const char *uidl)
{
	size_t len = strlen(uidl);

	if (len == 0 || len > POP3_UIDL_MAX_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (uidl[i] < 0x21 || uidl[i] > 0x7e)
			return false;
	}
	return true;
}

static struct maildir_uidlist_rec *rec_find(struct maildir_uidlist *list, uint32_t uid)
{
	unsigned int lo = 0, hi = array_count(&list->recs);
	struct maildir_uidlist_rec *recs = array_front(&list->recs);

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (recs[mid].uid == uid)
			return &recs[mid];
		if (recs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int mailbox_set_pop3_uidls(struct mailbox *box, const struct mail_pop3_uidl *uidls,
			   unsigned int count)
{
	struct maildir_uidlist_ctx uctx;
	bool changed = false;
	int ret = -1;

	for (unsigned int i = 0; i < count; i++) {
		if (!pop3_uidl_is_valid(uidls[i].uidl)) {
			mailbox_set_error(box, MAIL_ERROR_PARAMS, "Invalid POP3 UIDL");
			return -1;
		}
	}
	if (count == 0)
		return 0;
	if (maildir_uidlist_lock(box, &uctx) < 0)
		return -1;
	if (maildir_uidlist_read(box, &uctx) < 0)
		goto out;
	if (uctx.list == NULL) {
		/* every message that has a UID is in the file */
		mailbox_set_critical(box, "%s is missing or broken", maildir_uidlist_path(box));
		goto out;
	}
	for (unsigned int i = 0; i < count; i++) {
		struct maildir_uidlist_rec *rec = rec_find(uctx.list, uidls[i].uid);
		const char *value = uidls[i].uidl, *old, *ext;

		if (rec == NULL)
			continue;
		/* Dovecot's shorthand: an empty value is the base file name */
		if (strcmp(value, base_name(pool_temp, rec->fname)) == 0)
			value = "";
		old = maildir_uidlist_ext_get(pool_temp, rec->ext, MAILDIR_UIDLIST_EXT_POP3_UIDL);
		if (old != NULL && strcmp(old, value) == 0)
			continue;
		ext = maildir_uidlist_ext_set(uctx.pool, rec->ext, MAILDIR_UIDLIST_EXT_POP3_UIDL,
					      value);
		i_assert(ext != NULL); /* checked above */
		rec->ext = ext;
		changed = true;
	}
	if (changed && maildir_uidlist_rewrite(box, &uctx) < 0)
		goto out;
	ret = 0;
out:
	maildir_uidlist_unlock(&uctx);
	return ret;
}

/* Mailbox handles of the Maildir driver: open, create, delete, status,
   the view, and message lookups from the index. */

#include "lib.h"
#include "mail-storage-private.h"
#include "maildir-filename.h"
#include "subscription-file.h"
#include "mail-storage-settings.h"
#include "mail-storage-hooks.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <dirent.h>

void mailbox_set_error(struct mailbox *box, enum mail_error error, const char *text)
{
	i_free(box->error_string);
	box->error = error;
	box->error_string = i_strdup(text);
}

void mailbox_set_critical(struct mailbox *box, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	const char *text = p_strdup_vprintf(pool_temp, fmt, args);
	va_end(args);
	i_error("Mailbox %s (user %s): %s", str_sanitize(pool_temp, box->vname, 200),
		box->user->username, text);
	mailbox_set_error(box, MAIL_ERROR_TEMP, MAIL_ERRSTR_CRITICAL);
}

void mailbox_set_syscall_error(struct mailbox *box, const char *function, const char *path)
{
	int saved = errno;

	if (saved == ENOSPC || saved == EDQUOT) {
		mailbox_set_error(box, saved == ENOSPC ? MAIL_ERROR_NOSPACE : MAIL_ERROR_NOQUOTA,
				  saved == ENOSPC ? "Not enough disk space" : "Quota exceeded");
		i_error("Mailbox %s: %s(%s) failed: %s", box->vname, function, path,
			strerror(saved));
	} else if (saved == EACCES || saved == EPERM) {
		i_error("Mailbox %s: %s(%s) failed: %s", box->vname, function, path,
			strerror(saved));
		mailbox_set_error(box, MAIL_ERROR_PERM, "Permission denied");
	} else {
		mailbox_set_critical(box, "%s(%s) failed: %s", function, path, strerror(saved));
	}
}

struct mailbox *mailbox_alloc(struct mail_user *user, const char *vname,
			      enum mailbox_flags flags)
{
	pool_t pool = pool_alloconly_create("mailbox", 512);
	struct mailbox *box = p_new(pool, struct mailbox, 1);

	box->pool = pool;
	box->user = user;
	box->flags = flags;
	box->ns = mail_user_find_namespace(user, vname);
	if (box->ns != NULL && strcasecmp(vname, "INBOX") == 0 && box->ns->inbox) {
		box->vname = i_strdup("INBOX");
		box->name = i_strdup("INBOX");
		box->is_inbox = true;
	} else {
		box->vname = i_strdup(vname);
		box->name = i_strdup(box->ns == NULL ? vname : vname + strlen(box->ns->prefix));
	}
	i_array_init(&box->view, 64);
	i_array_init(&box->recent_claimed, 4);
	i_array_init(&box->keywords, 8);
	box->keywords_pool = pool_alloconly_create("keywords", 256);
	return box;
}

const char *mailbox_get_vname(const struct mailbox *box)
{
	return box->vname;
}

struct mail_namespace *mailbox_get_namespace(const struct mailbox *box)
{
	return box->ns;
}

const char *mailbox_get_last_error(struct mailbox *box, enum mail_error *error_r)
{
	if (error_r != NULL)
		*error_r = box->error;
	return box->error_string == NULL ? "" : box->error_string;
}

/* Computes the paths; returns -1 with the error set for a bad name. */
static int mailbox_init_paths(struct mailbox *box)
{
	const char *path, *index_dir, *control_dir, *error;

	if (box->path != NULL)
		return 0;
	if (box->ns == NULL) {
		mailbox_set_error(box, MAIL_ERROR_NOTFOUND, "No such namespace");
		return -1;
	}
	if (mailbox_list_get_paths(box->ns, box->is_inbox ? "INBOX" : box->name, pool_temp, &path,
				   &index_dir, &control_dir, &error) < 0) {
		mailbox_set_error(box, MAIL_ERROR_PARAMS, error);
		return -1;
	}
	box->path = p_strdup(box->pool, path);
	box->index_dir = p_strdup(box->pool, index_dir);
	box->control_dir = p_strdup(box->pool, control_dir);
	return 0;
}

int mailbox_exists(struct mailbox *box)
{
	struct stat st;

	if (mailbox_init_paths(box) < 0)
		return -1;
	if (stat(t_strconcat(box->path, "/cur", NULL), &st) == 0)
		return 1;
	if (errno != ENOENT && errno != ENOTDIR) {
		mailbox_set_syscall_error(box, "stat", box->path);
		return -1;
	}
	return 0;
}

static int mkdir_if_missing(struct mailbox *box, const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		mailbox_set_syscall_error(box, "mkdir", path);
		return -1;
	}
	return 0;
}

static int mkdir_parents(struct mailbox *box, const char *path)
{
	char *copy = t_strdup(path);

	for (char *p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
			mailbox_set_syscall_error(box, "mkdir", copy);
			return -1;
		}
		*p = '/';
	}
	return mkdir_if_missing(box, path);
}

int mailbox_list_mkdir_maildir(struct mailbox *box)
{
	if (mkdir_parents(box, box->path) < 0)
		return -1;
	/* tmp and new first: cur/ existing means "a mailbox" */
	static const char *const subdirs[] = { "tmp", "new", "cur" };
	for (unsigned int i = 0; i < N_ELEMENTS(subdirs); i++) {
		if (mkdir_if_missing(box, t_strconcat(box->path, "/", subdirs[i], NULL)) < 0)
			return -1;
	}
	if (!box->is_inbox && !box->ns->layout_fs) {
		/* Maildir++ marks folders with an empty maildirfolder file */
		const char *mf = t_strconcat(box->path, "/maildirfolder", NULL);
		int fd = open(mf, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			mailbox_set_syscall_error(box, "open", mf);
			return -1;
		}
		i_close_fd(&fd);
	}
	if (strcmp(box->index_dir, box->path) != 0 && mkdir_parents(box, box->index_dir) < 0)
		return -1;
	if (strcmp(box->control_dir, box->path) != 0 && mkdir_parents(box, box->control_dir) < 0)
		return -1;
	return 0;
}

int mailbox_open(struct mailbox *box)
{
	const char *error;

	if (box->opened)
		return 0;
	if (mailbox_init_paths(box) < 0)
		return -1;
	int ret = mailbox_exists(box);
	if (ret < 0)
		return -1;
	if (ret == 0) {
		if (!box->is_inbox || (box->flags & MAILBOX_FLAG_NO_AUTOCREATE) != 0) {
			mailbox_set_error(box, MAIL_ERROR_NOTFOUND,
					  t_strdup_printf("Mailbox doesn't exist: %s",
							  str_sanitize(pool_temp, box->vname, 100)));
			return -1;
		}
		if (mailbox_list_mkdir_maildir(box) < 0)
			return -1;
	}
	box->index = mail_index_alloc(box->index_dir, &box->user->index_set);
	if (mail_index_open(box->index, &error) < 0) {
		mailbox_set_critical(box, "%s", error);
		mail_index_free(&box->index);
		return -1;
	}
	box->cache = mail_cache_alloc(box->index);
	box->opened = true;
	if (maildir_sync_index(box, false) < 0) {
		mailbox_close(box);
		return -1;
	}
	/* the first view: everything; nothing is "recent" to a new handle
	   except what arrives later */
	array_clear(&box->view);
	unsigned int count = mail_index_count(box->index);
	for (uint32_t seq = 1; seq <= count; seq++) {
		uint32_t uid = mail_index_lookup(box->index, seq)->uid;
		array_push(&box->view, &uid);
	}
	box->view_modseq = mail_index_get_header(box->index)->highest_modseq;
	box->view_change_counter = mail_index_get_change_counter(box->index);
	box->recent_checked_uid = 1;
	if (maildir_recent_update(box) < 0) {
		mailbox_close(box);
		return -1;
	}
	hook_mailbox_opened(box);
	return 0;
}

static bool box_claims_recent(const struct mailbox *box)
{
	return (box->flags & (MAILBOX_FLAG_DROP_RECENT | MAILBOX_FLAG_READONLY)) ==
	       MAILBOX_FLAG_DROP_RECENT;
}

static void recent_add(struct mailbox *box, uint32_t first, uint32_t last)
{
	unsigned int count = array_count(&box->recent_claimed);
	struct uid_range *prev = count == 0 ? NULL : array_idx(&box->recent_claimed, count - 1);
	struct uid_range range = { .first = first, .last = last };

	if (prev != NULL && prev->last + 1 >= first)
		prev->last = MAX(prev->last, last);
	else
		array_push(&box->recent_claimed, &range);
}

int maildir_recent_update(struct mailbox *box)
{
	const struct mail_index_header_info *hdr = mail_index_get_header(box->index);
	const char *error;

	/* UIDs from recent_checked_uid on are new to this handle: \Recent
	   for it when no session has claimed them */
	if (hdr->next_uid <= box->recent_checked_uid)
		return 0;
	if (!box_claims_recent(box) || hdr->first_recent_uid >= hdr->next_uid) {
		uint32_t first = MAX(hdr->first_recent_uid, box->recent_checked_uid);
		if (first < hdr->next_uid)
			recent_add(box, first, hdr->next_uid - 1);
		box->recent_checked_uid = hdr->next_uid;
		return 0;
	}
	if (maildir_index_lock(box, box) < 0)
		return -1;
	/* under the lock: exactly one session gets each message */
	struct mail_index_header_info h = *mail_index_get_header(box->index);
	uint32_t first = MAX(h.first_recent_uid, box->recent_checked_uid);
	if (h.first_recent_uid < h.next_uid) {
		h.first_recent_uid = h.next_uid;
		struct mail_index_transaction *t = mail_index_transaction_begin(box->index);
		mail_index_update_header(t, &h);
		if (mail_index_transaction_commit(&t, &error) < 0) {
			mailbox_set_critical(box, "%s", error);
			mail_index_unlock(box->index);
			return -1;
		}
	}
	if (first < h.next_uid)
		recent_add(box, first, h.next_uid - 1);
	box->recent_checked_uid = h.next_uid;
	mail_index_unlock(box->index);
	return 0;
}

bool mailbox_uid_is_recent(struct mailbox *box, uint32_t uid)
{
	unsigned int lo = 0, hi = array_count(&box->recent_claimed);

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct uid_range *r = array_idx(&box->recent_claimed, mid);
		if (uid < r->first)
			hi = mid;
		else if (uid > r->last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

uint32_t mailbox_recent_count(struct mailbox *box)
{
	uint32_t count = mailbox_count(box);
	uint32_t recent = 0;

	array_foreach(&box->recent_claimed, r) {
		uint32_t end = r->last == (uint32_t)-1 ? count + 1 :
			mailbox_uid_to_seq_ge(box, r->last + 1);
		recent += end - mailbox_uid_to_seq_ge(box, r->first);
	}
	return recent;
}

void mailbox_close(struct mailbox *box)
{
	if (!box->opened)
		return;
	mailbox_watch_stop(box);
	mail_cache_flush(box);
	mail_cache_pending_free(box);
	mail_cache_free(&box->cache);
	mail_index_free(&box->index);
	array_clear(&box->view);
	array_clear(&box->recent_claimed);
	box->opened = false;
}

void mailbox_free(struct mailbox **_box)
{
	struct mailbox *box = *_box;

	*_box = NULL;
	mailbox_close(box);
	array_free(&box->view);
	array_free(&box->recent_claimed);
	array_free(&box->keywords);
	pool_unref(&box->keywords_pool);
	if (box->decisions_pool != NULL)
		pool_unref(&box->decisions_pool);
	i_free(box->vname);
	i_free(box->name);
	i_free(box->error_string);
	pool_unref(&box->pool);
}

static int special_use_write(struct mailbox *box, const char *special_use)
{
	const char *path = t_strconcat(box->index_dir, "/roost.special-use", NULL);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, special_use, strlen(special_use)) < 0) {
		mailbox_set_syscall_error(box, "write", path);
		i_close_fd(&fd);
		return -1;
	}
	i_close_fd(&fd);
	return 0;
}

int mailbox_create(struct mailbox *box, const char *special_use)
{
	if (mailbox_init_paths(box) < 0)
		return -1;
	int ret = mailbox_exists(box);
	if (ret < 0)
		return -1;
	if (ret > 0) {
		mailbox_set_error(box, MAIL_ERROR_EXISTS, "Mailbox already exists");
		return -1;
	}
	if (special_use != NULL && special_use[0] != '\0') {
		static const char *const known[] = { "\\All", "\\Archive", "\\Drafts",
						     "\\Flagged", "\\Junk", "\\Sent", "\\Trash" };
		bool found = false;
		for (unsigned int i = 0; i < N_ELEMENTS(known); i++)
			found = found || strcasecmp(known[i], special_use) == 0;
		if (!found) {
			mailbox_set_error(box, MAIL_ERROR_PARAMS, "Unknown SPECIAL-USE flag");
			return -1;
		}
	}
	if (mailbox_list_mkdir_maildir(box) < 0)
		return -1;
	if (special_use != NULL && special_use[0] != '\0' &&
	    special_use_write(box, special_use) < 0)
		return -1;
	return 0;
}

static int unlink_dir_files(struct mailbox *box, const char *dir, bool rmdir_too)
{
	DIR *d = opendir(dir);

	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		mailbox_set_syscall_error(box, "opendir", dir);
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue; /* Maildir++ children are .dirs: keep them */
		const char *path = t_strconcat(dir, "/", de->d_name, NULL);
		if (unlink(path) < 0 && errno != ENOENT && errno != EISDIR) {
			mailbox_set_syscall_error(box, "unlink", path);
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (rmdir_too && rmdir(dir) < 0 && errno != ENOENT && errno != ENOTEMPTY) {
		mailbox_set_syscall_error(box, "rmdir", dir);
		return -1;
	}
	return 0;
}

int mailbox_delete(struct mailbox *box)
{
	if (mailbox_init_paths(box) < 0)
		return -1;
	if (box->is_inbox) {
		mailbox_set_error(box, MAIL_ERROR_NOTPOSSIBLE, "INBOX can't be deleted.");
		return -1;
	}
	int ret = mailbox_exists(box);
	if (ret <= 0) {
		if (ret == 0)
			mailbox_set_error(box, MAIL_ERROR_NOTFOUND, "Mailbox doesn't exist");
		return -1;
	}
	/* its attributes go with it (keyed by the GUID, read before the
	   uidlist goes); a failure here only leaves unreachable entries */
	const char *guid = NULL;
	if (mail_user_has_attributes(box->user) && maildir_mailbox_get_guid(box, &guid) < 0) {
		i_warning("Mailbox %s: its attributes are left behind: %s", box->vname,
			  box->error_string == NULL ? "" : box->error_string);
		guid = NULL;
	}
	mailbox_close(box);
	/* messages first (cur/ last: once it is gone the mailbox is gone),
	   then the mailbox's own files */
	static const char *const subdirs[] = { "tmp", "new", "cur" };
	for (unsigned int i = 0; i < N_ELEMENTS(subdirs); i++) {
		if (unlink_dir_files(box, t_strconcat(box->path, "/", subdirs[i], NULL), true) < 0)
			return -1;
	}
	if (unlink_dir_files(box, box->path, !box->ns->layout_fs) < 0)
		return -1;
	if (strcmp(box->index_dir, box->path) != 0)
		(void)unlink_dir_files(box, box->index_dir, true);
	if (strcmp(box->control_dir, box->path) != 0)
		(void)unlink_dir_files(box, box->control_dir, true);
	if (box->ns->layout_fs && rmdir(box->path) < 0 && errno != ENOTEMPTY && errno != EEXIST &&
	    errno != ENOENT) {
		mailbox_set_syscall_error(box, "rmdir", box->path);
		return -1;
	}
	if (guid != NULL)
		mail_attribute_remove_guid(box->user, t_strdup_printf("%s", guid));
	return 0;
}

/* ---- status ---- */

/* Status of an unopened mailbox from the index's header and log alone.
   Returns 1 when done, 0 when the mailbox must be opened (no usable
   index, or the Maildir changed since it was synced), -1 on error. */
static int status_from_index_header(struct mailbox *box, struct mailbox_status *status_r)
{
	struct mail_index_header_info hdr;
	struct mail_index_counts counts;
	uint64_t stamp_new, stamp_cur;
	const char *error;

	if (mailbox_init_paths(box) < 0)
		return -1;
	int ret = mailbox_exists(box);
	if (ret <= 0)
		return ret; /* the open creates INBOX, or says what is wrong */
	struct mail_index *index = mail_index_alloc(box->index_dir, &box->user->index_set);
	ret = mail_index_peek_header(index, &hdr, &counts, &error);
	mail_index_free(&index);
	if (ret < 0) {
		mailbox_set_critical(box, "%s", error);
		return -1;
	}
	if (ret == 0 || hdr.uid_validity == 0)
		return 0;
	if (!box->user->set->maildir_very_dirty_syncs) {
		if (maildir_get_dir_stamps(box, &stamp_new, &stamp_cur) < 0)
			return -1;
		if (hdr.sync_stamp[MAILDIR_STAMP_NEW_MTIME] != stamp_new ||
		    hdr.sync_stamp[MAILDIR_STAMP_CUR_MTIME] != stamp_cur)
			return 0;
	}
	status_r->messages = counts.messages;
	status_r->recent = counts.recent;
	status_r->unseen = counts.messages - counts.seen;
	status_r->deleted = counts.deleted;
	status_r->uidvalidity = hdr.uid_validity;
	status_r->uidnext = hdr.next_uid;
	status_r->highest_modseq = hdr.highest_modseq;
	status_r->size = counts.virtual_size;
	status_r->phys_size = counts.physical_size;
	return 1;
}

int mailbox_get_status(struct mailbox *box, struct mailbox_status *status_r)
{
	bool opened_here = false;

	memset(status_r, 0, sizeof(*status_r));
	if (!box->opened) {
		int ret = status_from_index_header(box, status_r);
		if (ret != 0)
			return ret < 0 ? -1 : 0;
		memset(status_r, 0, sizeof(*status_r));
		if (mailbox_open(box) < 0)
			return -1;
		opened_here = true;
	} else if (maildir_sync_index(box, false) < 0) {
		return -1;
	}
	const struct mail_index_header_info *hdr = mail_index_get_header(box->index);
	const struct mail_index_counts *counts = mail_index_get_counts(box->index);
	status_r->messages = counts->messages;
	status_r->uidvalidity = hdr->uid_validity;
	status_r->uidnext = hdr->next_uid;
	status_r->highest_modseq = hdr->highest_modseq;
	status_r->unseen = counts->messages - counts->seen;
	status_r->deleted = counts->deleted;
	status_r->size = counts->virtual_size;
	status_r->phys_size = counts->physical_size;
	/* the handle's own view for the first unseen and \Recent */
	unsigned int count = mail_index_count(box->index);
	for (uint32_t iseq = 1; iseq <= count && status_r->unseen > 0; iseq++) {
		const struct mail_index_record *rec = mail_index_lookup(box->index, iseq);
		if ((rec->flags & MAIL_SEEN) == 0 &&
		    (status_r->first_unseen_seq = mailbox_uid_to_seq(box, rec->uid)) != 0)
			break;
	}
	status_r->recent = mailbox_recent_count(box);
	if (opened_here)
		mailbox_close(box);
	return 0;
}

/* ---- the view ---- */

uint32_t mailbox_count(struct mailbox *box)
{
	return array_count(&box->view);
}

uint32_t mailbox_seq_to_uid(struct mailbox *box, uint32_t seq)
{
	if (seq == 0 || seq > array_count(&box->view))
		return 0;
	return array_idx_elem(&box->view, seq - 1);
}

static void vanished_add(ARRAY_TYPE(mailbox_uid_range) *ranges, uint32_t first, uint32_t last)
{
	unsigned int count = array_count(ranges);
	struct mailbox_uid_range *prev = count == 0 ? NULL : array_idx(ranges, count - 1);

	if (prev != NULL && prev->last + 1 == first) {
		prev->last = last;
	} else {
		struct mailbox_uid_range r = { first, last };
		array_push(ranges, &r);
	}
}

/* A gap [first, last] of UIDs present neither in the view nor the index:
   all of it vanished except the expunges at or below since_modseq. */
static void vanished_gap(const struct mail_index_expunge *exp, unsigned int exp_count,
			 uint64_t since_modseq, uint32_t first, uint32_t last,
			 ARRAY_TYPE(mailbox_uid_range) *ranges)
{
	unsigned int lo = 0, hi = exp_count;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		if (exp[mid].uid < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint32_t from = first;
	for (unsigned int i = lo; i < exp_count && exp[i].uid <= last; i++) {
		if (exp[i].modseq > since_modseq)
			continue;
		/* expunged before the client's state: it knows */
		if (exp[i].uid > from)
			vanished_add(ranges, from, exp[i].uid - 1);
		from = exp[i].uid + 1;
	}
	if (from <= last && from != 0)
		vanished_add(ranges, from, last);
}

void mailbox_get_vanished(struct mailbox *box, uint64_t since_modseq, uint32_t first_uid,
			  uint32_t last_uid, ARRAY_TYPE(mailbox_uid_range) *ranges_r)
{
	unsigned int exp_count, view_count = array_count(&box->view);
	const uint32_t *view = view_count == 0 ? NULL : array_front(&box->view);
	const struct mail_index_expunge *exp;

	if (!box->opened || first_uid == 0)
		return;
	exp = mail_index_get_expunges(box->index, &exp_count);
	uint32_t next_uid = mail_index_get_header(box->index)->next_uid;
	if (last_uid >= next_uid)
		last_uid = next_uid - 1;
	if (first_uid > last_uid)
		return;
	/* walk the UIDs present in the view or the index (both sorted) */
	unsigned int vi = mailbox_uid_to_seq_ge(box, first_uid) - 1;
	uint32_t iseq = mail_index_lookup_uid_ge(box->index, first_uid);
	unsigned int icount = mail_index_count(box->index);
	uint32_t next = first_uid;
	for (;;) {
		uint32_t vu = vi < view_count ? view[vi] : UINT32_MAX;
		uint32_t iu = iseq <= icount ? mail_index_lookup(box->index, iseq)->uid
					     : UINT32_MAX;
		uint32_t present = MIN(vu, iu);
		if (present > last_uid)
			break;
		if (present > next)
			vanished_gap(exp, exp_count, since_modseq, next, present - 1, ranges_r);
		next = present + 1;
		if (vu == present)
			vi++;
		if (iu == present)
			iseq++;
	}
	if (next <= last_uid)
		vanished_gap(exp, exp_count, since_modseq, next, last_uid, ranges_r);
}

uint32_t mailbox_uid_to_seq_ge(struct mailbox *box, uint32_t uid)
{
	unsigned int lo = 0, hi = array_count(&box->view);
	const uint32_t *uids = array_count(&box->view) == 0 ? NULL : array_front(&box->view);

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		if (uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo + 1;
}

uint32_t mailbox_uid_to_seq(struct mailbox *box, uint32_t uid)
{
	uint32_t seq = mailbox_uid_to_seq_ge(box, uid);

	return seq <= array_count(&box->view) && array_idx_elem(&box->view, seq - 1) == uid ? seq :
											       0;
}

static const struct mail_index_record *view_lookup(struct mailbox *box, uint32_t seq)
{
	uint32_t uid = mailbox_seq_to_uid(box, seq);
	uint32_t iseq = uid == 0 ? 0 : mail_index_lookup_uid(box->index, uid);

	if (iseq == 0) {
		mailbox_set_error(box, MAIL_ERROR_EXPUNGED,
				  "Message was expunged by another session");
		return NULL;
	}
	return mail_index_lookup(box->index, iseq);
}

int mailbox_mail_get_info(struct mailbox *box, uint32_t seq, pool_t pool,
			  struct mail_info *info_r)
{
	const struct mail_index_record *rec = view_lookup(box, seq);

	if (rec == NULL)
		return -1;
	info_r->uid = rec->uid;
	info_r->flags = (enum mail_flags)(rec->flags & MAIL_FLAGS_MASK);
	if (mailbox_uid_is_recent(box, rec->uid))
		info_r->flags |= MAIL_RECENT;
	info_r->modseq = rec->modseq;
	info_r->physical_size = rec->physical_size;
	info_r->virtual_size = rec->virtual_size;
	info_r->received_date = (time_t)rec->received_date;
	info_r->saved_date = (time_t)rec->saved_date;
	/* called for every message by SELECT, FETCH and SEARCH: no allocation
	   for the usual message without keywords */
	static const char *const no_keywords[] = { NULL };
	info_r->keywords = no_keywords;
	if (rec->keywords == 0)
		return 0;
	unsigned int n = 0;
	for (unsigned int i = 0; i < 64 && rec->keywords != 0; i++) {
		if ((rec->keywords & (1ULL << i)) != 0 &&
		    (i >= array_count(&box->keywords) || array_idx_elem(&box->keywords, i) == NULL)) {
			/* a keyword we have not read yet */
			if (maildir_keywords_refresh(box) < 0)
				return -1;
			break;
		}
	}
	unsigned int bits = (unsigned int)__builtin_popcountll(rec->keywords);
	const char **kw = p_new(pool, const char *, bits + 1);
	for (unsigned int i = 0; i < 64 && rec->keywords != 0; i++) {
		if ((rec->keywords & (1ULL << i)) != 0 && i < array_count(&box->keywords) &&
		    array_idx_elem(&box->keywords, i) != NULL)
			kw[n++] = p_strdup(pool, array_idx_elem(&box->keywords, i));
	}
	info_r->keywords = kw;
	return 0;
}

const char *maildir_rec_path(struct mailbox *box, const struct mail_index_record *rec)
{
	return t_strdup_printf("%s/%s/%s", box->path,
			       (rec->flags & MAILDIR_REC_FLAG_NEW) != 0 ? "new" : "cur",
			       mail_index_record_name(box->index, rec));
}

int mailbox_mail_open(struct mailbox *box, uint32_t seq, int *fd_r, uint64_t *size_r)
{
	for (unsigned int attempt = 0; attempt < 3; attempt++) {
		const struct mail_index_record *rec = view_lookup(box, seq);
		if (rec == NULL)
			return -1;
		const char *path = maildir_rec_path(box, rec);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			struct stat st;
			if (fstat(fd, &st) < 0) {
				mailbox_set_syscall_error(box, "fstat", path);
				i_close_fd(&fd);
				return -1;
			}
			*fd_r = fd;
			*size_r = (uint64_t)st.st_size;
			return 0;
		}
		if (errno != ENOENT) {
			mailbox_set_syscall_error(box, "open", path);
			return -1;
		}
		/* renamed (flags) or expunged by someone else: resync */
		if (maildir_sync_index(box, true) < 0)
			return -1;
	}
	mailbox_set_error(box, MAIL_ERROR_EXPUNGED, "Message was expunged by another session");
	return -1;
}

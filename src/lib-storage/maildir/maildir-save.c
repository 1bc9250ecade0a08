/* Transactions of the Maildir driver: saves with group commit, copies,
   flag changes and expunges. The durability order of a commit (STYLE
   habit 11, doc/storage.md "Saving"):
     1. every saved file was written to tmp/ and fsynced (save_finish, or
        at the commit for group-commit transactions)
     2. index lock, dovecot-uidlist lock, UIDs allocated
     3. rename() each file into new/ or cur/
     4. fsync() new/ and cur/, once each
     5. append the UIDs to dovecot-uidlist and fdatasync it
     6. the index transaction, unlock
   and only then does commit return success. mailbox_transactions_commit()
   runs each step for several transactions before the next step, so that
   the fsyncs of one step share the filesystem's journal commits. */

#include "lib.h"
#include "mail-storage-private.h"
#include "maildir-filename.h"
#include "maildir-sync.h"
#include "mail-storage-settings.h"
#include "message-size.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>

struct save_item {
	char *tmp_path;
	/* open until the commit fsyncs it (group commit), else -1 */
	int fd;
	const char *base;
	enum mail_flags flags;
	uint64_t keywords;
	time_t received_date;
	uint64_t physical_size, virtual_size;
	uint32_t uid;
};

struct flag_change {
	uint32_t uid;
	enum modify_type type;
	enum mail_flags flags;
	uint64_t keywords;
	/* CONDSTORE: applied only if the message's modseq is <= this */
	bool conditional;
	uint64_t unchanged_since;
};

struct mailbox_transaction {
	struct mailbox *box;
	pool_t pool;
	ARRAY(struct save_item) saves;
	ARRAY(struct flag_change) changes;
	ARRAY(uint32_t) expunges;
	/* UIDs whose conditional flag change failed its modseq test */
	ARRAY(uint32_t) modified;
	/* moves: expunge these in their source mailbox after the commit */
	bool failed;
	/* saves are fsynced at commit (mailbox_transaction_set_group_commit) */
	bool group_commit;

	/* the commit's state between its steps */
	struct maildir_uidlist_ctx uctx;
	bool index_locked, uidlist_locked, in_step, sync_new, sync_cur;
	struct mail_index_transaction *it;
	struct mail_index_header_info hdr;
	ARRAY(struct maildir_uidlist_rec) recs;
};

struct mail_save_context {
	struct mailbox_transaction *t;
	struct save_item item;
	int fd;
	struct message_size size;
	bool last_cr;
};

static const char *my_hostname(void)
{
	static char host[256];

	if (host[0] == '\0' && gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "localhost");
	char *dot = strchr(host, '.');
	if (dot != NULL)
		*dot = '\0';
	return host;
}

struct mailbox_transaction *mailbox_transaction_begin(struct mailbox *box)
{
	pool_t pool = pool_alloconly_create("mailbox transaction", 1024);
	struct mailbox_transaction *t = p_new(pool, struct mailbox_transaction, 1);

	t->box = box;
	t->pool = pool;
	p_array_init(&t->saves, pool, 4);
	p_array_init(&t->changes, pool, 4);
	p_array_init(&t->expunges, pool, 4);
	p_array_init(&t->modified, pool, 4);
	return t;
}

void mailbox_transaction_set_group_commit(struct mailbox_transaction *t)
{
	t->group_commit = true;
}

static int keywords_to_mask(struct mailbox *box, const char *const *keywords,
			    uint64_t *mask_r)
{
	*mask_r = 0;
	for (; keywords != NULL && *keywords != NULL; keywords++) {
		int idx = maildir_keywords_lookup_or_add(box, *keywords);
		if (idx < 0)
			return -1;
		*mask_r |= 1ULL << idx;
	}
	return 0;
}

struct mail_save_context *mailbox_save_begin(struct mailbox_transaction *t,
					     const struct mail_save_params *params)
{
	struct mailbox *box = t->box;
	struct timeval tv;

	if (!box->opened) {
		mailbox_set_error(box, MAIL_ERROR_NOTPOSSIBLE, "Mailbox isn't open");
		return NULL;
	}
	struct mail_save_context *ctx = i_new(struct mail_save_context, 1);
	ctx->t = t;
	ctx->item.flags = params->flags & MAIL_FLAGS_MASK;
	ctx->item.received_date = params->received_date;
	if (keywords_to_mask(box, params->keywords, &ctx->item.keywords) < 0) {
		i_free(ctx);
		return NULL;
	}
	gettimeofday(&tv, NULL);
	/* the base name without sizes yet: they are added at the rename */
	const char *tmp_name = maildir_filename_generate(pool_temp, tv.tv_sec, (long)tv.tv_usec,
						 getpid(), ++box->save_counter, my_hostname(),
						 (uint64_t)-1, (uint64_t)-1);
	ctx->item.tmp_path = p_strdup_printf(t->pool, "%s/tmp/%s", box->path, tmp_name);
	ctx->item.base = p_strdup(t->pool, tmp_name);
	ctx->item.fd = -1;
	ctx->fd = open(ctx->item.tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (ctx->fd < 0) {
		mailbox_set_syscall_error(box, "open", ctx->item.tmp_path);
		i_free(ctx);
		return NULL;
	}
	return ctx;
}

int mailbox_save_write(struct mail_save_context *ctx, const void *data, size_t size)
{
	const unsigned char *p = data;

	message_size_add(&ctx->size, &ctx->last_cr, data, size);
	while (size > 0) {
		ssize_t ret = write(ctx->fd, p, size);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			mailbox_set_syscall_error(ctx->t->box, "write", ctx->item.tmp_path);
			return -1;
		}
		p += ret;
		size -= (size_t)ret;
	}
	return 0;
}

void mailbox_save_abort(struct mail_save_context **_ctx)
{
	struct mail_save_context *ctx = *_ctx;

	*_ctx = NULL;
	i_close_fd(&ctx->fd);
	(void)unlink(ctx->item.tmp_path);
	i_free(ctx);
}

int mailbox_save_finish(struct mail_save_context **_ctx)
{
	struct mail_save_context *ctx = *_ctx;
	struct mailbox *box = ctx->t->box;

	bool do_fsync = box->user->index_set.fsync_mode != MAIL_FSYNC_NEVER;

	if (do_fsync && ctx->t->group_commit) {
		/* start the writeback now; the commit fsyncs the file, by
		   then mostly written, together with the others */
		(void)sync_file_range(ctx->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		ctx->item.fd = ctx->fd;
		ctx->fd = -1;
		goto done;
	}
	if (do_fsync && fsync(ctx->fd) < 0) {
		mailbox_set_syscall_error(box, "fsync", ctx->item.tmp_path);
		mailbox_save_abort(_ctx);
		return -1;
	}
	if (close(ctx->fd) < 0) {
		ctx->fd = -1;
		mailbox_set_syscall_error(box, "close", ctx->item.tmp_path);
		mailbox_save_abort(_ctx);
		return -1;
	}
	ctx->fd = -1;
done:
	ctx->item.physical_size = ctx->size.physical_size;
	ctx->item.virtual_size = ctx->size.virtual_size;
	array_push(&ctx->t->saves, &ctx->item);
	*_ctx = NULL;
	i_free(ctx);
	return 0;
}

int mailbox_copy(struct mailbox_transaction *t, struct mailbox *src, uint32_t src_uid,
		 const struct mail_save_params *params)
{
	struct mailbox *box = t->box;
	uint32_t iseq = src->opened ? mail_index_lookup_uid(src->index, src_uid) : 0;

	if (iseq == 0) {
		mailbox_set_error(box, MAIL_ERROR_EXPUNGED, "Message was expunged");
		return -1;
	}
	const struct mail_index_record *rec = mail_index_lookup(src->index, iseq);
	const char *src_path = maildir_rec_path(src, rec);
	struct mail_save_params p = *params;
	if (p.received_date == 0)
		p.received_date = (time_t)rec->received_date;

	if (box->user->set->maildir_copy_with_hardlinks) {
		struct mail_save_context *ctx = mailbox_save_begin(t, &p);
		if (ctx == NULL)
			return -1;
		/* replace the empty tmp file with a link to the source */
		(void)unlink(ctx->item.tmp_path);
		if (link(src_path, ctx->item.tmp_path) == 0) {
			i_close_fd(&ctx->fd);
			ctx->item.physical_size = rec->physical_size;
			ctx->item.virtual_size = rec->virtual_size;
			array_push(&t->saves, &ctx->item);
			i_free(ctx);
			return 0;
		}
		int link_errno = errno;
		mailbox_save_abort(&ctx);
		if (link_errno == ENOENT) {
			mailbox_set_error(box, MAIL_ERROR_EXPUNGED, "Message was expunged");
			return -1;
		}
		/* EXDEV, EPERM, EMLINK: copy the data */
	}
	int fd;
	uint64_t size;
	uint32_t seq = mailbox_uid_to_seq(src, src_uid);
	if (seq == 0 || mailbox_mail_open(src, seq, &fd, &size) < 0) {
		mailbox_set_error(box, MAIL_ERROR_EXPUNGED, "Message was expunged");
		return -1;
	}
	struct mail_save_context *ctx = mailbox_save_begin(t, &p);
	if (ctx == NULL) {
		i_close_fd(&fd);
		return -1;
	}
	char buf[65536];
	ssize_t ret;
	while ((ret = read(fd, buf, sizeof(buf))) > 0) {
		if (mailbox_save_write(ctx, buf, (size_t)ret) < 0) {
			i_close_fd(&fd);
			mailbox_save_abort(&ctx);
			return -1;
		}
	}
	i_close_fd(&fd);
	if (ret < 0) {
		mailbox_set_syscall_error(box, "read", src_path);
		mailbox_save_abort(&ctx);
		return -1;
	}
	return mailbox_save_finish(&ctx);
}

int mailbox_update_flags(struct mailbox_transaction *t, uint32_t uid, enum modify_type type,
			 enum mail_flags flags, const char *const *keywords)
{
	struct flag_change change = { .uid = uid, .type = type, .flags = flags & MAIL_FLAGS_MASK };

	if (keywords_to_mask(t->box, keywords, &change.keywords) < 0)
		return -1;
	array_push(&t->changes, &change);
	return 0;
}

int mailbox_update_flags_conditional(struct mailbox_transaction *t, uint32_t uid,
				     enum modify_type type, enum mail_flags flags,
				     const char *const *keywords, uint64_t unchanged_since)
{
	if (mailbox_update_flags(t, uid, type, flags, keywords) < 0)
		return -1;
	struct flag_change *change = array_idx(&t->changes, array_count(&t->changes) - 1);
	change->conditional = true;
	change->unchanged_since = unchanged_since;
	return 0;
}

int mailbox_expunge(struct mailbox_transaction *t, uint32_t uid)
{
	array_push(&t->expunges, &uid);
	return 0;
}

/* Drops what a failed commit still holds. */
static void commit_release(struct mailbox_transaction *t)
{
	if (t->uidlist_locked) {
		maildir_uidlist_unlock(&t->uctx);
		t->uidlist_locked = false;
	}
	if (t->it != NULL)
		mail_index_transaction_rollback(&t->it);
	if (t->index_locked) {
		mail_index_unlock(t->box->index);
		t->index_locked = false;
	}
}

static void transaction_free(struct mailbox_transaction **_t)
{
	struct mailbox_transaction *t = *_t;

	*_t = NULL;
	array_foreach(&t->saves, item) {
		if (item->fd != -1)
			i_close_fd(&item->fd);
		if (item->tmp_path != NULL)
			(void)unlink(item->tmp_path);
	}
	commit_release(t);
	pool_unref(&t->pool);
}

void mailbox_transaction_rollback(struct mailbox_transaction **t)
{
	transaction_free(t);
}

static int fsync_dir(struct mailbox *box, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0) {
		mailbox_set_syscall_error(box, "fsync", dir);
		i_close_fd(&fd);
		return -1;
	}
	i_close_fd(&fd);
	return 0;
}

/* Step 1 for deferred fsyncs. */
static int commit_fsync_files(struct mailbox_transaction *t)
{
	array_foreach(&t->saves, item) {
		if (item->fd == -1)
			continue;
		if (fsync(item->fd) < 0) {
			mailbox_set_syscall_error(t->box, "fsync", item->tmp_path);
			return -1;
		}
		i_close_fd(&item->fd);
	}
	return 0;
}

/* Steps 2-3: locks, UIDs, renames; the index records are added to t->it. */
static int commit_lock_and_rename(struct mailbox_transaction *t)
{
	struct mailbox *box = t->box;
	struct mail_index_header_info *hdr = &t->hdr;
	const char *error;

	if (!box->opened) {
		mailbox_set_error(box, MAIL_ERROR_NOTPOSSIBLE, "Mailbox isn't open");
		return -1;
	}
	int lret = mail_index_lock(box->index, &error);
	if (lret <= 0) {
		if (lret < 0)
			mailbox_set_critical(box, "%s", error);
		else
			mailbox_set_error(box, MAIL_ERROR_TEMP,
					  "Timeout while waiting for the mailbox lock");
		return -1;
	}
	t->index_locked = true;
	uint64_t before_new, before_cur;
	if (maildir_sync_index(box, false) < 0 ||
	    maildir_get_dir_stamps(box, &before_new, &before_cur) < 0)
		return -1;
	*hdr = *mail_index_get_header(box->index);
	/* the directory stamps move with our own changes only if the index
	   was in step with the directories before them */
	t->in_step = hdr->sync_stamp[MAILDIR_STAMP_NEW_MTIME] == before_new &&
		     hdr->sync_stamp[MAILDIR_STAMP_CUR_MTIME] == before_cur;
	t->it = mail_index_transaction_begin(box->index);
	if (array_count(&t->saves) == 0)
		return 0;

	if (maildir_uidlist_lock(box, &t->uctx) < 0)
		return -1;
	t->uidlist_locked = true;
	t->uctx.defer_sync = true;
	/* next_uid: the index knows it unless dovecot-uidlist changed
	   behind its back (then read the file) */
	struct stat st;
	const char *upath = maildir_uidlist_path(box);
	bool have_st = stat(upath, &st) == 0;
	uint32_t next_uid = hdr->next_uid;
	if (!have_st || (uint64_t)st.st_ino != hdr->sync_stamp[MAILDIR_STAMP_UIDLIST_INO] ||
	    (uint64_t)st.st_size != hdr->sync_stamp[MAILDIR_STAMP_UIDLIST_SIZE]) {
		if (maildir_uidlist_read(box, &t->uctx) < 0)
			return -1;
		if (t->uctx.list == NULL)
			t->uctx.list = maildir_uidlist_new(t->uctx.pool, hdr->uid_validity);
		else if (t->uctx.list->uid_validity != hdr->uid_validity) {
			mailbox_set_critical(box, "dovecot-uidlist UIDVALIDITY changed under us");
			return -1;
		}
		next_uid = MAX(next_uid, t->uctx.list->next_uid);
	} else {
		t->uctx.exists = true;
	}

	p_array_init(&t->recs, t->pool, array_count(&t->saves));
	array_foreach(&t->saves, item) {
		item->uid = next_uid++;
		const char *base = p_strdup_printf(t->pool, "%s,S=%llu,W=%llu", item->base,
						   (unsigned long long)item->physical_size,
						   (unsigned long long)item->virtual_size);
		bool to_new = item->flags == 0 && item->keywords == 0;
		const char *fname = to_new ? base :
			maildir_filename_set_flags(t->pool, base, item->flags, item->keywords);
		const char *dest = t_strdup_printf("%s/%s/%s", box->path, to_new ? "new" : "cur",
						   fname);
		if (rename(item->tmp_path, dest) < 0) {
			mailbox_set_syscall_error(box, "rename", dest);
			return -1;
		}
		item->tmp_path = NULL;
		t->sync_new = t->sync_new || to_new;
		t->sync_cur = t->sync_cur || !to_new;
		struct maildir_uidlist_rec r = { .uid = item->uid, .ext = "", .fname = base };
		array_push(&t->recs, &r);

		struct mail_index_record rec = {
			.uid = item->uid,
			.flags = item->flags | (to_new ? MAILDIR_REC_FLAG_NEW : 0),
			.keywords = item->keywords,
			.physical_size = item->physical_size,
			.virtual_size = item->virtual_size,
			.received_date = item->received_date != 0 ? item->received_date : time(NULL),
			.saved_date = time(NULL),
		};
		mail_index_append(t->it, &rec, fname);
	}
	hdr->next_uid = next_uid;
	return 0;
}

/* Step 4. */
static int commit_sync_dirs(struct mailbox_transaction *t)
{
	struct mailbox *box = t->box;

	if (box->user->index_set.fsync_mode == MAIL_FSYNC_NEVER)
		return 0;
	if (t->sync_new && fsync_dir(box, t_strconcat(box->path, "/new", NULL)) < 0)
		return -1;
	if (t->sync_cur && fsync_dir(box, t_strconcat(box->path, "/cur", NULL)) < 0)
		return -1;
	return 0;
}

/* Step 5, the write; the sync is commit_uidlist_sync(). */
static int commit_uidlist_write(struct mailbox_transaction *t)
{
	struct mailbox *box = t->box;

	if (array_count(&t->saves) == 0)
		return 0;
	if (t->uctx.list == NULL) {
		/* appending to a file we know: no need to have parsed it */
		t->uctx.list = maildir_uidlist_new(t->pool, t->hdr.uid_validity);
	}
	if (maildir_uidlist_append(box, &t->uctx, array_front(&t->recs),
				   array_count(&t->recs)) < 0)
		return -1;
	t->hdr.sync_stamp[MAILDIR_STAMP_UIDLIST_INO] = t->uctx.st.st_ino;
	t->hdr.sync_stamp[MAILDIR_STAMP_UIDLIST_SIZE] = (uint64_t)t->uctx.st.st_size;
	return 0;
}

static int commit_uidlist_sync(struct mailbox_transaction *t)
{
	if (!t->uidlist_locked || t->uctx.sync_fd == -1)
		return 0;
	if (fdatasync(t->uctx.sync_fd) < 0) {
		mailbox_set_syscall_error(t->box, "fdatasync", maildir_uidlist_path(t->box));
		return -1;
	}
	i_close_fd(&t->uctx.sync_fd);
	return 0;
}

static void commit_flag_changes(struct mailbox_transaction *t, struct mail_index_transaction *it)
{
	struct mailbox *box = t->box;

	array_foreach(&t->changes, change) {
		uint32_t seq = mail_index_lookup_uid(box->index, change->uid);
		if (seq == 0)
			continue; /* expunged meanwhile */
		const struct mail_index_record *rec = mail_index_lookup(box->index, seq);
		if (change->conditional && rec->modseq > change->unchanged_since) {
			/* checked under the index lock: nobody can change it
			   between this test and our update */
			array_push(&t->modified, &change->uid);
			continue;
		}
		enum mail_flags flags = rec->flags & MAIL_FLAGS_MASK;
		uint64_t keywords = rec->keywords;
		switch (change->type) {
		case MODIFY_ADD:
			flags |= change->flags;
			keywords |= change->keywords;
			break;
		case MODIFY_REMOVE:
			flags &= ~change->flags;
			keywords &= ~change->keywords;
			break;
		case MODIFY_REPLACE:
			flags = change->flags;
			keywords = change->keywords;
			break;
		}
		if (flags == (rec->flags & MAIL_FLAGS_MASK) && keywords == rec->keywords)
			continue;
		const char *old_path = maildir_rec_path(box, rec);
		const char *fname = maildir_filename_set_flags(pool_temp,
				mail_index_record_name(box->index, rec), flags, keywords);
		const char *new_path = t_strdup_printf("%s/cur/%s", box->path, fname);
		if (rename(old_path, new_path) < 0) {
			if (errno != ENOENT)
				mailbox_set_syscall_error(box, "rename", new_path);
			continue; /* gone: the next sync expunges it */
		}
		mail_index_update_name(it, rec->uid, fname);
		mail_index_update_flags(it, rec->uid, flags, keywords);
	}
}

static void commit_expunges(struct mailbox_transaction *t, struct mail_index_transaction *it)
{
	struct mailbox *box = t->box;

	uint32_t uid;
	array_foreach_elem(&t->expunges, uid) {
		uint32_t seq = mail_index_lookup_uid(box->index, uid);
		if (seq == 0)
			continue;
		const char *path = maildir_rec_path(box, mail_index_lookup(box->index, seq));
		if (unlink(path) < 0 && errno != ENOENT) {
			mailbox_set_syscall_error(box, "unlink", path);
			continue;
		}
		mail_index_expunge(it, uid);
	}
}

/* Step 6, after the flag changes and expunges. */
static void commit_finish(struct mailbox_transaction *t, pool_t pool,
			  struct mail_transaction_commit_changes *changes)
{
	struct mailbox *box = t->box;
	const char *error;

	maildir_uidlist_unlock(&t->uctx);
	t->uidlist_locked = false;
	commit_flag_changes(t, t->it);
	commit_expunges(t, t->it);
	uint64_t after_new, after_cur;
	if (t->in_step && maildir_get_dir_stamps(box, &after_new, &after_cur) == 0) {
		t->hdr.sync_stamp[MAILDIR_STAMP_NEW_MTIME] = after_new;
		t->hdr.sync_stamp[MAILDIR_STAMP_CUR_MTIME] = after_cur;
	}
	mail_index_update_header(t->it, &t->hdr);
	if (mail_index_transaction_commit(&t->it, &error) < 0) {
		/* the messages are durable in the Maildir and dovecot-uidlist:
		   the next sync puts them in the index */
		i_error("Mailbox %s: index update failed: %s", box->vname, error);
	}
	if (changes != NULL) {
		changes->uid_validity = t->hdr.uid_validity;
		array_foreach(&t->saves, item)
			array_push(&changes->saved_uids, &item->uid);
		uint32_t uid;
		array_foreach_elem(&t->modified, uid)
			array_push(&changes->modified_uids, &uid);
	}
	mail_index_unlock(box->index);
	t->index_locked = false;
}

static int commit_cmp_path(const void *p1, const void *p2)
{
	struct mailbox_transaction *const *t1 = p1, *const *t2 = p2;

	return strcmp((*t1)->box->index_dir != NULL ? (*t1)->box->index_dir : "",
		      (*t2)->box->index_dir != NULL ? (*t2)->box->index_dir : "");
}

typedef int commit_step_t(struct mailbox_transaction *t);

/* One commit round: transactions of distinct mailboxes, in path order (the
   order every process takes several mailbox locks in). */
static void commit_round(struct mailbox_transaction **ts, unsigned int count, bool *failed)
{
	static commit_step_t *const steps[] = {
		commit_fsync_files, commit_lock_and_rename, commit_sync_dirs,
		commit_uidlist_write, commit_uidlist_sync,
	};

	for (unsigned int s = 0; s < N_ELEMENTS(steps); s++) {
		for (unsigned int i = 0; i < count; i++) {
			if (!failed[i] && steps[s](ts[i]) < 0)
				failed[i] = true;
		}
	}
}

void mailbox_transactions_commit(struct mailbox_transaction **ts, unsigned int count,
				 pool_t pool, struct mail_transaction_commit_changes *changes,
				 int *rets_r)
{
	struct mailbox_transaction **order = i_new(struct mailbox_transaction *, count);
	struct mailbox_transaction **round = i_new(struct mailbox_transaction *, count);
	bool *done = i_new(bool, count), *failed = i_new(bool, count);
	unsigned int left = count;

	for (unsigned int i = 0; i < count; i++) {
		order[i] = ts[i];
		if (changes != NULL) {
			memset(&changes[i], 0, sizeof(changes[i]));
			p_array_init(&changes[i].saved_uids, pool, array_count(&ts[i]->saves) + 1);
			p_array_init(&changes[i].modified_uids, pool, 4);
		}
	}
	qsort(order, count, sizeof(*order), commit_cmp_path);
	while (left > 0) {
		/* a mailbox appears once per round: its lock is not
		   reentrant */
		unsigned int n = 0;
		bool *round_failed;
		for (unsigned int i = 0; i < count; i++) {
			if (done[i] || (n > 0 && commit_cmp_path(&round[n - 1], &order[i]) == 0))
				continue;
			done[i] = true;
			round[n++] = order[i];
		}
		round_failed = i_new(bool, n);
		commit_round(round, n, round_failed);
		for (unsigned int r = 0; r < n; r++) {
			unsigned int idx = 0;
			while (ts[idx] != round[r])
				idx++;
			failed[idx] = round_failed[r];
			if (!round_failed[r]) {
				commit_finish(round[r], pool, changes == NULL ? NULL : &changes[idx]);
			} else {
				commit_release(round[r]);
				if (changes != NULL) {
					array_clear(&changes[idx].saved_uids);
					array_clear(&changes[idx].modified_uids);
				}
			}
		}
		i_free(round_failed);
		left -= n;
	}
	for (unsigned int i = 0; i < count; i++) {
		rets_r[i] = failed[i] ? -1 : 0;
		transaction_free(&ts[i]);
	}
	i_free(order);
	i_free(round);
	i_free(done);
	i_free(failed);
}

int mailbox_transaction_commit(struct mailbox_transaction **t, pool_t pool,
			       struct mail_transaction_commit_changes *changes)
{
	int ret;

	mailbox_transactions_commit(t, 1, pool, changes, &ret);
	return ret;
}

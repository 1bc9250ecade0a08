/* Transactions of the Maildir driver: saves with group commit, copies,
   flag changes and expunges. The durability order of a commit (STYLE
   habit 11, doc/storage.md "Saving"):
     1. every saved file was written to tmp/ and fsynced (save_finish)
     2. index lock, dovecot-uidlist lock, UIDs allocated
     3. rename() each file into new/ or cur/
     4. fsync() new/ and cur/, once each
     5. append the UIDs to dovecot-uidlist and fdatasync it
     6. the index transaction, unlock
   and only then does commit return success. */

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

	if (box->user->index_set.fsync_mode != MAIL_FSYNC_NEVER && fsync(ctx->fd) < 0) {
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

static void transaction_free(struct mailbox_transaction **_t)
{
	struct mailbox_transaction *t = *_t;

	*_t = NULL;
	array_foreach(&t->saves, item) {
		if (item->tmp_path != NULL)
			(void)unlink(item->tmp_path);
	}
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

/* Steps 2-5 for the saves; the index records are added to it. */
static int commit_saves(struct mailbox_transaction *t, struct mail_index_transaction *it,
			struct mail_index_header_info *hdr)
{
	struct mailbox *box = t->box;
	struct maildir_uidlist_ctx uctx;
	bool sync_new = false, sync_cur = false;
	int ret = -1;

	if (maildir_uidlist_lock(box, &uctx) < 0)
		return -1;
	/* next_uid: the index knows it unless dovecot-uidlist changed
	   behind its back (then read the file) */
	struct stat st;
	const char *upath = maildir_uidlist_path(box);
	bool have_st = stat(upath, &st) == 0;
	uint32_t next_uid = hdr->next_uid;
	if (!have_st || (uint64_t)st.st_ino != hdr->sync_stamp[MAILDIR_STAMP_UIDLIST_INO] ||
	    (uint64_t)st.st_size != hdr->sync_stamp[MAILDIR_STAMP_UIDLIST_SIZE]) {
		if (maildir_uidlist_read(box, &uctx) < 0)
			goto out;
		if (uctx.list == NULL)
			uctx.list = maildir_uidlist_new(uctx.pool, hdr->uid_validity);
		else if (uctx.list->uid_validity != hdr->uid_validity) {
			mailbox_set_critical(box, "dovecot-uidlist UIDVALIDITY changed under us");
			goto out;
		}
		next_uid = MAX(next_uid, uctx.list->next_uid);
	} else {
		uctx.exists = true;
	}

	ARRAY(struct maildir_uidlist_rec) recs;
	p_array_init(&recs, t->pool, array_count(&t->saves));
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
			goto out;
		}
		item->tmp_path = NULL;
		sync_new = sync_new || to_new;
		sync_cur = sync_cur || !to_new;
		struct maildir_uidlist_rec r = { .uid = item->uid, .ext = "", .fname = base };
		array_push(&recs, &r);

		struct mail_index_record rec = {
			.uid = item->uid,
			.flags = item->flags | (to_new ? MAILDIR_REC_FLAG_NEW : 0),
			.keywords = item->keywords,
			.physical_size = item->physical_size,
			.virtual_size = item->virtual_size,
			.received_date = item->received_date != 0 ? item->received_date : time(NULL),
			.saved_date = time(NULL),
		};
		mail_index_append(it, &rec, fname);
	}
	if (box->user->index_set.fsync_mode != MAIL_FSYNC_NEVER) {
		if (sync_new && fsync_dir(box, t_strconcat(box->path, "/new", NULL)) < 0)
			goto out;
		if (sync_cur && fsync_dir(box, t_strconcat(box->path, "/cur", NULL)) < 0)
			goto out;
	}
	if (uctx.list == NULL) {
		/* appending to a file we know: no need to have parsed it */
		uctx.list = maildir_uidlist_new(t->pool, hdr->uid_validity);
	}
	if (maildir_uidlist_append(box, &uctx, array_front(&recs), array_count(&recs)) < 0)
		goto out;
	hdr->next_uid = next_uid;
	hdr->sync_stamp[MAILDIR_STAMP_UIDLIST_INO] = uctx.st.st_ino;
	hdr->sync_stamp[MAILDIR_STAMP_UIDLIST_SIZE] = (uint64_t)uctx.st.st_size;
	ret = 0;
out:
	maildir_uidlist_unlock(&uctx);
	return ret;
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

int mailbox_transaction_commit(struct mailbox_transaction **_t, pool_t pool,
			       struct mail_transaction_commit_changes *changes)
{
	struct mailbox_transaction *t = *_t;
	struct mailbox *box = t->box;
	const char *error;
	int ret = -1;

	if (changes != NULL) {
		memset(changes, 0, sizeof(*changes));
		p_array_init(&changes->saved_uids, pool, array_count(&t->saves) + 1);
		p_array_init(&changes->modified_uids, pool, 4);
	}
	if (!box->opened) {
		mailbox_set_error(box, MAIL_ERROR_NOTPOSSIBLE, "Mailbox isn't open");
		transaction_free(_t);
		return -1;
	}
	int lret = mail_index_lock(box->index, &error);
	if (lret <= 0) {
		if (lret < 0)
			mailbox_set_critical(box, "%s", error);
		else
			mailbox_set_error(box, MAIL_ERROR_TEMP,
					  "Timeout while waiting for the mailbox lock");
		transaction_free(_t);
		return -1;
	}
	uint64_t before_new, before_cur;
	if (maildir_sync_index(box, false) < 0 ||
	    maildir_get_dir_stamps(box, &before_new, &before_cur) < 0)
		goto out;
	struct mail_index_header_info hdr = *mail_index_get_header(box->index);
	/* the directory stamps move with our own changes only if the index
	   was in step with the directories before them */
	bool in_step = hdr.sync_stamp[MAILDIR_STAMP_NEW_MTIME] == before_new &&
		       hdr.sync_stamp[MAILDIR_STAMP_CUR_MTIME] == before_cur;

	struct mail_index_transaction *it = mail_index_transaction_begin(box->index);
	if (array_count(&t->saves) > 0 && commit_saves(t, it, &hdr) < 0) {
		mail_index_transaction_rollback(&it);
		goto out;
	}
	commit_flag_changes(t, it);
	commit_expunges(t, it);
	uint64_t after_new, after_cur;
	if (in_step && maildir_get_dir_stamps(box, &after_new, &after_cur) == 0) {
		hdr.sync_stamp[MAILDIR_STAMP_NEW_MTIME] = after_new;
		hdr.sync_stamp[MAILDIR_STAMP_CUR_MTIME] = after_cur;
	}
	mail_index_update_header(it, &hdr);
	if (mail_index_transaction_commit(&it, &error) < 0) {
		/* the messages are durable in the Maildir and dovecot-uidlist:
		   the next sync puts them in the index */
		i_error("Mailbox %s: index update failed: %s", box->vname, error);
	}
	if (changes != NULL) {
		changes->uid_validity = hdr.uid_validity;
		array_foreach(&t->saves, item)
			array_push(&changes->saved_uids, &item->uid);
		uint32_t uid;
		array_foreach_elem(&t->modified, uid)
			array_push(&changes->modified_uids, &uid);
	}
	ret = 0;
out:
	mail_index_unlock(box->index);
	transaction_free(_t);
	return ret;
}

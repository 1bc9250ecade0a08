/* Keeping roost.index in step with the Maildir: the directories, the
   dovecot-uidlist and dovecot-keywords files that Dovecot and other
   programs change too. See doc/storage.md "Syncing". */

#include "lib.h"
#include "mail-storage-private.h"
#include "maildir-filename.h"
#include "maildir-keywords.h"
#include "maildir-uidlist.h"
#include "maildir-sync.h"
#include "mail-storage-settings.h"
#include "file-dotlock.h"
#include "message-size.h"
#include "hex.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>

#define UIDLIST_LOCK_TIMEOUT 120
#define UIDLIST_LOCK_STALE 120
/* tmp/ files older than this are left-overs of failed saves (Dovecot's
   value) */
#define MAILDIR_TMP_STALE_SECS (36 * 60 * 60)

static uint64_t stat_mtime_ns(const struct stat *st)
{
	return (uint64_t)st->st_mtim.tv_sec * 1000000000ULL + (uint64_t)st->st_mtim.tv_nsec;
}

int maildir_get_dir_stamps(struct mailbox *box, uint64_t *new_r, uint64_t *cur_r)
{
	struct stat st;
	const char *path = t_strconcat(box->path, "/new", NULL);

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			mailbox_set_error(box, MAIL_ERROR_NOTFOUND, "Mailbox was deleted");
		else
			mailbox_set_syscall_error(box, "stat", path);
		return -1;
	}
	*new_r = stat_mtime_ns(&st);
	path = t_strconcat(box->path, "/cur", NULL);
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			mailbox_set_error(box, MAIL_ERROR_NOTFOUND, "Mailbox was deleted");
		else
			mailbox_set_syscall_error(box, "stat", path);
		return -1;
	}
	*cur_r = stat_mtime_ns(&st);
	return 0;
}

/* ---- dovecot-keywords ---- */

static int read_small_file(struct mailbox *box, const char *path, string_t *dest,
			   struct stat *st_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		mailbox_set_syscall_error(box, "open", path);
		return -1;
	}
	if (fstat(fd, st_r) < 0) {
		mailbox_set_syscall_error(box, "fstat", path);
		i_close_fd(&fd);
		return -1;
	}
	char buf[4096];
	ssize_t ret;
	while ((ret = read(fd, buf, sizeof(buf))) > 0)
		str_append_data(dest, buf, (size_t)ret);
	if (ret < 0) {
		mailbox_set_syscall_error(box, "read", path);
		i_close_fd(&fd);
		return -1;
	}
	i_close_fd(&fd);
	return 1;
}

static int keywords_read(struct mailbox *box, bool force)
{
	const char *path = t_strconcat(box->control_dir, "/" MAILDIR_KEYWORDS_NAME, NULL);
	struct stat st;

	if (!force) {
		if (stat(path, &st) < 0) {
			if (errno != ENOENT) {
				mailbox_set_syscall_error(box, "stat", path);
				return -1;
			}
			st.st_size = 0;
			st.st_mtim.tv_sec = st.st_mtim.tv_nsec = 0;
		}
		if (st.st_size == box->keywords_size &&
		    st.st_mtim.tv_sec == box->keywords_mtime.tv_sec &&
		    st.st_mtim.tv_nsec == box->keywords_mtime.tv_nsec)
			return 0;
	}
	string_t *data = str_new(pool_temp, 256);
	memset(&st, 0, sizeof(st));
	int ret = read_small_file(box, path, data, &st);
	if (ret < 0)
		return -1;
	array_clear(&box->keywords);
	pool_clear(box->keywords_pool);
	const char *error;
	if (ret > 0 && maildir_keywords_parse(box->keywords_pool, str_data(data), str_len(data),
					      &box->keywords, &error) < 0)
		i_warning("Mailbox %s: %s: %s (skipped)", box->vname, path, error);
	box->keywords_size = st.st_size;
	box->keywords_mtime = st.st_mtim;
	return 0;
}

int maildir_keywords_refresh(struct mailbox *box)
{
	return keywords_read(box, false);
}

static int keyword_find(struct mailbox *box, const char *name)
{
	for (unsigned int i = 0; i < array_count(&box->keywords); i++) {
		const char *kw = array_idx_elem(&box->keywords, i);
		if (kw != NULL && strcmp(kw, name) == 0)
			return (int)i;
	}
	return -1;
}

int maildir_keywords_lookup_or_add(struct mailbox *box, const char *name)
{
	if (!maildir_keyword_is_valid(name, box->user->set->mail_max_keyword_length)) {
		mailbox_set_error(box, MAIL_ERROR_PARAMS, "Invalid keyword");
		return -1;
	}
	if (maildir_keywords_refresh(box) < 0)
		return -1;
	int idx = keyword_find(box, name);
	if (idx >= 0)
		return idx;

	const char *path = t_strconcat(box->control_dir, "/" MAILDIR_KEYWORDS_NAME, NULL);
	struct dotlock_settings dset = { .timeout = UIDLIST_LOCK_TIMEOUT,
					 .stale_timeout = UIDLIST_LOCK_STALE, .mode = 0600,
					 .gid = (gid_t)-1 };
	struct dotlock *dotlock;
	const char *error;
	int ret = file_dotlock_create(path, &dset, &dotlock, &error);
	if (ret <= 0) {
		if (ret == 0)
			mailbox_set_error(box, MAIL_ERROR_TEMP, "Timeout waiting for a lock");
		else
			mailbox_set_critical(box, "%s", error);
		return -1;
	}
	if (keywords_read(box, true) < 0) {
		file_dotlock_delete(&dotlock);
		return -1;
	}
	if ((idx = keyword_find(box, name)) >= 0) {
		file_dotlock_delete(&dotlock);
		return idx;
	}
	for (unsigned int i = 0; i < MAILDIR_MAX_KEYWORDS && idx < 0; i++) {
		if (i >= array_count(&box->keywords) || array_idx_elem(&box->keywords, i) == NULL)
			idx = (int)i;
	}
	if (idx < 0) {
		file_dotlock_delete(&dotlock);
		mailbox_set_error(box, MAIL_ERROR_LIMIT,
				  "Too many keywords in this mailbox (26 at most)");
		return -1;
	}
	while (array_count(&box->keywords) <= (unsigned int)idx) {
		const char *null = NULL;
		array_push(&box->keywords, &null);
	}
	array_idx_elem(&box->keywords, idx) = p_strdup(box->keywords_pool, name);
	string_t *data = str_new(pool_temp, 256);
	maildir_keywords_write(&box->keywords, data);
	int fd = file_dotlock_get_fd(dotlock);
	if (write(fd, str_data(data), str_len(data)) != (ssize_t)str_len(data)) {
		mailbox_set_syscall_error(box, "write", file_dotlock_get_lock_path(dotlock));
		file_dotlock_delete(&dotlock);
		return -1;
	}
	if (file_dotlock_replace(&dotlock,
				 box->user->index_set.fsync_mode != MAIL_FSYNC_NEVER, &error) < 0) {
		mailbox_set_critical(box, "%s", error);
		return -1;
	}
	/* our own write: remember it so it is not read again */
	box->keywords_size = -1;
	return idx;
}

/* ---- dovecot-uidlist ---- */

const char *maildir_uidlist_path(struct mailbox *box)
{
	return t_strconcat(box->control_dir, "/" MAILDIR_UIDLIST_NAME, NULL);
}

int maildir_uidlist_lock(struct mailbox *box, struct maildir_uidlist_ctx *ctx)
{
	struct dotlock_settings dset = { .timeout = UIDLIST_LOCK_TIMEOUT,
					 .stale_timeout = UIDLIST_LOCK_STALE, .mode = 0600,
					 .gid = (gid_t)-1 };
	const char *error;

	memset(ctx, 0, sizeof(*ctx));
	ctx->sync_fd = -1;
	int ret = file_dotlock_create(maildir_uidlist_path(box), &dset, &ctx->dotlock, &error);
	if (ret <= 0) {
		if (ret == 0)
			mailbox_set_error(box, MAIL_ERROR_TEMP,
					  "Timeout while waiting for the mailbox lock");
		else
			mailbox_set_critical(box, "%s", error);
		return -1;
	}
	return 0;
}

int maildir_uidlist_read(struct mailbox *box, struct maildir_uidlist_ctx *ctx)
{
	const char *path = maildir_uidlist_path(box), *error;
	string_t *data = str_new(pool_temp, 4096);

	ctx->pool = pool_alloconly_create("uidlist", 4096);
	int ret = read_small_file(box, path, data, &ctx->st);
	if (ret < 0)
		return -1;
	ctx->exists = ret > 0;
	if (ret > 0 && maildir_uidlist_parse(ctx->pool, str_data(data), str_len(data), &ctx->list,
					     &error) < 0) {
		/* Dovecot removes a broken uidlist and starts over; keep the
		   UIDVALIDITY when the header still gives one */
		i_warning("Mailbox %s: broken %s (%s): recreating it", box->vname, path, error);
		ctx->exists = false;
		ctx->list = NULL;
	}
	return 0;
}

void maildir_uidlist_unlock(struct maildir_uidlist_ctx *ctx)
{
	if (ctx->defer_sync && ctx->sync_fd != -1)
		i_close_fd(&ctx->sync_fd);
	if (ctx->dotlock != NULL)
		file_dotlock_delete(&ctx->dotlock);
	if (ctx->pool != NULL)
		pool_unref(&ctx->pool);
}

static const char *new_guid(void)
{
	unsigned char guid[16];

	if (getrandom(guid, sizeof(guid), 0) != sizeof(guid)) {
		for (unsigned int i = 0; i < sizeof(guid); i++)
			guid[i] = (unsigned char)(rand() ^ getpid());
	}
	string_t *str = str_new(pool_temp, 33);
	for (unsigned int i = 0; i < sizeof(guid); i++)
		str_printfa(str, "%02x", guid[i]);
	return str_c(str);
}

struct maildir_uidlist *maildir_uidlist_new(pool_t pool, uint32_t uid_validity)
{
	struct maildir_uidlist *list = p_new(pool, struct maildir_uidlist, 1);

	list->version = 3;
	list->uid_validity = uid_validity;
	list->next_uid = 1;
	list->guid = p_strdup(pool, new_guid());
	list->hdr_ext = "";
	p_array_init(&list->recs, pool, 16);
	return list;
}

int maildir_uidlist_rewrite(struct mailbox *box, struct maildir_uidlist_ctx *ctx)
{
	string_t *data = str_new(pool_temp, 4096);
	const char *error;

	maildir_uidlist_write(ctx->list, data);
	int fd = file_dotlock_get_fd(ctx->dotlock);
	if (write(fd, str_data(data), str_len(data)) != (ssize_t)str_len(data)) {
		mailbox_set_syscall_error(box, "write", file_dotlock_get_lock_path(ctx->dotlock));
		return -1;
	}
	if (fstat(fd, &ctx->st) < 0) {
		mailbox_set_syscall_error(box, "fstat", file_dotlock_get_lock_path(ctx->dotlock));
		return -1;
	}
	bool do_fsync = box->user->index_set.fsync_mode != MAIL_FSYNC_NEVER;
	if (file_dotlock_replace(&ctx->dotlock, do_fsync, &error) < 0) {
		mailbox_set_critical(box, "%s", error);
		return -1;
	}
	ctx->exists = true;
	/* the rename must be durable too: UIDs acknowledged after this must
	   not fall back to a missing uidlist after a crash */
	if (do_fsync) {
		int dfd = open(box->control_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) < 0) {
			mailbox_set_syscall_error(box, "fsync", box->control_dir);
			i_close_fd(&dfd);
			return -1;
		}
		i_close_fd(&dfd);
	}
	return 0;
}

/* 1 when the file does not end with a newline, 0 when it does (or is
   empty), -1 when it could not be checked. */
static int uidlist_has_torn_tail(struct mailbox *box, struct maildir_uidlist_ctx *ctx)
{
	const char *path = maildir_uidlist_path(box);
	struct stat st;
	char last;

	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		i_close_fd(&fd);
		return -1;
	}
	int ret = st.st_size > 0 && (pread(fd, &last, 1, st.st_size - 1) != 1 || last != '\n');
	if (ret != 0)
		i_warning("Mailbox %s: %s ends with a partial line: rewriting it", box->vname,
			  path);
	i_close_fd(&fd);
	return ret;
}

struct maildir_uidlist *maildir_uidlist_new_for(pool_t pool,
						const struct mail_index_header_info *hdr)
{
	struct maildir_uidlist *list = maildir_uidlist_new(pool, hdr->uid_validity != 0 ?
							   hdr->uid_validity : (uint32_t)time(NULL));

	list->next_uid = MAX(hdr->next_uid, 1);
	list->modseq_ceiling = MAX(hdr->sync_stamp[MAILDIR_STAMP_MODSEQ_CEILING],
				   hdr->highest_modseq + MAILDIR_MODSEQ_RESERVE);
	return list;
}

int maildir_modseq_reserve(struct mailbox *box, struct maildir_uidlist_ctx *uctx,
			   struct mail_index_header_info *hdr, uint64_t need)
{
	struct maildir_uidlist_ctx own = { 0 };
	struct maildir_uidlist_ctx *ctx = uctx;
	int ret = -1;

	if (need <= hdr->sync_stamp[MAILDIR_STAMP_MODSEQ_CEILING])
		return 0;
	if (ctx == NULL || ctx->dotlock == NULL) {
		if (ctx != NULL)
			maildir_uidlist_unlock(ctx); /* frees what it read */
		ctx = ctx != NULL ? ctx : &own;
		if (maildir_uidlist_lock(box, ctx) < 0)
			return -1;
	}
	if (ctx->pool == NULL && maildir_uidlist_read(box, ctx) < 0)
		goto out;
	if (ctx->list == NULL) {
		/* missing (or broken): written anew with the index's UIDs */
		ctx->list = maildir_uidlist_new_for(ctx->pool, hdr);
	}
	if (ctx->list->modseq_ceiling < need) {
		ctx->list->modseq_ceiling = need * 2 + MAILDIR_MODSEQ_RESERVE;
		if (maildir_uidlist_rewrite(box, ctx) < 0)
			goto out;
		hdr->sync_stamp[MAILDIR_STAMP_UIDLIST_INO] = ctx->st.st_ino;
		hdr->sync_stamp[MAILDIR_STAMP_UIDLIST_SIZE] = (uint64_t)ctx->st.st_size;
	}
	hdr->sync_stamp[MAILDIR_STAMP_MODSEQ_CEILING] = ctx->list->modseq_ceiling;
	ret = 0;
out:
	if (ctx == &own)
		maildir_uidlist_unlock(&own);
	return ret;
}

int maildir_index_lock(struct mailbox *box, struct mailbox *error_box)
{
	const char *error;
	int ret = mail_index_lock(box->index, &error);

	if (ret > 0)
		return 0;
	if (ret < 0)
		mailbox_set_critical(error_box, "%s", error);
	else
		mailbox_set_error(error_box, MAIL_ERROR_TEMP,
				  "Timeout while waiting for the mailbox lock");
	return -1;
}

int maildir_index_commit(struct mailbox *box, struct mail_index_transaction **it,
			 struct maildir_uidlist_ctx *uctx, struct mail_index_header_info *hdr)
{
	const char *error;

	if (mail_index_transaction_bumps_modseq(*it) &&
	    maildir_modseq_reserve(box, uctx, hdr, mail_index_transaction_get_modseq(*it)) < 0) {
		mail_index_transaction_rollback(it);
		return -1;
	}
	mail_index_update_header(*it, hdr);
	if (mail_index_transaction_commit(it, &error) < 0) {
		mailbox_set_critical(box, "%s", error);
		return -1;
	}
	return 0;
}

void maildir_index_expunge(struct mailbox *box, struct mail_index_transaction *it,
			   const struct mail_index_record *rec)
{
	if (rec->cache_offset != 0)
		mail_cache_entry_freed(box->cache, rec->cache_offset, rec->uid);
	mail_index_expunge(it, rec->uid);
}

int maildir_uidlist_append(struct mailbox *box, struct maildir_uidlist_ctx *ctx,
			   const struct maildir_uidlist_rec *recs, unsigned int count)
{
	const char *path = maildir_uidlist_path(box);

	if (ctx->exists && uidlist_has_torn_tail(box, ctx) != 0) {
		/* a writer died in the middle of a line (or we could not
		   tell): appending would glue our first record to it, so
		   write the whole file, without the torn line */
		struct maildir_uidlist *known = ctx->list;
		if (ctx->pool == NULL && maildir_uidlist_read(box, ctx) < 0)
			return -1;
		if (ctx->list == NULL)
			ctx->list = known;
		ctx->exists = false;
	}
	if (!ctx->exists) {
		for (unsigned int i = 0; i < count; i++) {
			struct maildir_uidlist_rec r = recs[i];
			array_push(&ctx->list->recs, &r);
		}
		if (count > 0 && ctx->list->next_uid <= recs[count - 1].uid)
			ctx->list->next_uid = recs[count - 1].uid + 1;
		return maildir_uidlist_rewrite(box, ctx);
	}
	string_t *data = str_new(pool_temp, 128 * (count + 1));
	for (unsigned int i = 0; i < count; i++)
		maildir_uidlist_write_rec(data, &recs[i]);
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		mailbox_set_syscall_error(box, "open", path);
		return -1;
	}
	bool sync_now = box->user->index_set.fsync_mode != MAIL_FSYNC_NEVER && !ctx->defer_sync;
	if (write(fd, str_data(data), str_len(data)) != (ssize_t)str_len(data) ||
	    (sync_now && fdatasync(fd) < 0)) {
		mailbox_set_syscall_error(box, "write", path);
		/* a partial last line is ignored by readers (no newline) */
		i_close_fd(&fd);
		return -1;
	}
	if (fstat(fd, &ctx->st) < 0) {
		mailbox_set_syscall_error(box, "fstat", path);
		i_close_fd(&fd);
		return -1;
	}
	if (ctx->defer_sync && box->user->index_set.fsync_mode != MAIL_FSYNC_NEVER) {
		ctx->sync_fd = fd;
		return 0;
	}
	i_close_fd(&fd);
	return 0;
}

/* ---- the directory scan ---- */

struct maildir_file {
	const char *base;
	const char *fname;
	bool in_new;
	bool seen;
};
ARRAY_DEFINE_TYPE(maildir_file, struct maildir_file);

static int file_cmp(const void *p1, const void *p2)
{
	const struct maildir_file *f1 = p1, *f2 = p2;

	return strcmp(f1->base, f2->base);
}

static int scan_dir(struct mailbox *box, pool_t pool, bool in_new,
		    ARRAY_TYPE(maildir_file) *files)
{
	const char *path = t_strconcat(box->path, in_new ? "/new" : "/cur", NULL);
	DIR *dir = opendir(path);

	if (dir == NULL) {
		mailbox_set_syscall_error(box, "opendir", path);
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		struct maildir_file *f = array_append_space(files);
		f->fname = p_strdup(pool, de->d_name);
		f->base = maildir_filename_base(pool, de->d_name);
		f->in_new = in_new;
	}
	closedir(dir);
	return 0;
}

static struct maildir_file *file_find(ARRAY_TYPE(maildir_file) *files, const char *base)
{
	struct maildir_file key = { .base = base };

	if (array_count(files) == 0)
		return NULL;
	return bsearch(&key, array_front(files), array_count(files), sizeof(key), file_cmp);
}

static void file_get_sizes(struct mailbox *box, const char *path, const char *fname,
			   struct mail_index_record *rec)
{
	struct stat st;
	uint64_t size;

	rec->virtual_size = (uint64_t)-1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		i_close_fd(&fd);
		rec->received_date = rec->saved_date = time(NULL);
		if (maildir_filename_get_size(fname, 'S', &size))
			rec->physical_size = size;
		return;
	}
	rec->received_date = st.st_mtime;
	rec->saved_date = time(NULL);
	rec->physical_size = (uint64_t)st.st_size;
	if (maildir_filename_get_size(fname, 'W', &size)) {
		rec->virtual_size = size;
	} else {
		/* another program's delivery: count the CRLF size once */
		struct message_size msize = { 0 };
		bool last_cr = false;
		char buf[8192];
		ssize_t ret;
		while ((ret = read(fd, buf, sizeof(buf))) > 0)
			message_size_add(&msize, &last_cr, buf, (size_t)ret);
		rec->virtual_size = msize.virtual_size;
	}
	i_close_fd(&fd);
	(void)box;
}

static int uidlist_rec_cmp(const void *p1, const void *p2)
{
	const struct maildir_uidlist_rec *r1 = p1, *r2 = p2;

	return r1->uid < r2->uid ? -1 : r1->uid > r2->uid ? 1 : 0;
}

void maildir_tmp_cleanup(struct mailbox *box, time_t now)
{
	const char *path = t_strconcat(box->path, "/tmp", NULL);
	time_t limit = now - MAILDIR_TMP_STALE_SECS;
	DIR *dir = opendir(path);
	struct stat st;

	if (dir == NULL) {
		if (errno != ENOENT)
			i_error("Mailbox %s: opendir(%s) failed: %m", box->vname, path);
		return;
	}
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		const char *fpath = t_strconcat(path, "/", de->d_name, NULL);
		if (lstat(fpath, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		/* ctime too: a copy links an old message into tmp/, which
		   keeps its mtime and atime but not its ctime */
		if (st.st_mtime < limit && st.st_ctime < limit && st.st_atime < limit &&
		    unlink(fpath) < 0 && errno != ENOENT)
			i_error("Mailbox %s: unlink(%s) failed: %m", box->vname, fpath);
	}
	closedir(dir);
}

/* The sync proper, with the index locked. */
static int sync_locked(struct mailbox *box, bool rebuild, uint64_t stamp_new,
		       uint64_t stamp_cur)
{
	pool_t pool = pool_alloconly_create("maildir sync", 4096);
	ARRAY_TYPE(maildir_file) files;
	struct maildir_uidlist_ctx uctx = { 0 };
	int ret = -1;

	p_array_init(&files, pool, 256);
	maildir_tmp_cleanup(box, time(NULL));
	if (scan_dir(box, pool, true, &files) < 0 || scan_dir(box, pool, false, &files) < 0)
		goto out;
	array_sort(&files, file_cmp);

	struct mail_index_transaction *t = mail_index_transaction_begin(box->index);
	struct mail_index_header_info hdr = *mail_index_get_header(box->index);
	if (rebuild) {
		/* the UIDs come from dovecot-uidlist; read it first */
		if (maildir_uidlist_lock(box, &uctx) < 0 || maildir_uidlist_read(box, &uctx) < 0) {
			mail_index_transaction_rollback(&t);
			goto out;
		}
		uint32_t uidv = uctx.list != NULL ? uctx.list->uid_validity :
			hdr.uid_validity != 0 ? hdr.uid_validity : (uint32_t)time(NULL);
		/* modseqs never go back, even when the index was lost: R in
		   dovecot-uidlist is above every modseq handed out under this
		   UIDVALIDITY. Without it (a new mailbox, or one only
		   Dovecot wrote) none was, and they start at 1 as Dovecot's
		   do. A lost uidlist means a new UIDVALIDITY, and clients
		   then forget every modseq anyway. */
		uint64_t ceiling = uctx.list != NULL ? uctx.list->modseq_ceiling : 0;
		mail_index_reset(t, uidv, MAX(MAX(hdr.highest_modseq, ceiling), 1));
		hdr.uid_validity = uidv;
		hdr.next_uid = 1;
		hdr.first_recent_uid = 1;
		hdr.cache_file_seq++;
		hdr.sync_stamp[MAILDIR_STAMP_MODSEQ_CEILING] = ceiling;
	}

	/* known messages: renamed (flags) or gone */
	unsigned int count = rebuild ? 0 : mail_index_count(box->index);
	uint32_t last_uid = 0;
	for (uint32_t seq = 1; seq <= count; seq++) {
		const struct mail_index_record *rec = mail_index_lookup(box->index, seq);
		const char *name = mail_index_record_name(box->index, rec);
		struct maildir_file *f = file_find(&files, maildir_filename_base(pool_temp, name));
		last_uid = rec->uid;
		if (f == NULL || f->seen) {
			maildir_index_expunge(box, t, rec);
			continue;
		}
		f->seen = true;
		bool in_new = (rec->flags & MAILDIR_REC_FLAG_NEW) != 0;
		if (strcmp(f->fname, name) == 0 && in_new == f->in_new)
			continue;
		enum mail_flags flags;
		uint64_t keywords;
		maildir_filename_get_flags(f->fname, &flags, &keywords);
		uint32_t new_flags = flags | (f->in_new ? MAILDIR_REC_FLAG_NEW : 0);
		mail_index_update_name(t, rec->uid, f->fname);
		if ((rec->flags & MAIL_FLAGS_MASK) != flags || rec->keywords != keywords)
			mail_index_update_flags(t, rec->uid, new_flags, keywords);
		else if (rec->flags != new_flags)
			mail_index_update_flags_quiet(t, rec->uid, new_flags, keywords);
	}

	/* new files: their UIDs are in dovecot-uidlist, or allocated now */
	ARRAY_TYPE(maildir_uidlist_rec) new_recs, added;
	p_array_init(&new_recs, pool, 16);
	p_array_init(&added, pool, 16);
	unsigned int unseen = 0;
	array_foreach(&files, f) {
		if (!f->seen)
			unseen++;
	}
	if (unseen > 0) {
		if (uctx.dotlock == NULL &&
		    (maildir_uidlist_lock(box, &uctx) < 0 || maildir_uidlist_read(box, &uctx) < 0)) {
			mail_index_transaction_rollback(&t);
			goto out;
		}
		if (uctx.list == NULL) {
			uctx.list = maildir_uidlist_new_for(uctx.pool, &hdr);
			uctx.exists = false;
		}
		uint32_t next_uid = MAX(uctx.list->next_uid, hdr.next_uid);
		array_foreach(&uctx.list->recs, urec) {
			struct maildir_file *f = file_find(&files, urec->fname);
			if (f == NULL || f->seen || urec->uid <= last_uid)
				continue;
			f->seen = true;
			struct maildir_uidlist_rec r = *urec;
			r.fname = f->fname; /* with the flags */
			array_push(&new_recs, &r);
		}
		array_foreach(&files, f) {
			if (f->seen)
				continue;
			struct maildir_uidlist_rec r = { .uid = next_uid++, .ext = "",
							 .fname = f->base };
			array_push(&added, &r);
			r.fname = f->fname;
			array_push(&new_recs, &r);
		}
		if (array_count(&added) > 0 &&
		    maildir_uidlist_append(box, &uctx, array_front(&added),
					   array_count(&added)) < 0) {
			mail_index_transaction_rollback(&t);
			goto out;
		}
		if (hdr.next_uid < next_uid)
			hdr.next_uid = next_uid;
		if (rebuild || hdr.uid_validity == 0)
			hdr.uid_validity = uctx.list->uid_validity;
	} else if (hdr.uid_validity == 0 || (rebuild && uctx.list == NULL)) {
		/* a new, empty mailbox: create dovecot-uidlist now so the
		   UIDVALIDITY is fixed (and survives a lost index) */
		if (uctx.dotlock == NULL &&
		    (maildir_uidlist_lock(box, &uctx) < 0 || maildir_uidlist_read(box, &uctx) < 0)) {
			mail_index_transaction_rollback(&t);
			goto out;
		}
		if (uctx.list == NULL) {
			uctx.list = maildir_uidlist_new_for(uctx.pool, &hdr);
			if (maildir_uidlist_rewrite(box, &uctx) < 0) {
				mail_index_transaction_rollback(&t);
				goto out;
			}
		}
		hdr.uid_validity = uctx.list->uid_validity;
		hdr.next_uid = MAX(hdr.next_uid, uctx.list->next_uid);
	}
	array_sort(&new_recs, uidlist_rec_cmp);
	array_foreach(&new_recs, r) {
		struct maildir_file *f = file_find(&files, maildir_filename_base(pool_temp, r->fname));
		struct mail_index_record rec = { .uid = r->uid };
		enum mail_flags flags;
		maildir_filename_get_flags(r->fname, &flags, &rec.keywords);
		rec.flags = flags | (f->in_new ? MAILDIR_REC_FLAG_NEW : 0);
		const char *path = t_strdup_printf("%s/%s/%s", box->path, f->in_new ? "new" : "cur",
						   r->fname);
		file_get_sizes(box, path, r->fname, &rec);
		mail_index_append(t, &rec, r->fname);
		if (hdr.next_uid <= r->uid)
			hdr.next_uid = r->uid + 1;
	}
	hdr.sync_stamp[MAILDIR_STAMP_NEW_MTIME] = stamp_new;
	hdr.sync_stamp[MAILDIR_STAMP_CUR_MTIME] = stamp_cur;
	if (uctx.st.st_ino != 0) {
		hdr.sync_stamp[MAILDIR_STAMP_UIDLIST_INO] = uctx.st.st_ino;
		hdr.sync_stamp[MAILDIR_STAMP_UIDLIST_SIZE] = (uint64_t)uctx.st.st_size;
	}
	if (uctx.list != NULL && uctx.list->modseq_ceiling >
					 hdr.sync_stamp[MAILDIR_STAMP_MODSEQ_CEILING])
		hdr.sync_stamp[MAILDIR_STAMP_MODSEQ_CEILING] = uctx.list->modseq_ceiling;
	if (hdr.cache_file_seq == 0)
		hdr.cache_file_seq = 1;
	if (maildir_index_commit(box, &t, &uctx, &hdr) < 0)
		goto out;
	ret = 0;
out:
	maildir_uidlist_unlock(&uctx);
	pool_unref(&pool);
	return ret;
}

int maildir_sync_index(struct mailbox *box, bool force)
{
	const char *error;
	uint64_t stamp_new, stamp_cur;

	if (mail_index_refresh(box->index, &error) < 0) {
		mailbox_set_critical(box, "%s", error);
		return -1;
	}
	bool rebuild = mail_index_get_header(box->index)->uid_validity == 0;
	if (!rebuild && !force && box->user->set->maildir_very_dirty_syncs)
		return 0;
	if (maildir_get_dir_stamps(box, &stamp_new, &stamp_cur) < 0)
		return -1;
	const struct mail_index_header_info *hdr = mail_index_get_header(box->index);
	if (!rebuild && !force && hdr->sync_stamp[MAILDIR_STAMP_NEW_MTIME] == stamp_new &&
	    hdr->sync_stamp[MAILDIR_STAMP_CUR_MTIME] == stamp_cur)
		return 0;

	bool locked_here = false;
	if (!mail_index_is_locked(box->index)) {
		if (maildir_index_lock(box, box) < 0)
			return -1;
		locked_here = true;
		/* someone may have synced while we waited */
		hdr = mail_index_get_header(box->index);
		rebuild = hdr->uid_validity == 0;
		if (maildir_get_dir_stamps(box, &stamp_new, &stamp_cur) < 0) {
			mail_index_unlock(box->index);
			return -1;
		}
	}
	int ret = 0;
	if (rebuild || force || hdr->sync_stamp[MAILDIR_STAMP_NEW_MTIME] != stamp_new ||
	    hdr->sync_stamp[MAILDIR_STAMP_CUR_MTIME] != stamp_cur) {
		if (rebuild && mail_index_is_broken(box->index))
			i_info("Mailbox %s: rebuilding the index from the Maildir", box->vname);
		ret = sync_locked(box, rebuild, stamp_new, stamp_cur);
	}
	if (locked_here)
		mail_index_unlock(box->index);
	return ret;
}

/* ---- mailbox_sync(): moving the view ---- */

int mailbox_sync(struct mailbox *box, pool_t pool, struct mailbox_sync_result *result)
{
	if (!box->opened) {
		mailbox_set_error(box, MAIL_ERROR_NOTPOSSIBLE, "Mailbox isn't open");
		return -1;
	}
	mail_cache_flush(box);
	if (maildir_sync_index(box, false) < 0)
		return -1;
	if (maildir_recent_update(box) < 0)
		return -1;
	if (result != NULL) {
		memset(result, 0, sizeof(*result));
		p_array_init(&result->expunged_uids, pool, 8);
		p_array_init(&result->expunged_seqs, pool, 8);
		p_array_init(&result->changed_uids, pool, 8);
		result->old_messages = array_count(&box->view);
	}
	if (mail_index_get_change_counter(box->index) == box->view_change_counter) {
		if (result != NULL) {
			result->messages = array_count(&box->view);
			result->highest_modseq = box->view_modseq;
		}
		return 0;
	}
	unsigned int old_count = array_count(&box->view);
	unsigned int count = mail_index_count(box->index);
	const uint32_t *old = old_count == 0 ? NULL : array_front(&box->view);
	ARRAY(uint32_t) new_view;
	i_array_init(&new_view, count + 1);
	unsigned int i = 0;
	for (uint32_t seq = 1; seq <= count; seq++) {
		const struct mail_index_record *rec = mail_index_lookup(box->index, seq);
		uint32_t uid = rec->uid, old_uid;
		while (i < old_count && old[i] < uid) {
			old_uid = old[i++];
			if (result != NULL)
				array_push(&result->expunged_uids, &old_uid);
		}
		if (i < old_count && old[i] == uid) {
			if (rec->modseq > box->view_modseq && result != NULL)
				array_push(&result->changed_uids, &uid);
			i++;
		}
		array_push(&new_view, &uid);
	}
	for (; i < old_count; i++) {
		uint32_t old_uid = old[i];
		if (result != NULL)
			array_push(&result->expunged_uids, &old_uid);
	}
	if (result != NULL) {
		/* old sequence numbers, highest first, each valid when sent */
		for (int j = (int)array_count(&result->expunged_uids) - 1; j >= 0; j--) {
			uint32_t uid = array_idx_elem(&result->expunged_uids, (unsigned int)j);
			uint32_t seq = mailbox_uid_to_seq(box, uid);
			array_push(&result->expunged_seqs, &seq);
		}
	}
	array_free(&box->view);
	box->view.arr = new_view.arr;
	box->view_modseq = mail_index_get_header(box->index)->highest_modseq;
	box->view_change_counter = mail_index_get_change_counter(box->index);
	if (result != NULL) {
		result->messages = array_count(&box->view);
		result->highest_modseq = box->view_modseq;
	}
	return 0;
}

/* ---- the mailbox GUID (mailbox attributes are keyed by it) ---- */

int maildir_mailbox_get_guid(struct mailbox *box, const char **guid_r)
{
	struct maildir_uidlist_ctx ctx;

	if (mailbox_open(box) < 0)
		return -1;
	/* the usual case: the sync wrote dovecot-uidlist with its G */
	memset(&ctx, 0, sizeof(ctx));
	ctx.sync_fd = -1;
	if (maildir_uidlist_read(box, &ctx) < 0) {
		maildir_uidlist_unlock(&ctx);
		return -1;
	}
	if (ctx.list != NULL && ctx.list->guid[0] != '\0') {
		*guid_r = t_strdup_printf("%s", ctx.list->guid);
		maildir_uidlist_unlock(&ctx);
		return 0;
	}
	maildir_uidlist_unlock(&ctx);

	/* an old file without G (or none): give the mailbox one, under the
	   lock, as Dovecot does when it first needs it */
	if (maildir_uidlist_lock(box, &ctx) < 0)
		return -1;
	int ret = maildir_uidlist_read(box, &ctx);
	if (ret == 0 && ctx.list == NULL)
		ctx.list = maildir_uidlist_new_for(ctx.pool, mail_index_get_header(box->index));
	if (ret == 0 && ctx.list->guid[0] == '\0') {
		ctx.list->guid = p_strdup(ctx.pool, new_guid());
		ret = maildir_uidlist_rewrite(box, &ctx);
	}
	if (ret == 0)
		*guid_r = t_strdup_printf("%s", ctx.list->guid);
	maildir_uidlist_unlock(&ctx);
	return ret;
}

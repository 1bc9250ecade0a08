/* Transactions of the Maildir driver: saves with group commit, copies,
   moves, flag changes and expunges. The durability order of a commit
   (STYLE habit 11, doc/storage.md "Saving"):
     1. every saved file was written to tmp/ and fsynced (save_finish)
     2. index locks (this mailbox's, and a moved message's source's, in
        path order), dovecot-uidlist lock, modseqs reserved, UIDs
        allocated
     3. rename() each file into new/ or cur/ (a moved one straight from
        its source mailbox)
     4. fsync() the directories renamed into and out of, once each
     5. append the UIDs to dovecot-uidlist and fdatasync it
     6. the index transactions, unlock
   and only then does commit return success. A failure before 5 renames
   the files back where they came from. mailbox_transactions_commit()
   runs each step for several transactions before the next step, so that
   the fsyncs of one step share the filesystem's journal commits (group
   commit; saved files are then fsynced at step 1, not at save_finish). */

#include "lib.h"
#include "mail-storage-private.h"
#include "maildir-filename.h"
#include "maildir-sync.h"
#include "mail-storage-settings.h"
#include "mail-cache-fill.h"
#include "mail-storage-hooks.h"
#include "message-parser.h"
#include "message-header-parser.h"
#include "message-size.h"
#include "write-full.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>

/* header bytes kept while saving, for caching the decided header fields
   and ENVELOPE; a larger header is simply not cached at save */
#define SAVE_CACHE_MAX_HEADER (64 * 1024)

struct save_item {
	/* the file in tmp/ (NULL once renamed; a move has none unless its
	   data had to be copied) */
	char *tmp_path;
	/* open until the commit fsyncs it (group commit), else -1 */
	int fd;
	const char *base;
	enum mail_flags flags;
	uint64_t keywords;
	time_t received_date;
	uint64_t physical_size, virtual_size;
	uint32_t uid;
	/* where commit renamed it to (undone when the commit fails) */
	const char *dest_path;

	/* a move: the source, and the path the file was renamed from */
	struct mailbox *move_src;
	uint32_t move_src_uid;
	const char *move_src_path;
	/* copied across file systems: the source is unlinked after commit */
	bool move_copied;
	/* the source was expunged before the commit */
	bool move_skipped;

	/* cached fields to store with it */
	struct mail_cache_value cache[MAIL_CACHE_FIELD_COUNT];
	unsigned int cache_count;
};

ARRAY_DEFINE_TYPE(mailbox_p, struct mailbox *);

struct flag_change {
	uint32_t uid;
	unsigned int order;
	enum modify_type type;
	enum mail_flags flags;
	uint64_t keywords;
	/* CONDSTORE: applied only if the message's modseq is <= this */
	bool conditional;
	uint64_t unchanged_since;
};

/* The directories a commit renamed into or out of, fsynced once each. */
struct dir_set {
	ARRAY_TYPE(const_string) dirs;
};

struct mailbox_transaction {
	struct mailbox *box;
	pool_t pool;
	ARRAY(struct save_item) saves;
	ARRAY(struct flag_change) changes;
	ARRAY(uint32_t) expunges;
	/* UIDs whose conditional flag change failed its modseq test */
	ARRAY(uint32_t) modified;
	/* saves are fsynced at commit (mailbox_transaction_set_group_commit) */
	bool group_commit;

	/* the commit's state between its steps */
	ARRAY_TYPE(mailbox_p) boxes, locked;
	ARRAY(bool) src_in_step;
	struct maildir_uidlist_ctx uctx;
	bool uidlist_locked, in_step, renamed;
	struct mail_index_transaction *it;
	struct mail_index_header_info hdr;
	struct dir_set dirs;
	ARRAY(struct maildir_uidlist_rec) recs;
	/* what the commit removed (expunges, for the committed hooks) */
	struct mailbox_transaction_sizes sizes;
};

struct mail_save_context {
	struct mailbox_transaction *t;
	struct save_item item;
	int fd;
	struct message_size size;
	bool last_cr;

	/* caching at save time (the mailbox's caching decisions) */
	const char *const *cache_headers;
	bool cache_envelope;
	buffer_t *hdr_buf; /* NULL: not wanted, or the header was too big */
	struct message_header_parser_ctx *hdr_scan;
	bool hdr_done;
	pool_t parser_pool;
	struct message_parser_ctx *parser; /* for BODYSTRUCTURE */
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

static const char *new_base_name(struct mailbox *box, uint64_t size, uint64_t vsize)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return maildir_filename_generate(pool_temp, tv.tv_sec, (long)tv.tv_usec, getpid(),
					 ++box->save_counter, my_hostname(), size, vsize);
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

static void item_add_cache(struct mailbox_transaction *t, struct save_item *item,
			   enum mail_cache_field field, const void *data, size_t size)
{
	i_assert(item->cache_count < N_ELEMENTS(item->cache));
	struct mail_cache_value *v = &item->cache[item->cache_count++];
	v->field = field;
	void *copy = p_malloc(t->pool, size + 1);
	memcpy(copy, data, size);
	v->data = copy;
	v->size = size;
}

/* ---- saving ---- */

static void save_cache_init(struct mail_save_context *ctx)
{
	struct mailbox *box = ctx->t->box;
	bool bodystructure;

	mail_cache_decisions_refresh(box);
	const char *const *names = mail_cache_decided_headers(box, &ctx->cache_envelope,
							      &bodystructure);
	if (names[0] != NULL) {
		unsigned int count = str_array_length(names);
		const char **copy = p_new(ctx->t->pool, const char *, count + 1);
		for (unsigned int i = 0; i < count; i++)
			copy[i] = p_strdup(ctx->t->pool, names[i]);
		ctx->cache_headers = copy;
	}
	if (ctx->cache_headers != NULL || ctx->cache_envelope) {
		ctx->hdr_buf = buffer_create_dynamic(pool_system, 4096);
		ctx->hdr_scan = mail_header_scan_init();
	}
	if (bodystructure) {
		ctx->parser_pool = pool_alloconly_create("save parser", 4096);
		ctx->parser = message_parser_init(ctx->parser_pool, NULL);
	}
}

static void save_cache_free(struct mail_save_context *ctx)
{
	if (ctx->hdr_buf != NULL)
		buffer_free(&ctx->hdr_buf);
	if (ctx->hdr_scan != NULL)
		message_header_parser_deinit(&ctx->hdr_scan);
	if (ctx->parser != NULL)
		(void)message_parser_deinit(&ctx->parser);
	if (ctx->parser_pool != NULL)
		pool_unref(&ctx->parser_pool);
}

/* Keeps the header (until its empty line) and feeds the parser. */
static void save_cache_feed(struct mail_save_context *ctx, const void *data, size_t size)
{
	struct message_block block;

	if (ctx->hdr_buf != NULL && !ctx->hdr_done) {
		uint64_t hdr_size = 0;
		bool done = mail_header_scan_feed(ctx->hdr_scan, data, size, &hdr_size);
		/* the part of this chunk that is header */
		size_t hdr_part = done ? (size_t)(hdr_size - ctx->hdr_buf->used) : size;
		if (ctx->hdr_buf->used + hdr_part > SAVE_CACHE_MAX_HEADER) {
			buffer_free(&ctx->hdr_buf);
			message_header_parser_deinit(&ctx->hdr_scan);
		} else {
			buffer_append(ctx->hdr_buf, data, hdr_part);
			ctx->hdr_done = done;
		}
	}
	if (ctx->parser != NULL) {
		message_parser_feed(ctx->parser, data, size);
		while (message_parser_next_block(ctx->parser, &block) == MESSAGE_PARSER_BLOCK)
			;
	}
}

/* The complete message's cached fields into ctx->item. */
static void save_cache_finish(struct mail_save_context *ctx)
{
	struct message_block block;
	struct message_part *parts = NULL;

	if (ctx->parser != NULL) {
		message_parser_feed_eof(ctx->parser);
		while (message_parser_next_block(ctx->parser, &block) == MESSAGE_PARSER_BLOCK)
			;
		parts = message_parser_deinit(&ctx->parser);
	}
	string_t *str = str_new(pool_temp, 512);
	if (parts != NULL) {
		mail_cache_fill_bodystructure(parts, true, str);
		item_add_cache(ctx->t, &ctx->item, MAIL_CACHE_FIELD_BODYSTRUCTURE, str_data(str),
			       str_len(str));
		str_truncate(str, 0);
		mail_cache_fill_bodystructure(parts, false, str);
		item_add_cache(ctx->t, &ctx->item, MAIL_CACHE_FIELD_BODY, str_data(str),
			       str_len(str));
	}
	if (ctx->hdr_buf == NULL)
		return;
	/* a message that is all header has no empty line: all of it */
	if (ctx->cache_envelope) {
		str_truncate(str, 0);
		if (parts != NULL)
			mail_cache_fill_envelope(parts, str);
		else
			mail_cache_fill_envelope_from_header(ctx->hdr_buf->data, ctx->hdr_buf->used,
							     str);
		item_add_cache(ctx->t, &ctx->item, MAIL_CACHE_FIELD_ENVELOPE, str_data(str),
			       str_len(str));
	}
	if (ctx->cache_headers != NULL) {
		buffer_t *value = buffer_create_dynamic(pool_temp, 512);
		mail_cache_headers_value(ctx->hdr_buf->data, ctx->hdr_buf->used,
					 ctx->cache_headers, value);
		item_add_cache(ctx->t, &ctx->item, MAIL_CACHE_FIELD_HEADERS, value->data,
			       value->used);
	}
}

struct mail_save_context *mailbox_save_begin(struct mailbox_transaction *t,
					     const struct mail_save_params *params)
{
	struct mailbox *box = t->box;

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
	/* the base name without sizes yet: they are added at the rename */
	const char *tmp_name = new_base_name(box, (uint64_t)-1, (uint64_t)-1);
	ctx->item.tmp_path = p_strdup_printf(t->pool, "%s/tmp/%s", box->path, tmp_name);
	ctx->item.base = p_strdup(t->pool, tmp_name);
	ctx->item.fd = -1;
	ctx->fd = open(ctx->item.tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (ctx->fd < 0) {
		mailbox_set_syscall_error(box, "open", ctx->item.tmp_path);
		i_free(ctx);
		return NULL;
	}
	save_cache_init(ctx);
	return ctx;
}

int mailbox_save_write(struct mail_save_context *ctx, const void *data, size_t size)
{
	const unsigned char *p = data;

	message_size_add(&ctx->size, &ctx->last_cr, data, size);
	save_cache_feed(ctx, data, size);
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
	save_cache_free(ctx);
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
	} else {
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
	}
	ctx->item.physical_size = ctx->size.physical_size;
	ctx->item.virtual_size = ctx->size.virtual_size;
	save_cache_finish(ctx);
	save_cache_free(ctx);
	array_push(&ctx->t->saves, &ctx->item);
	*_ctx = NULL;
	i_free(ctx);
	return 0;
}

/* ---- copy and move ---- */

/* The source's record of src_uid (src must be open), or NULL with the
   error set on box. */
static const struct mail_index_record *src_lookup(struct mailbox *box, struct mailbox *src,
						  uint32_t src_uid)
{
	uint32_t iseq = src->opened ? mail_index_lookup_uid(src->index, src_uid) : 0;

	if (iseq == 0) {
		mailbox_set_error(box, MAIL_ERROR_EXPUNGED, "Message was expunged");
		return NULL;
	}
	return mail_index_lookup(src->index, iseq);
}

/* The source's cached fields go with a copied or moved message. */
static void item_copy_cache(struct mailbox_transaction *t, struct save_item *item,
			    struct mailbox *src, const struct mail_index_record *rec)
{
	const char *error;
	const void *data;
	size_t size;

	if (rec->cache_offset == 0)
		return;
	for (unsigned int f = 1; f < MAIL_CACHE_FIELD_COUNT; f++) {
		int ret = mail_cache_lookup(src->cache, rec->cache_offset, rec->uid,
					    (enum mail_cache_field)f, &data, &size, &error);
		if (ret < 0) {
			i_error("Mailbox %s: %s", src->vname, error);
			break;
		}
		if (ret > 0)
			item_add_cache(t, item, (enum mail_cache_field)f, data, size);
	}
}

int mailbox_copy(struct mailbox_transaction *t, struct mailbox *src, uint32_t src_uid,
		 const struct mail_save_params *params)
{
	struct mailbox *box = t->box;

	if (src->opened)
		mail_cache_flush(src);
	const struct mail_index_record *rec = src_lookup(box, src, src_uid);
	if (rec == NULL)
		return -1;
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
			save_cache_free(ctx);
			ctx->item.physical_size = rec->physical_size;
			ctx->item.virtual_size = rec->virtual_size;
			item_copy_cache(t, &ctx->item, src, rec);
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

int mailbox_move(struct mailbox_transaction *t, struct mailbox *src, uint32_t src_uid,
		 const struct mail_save_params *params)
{
	struct mailbox *box = t->box;

	if (!box->opened) {
		mailbox_set_error(box, MAIL_ERROR_NOTPOSSIBLE, "Mailbox isn't open");
		return -1;
	}
	if (src != box && src->opened && strcmp(src->index_dir, box->index_dir) == 0) {
		/* the same mailbox through another handle: one index lock */
		if (maildir_sync_index(box, false) < 0)
			return -1;
		src = box;
	}
	if (src->opened)
		mail_cache_flush(src);
	const struct mail_index_record *rec = src_lookup(box, src, src_uid);
	if (rec == NULL)
		return -1;
	struct save_item item = {
		.fd = -1,
		.flags = params->flags & MAIL_FLAGS_MASK,
		.received_date = params->received_date != 0 ? params->received_date :
							      (time_t)rec->received_date,
		.physical_size = rec->physical_size,
		.virtual_size = rec->virtual_size,
		.move_src = src,
		.move_src_uid = src_uid,
	};
	if (keywords_to_mask(box, params->keywords, &item.keywords) < 0)
		return -1;
	item.base = p_strdup(t->pool, new_base_name(box, (uint64_t)-1, (uint64_t)-1));
	item_copy_cache(t, &item, src, rec);
	array_push(&t->saves, &item);
	return 0;
}

/* ---- flags and expunges ---- */

int mailbox_update_flags(struct mailbox_transaction *t, uint32_t uid, enum modify_type type,
			 enum mail_flags flags, const char *const *keywords)
{
	struct flag_change change = {
		.uid = uid, .order = array_count(&t->changes), .type = type,
		.flags = flags & MAIL_FLAGS_MASK,
	};

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

static void commit_release(struct mailbox_transaction *t);

static void transaction_free(struct mailbox_transaction **_t)
{
	struct mailbox_transaction *t = *_t;

	*_t = NULL;
	commit_release(t);
	array_foreach(&t->saves, item) {
		if (item->fd != -1)
			i_close_fd(&item->fd);
		if (item->tmp_path != NULL)
			(void)unlink(item->tmp_path);
	}
	pool_unref(&t->pool);
}

void mailbox_transaction_rollback(struct mailbox_transaction **t)
{
	transaction_free(t);
}

/* ---- commit ---- */

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

static void dir_set_add(pool_t pool, struct dir_set *set, const char *path)
{
	const char *dir = p_strndup(pool, path, (size_t)(strrchr(path, '/') - path));
	const char *d;

	array_foreach_elem(&set->dirs, d) {
		if (strcmp(d, dir) == 0)
			return;
	}
	array_push(&set->dirs, &dir);
}

/* The current name of a source message that was renamed (flags) since its
   index was read: its base name in new/ or cur/. NULL when gone. */
static const char *src_find_renamed(struct mailbox *src, const char *old_path)
{
	const char *base = maildir_filename_base(pool_temp, strrchr(old_path, '/') + 1);
	size_t base_len = strlen(base);
	static const char *const subdirs[] = { "cur", "new" };

	for (unsigned int i = 0; i < N_ELEMENTS(subdirs); i++) {
		const char *dir = t_strconcat(src->path, "/", subdirs[i], NULL);
		DIR *d = opendir(dir);
		struct dirent *de;
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, base, base_len) == 0 &&
			    (de->d_name[base_len] == '\0' ||
			     de->d_name[base_len] == MAILDIR_INFO_SEP)) {
				const char *path = t_strconcat(dir, "/", de->d_name, NULL);
				closedir(d);
				return path;
			}
		}
		closedir(d);
	}
	return NULL;
}

/* Copies a moved message's data into tmp/ (a move across file systems).
   Returns 0 or -1 with the error set. */
static int move_copy_data(struct mailbox_transaction *t, struct save_item *item,
			  const char *src_path)
{
	struct mailbox *box = t->box;
	char buf[65536];
	ssize_t ret;

	item->tmp_path = p_strdup_printf(t->pool, "%s/tmp/%s", box->path, item->base);
	int in = open(src_path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		mailbox_set_syscall_error(box, "open", src_path);
		item->tmp_path = NULL;
		return -1;
	}
	int out = open(item->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		mailbox_set_syscall_error(box, "open", item->tmp_path);
		i_close_fd(&in);
		item->tmp_path = NULL;
		return -1;
	}
	while ((ret = read(in, buf, sizeof(buf))) > 0) {
		if (write_full(out, buf, (size_t)ret) < 0)
			break;
	}
	if (ret != 0 || (box->user->index_set.fsync_mode != MAIL_FSYNC_NEVER && fsync(out) < 0) ||
	    close(out) < 0) {
		mailbox_set_syscall_error(box, ret < 0 ? "read" : "write", item->tmp_path);
		i_close_fd(&in);
		return -1;
	}
	i_close_fd(&in);
	item->move_copied = true;
	return 0;
}

/* Step 3 for a moved message: rename it from its source into dest.
   Returns 1 when moved, 0 when the source is gone, -1 on error. */
static int move_rename(struct mailbox_transaction *t, struct save_item *item, const char *dest)
{
	struct mailbox *src = item->move_src;
	uint32_t iseq = mail_index_lookup_uid(src->index, item->move_src_uid);

	if (iseq == 0)
		return 0;
	const char *src_path = maildir_rec_path(src, mail_index_lookup(src->index, iseq));
	for (unsigned int attempt = 0; attempt < 2; attempt++) {
		if (rename(src_path, dest) == 0) {
			item->move_src_path = p_strdup(t->pool, src_path);
			return 1;
		}
		if (errno == EXDEV) {
			if (move_copy_data(t, item, src_path) < 0)
				return -1;
			item->move_src_path = p_strdup(t->pool, src_path);
			if (rename(item->tmp_path, dest) < 0) {
				mailbox_set_syscall_error(t->box, "rename", dest);
				return -1;
			}
			item->tmp_path = NULL;
			return 1;
		}
		if (errno != ENOENT) {
			mailbox_set_syscall_error(t->box, "rename", dest);
			return -1;
		}
		/* a flag change renamed it meanwhile, or it is gone */
		if ((src_path = src_find_renamed(src, src_path)) == NULL)
			return 0;
	}
	return 0;
}

/* Puts renamed files back after a failure before they were durable in
   dovecot-uidlist: saved ones into tmp/ (the transaction then removes
   them), moved ones into their source. */
static void commit_saves_undo(struct mailbox_transaction *t)
{
	array_foreach(&t->saves, item) {
		if (item->dest_path == NULL)
			continue;
		if (item->move_src != NULL && !item->move_copied) {
			if (rename(item->dest_path, item->move_src_path) < 0)
				i_error("rename(%s, %s) failed: %m", item->dest_path,
					item->move_src_path);
		} else if (unlink(item->dest_path) < 0) {
			i_error("unlink(%s) failed: %m", item->dest_path);
		}
		item->dest_path = NULL;
	}
}

static int flag_change_cmp(const void *p1, const void *p2)
{
	const struct flag_change *c1 = p1, *c2 = p2;

	if (c1->uid != c2->uid)
		return c1->uid < c2->uid ? -1 : 1;
	return c1->order < c2->order ? -1 : c1->order > c2->order ? 1 : 0;
}

static void commit_flag_changes(struct mailbox_transaction *t, struct mail_index_transaction *it)
{
	struct mailbox *box = t->box;
	unsigned int count = array_count(&t->changes);

	/* in UID order, several changes of one message applied in turn */
	array_sort(&t->changes, flag_change_cmp);
	struct flag_change *changes = count == 0 ? NULL : array_front(&t->changes);
	for (unsigned int i = 0; i < count;) {
		uint32_t seq = mail_index_lookup_uid(box->index, changes[i].uid);
		unsigned int first = i;
		while (i < count && changes[i].uid == changes[first].uid)
			i++;
		if (seq == 0)
			continue; /* expunged meanwhile */
		const struct mail_index_record *rec = mail_index_lookup(box->index, seq);
		enum mail_flags flags = rec->flags & MAIL_FLAGS_MASK;
		uint64_t keywords = rec->keywords;
		bool modified = false;
		for (unsigned int j = first; j < i; j++) {
			if (changes[j].conditional && rec->modseq > changes[j].unchanged_since) {
				/* checked under the index lock: nobody can
				   change it between this test and our update */
				if (!modified)
					array_push(&t->modified, &changes[j].uid);
				modified = true;
				continue;
			}
			switch (changes[j].type) {
			case MODIFY_ADD:
				flags |= changes[j].flags;
				keywords |= changes[j].keywords;
				break;
			case MODIFY_REMOVE:
				flags &= ~changes[j].flags;
				keywords &= ~changes[j].keywords;
				break;
			case MODIFY_REPLACE:
				flags = changes[j].flags;
				keywords = changes[j].keywords;
				break;
			}
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

static int uid_cmp(const void *p1, const void *p2)
{
	uint32_t u1 = *(const uint32_t *)p1, u2 = *(const uint32_t *)p2;

	return u1 < u2 ? -1 : u1 > u2 ? 1 : 0;
}

static void commit_expunges(struct mailbox_transaction *t, struct mail_index_transaction *it)
{
	struct mailbox *box = t->box;
	uint32_t uid, prev = 0;

	array_sort(&t->expunges, uid_cmp);
	array_foreach_elem(&t->expunges, uid) {
		uint32_t seq = uid == prev ? 0 : mail_index_lookup_uid(box->index, uid);
		prev = uid;
		if (seq == 0)
			continue;
		const struct mail_index_record *rec = mail_index_lookup(box->index, seq);
		const char *path = maildir_rec_path(box, rec);
		if (unlink(path) < 0 && errno != ENOENT) {
			mailbox_set_syscall_error(box, "unlink", path);
			continue;
		}
		t->sizes.removed_bytes += rec->physical_size;
		t->sizes.removed_vbytes += rec->virtual_size;
		t->sizes.removed_count++;
		maildir_index_expunge(box, it, rec);
	}
}

/* The source mailboxes of the transaction's moves (box itself left
   out), without duplicates. */
static void move_sources(struct mailbox_transaction *t, ARRAY_TYPE(mailbox_p) *srcs)
{
	array_foreach(&t->saves, item) {
		struct mailbox *src = item->move_src, *s;
		bool found = src == NULL || src == t->box;
		array_foreach_elem(srcs, s)
			found = found || s == src;
		if (!found)
			array_push(srcs, &src);
	}
}

static int box_path_cmp(const void *p1, const void *p2)
{
	struct mailbox *const *b1 = p1, *const *b2 = p2;

	return strcmp((*b1)->index_dir, (*b2)->index_dir);
}

static void unlock_all(ARRAY_TYPE(mailbox_p) *locked)
{
	struct mailbox *b;

	array_foreach_elem(locked, b)
		mail_index_unlock(b->index);
	array_clear(locked);
}

/* Locks box's and the move sources' indexes in index path order (two
   processes moving in opposite directions then cannot deadlock) and
   brings them up to date. */
static int lock_all(struct mailbox_transaction *t, ARRAY_TYPE(mailbox_p) *boxes,
		    ARRAY_TYPE(mailbox_p) *locked)
{
	struct mailbox *b;

	array_sort(boxes, box_path_cmp);
	array_foreach_elem(boxes, b) {
		if (!b->opened) {
			mailbox_set_error(t->box, MAIL_ERROR_NOTPOSSIBLE, "Mailbox isn't open");
			unlock_all(locked);
			return -1;
		}
		if (maildir_index_lock(b, t->box) < 0) {
			unlock_all(locked);
			return -1;
		}
		array_push(locked, &b);
		if (maildir_sync_index(b, false) < 0) {
			if (b != t->box)
				mailbox_set_error(t->box, MAIL_ERROR_TEMP, "Source mailbox sync failed");
			unlock_all(locked);
			return -1;
		}
	}
	return 0;
}

/* Whether the index is in step with new/ and cur/ now: then the stamps
   may follow this commit's own changes. */
static bool stamps_in_step(struct mailbox *box, const struct mail_index_header_info *hdr)
{
	uint64_t stamp_new, stamp_cur;

	return maildir_get_dir_stamps(box, &stamp_new, &stamp_cur) == 0 &&
	       hdr->sync_stamp[MAILDIR_STAMP_NEW_MTIME] == stamp_new &&
	       hdr->sync_stamp[MAILDIR_STAMP_CUR_MTIME] == stamp_cur;
}

static void stamps_update(struct mailbox *box, struct mail_index_header_info *hdr)
{
	uint64_t stamp_new, stamp_cur;

	if (maildir_get_dir_stamps(box, &stamp_new, &stamp_cur) == 0) {
		hdr->sync_stamp[MAILDIR_STAMP_NEW_MTIME] = stamp_new;
		hdr->sync_stamp[MAILDIR_STAMP_CUR_MTIME] = stamp_cur;
	}
}

/* Step 6 for a move source other than box: expunge what moved out. */
static void commit_move_source(struct mailbox_transaction *t, struct mailbox *src,
			       bool in_step)
{
	struct mail_index_header_info hdr = *mail_index_get_header(src->index);
	struct mail_index_transaction *it = mail_index_transaction_begin(src->index);

	array_foreach(&t->saves, item) {
		if (item->move_src != src || item->move_skipped)
			continue;
		if (item->move_copied && unlink(item->move_src_path) < 0 && errno != ENOENT)
			i_error("unlink(%s) failed: %m", item->move_src_path);
		uint32_t seq = mail_index_lookup_uid(src->index, item->move_src_uid);
		if (seq != 0)
			maildir_index_expunge(src, it, mail_index_lookup(src->index, seq));
	}
	if (in_step)
		stamps_update(src, &hdr);
	/* a failure here leaves index records of files that are gone: the
	   source's next sync expunges them */
	if (maildir_index_commit(src, &it, NULL, &hdr) < 0)
		i_error("Mailbox %s: index update after a move failed: %s", src->vname,
			mailbox_get_last_error(src, NULL));
	else
		maildir_cache_compact(src);
}

void maildir_cache_compact(struct mailbox *box)
{
	const char *error;

	if (mail_cache_compact_if_needed(box->cache, &error) < 0)
		i_error("Mailbox %s: compacting the cache failed: %s", box->vname, error);
}

/* Step 1 for group commit: the fsyncs save_finish left to the commit. */
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

/* Renames of step 3 for the saves, copies and moves; the index records
   are added to t->it. */
static int commit_rename_saves(struct mailbox_transaction *t)
{
	struct mailbox *box = t->box;
	struct mail_index_header_info *hdr = &t->hdr;
	const char *error;

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
			t->uctx.list = maildir_uidlist_new_for(t->uctx.pool, hdr);
		else if (t->uctx.list->uid_validity != hdr->uid_validity) {
			mailbox_set_critical(box, "dovecot-uidlist UIDVALIDITY changed under us");
			return -1;
		}
		next_uid = MAX(next_uid, t->uctx.list->next_uid);
	} else {
		t->uctx.exists = true;
	}

	t->renamed = true;
	array_foreach(&t->saves, item) {
		const char *base = p_strdup_printf(t->pool, "%s,S=%llu,W=%llu", item->base,
						   (unsigned long long)item->physical_size,
						   (unsigned long long)item->virtual_size);
		bool to_new = item->flags == 0 && item->keywords == 0;
		const char *fname = to_new ? base :
			maildir_filename_set_flags(t->pool, base, item->flags, item->keywords);
		const char *dest = p_strdup_printf(t->pool, "%s/%s/%s", box->path,
						   to_new ? "new" : "cur", fname);
		if (item->move_src != NULL) {
			int mret = move_rename(t, item, dest);
			if (mret < 0)
				return -1;
			if (mret == 0) {
				item->move_skipped = true;
				continue;
			}
			dir_set_add(t->pool, &t->dirs, item->move_src_path);
		} else {
			if (rename(item->tmp_path, dest) < 0) {
				mailbox_set_syscall_error(box, "rename", dest);
				return -1;
			}
			item->tmp_path = NULL;
		}
		item->dest_path = dest;
		item->uid = next_uid++;
		dir_set_add(t->pool, &t->dirs, dest);
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
		if (item->cache_count > 0 &&
		    mail_cache_add(box->cache, 0, item->uid, item->cache, item->cache_count,
				   &rec.cache_offset, &error) < 0) {
			i_error("Mailbox %s: caching failed: %s", box->vname, error);
			rec.cache_offset = 0;
		}
		mail_index_append(t->it, &rec, fname);
	}
	hdr->next_uid = MAX(hdr->next_uid, next_uid);
	return 0;
}

/* Step 2 and 3: index locks (the mailbox's and its moves' sources', in
   path order), modseq reservation, UIDs, renames. */
static int commit_lock_and_rename(struct mailbox_transaction *t)
{
	struct mailbox *box = t->box;
	struct mailbox *src;

	if (!box->opened) {
		mailbox_set_error(box, MAIL_ERROR_NOTPOSSIBLE, "Mailbox isn't open");
		return -1;
	}
	mail_cache_flush(box);
	array_push(&t->boxes, &box);
	move_sources(t, &t->boxes);
	if (lock_all(t, &t->boxes, &t->locked) < 0)
		return -1;
	t->hdr = *mail_index_get_header(box->index);
	/* the directory stamps move with our own changes only if the index
	   was in step with the directories before them */
	t->in_step = stamps_in_step(box, &t->hdr);
	array_foreach_elem(&t->boxes, src) {
		bool step = src != box &&
			stamps_in_step(src, mail_index_get_header(src->index));
		array_push(&t->src_in_step, &step);
	}
	/* the modseq this commit hands out is reserved first, so that a
	   failure to do so leaves nothing done */
	bool bumps = array_count(&t->saves) > 0 || array_count(&t->changes) > 0 ||
		     array_count(&t->expunges) > 0;
	if (bumps && maildir_modseq_reserve(box, NULL, &t->hdr, t->hdr.highest_modseq + 1) < 0)
		return -1;
	t->it = mail_index_transaction_begin(box->index);
	if (array_count(&t->saves) == 0)
		return 0;
	return commit_rename_saves(t);
}

/* Step 4. */
static int commit_sync_dirs(struct mailbox_transaction *t)
{
	const char *dir;

	if (t->box->user->index_set.fsync_mode == MAIL_FSYNC_NEVER)
		return 0;
	array_foreach_elem(&t->dirs.dirs, dir) {
		if (fsync_dir(t->box, dir) < 0)
			return -1;
	}
	return 0;
}

/* Step 5, the write; the sync is commit_uidlist_sync(). */
static int commit_uidlist_write(struct mailbox_transaction *t)
{
	if (array_count(&t->recs) == 0)
		return 0;
	if (t->uctx.list == NULL) {
		/* appending to a file we know: no need to have parsed it */
		t->uctx.list = maildir_uidlist_new_for(t->pool, &t->hdr);
	}
	if (maildir_uidlist_append(t->box, &t->uctx, array_front(&t->recs),
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

/* Drops what a failed or abandoned commit still holds; files renamed
   before they were durable in dovecot-uidlist go back. */
static void commit_release(struct mailbox_transaction *t)
{
	if (t->renamed) {
		commit_saves_undo(t);
		t->renamed = false;
	}
	if (t->uidlist_locked) {
		maildir_uidlist_unlock(&t->uctx);
		t->uidlist_locked = false;
	}
	if (t->it != NULL)
		mail_index_transaction_rollback(&t->it);
	if (array_is_created(&t->locked))
		unlock_all(&t->locked);
}

/* The saves' sizes: saved/copied and moved in from other mailboxes (a
   move whose source was expunged meanwhile left out when skip_skipped). */
static void commit_added_sizes(struct mailbox_transaction *t, bool skip_skipped,
			       struct mailbox_transaction_sizes *sizes)
{
	array_foreach(&t->saves, item) {
		if (item->move_src == NULL) {
			sizes->added_bytes += item->physical_size;
			sizes->added_vbytes += item->virtual_size;
			sizes->added_count++;
		} else if (item->move_src != t->box && !(skip_skipped && item->move_skipped)) {
			sizes->moved_in_bytes += item->physical_size;
			sizes->moved_in_vbytes += item->virtual_size;
			sizes->moved_in_count++;
		}
	}
}

/* The committed hooks (quota) of the mailbox and of the moves' sources. */
static void commit_sizes_hooks(struct mailbox_transaction *t)
{
	struct mailbox_transaction_sizes sizes = t->sizes;
	struct mailbox *src;

	commit_added_sizes(t, true, &sizes);
	if (sizes.added_count + sizes.moved_in_count + sizes.removed_count > 0)
		hook_mailbox_transaction_committed(t->box, &sizes);
	array_foreach_elem(&t->boxes, src) {
		if (src == t->box)
			continue;
		memset(&sizes, 0, sizeof(sizes));
		array_foreach(&t->saves, item) {
			if (item->move_src == src && !item->move_skipped) {
				sizes.removed_bytes += item->physical_size;
				sizes.removed_vbytes += item->virtual_size;
				sizes.removed_count++;
			}
		}
		if (sizes.removed_count > 0)
			hook_mailbox_transaction_committed(src, &sizes);
	}
}

/* Before any step: the precommit hooks (quota) may refuse the saves. */
static int commit_precheck(struct mailbox_transaction *t)
{
	struct mailbox_transaction_sizes sizes;

	memset(&sizes, 0, sizeof(sizes));
	commit_added_sizes(t, false, &sizes);
	if (sizes.added_count + sizes.moved_in_count == 0)
		return 0;
	return hook_mailbox_transaction_precommit(t->box, &sizes);
}

int mailbox_save_check_size(struct mailbox_transaction *t, uint64_t size)
{
	struct mailbox_transaction_sizes sizes;

	memset(&sizes, 0, sizeof(sizes));
	commit_added_sizes(t, false, &sizes);
	sizes.added_bytes += size;
	sizes.added_vbytes += size;
	sizes.added_count++;
	return hook_mailbox_transaction_precommit(t->box, &sizes);
}

/* Step 6: flag changes, expunges, the index transactions, unlock. */
static void commit_finish(struct mailbox_transaction *t, pool_t pool,
			  struct mail_transaction_commit_changes *changes)
{
	struct mailbox *box = t->box;
	struct mailbox *src;

	/* durable in dovecot-uidlist: nothing to undo any more */
	t->renamed = false;
	if (t->uidlist_locked) {
		maildir_uidlist_unlock(&t->uctx);
		t->uidlist_locked = false;
	}
	commit_flag_changes(t, t->it);
	commit_expunges(t, t->it);
	/* moves within the mailbox: the old UIDs go in the same transaction */
	array_foreach(&t->saves, item) {
		if (item->move_src != box || item->move_skipped)
			continue;
		uint32_t seq = mail_index_lookup_uid(box->index, item->move_src_uid);
		if (seq != 0)
			maildir_index_expunge(box, t->it, mail_index_lookup(box->index, seq));
	}
	if (t->in_step)
		stamps_update(box, &t->hdr);
	if (maildir_index_commit(box, &t->it, NULL, &t->hdr) < 0) {
		/* the messages are durable in the Maildir and dovecot-uidlist:
		   the next sync puts them in the index */
		i_error("Mailbox %s: index update failed: %s", box->vname,
			mailbox_get_last_error(box, NULL));
	} else {
		maildir_cache_compact(box);
	}
	unsigned int i = 0;
	array_foreach_elem(&t->boxes, src) {
		if (src != box)
			commit_move_source(t, src, array_idx_elem(&t->src_in_step, i));
		i++;
	}
	if (changes != NULL) {
		changes->uid_validity = t->hdr.uid_validity;
		array_foreach(&t->saves, item)
			array_push(&changes->saved_uids, &item->uid);
		uint32_t uid;
		array_foreach_elem(&t->modified, uid)
			array_push(&changes->modified_uids, &uid);
	}
	unlock_all(&t->locked);
	/* unlocked: a hook may open these mailboxes again (quota count) */
	commit_sizes_hooks(t);
}

static int commit_cmp_path(const void *p1, const void *p2)
{
	struct mailbox_transaction *const *t1 = p1, *const *t2 = p2;

	return strcmp((*t1)->box->index_dir != NULL ? (*t1)->box->index_dir : "",
		      (*t2)->box->index_dir != NULL ? (*t2)->box->index_dir : "");
}

/* A transaction that moves messages out of another mailbox locks that
   one too: it commits in a round of its own. */
static bool commit_has_foreign_moves(struct mailbox_transaction *t)
{
	array_foreach(&t->saves, item) {
		if (item->move_src != NULL && item->move_src != t->box)
			return true;
	}
	return false;
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
		p_array_init(&ts[i]->boxes, ts[i]->pool, 2);
		p_array_init(&ts[i]->locked, ts[i]->pool, 2);
		p_array_init(&ts[i]->src_in_step, ts[i]->pool, 2);
		p_array_init(&ts[i]->dirs.dirs, ts[i]->pool, 4);
		p_array_init(&ts[i]->recs, ts[i]->pool, array_count(&ts[i]->saves) + 1);
		ts[i]->uctx.sync_fd = -1;
		if (changes != NULL) {
			memset(&changes[i], 0, sizeof(changes[i]));
			p_array_init(&changes[i].saved_uids, pool, array_count(&ts[i]->saves) + 1);
			p_array_init(&changes[i].modified_uids, pool, 4);
		}
	}
	qsort(order, count, sizeof(*order), commit_cmp_path);
	for (unsigned int i = 0; i < count; i++) {
		if (commit_precheck(ts[i]) < 0) {
			/* refused before anything was done: nothing to undo */
			for (unsigned int j = 0; j < count; j++) {
				if (order[j] == ts[i])
					done[j] = true;
			}
			failed[i] = true;
			left--;
		}
	}
	while (left > 0) {
		/* a mailbox appears once per round: its lock is not
		   reentrant */
		unsigned int n = 0;
		bool *round_failed;
		for (unsigned int i = 0; i < count; i++) {
			if (done[i] || (n > 0 && commit_cmp_path(&round[n - 1], &order[i]) == 0))
				continue;
			if (n > 0 && (commit_has_foreign_moves(order[i]) ||
				      commit_has_foreign_moves(round[0])))
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

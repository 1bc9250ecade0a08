/* roost.index + roost.index.log: see mail-index.h and doc/storage.md. */

#include "lib.h"
#include "write-full.h"
#include "mail-index-private.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <zlib.h>

/* Set on a record whose EXPUNGE was applied but that is still in the
   array: expunges are removed in one pass at the end of a replay or
   commit (flush_expunges()), so removing N of M records costs O(M), not
   O(N * M). Never visible outside this file. */
#define REC_FLAG_EXPUNGED 0x80000000U

struct mail_index {
	char *dir, *path, *log_path, *lock_path;
	struct mail_index_settings set;

	uint32_t indexid;
	struct mail_index_header_info hdr;
	uint32_t log_file_seq; /* the snapshot's */
	bool have_snapshot;
	bool broken;
	/* the snapshot found broken (not read again until replaced) */
	ino_t broken_ino;
	struct timespec broken_mtime;

	ARRAY(struct mail_index_record) recs;
	buffer_t *strings;
	ARRAY(struct mail_index_expunge) expunges;
	struct mail_index_counts counts;
	/* records marked REC_FLAG_EXPUNGED, and their expunge entries not
	   merged into expunges yet */
	unsigned int pending_expunges;
	unsigned int first_pending_idx;
	ARRAY(struct mail_index_expunge) new_expunges;
	/* expunges were appended out of UID order: sorted when asked for */
	bool expunges_unsorted;

	int log_fd;
	ino_t log_ino;
	dev_t log_dev;
	uint64_t log_offset; /* replayed up to here */
	bool log_usable;     /* log_fd's seq matches the snapshot */

	struct file_lock *lock;
	uint64_t change_counter;
};

struct mail_index_transaction {
	struct mail_index *index;
	buffer_t *ops;
	uint32_t last_append_uid;
	bool bumps_modseq;
	bool reset;
	uint64_t reset_min_modseq;
};

static uint32_t index_crc(const void *data, size_t size)
{
	return (uint32_t)crc32(0L, data, (uInt)size);
}

struct mail_index *mail_index_alloc(const char *dir, const struct mail_index_settings *set)
{
	struct mail_index *index = i_new(struct mail_index, 1);

	index->dir = i_strdup(dir);
	index->path = i_strdup_printf("%s/" MAIL_INDEX_PREFIX, dir);
	index->log_path = i_strdup_printf("%s/" MAIL_INDEX_PREFIX ".log", dir);
	index->lock_path = i_strdup_printf("%s/" MAIL_INDEX_PREFIX ".lock", dir);
	index->set = *set;
	if (index->set.log_rotate_size == 0)
		index->set.log_rotate_size = MAIL_INDEX_DEFAULT_LOG_ROTATE_SIZE;
	index->log_fd = -1;
	i_array_init(&index->recs, 64);
	i_array_init(&index->expunges, 16);
	i_array_init(&index->new_expunges, 16);
	index->strings = buffer_create_dynamic(pool_system, 1024);
	buffer_append_c(index->strings, '\0');
	return index;
}

static void index_clear(struct mail_index *index)
{
	array_clear(&index->recs);
	array_clear(&index->expunges);
	array_clear(&index->new_expunges);
	index->pending_expunges = 0;
	index->expunges_unsorted = false;
	memset(&index->counts, 0, sizeof(index->counts));
	buffer_set_used_size(index->strings, 0);
	buffer_append_c(index->strings, '\0');
	memset(&index->hdr, 0, sizeof(index->hdr));
	index->have_snapshot = false;
	index->log_usable = false;
	index->log_file_seq = 0;
	index->change_counter++;
}

void mail_index_free(struct mail_index **_index)
{
	struct mail_index *index = *_index;

	*_index = NULL;
	file_lock_release(&index->lock);
	i_close_fd(&index->log_fd);
	array_free(&index->recs);
	array_free(&index->expunges);
	array_free(&index->new_expunges);
	buffer_free(&index->strings);
	i_free(index->dir);
	i_free(index->path);
	i_free(index->log_path);
	i_free(index->lock_path);
	i_free(index);
}

static int pread_full(int fd, void *buf, size_t size, off_t offset)
{
	unsigned char *p = buf;

	while (size > 0) {
		ssize_t ret = pread(fd, p, size, offset);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (ret == 0) {
			errno = 0; /* short file */
			return -1;
		}
		p += ret;
		size -= (size_t)ret;
		offset += ret;
	}
	return 0;
}

static void index_set_broken(struct mail_index *index, const char *reason)
{
	i_warning("Index %s is corrupted (%s): rebuilding it from the mailbox", index->path,
		  reason);
	index_clear(index);
	index->broken = true;
}

/* ---- applying log ops (shared by replay and commit) ---- */

static uint32_t strings_add(struct mail_index *index, const char *name)
{
	if (name[0] == '\0')
		return 0;
	size_t offset = index->strings->used;
	buffer_append(index->strings, name, strlen(name) + 1);
	return (uint32_t)offset;
}

static struct mail_index_record *rec_by_uid(struct mail_index *index, uint32_t uid)
{
	uint32_t seq = mail_index_lookup_uid(index, uid);
	struct mail_index_record *rec = seq == 0 ? NULL : array_idx(&index->recs, seq - 1);

	return rec == NULL || (rec->flags & REC_FLAG_EXPUNGED) != 0 ? NULL : rec;
}

static uint64_t rec_vsize(const struct mail_index_record *rec)
{
	return rec->virtual_size == (uint64_t)-1 ? rec->physical_size : rec->virtual_size;
}

/* The header fields and totals a snapshot's disk header holds. */
static void header_from_disk(const struct mail_index_disk_header *dh,
			     struct mail_index_header_info *hdr, struct mail_index_counts *counts)
{
	hdr->uid_validity = dh->uid_validity;
	hdr->next_uid = dh->next_uid;
	hdr->highest_modseq = dh->highest_modseq;
	hdr->cache_file_seq = dh->cache_file_seq;
	hdr->first_recent_uid = dh->first_recent_uid;
	memcpy(hdr->sync_stamp, dh->sync_stamp, sizeof(dh->sync_stamp));
	counts->messages = dh->messages_count;
	counts->seen = dh->seen_count;
	counts->recent = dh->recent_count;
	counts->deleted = dh->deleted_count;
	counts->virtual_size = dh->virtual_size;
	counts->physical_size = dh->physical_size;
}

/* Adds (sign 1) or removes (-1) a record's share of the totals. */
static void counts_update(struct mail_index *index, const struct mail_index_record *rec, int sign)
{
	struct mail_index_counts *c = &index->counts;
	uint32_t one = sign > 0 ? 1 : (uint32_t)-1;

	c->messages += one;
	if ((rec->flags & MAIL_INDEX_FLAG_SEEN) != 0)
		c->seen += one;
	if ((rec->flags & MAIL_INDEX_FLAG_DELETED) != 0)
		c->deleted += one;
	if (rec->uid >= index->hdr.first_recent_uid)
		c->recent += one;
	c->virtual_size += sign > 0 ? rec_vsize(rec) : -rec_vsize(rec);
	c->physical_size += sign > 0 ? rec->physical_size : -rec->physical_size;
}

/* first_recent_uid moved up: count what is still recent. */
static void counts_recount_recent(struct mail_index *index)
{
	unsigned int count = array_count(&index->recs);
	const struct mail_index_record *recs = count == 0 ? NULL : array_front(&index->recs);

	index->counts.recent = 0;
	if (index->hdr.first_recent_uid >= index->hdr.next_uid)
		return; /* the usual case: a session claimed everything */
	for (unsigned int i = mail_index_lookup_uid_ge(index, index->hdr.first_recent_uid) - 1;
	     i < count; i++) {
		if ((recs[i].flags & REC_FLAG_EXPUNGED) == 0)
			index->counts.recent++;
	}
}

static int expunge_cmp(const void *p1, const void *p2)
{
	const struct mail_index_expunge *e1 = p1, *e2 = p2;

	return e1->uid < e2->uid ? -1 : e1->uid > e2->uid ? 1 : 0;
}

/* Removes the records marked expunged (one pass from the first of them)
   and adds their expunge entries to the list. */
static void flush_expunges(struct mail_index *index)
{
	if (index->pending_expunges > 0) {
		struct mail_index_record *recs = array_front(&index->recs);
		unsigned int count = array_count(&index->recs);
		unsigned int dest = index->first_pending_idx;
		for (unsigned int i = dest; i < count; i++) {
			if ((recs[i].flags & REC_FLAG_EXPUNGED) == 0)
				recs[dest++] = recs[i];
		}
		array_delete(&index->recs, dest, count - dest);
		index->pending_expunges = 0;
	}
	unsigned int new_count = array_count(&index->new_expunges);
	if (new_count == 0)
		return;
	unsigned int old_count = array_count(&index->expunges);
	struct mail_index_expunge *newe = array_front(&index->new_expunges);
	if (old_count > 0 && array_idx(&index->expunges, old_count - 1)->uid > newe[0].uid)
		index->expunges_unsorted = true;
	for (unsigned int i = 1; i < new_count && !index->expunges_unsorted; i++)
		index->expunges_unsorted = newe[i - 1].uid > newe[i].uid;
	array_append(&index->expunges, newe, new_count);
	array_clear(&index->new_expunges);
}

static void expunges_sort(struct mail_index *index)
{
	if (index->expunges_unsorted) {
		array_sort(&index->expunges, expunge_cmp);
		index->expunges_unsorted = false;
	}
}

/* The header rules shared by the replay and mail_index_peek_header():
   next_uid, highest_modseq and first_recent_uid never go back. */
static void header_merge(struct mail_index_header_info *hdr,
			 const struct mail_index_header_info *h)
{
	struct mail_index_header_info old = *hdr;

	*hdr = *h;
	hdr->next_uid = MAX(hdr->next_uid, old.next_uid);
	hdr->highest_modseq = MAX(hdr->highest_modseq, old.highest_modseq);
	hdr->first_recent_uid = MAX(hdr->first_recent_uid, old.first_recent_uid);
}

static void header_reset(struct mail_index_header_info *hdr, const struct log_op_reset *r)
{
	uint64_t highest = hdr->highest_modseq;

	memset(hdr, 0, sizeof(*hdr));
	hdr->uid_validity = r->uid_validity;
	hdr->next_uid = 1;
	/* what is there when the index is (re)built is new to every
	   session: the first to select the mailbox gets it as \Recent
	   (Dovecot does the same) */
	hdr->first_recent_uid = 1;
	/* modseqs never go back, even across a rebuild */
	hdr->highest_modseq = MAX(highest, r->min_highest_modseq);
}

/* Applies one op. Returns -1 with *reason_r when the op is malformed. */
static int apply_op(struct mail_index *index, uint64_t modseq, const struct log_op_header *op,
		    const unsigned char *data, size_t size, const char **reason_r)
{
	struct mail_index_record *rec;
	const char *name;

#define NEED(type)                                                                                 \
	if (size < sizeof(type)) {                                                                 \
		*reason_r = "op too short";                                                        \
		return -1;                                                                         \
	}
	switch ((enum mail_index_log_op_type)op->type) {
	case LOG_OP_APPEND: {
		NEED(struct log_op_append);
		struct log_op_append app;
		memcpy(&app, data, sizeof(app));
		name = (const char *)data + sizeof(app);
		if (memchr(name, '\0', size - sizeof(app)) == NULL) {
			*reason_r = "name not terminated";
			return -1;
		}
		unsigned int count = array_count(&index->recs);
		if (app.rec.uid == 0 ||
		    (count > 0 && array_idx(&index->recs, count - 1)->uid >= app.rec.uid)) {
			*reason_r = t_strdup_printf("appended uid %u not ascending", app.rec.uid);
			return -1;
		}
		app.rec.modseq = modseq;
		app.rec.flags &= ~REC_FLAG_EXPUNGED;
		app.rec.name_offset = strings_add(index, name);
		array_push(&index->recs, &app.rec);
		if (index->hdr.next_uid <= app.rec.uid)
			index->hdr.next_uid = app.rec.uid + 1;
		counts_update(index, &app.rec, 1);
		break;
	}
	case LOG_OP_FLAGS:
	case LOG_OP_FLAGS_QUIET: {
		NEED(struct log_op_flags);
		struct log_op_flags fl;
		memcpy(&fl, data, sizeof(fl));
		if ((rec = rec_by_uid(index, fl.uid)) != NULL) {
			counts_update(index, rec, -1);
			rec->flags = fl.flags & ~REC_FLAG_EXPUNGED;
			rec->keywords = fl.keywords;
			counts_update(index, rec, 1);
			if (op->type == LOG_OP_FLAGS)
				rec->modseq = modseq;
		}
		break;
	}
	case LOG_OP_NAME: {
		NEED(struct log_op_uid);
		struct log_op_uid u;
		memcpy(&u, data, sizeof(u));
		name = (const char *)data + sizeof(u);
		if (memchr(name, '\0', size - sizeof(u)) == NULL) {
			*reason_r = "name not terminated";
			return -1;
		}
		if ((rec = rec_by_uid(index, u.uid)) != NULL)
			rec->name_offset = strings_add(index, name);
		break;
	}
	case LOG_OP_SIZES: {
		NEED(struct log_op_sizes);
		struct log_op_sizes sz;
		memcpy(&sz, data, sizeof(sz));
		if ((rec = rec_by_uid(index, sz.uid)) != NULL) {
			counts_update(index, rec, -1);
			rec->physical_size = sz.physical_size;
			rec->virtual_size = sz.virtual_size;
			counts_update(index, rec, 1);
		}
		break;
	}
	case LOG_OP_CACHE: {
		NEED(struct log_op_cache);
		struct log_op_cache c;
		memcpy(&c, data, sizeof(c));
		if ((rec = rec_by_uid(index, c.uid)) != NULL)
			rec->cache_offset = c.cache_offset;
		break;
	}
	case LOG_OP_EXPUNGE: {
		NEED(struct log_op_uid);
		struct log_op_uid u;
		memcpy(&u, data, sizeof(u));
		if ((rec = rec_by_uid(index, u.uid)) != NULL) {
			counts_update(index, rec, -1);
			rec->flags |= REC_FLAG_EXPUNGED;
			unsigned int idx = (unsigned int)(rec - array_front(&index->recs));
			if (index->pending_expunges++ == 0 || idx < index->first_pending_idx)
				index->first_pending_idx = idx;
			struct mail_index_expunge exp = { .uid = u.uid, .modseq = modseq };
			array_push(&index->new_expunges, &exp);
		}
		break;
	}
	case LOG_OP_HEADER: {
		NEED(struct mail_index_header_info);
		struct mail_index_header_info h;
		memcpy(&h, data, sizeof(h));
		uint32_t first_recent = index->hdr.first_recent_uid;
		header_merge(&index->hdr, &h);
		if (index->hdr.first_recent_uid != first_recent)
			counts_recount_recent(index);
		break;
	}
	case LOG_OP_RESET: {
		NEED(struct log_op_reset);
		struct log_op_reset r;
		memcpy(&r, data, sizeof(r));
		array_clear(&index->recs);
		array_clear(&index->expunges);
		array_clear(&index->new_expunges);
		index->pending_expunges = 0;
		index->expunges_unsorted = false;
		memset(&index->counts, 0, sizeof(index->counts));
		buffer_set_used_size(index->strings, 1);
		header_reset(&index->hdr, &r);
		break;
	}
	default:
		*reason_r = t_strdup_printf("unknown op type %u", op->type);
		return -1;
	}
#undef NEED
	return 0;
}

/* Applies a whole entry (its CRC already checked). */
static int apply_entry(struct mail_index *index, const unsigned char *data, size_t size,
		       const char **reason_r)
{
	struct mail_index_log_entry entry;

	memcpy(&entry, data, sizeof(entry));
	size_t pos = sizeof(entry);
	while (pos < size) {
		struct log_op_header op;
		if (size - pos < sizeof(op)) {
			*reason_r = "truncated op header";
			return -1;
		}
		memcpy(&op, data + pos, sizeof(op));
		if (op.size < sizeof(op) || op.size > size - pos || op.size % 8 != 0) {
			*reason_r = "bad op size";
			return -1;
		}
		if (apply_op(index, entry.modseq, &op, data + pos + sizeof(op),
			     op.size - sizeof(op), reason_r) < 0)
			return -1;
		pos += op.size;
	}
	if (entry.modseq > index->hdr.highest_modseq)
		index->hdr.highest_modseq = entry.modseq;
	index->change_counter++;
	return 0;
}

/* ---- the snapshot ---- */

static int snapshot_read(struct mail_index *index, const char **error_r)
{
	struct mail_index_disk_header dh;
	struct stat st;
	const char *reason = NULL;

	index_clear(index);
	index->broken = false;
	int fd = open(index->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		*error_r = t_strdup_printf("open(%s) failed: %s", index->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %s", index->path, strerror(errno));
		i_close_fd(&fd);
		return -1;
	}
	if ((uint64_t)st.st_size < sizeof(dh) || pread_full(fd, &dh, sizeof(dh), 0) < 0)
		reason = "file too short";
	else if (dh.magic != MAIL_INDEX_MAGIC)
		reason = "bad magic";
	else if (dh.version != MAIL_INDEX_VERSION || dh.header_size != sizeof(dh) ||
		 dh.record_size != sizeof(struct mail_index_record) ||
		 dh.expunge_size != sizeof(struct mail_index_expunge))
		reason = "unsupported version or sizes";
	else {
		uint32_t crc = dh.crc;
		dh.crc = 0;
		if (index_crc(&dh, sizeof(dh)) != crc)
			reason = "header checksum mismatch";
	}
	uint64_t recs_size = 0, exp_size = 0;
	if (reason == NULL) {
		recs_size = (uint64_t)dh.messages_count * sizeof(struct mail_index_record);
		exp_size = (uint64_t)dh.expunges_count * sizeof(struct mail_index_expunge);
		if (sizeof(dh) + recs_size + exp_size + dh.strings_size != (uint64_t)st.st_size ||
		    dh.strings_size == 0)
			reason = "file size does not match the header";
	}
	if (reason == NULL) {
		void *p = buffer_append_space(index->recs.arr, recs_size);
		void *e = buffer_append_space(index->expunges.arr, exp_size);
		buffer_set_used_size(index->strings, 0);
		void *s = buffer_append_space(index->strings, dh.strings_size);
		if (pread_full(fd, p, recs_size, sizeof(dh)) < 0 ||
		    pread_full(fd, e, exp_size, (off_t)(sizeof(dh) + recs_size)) < 0 ||
		    pread_full(fd, s, dh.strings_size, (off_t)(sizeof(dh) + recs_size + exp_size)) < 0) {
			if (errno != 0) {
				*error_r = t_strdup_printf("read(%s) failed: %s", index->path,
							   strerror(errno));
				i_close_fd(&fd);
				index_clear(index);
				return -1;
			}
			reason = "file shrank while reading";
		}
	}
	i_close_fd(&fd);
	if (reason == NULL) {
		/* structural checks: everything later code relies on */
		const struct mail_index_record *recs = array_front(&index->recs);
		const unsigned char *strings = index->strings->data;
		if (strings[0] != '\0' || strings[dh.strings_size - 1] != '\0')
			reason = "bad string table";
		for (uint32_t i = 0; reason == NULL && i < dh.messages_count; i++) {
			if (recs[i].uid == 0 || (i > 0 && recs[i].uid <= recs[i - 1].uid) ||
			    recs[i].uid >= dh.next_uid)
				reason = t_strdup_printf("bad uid %u at record %u", recs[i].uid, i);
			else if (recs[i].name_offset >= dh.strings_size)
				reason = "name offset out of range";
			else if ((recs[i].flags & REC_FLAG_EXPUNGED) != 0)
				reason = "bad record flags";
		}
	}
	if (reason != NULL) {
		index_set_broken(index, reason);
		index->broken_ino = st.st_ino;
		index->broken_mtime = st.st_mtim;
		return 0;
	}
	index->indexid = dh.indexid;
	header_from_disk(&dh, &index->hdr, &index->counts);
	index->log_file_seq = dh.log_file_seq;
	index->have_snapshot = true;
	index->change_counter++;
	return 1;
}

/* ---- the log ---- */

/* Reads and applies entries from log_offset on. A torn or not yet
   complete entry ends the replay; with the lock held it is cut off. */
static int log_replay(struct mail_index *index, const char **error_r)
{
	struct stat st;

	if (fstat(index->log_fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %s", index->log_path, strerror(errno));
		return -1;
	}
	if ((uint64_t)st.st_size <= index->log_offset)
		return 0;
	size_t size = (size_t)((uint64_t)st.st_size - index->log_offset);
	unsigned char *buf = i_malloc(size);
	ssize_t ret = pread(index->log_fd, buf, size, (off_t)index->log_offset);
	if (ret < 0) {
		*error_r = t_strdup_printf("pread(%s) failed: %s", index->log_path, strerror(errno));
		i_free(buf);
		return -1;
	}
	size = (size_t)ret;
	size_t pos = 0;
	int changed = 0;
	const char *reason = NULL;
	while (size - pos >= sizeof(struct mail_index_log_entry)) {
		struct mail_index_log_entry entry;
		memcpy(&entry, buf + pos, sizeof(entry));
		if (entry.size < sizeof(entry) || entry.size % 8 != 0 ||
		    entry.size > MAIL_INDEX_LOG_MAX_ENTRY_SIZE) {
			reason = "bad entry size";
			break;
		}
		if (entry.size > size - pos)
			break; /* not complete (yet) */
		if (index_crc(buf + pos + 8, entry.size - 8) != entry.crc) {
			reason = "entry checksum mismatch";
			break;
		}
		if (apply_entry(index, buf + pos, entry.size, &reason) < 0) {
			/* a valid CRC over invalid ops: a bug or a forged file */
			i_free(buf);
			index_set_broken(index, t_strdup_printf("log: %s", reason));
			return 0;
		}
		pos += entry.size;
		changed = 1;
	}
	i_free(buf);
	flush_expunges(index);
	index->log_offset += pos;
	if (reason != NULL && index->lock != NULL) {
		/* we hold the lock: nobody is writing, so this is the tail a
		   crashed writer left. Cut it off. */
		i_warning("Index log %s: %s at offset %llu: dropping the torn tail",
			  index->log_path, reason, (unsigned long long)index->log_offset);
		if (ftruncate(index->log_fd, (off_t)index->log_offset) < 0) {
			*error_r = t_strdup_printf("ftruncate(%s) failed: %s", index->log_path,
						   strerror(errno));
			return -1;
		}
	}
	return changed;
}

/* Opens the log if its sequence matches the snapshot. Returns 1 if usable,
   0 if missing or stale, -1 on error. *newer_r is set when the log is
   newer than the snapshot (a compaction raced with us). */
static int log_open(struct mail_index *index, bool *newer_r, const char **error_r)
{
	struct mail_index_log_header lh;
	struct stat st;

	*newer_r = false;
	i_close_fd(&index->log_fd);
	index->log_usable = false;
	index->log_ino = 0;
	int fd = open(index->log_path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == EACCES)
		fd = open(index->log_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		*error_r = t_strdup_printf("open(%s) failed: %s", index->log_path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %s", index->log_path, strerror(errno));
		i_close_fd(&fd);
		return -1;
	}
	index->log_fd = fd;
	index->log_ino = st.st_ino;
	index->log_dev = st.st_dev;
	if (pread_full(fd, &lh, sizeof(lh), 0) < 0 || lh.magic != MAIL_INDEX_LOG_MAGIC ||
	    lh.version != MAIL_INDEX_LOG_VERSION || lh.header_size != sizeof(lh) ||
	    lh.indexid != index->indexid)
		return 0;
	if (lh.file_seq > index->log_file_seq) {
		*newer_r = true;
		return 0;
	}
	if (lh.file_seq != index->log_file_seq)
		return 0;
	index->log_usable = true;
	index->log_offset = sizeof(lh);
	return 1;
}

static int index_read_all(struct mail_index *index, const char **error_r)
{
	for (unsigned int attempt = 0;; attempt++) {
		int ret = snapshot_read(index, error_r);
		if (ret <= 0)
			return ret;
		bool newer;
		ret = log_open(index, &newer, error_r);
		if (ret < 0)
			return -1;
		if (newer && attempt < 5)
			continue; /* rotated under us: read the new snapshot */
		if (ret > 0 && log_replay(index, error_r) < 0)
			return -1;
		return index->broken ? 0 : 1;
	}
}

/* mail_index_peek_header()'s replay: only the ops that change the header,
   and the totals each entry carries. */
static void peek_entry(const unsigned char *data, size_t size,
		       struct mail_index_header_info *hdr, struct mail_index_counts *counts)
{
	struct mail_index_log_entry entry;

	memcpy(&entry, data, sizeof(entry));
	for (size_t pos = sizeof(entry); size - pos >= sizeof(struct log_op_header);) {
		struct log_op_header op;
		memcpy(&op, data + pos, sizeof(op));
		if (op.size < sizeof(op) || op.size > size - pos || op.size % 8 != 0)
			break;
		const unsigned char *p = data + pos + sizeof(op);
		size_t psize = op.size - sizeof(op);
		if (op.type == LOG_OP_HEADER && psize >= sizeof(struct mail_index_header_info)) {
			struct mail_index_header_info h;
			memcpy(&h, p, sizeof(h));
			header_merge(hdr, &h);
		} else if (op.type == LOG_OP_RESET && psize >= sizeof(struct log_op_reset)) {
			struct log_op_reset r;
			memcpy(&r, p, sizeof(r));
			header_reset(hdr, &r);
		} else if (op.type == LOG_OP_APPEND && psize >= sizeof(struct log_op_append)) {
			struct log_op_append app;
			memcpy(&app, p, sizeof(app));
			hdr->next_uid = MAX(hdr->next_uid, app.rec.uid + 1);
		}
		pos += op.size;
	}
	hdr->highest_modseq = MAX(hdr->highest_modseq, entry.modseq);
	*counts = entry.counts;
}

int mail_index_peek_header(struct mail_index *index, struct mail_index_header_info *hdr_r,
			   struct mail_index_counts *counts_r, const char **error_r)
{
	struct mail_index_disk_header dh;
	struct mail_index_log_header lh;
	struct stat st;

	int fd = open(index->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		*error_r = t_strdup_printf("open(%s) failed: %s", index->path, strerror(errno));
		return -1;
	}
	int ret = pread_full(fd, &dh, sizeof(dh), 0);
	i_close_fd(&fd);
	if (ret < 0 && errno != 0) {
		*error_r = t_strdup_printf("read(%s) failed: %s", index->path, strerror(errno));
		return -1;
	}
	uint32_t crc = dh.crc;
	dh.crc = 0;
	if (ret < 0 || dh.magic != MAIL_INDEX_MAGIC || dh.version != MAIL_INDEX_VERSION ||
	    dh.header_size != sizeof(dh) || index_crc(&dh, sizeof(dh)) != crc)
		return 0; /* broken: the full open says so and rebuilds */
	memset(hdr_r, 0, sizeof(*hdr_r));
	memset(counts_r, 0, sizeof(*counts_r));
	header_from_disk(&dh, hdr_r, counts_r);

	fd = open(index->log_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1; /* the snapshot alone */
		*error_r = t_strdup_printf("open(%s) failed: %s", index->log_path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %s", index->log_path, strerror(errno));
		i_close_fd(&fd);
		return -1;
	}
	if (pread_full(fd, &lh, sizeof(lh), 0) < 0 || lh.magic != MAIL_INDEX_LOG_MAGIC ||
	    lh.version != MAIL_INDEX_LOG_VERSION || lh.header_size != sizeof(lh) ||
	    lh.indexid != dh.indexid || lh.file_seq != dh.log_file_seq) {
		i_close_fd(&fd);
		/* an older log holds nothing the snapshot lacks; a newer one
		   means a rotation raced with us: let the full open sort
		   that out */
		return lh.magic == MAIL_INDEX_LOG_MAGIC && lh.indexid == dh.indexid &&
		       lh.file_seq < dh.log_file_seq ? 1 : 0;
	}
	size_t size = st.st_size > (off_t)sizeof(lh) ? (size_t)(st.st_size - (off_t)sizeof(lh)) : 0;
	unsigned char *buf = i_malloc(size + 1);
	ssize_t rret = size == 0 ? 0 : pread(fd, buf, size, sizeof(lh));
	i_close_fd(&fd);
	if (rret < 0) {
		*error_r = t_strdup_printf("pread(%s) failed: %s", index->log_path, strerror(errno));
		i_free(buf);
		return -1;
	}
	size = (size_t)rret;
	for (size_t pos = 0; size - pos >= sizeof(struct mail_index_log_entry);) {
		struct mail_index_log_entry entry;
		memcpy(&entry, buf + pos, sizeof(entry));
		if (entry.size < sizeof(entry) || entry.size % 8 != 0 ||
		    entry.size > size - pos ||
		    index_crc(buf + pos + 8, entry.size - 8) != entry.crc)
			break; /* torn or being written: what came before counts */
		peek_entry(buf + pos, entry.size, hdr_r, counts_r);
		pos += entry.size;
	}
	i_free(buf);
	return 1;
}

int mail_index_open(struct mail_index *index, const char **error_r)
{
	return index_read_all(index, error_r);
}

bool mail_index_is_broken(struct mail_index *index)
{
	return index->broken;
}

int mail_index_refresh(struct mail_index *index, const char **error_r)
{
	struct stat st;

	if (!index->have_snapshot) {
		if (index->broken && stat(index->path, &st) == 0 &&
		    st.st_ino == index->broken_ino &&
		    st.st_mtim.tv_sec == index->broken_mtime.tv_sec &&
		    st.st_mtim.tv_nsec == index->broken_mtime.tv_nsec)
			return 0; /* the same broken file: said so already */
		int ret = index_read_all(index, error_r);
		return ret < 0 ? -1 : ret;
	}
	if (stat(index->log_path, &st) < 0) {
		if (errno != ENOENT) {
			*error_r = t_strdup_printf("stat(%s) failed: %s", index->log_path,
						   strerror(errno));
			return -1;
		}
		st.st_ino = 0;
	}
	if (st.st_ino != index->log_ino || st.st_dev != index->log_dev) {
		/* rotated (or created): start over from the snapshot */
		uint64_t old_counter = index->change_counter;
		int ret = index_read_all(index, error_r);
		if (ret < 0)
			return -1;
		index->change_counter = old_counter + 1;
		return 1;
	}
	if (!index->log_usable)
		return 0;
	return log_replay(index, error_r);
}

/* Creates an empty log with the snapshot's sequence (under the lock). */
static int log_create(struct mail_index *index, const char **error_r)
{
	const char *tmp_path = t_strdup_printf("%s.tmp", index->log_path);
	struct mail_index_log_header lh = {
		.magic = MAIL_INDEX_LOG_MAGIC,
		.version = MAIL_INDEX_LOG_VERSION,
		.header_size = sizeof(lh),
		.indexid = index->indexid,
		.file_seq = index->log_file_seq,
	};

	(void)unlink(tmp_path);
	int fd = open(tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, index->set.file_mode);
	if (fd < 0) {
		*error_r = t_strdup_printf("open(%s) failed: %s", tmp_path, strerror(errno));
		return -1;
	}
	file_lock_set_perms(fd, tmp_path, index->set.file_mode, index->set.file_gid);
	if (write_full(fd, &lh, sizeof(lh)) < 0 ||
	    (index->set.fsync_mode != MAIL_FSYNC_NEVER && fdatasync(fd) < 0) ||
	    rename(tmp_path, index->log_path) < 0) {
		*error_r = t_strdup_printf("writing %s failed: %s", index->log_path, strerror(errno));
		(void)unlink(tmp_path);
		i_close_fd(&fd);
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %s", index->log_path, strerror(errno));
		i_close_fd(&fd);
		return -1;
	}
	i_close_fd(&index->log_fd);
	index->log_fd = fd;
	index->log_ino = st.st_ino;
	index->log_dev = st.st_dev;
	index->log_offset = sizeof(lh);
	index->log_usable = true;
	return 0;
}

static int fsync_dir(const char *dir, const char **error_r)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		*error_r = t_strdup_printf("fsync(%s) failed: %s", dir, strerror(errno));
		i_close_fd(&fd);
		return -1;
	}
	i_close_fd(&fd);
	return 0;
}

int mail_index_compact(struct mail_index *index, const char **error_r)
{
	i_assert(index->lock != NULL);
	flush_expunges(index);
	expunges_sort(index);

	/* a fresh string table with only live names */
	unsigned int count = array_count(&index->recs);
	buffer_t *strings = buffer_create_dynamic(pool_system, index->strings->used + 1);
	buffer_append_c(strings, '\0');
	struct mail_index_record *recs = array_front(&index->recs);
	for (unsigned int i = 0; i < count; i++) {
		const char *name = (const char *)index->strings->data + recs[i].name_offset;
		if (name[0] == '\0') {
			recs[i].name_offset = 0;
			continue;
		}
		recs[i].name_offset = (uint32_t)strings->used;
		buffer_append(strings, name, strlen(name) + 1);
	}
	buffer_free(&index->strings);
	index->strings = strings;

	if (index->indexid == 0) {
		index->indexid = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
		if (index->indexid == 0)
			index->indexid = 1;
	}
	struct mail_index_disk_header dh = {
		.magic = MAIL_INDEX_MAGIC,
		.version = MAIL_INDEX_VERSION,
		.header_size = sizeof(dh),
		.record_size = sizeof(struct mail_index_record),
		.expunge_size = sizeof(struct mail_index_expunge),
		.indexid = index->indexid,
		.uid_validity = index->hdr.uid_validity,
		.next_uid = index->hdr.next_uid,
		.messages_count = count,
		.expunges_count = array_count(&index->expunges),
		.strings_size = (uint32_t)strings->used,
		.log_file_seq = index->log_file_seq + 1,
		.cache_file_seq = index->hdr.cache_file_seq,
		.first_recent_uid = index->hdr.first_recent_uid,
		.highest_modseq = index->hdr.highest_modseq,
		.seen_count = index->counts.seen,
		.recent_count = index->counts.recent,
		.deleted_count = index->counts.deleted,
		.virtual_size = index->counts.virtual_size,
		.physical_size = index->counts.physical_size,
	};
	i_assert(index->counts.messages == count);
	memcpy(dh.sync_stamp, index->hdr.sync_stamp, sizeof(dh.sync_stamp));
	dh.crc = index_crc(&dh, sizeof(dh));

	const char *tmp_path = t_strdup_printf("%s.tmp", index->path);
	(void)unlink(tmp_path);
	int fd = open(tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, index->set.file_mode);
	if (fd < 0) {
		*error_r = t_strdup_printf("open(%s) failed: %s", tmp_path, strerror(errno));
		return -1;
	}
	file_lock_set_perms(fd, tmp_path, index->set.file_mode, index->set.file_gid);
	if (write_full(fd, &dh, sizeof(dh)) < 0 ||
	    write_full(fd, recs, count * sizeof(*recs)) < 0 ||
	    write_full(fd, array_front(&index->expunges),
		       array_count(&index->expunges) * sizeof(struct mail_index_expunge)) < 0 ||
	    write_full(fd, strings->data, strings->used) < 0 ||
	    (index->set.fsync_mode != MAIL_FSYNC_NEVER && fdatasync(fd) < 0) ||
	    rename(tmp_path, index->path) < 0) {
		*error_r = t_strdup_printf("writing %s failed: %s", index->path, strerror(errno));
		(void)unlink(tmp_path);
		i_close_fd(&fd);
		return -1;
	}
	i_close_fd(&fd);
	index->log_file_seq++;
	index->have_snapshot = true;
	index->broken = false;
	/* From here the old log is stale whatever happens next. */
	if (log_create(index, error_r) < 0)
		return -1;
	if (index->set.fsync_mode == MAIL_FSYNC_ALWAYS && fsync_dir(index->dir, error_r) < 0)
		return -1;
	index->change_counter++;
	return 0;
}

/* ---- locking ---- */

int mail_index_lock(struct mail_index *index, const char **error_r)
{
	i_assert(index->lock == NULL);
	int ret = file_lock_take(index->lock_path, index->set.lock_method, index->set.file_mode,
				 index->set.file_gid, index->set.lock_timeout_secs, &index->lock,
				 error_r);
	if (ret <= 0)
		return ret;
	if (mail_index_refresh(index, error_r) < 0) {
		file_lock_release(&index->lock);
		return -1;
	}
	return 1;
}

void mail_index_unlock(struct mail_index *index)
{
	file_lock_release(&index->lock);
}

bool mail_index_is_locked(struct mail_index *index)
{
	return index->lock != NULL;
}

/* ---- reading ---- */

unsigned int mail_index_count(struct mail_index *index)
{
	return array_count(&index->recs);
}

const struct mail_index_header_info *mail_index_get_header(struct mail_index *index)
{
	return &index->hdr;
}

const struct mail_index_counts *mail_index_get_counts(struct mail_index *index)
{
	return &index->counts;
}

const struct mail_index_record *mail_index_lookup(struct mail_index *index, uint32_t seq)
{
	i_assert(seq > 0);
	return array_idx(&index->recs, seq - 1);
}

uint32_t mail_index_lookup_uid_ge(struct mail_index *index, uint32_t uid)
{
	const struct mail_index_record *recs = array_front(&index->recs);
	unsigned int lo = 0, hi = array_count(&index->recs);

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		if (recs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo + 1;
}

uint32_t mail_index_lookup_uid(struct mail_index *index, uint32_t uid)
{
	uint32_t seq = mail_index_lookup_uid_ge(index, uid);

	if (seq > array_count(&index->recs) || array_idx(&index->recs, seq - 1)->uid != uid)
		return 0;
	return seq;
}

const char *mail_index_record_name(struct mail_index *index, const struct mail_index_record *rec)
{
	return (const char *)index->strings->data + rec->name_offset;
}

const struct mail_index_expunge *mail_index_get_expunges(struct mail_index *index,
							 unsigned int *count_r)
{
	expunges_sort(index);
	*count_r = array_count(&index->expunges);
	return *count_r == 0 ? NULL : array_front(&index->expunges);
}

uint64_t mail_index_get_change_counter(struct mail_index *index)
{
	return index->change_counter;
}

const char *mail_index_get_log_path(struct mail_index *index)
{
	return index->log_path;
}

const char *mail_index_get_dir(struct mail_index *index)
{
	return index->dir;
}

const struct mail_index_settings *mail_index_get_settings(struct mail_index *index)
{
	return &index->set;
}

/* ---- transactions ---- */

struct mail_index_transaction *mail_index_transaction_begin(struct mail_index *index)
{
	struct mail_index_transaction *t = i_new(struct mail_index_transaction, 1);

	t->index = index;
	t->ops = buffer_create_dynamic(pool_system, 256);
	return t;
}

static void op_add(struct mail_index_transaction *t, enum mail_index_log_op_type type,
		   const void *data, size_t size, const char *name)
{
	size_t name_size = name == NULL ? 0 : strlen(name) + 1;
	size_t total = sizeof(struct log_op_header) + size + name_size;
	size_t padded = (total + 7) & ~(size_t)7;
	struct log_op_header op = { .type = (uint16_t)type, .size = (uint32_t)padded };

	buffer_append(t->ops, &op, sizeof(op));
	buffer_append(t->ops, data, size);
	if (name != NULL)
		buffer_append(t->ops, name, name_size);
	if (padded > total)
		buffer_append_space(t->ops, padded - total);
}

void mail_index_append(struct mail_index_transaction *t, const struct mail_index_record *rec,
		       const char *name)
{
	struct log_op_append app = { .rec = *rec };

	i_assert(rec->uid > t->last_append_uid);
	t->last_append_uid = rec->uid;
	app.rec.name_offset = 0;
	op_add(t, LOG_OP_APPEND, &app, sizeof(app), name);
	t->bumps_modseq = true;
}

void mail_index_update_flags(struct mail_index_transaction *t, uint32_t uid, uint32_t flags,
			     uint64_t keywords)
{
	struct log_op_flags fl = { .uid = uid, .flags = flags, .keywords = keywords };

	op_add(t, LOG_OP_FLAGS, &fl, sizeof(fl), NULL);
	t->bumps_modseq = true;
}

void mail_index_update_flags_quiet(struct mail_index_transaction *t, uint32_t uid,
				   uint32_t flags, uint64_t keywords)
{
	struct log_op_flags fl = { .uid = uid, .flags = flags, .keywords = keywords };

	op_add(t, LOG_OP_FLAGS_QUIET, &fl, sizeof(fl), NULL);
}

void mail_index_update_name(struct mail_index_transaction *t, uint32_t uid, const char *name)
{
	struct log_op_uid u = { .uid = uid };

	op_add(t, LOG_OP_NAME, &u, sizeof(u), name);
}

void mail_index_update_sizes(struct mail_index_transaction *t, uint32_t uid,
			     uint64_t physical_size, uint64_t virtual_size)
{
	struct log_op_sizes sz = {
		.uid = uid, .physical_size = physical_size, .virtual_size = virtual_size,
	};

	op_add(t, LOG_OP_SIZES, &sz, sizeof(sz), NULL);
}

void mail_index_update_cache(struct mail_index_transaction *t, uint32_t uid,
			     uint32_t cache_offset)
{
	struct log_op_cache c = { .uid = uid, .cache_offset = cache_offset };

	op_add(t, LOG_OP_CACHE, &c, sizeof(c), NULL);
}

void mail_index_expunge(struct mail_index_transaction *t, uint32_t uid)
{
	struct log_op_uid u = { .uid = uid };

	op_add(t, LOG_OP_EXPUNGE, &u, sizeof(u), NULL);
	t->bumps_modseq = true;
}

void mail_index_update_header(struct mail_index_transaction *t,
			      const struct mail_index_header_info *hdr)
{
	op_add(t, LOG_OP_HEADER, hdr, sizeof(*hdr), NULL);
}

void mail_index_reset(struct mail_index_transaction *t, uint32_t uid_validity,
		      uint64_t min_highest_modseq)
{
	struct log_op_reset r = {
		.uid_validity = uid_validity, .min_highest_modseq = min_highest_modseq,
	};

	i_assert(t->ops->used == 0);
	op_add(t, LOG_OP_RESET, &r, sizeof(r), NULL);
	t->reset = true;
	t->reset_min_modseq = min_highest_modseq;
	t->last_append_uid = 0;
}

uint64_t mail_index_transaction_get_modseq(struct mail_index_transaction *t)
{
	if (t->reset)
		return MAX(t->index->hdr.highest_modseq, t->reset_min_modseq) + 1;
	return t->index->hdr.highest_modseq + 1;
}

bool mail_index_transaction_bumps_modseq(struct mail_index_transaction *t)
{
	return t->bumps_modseq;
}

bool mail_index_transaction_has_changes(struct mail_index_transaction *t)
{
	return t->ops->used > 0;
}

static void transaction_free(struct mail_index_transaction **_t)
{
	struct mail_index_transaction *t = *_t;

	*_t = NULL;
	buffer_free(&t->ops);
	i_free(t);
}

void mail_index_transaction_rollback(struct mail_index_transaction **t)
{
	transaction_free(t);
}

/* Puts the index back as the files say after a failed write (the
   in-memory state already had the entry applied). */
static void index_reload_after_failure(struct mail_index *index)
{
	const char *error;
	uint64_t counter = index->change_counter;

	if (index_read_all(index, &error) < 0)
		i_error("Index %s: re-reading after a failed write failed: %s", index->path, error);
	index->change_counter = counter + 1;
}

int mail_index_transaction_commit(struct mail_index_transaction **_t, const char **error_r)
{
	struct mail_index_transaction *t = *_t;
	struct mail_index *index = t->index;
	const char *reason;
	int ret = 0;

	i_assert(index->lock != NULL);
	if (t->ops->used == 0) {
		transaction_free(_t);
		return 0;
	}
	struct mail_index_log_entry entry = {
		.size = (uint32_t)(sizeof(entry) + t->ops->used),
		.modseq = t->bumps_modseq ? mail_index_transaction_get_modseq(t) : 0,
	};
	buffer_t *buf = buffer_create_dynamic(pool_system, entry.size);
	buffer_append(buf, &entry, sizeof(entry));
	buffer_append(buf, t->ops->data, t->ops->used);

	/* applied first, so that the entry can carry the totals after it;
	   a failed write re-reads the index from the files */
	if (apply_entry(index, buf->data, buf->used, &reason) < 0)
		i_panic("index transaction does not apply: %s", reason);
	flush_expunges(index);
	entry.counts = index->counts;
	buffer_write(buf, 0, &entry, sizeof(entry));
	entry.crc = index_crc(buf->data + 8, buf->used - 8);
	buffer_write(buf, 0, &entry, sizeof(entry));

	if (!index->have_snapshot || t->reset) {
		/* no snapshot to log against, or a rebuild: write a new
		   snapshot (which is the durable step) */
		ret = mail_index_compact(index, error_r);
		if (ret < 0)
			index_reload_after_failure(index);
		buffer_free(&buf);
		transaction_free(_t);
		return ret;
	}
	if (!index->log_usable && log_create(index, error_r) < 0) {
		index_reload_after_failure(index);
		buffer_free(&buf);
		transaction_free(_t);
		return -1;
	}
	errno = 0;
	if (pwrite(index->log_fd, buf->data, buf->used, (off_t)index->log_offset) !=
		    (ssize_t)buf->used ||
	    (index->set.fsync_mode == MAIL_FSYNC_ALWAYS && fdatasync(index->log_fd) < 0)) {
		*error_r = t_strdup_printf("write(%s) failed: %s", index->log_path,
					   errno == 0 ? "short write" : strerror(errno));
		/* nothing after log_offset counts; cut it */
		if (ftruncate(index->log_fd, (off_t)index->log_offset) < 0)
			i_error("ftruncate(%s) failed: %m", index->log_path);
		index_reload_after_failure(index);
		ret = -1;
	} else {
		index->log_offset += buf->used;
		if (index->log_offset > index->set.log_rotate_size &&
		    mail_index_compact(index, error_r) < 0) {
			/* the change is in the log: still a success */
			i_error("Compacting index %s failed: %s", index->path, *error_r);
		}
	}
	buffer_free(&buf);
	transaction_free(_t);
	return ret;
}

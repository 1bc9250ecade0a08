/* roost.index.cache, see mail-cache.h and doc/storage.md. */

#include "lib.h"
#include "mail-cache.h"
#include "write-full.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zlib.h>

#define MAIL_CACHE_MAGIC 0x48434352U /* "RCCH" */
#define MAIL_CACHE_VERSION 2
#define MAIL_CACHE_MAX_SIZE 0xf0000000U
/* compaction pays off once half of the file is unused entries: an entry
   is rewritten whole when a field is added to it, so each compaction at
   least halves the file and the copying is amortised O(1) per byte */
#define MAIL_CACHE_COMPACT_MIN_SIZE (32 * 1024)
#define MAIL_CACHE_COMPACT_DELETED_PERCENT 50

struct mail_cache_header {
	uint32_t magic;
	uint16_t version;
	uint16_t header_size;
	uint32_t file_seq;
	/* bytes of entries no record points at any more (replaced by a
	   newer entry, or of an expunged message); updated under the index
	   lock, a heuristic only (a crash may lose some) */
	uint32_t deleted_size;
	uint32_t unused[2];
};

/* entry: header, then fields, each padded to 4 bytes */
struct mail_cache_entry {
	uint32_t size; /* whole entry */
	uint32_t uid;
	uint32_t crc;  /* of the fields */
	uint32_t unused;
};
struct mail_cache_field_header {
	uint16_t field;
	uint16_t unused;
	uint32_t size;
};

struct mail_cache {
	struct mail_index *index;
	char *path;
	int fd;
	uint32_t file_seq;
	void *map;
	size_t map_size;
	buffer_t *tmp;
};

struct mail_cache *mail_cache_alloc(struct mail_index *index)
{
	struct mail_cache *cache = i_new(struct mail_cache, 1);

	cache->index = index;
	cache->path = i_strdup_printf("%s/" MAIL_CACHE_FILE_NAME, mail_index_get_dir(index));
	cache->fd = -1;
	cache->tmp = buffer_create_dynamic(pool_system, 256);
	return cache;
}

static void cache_unmap(struct mail_cache *cache)
{
	if (cache->map != NULL) {
		(void)munmap(cache->map, cache->map_size);
		cache->map = NULL;
		cache->map_size = 0;
	}
}

static void cache_close(struct mail_cache *cache)
{
	cache_unmap(cache);
	i_close_fd(&cache->fd);
	cache->file_seq = 0;
}

void mail_cache_free(struct mail_cache **_cache)
{
	struct mail_cache *cache = *_cache;

	*_cache = NULL;
	cache_close(cache);
	buffer_free(&cache->tmp);
	i_free(cache->path);
	i_free(cache);
}

/* Opens the file when it is the one the index header names. Returns 1 when
   open, 0 when missing or another sequence, -1 on error. */
static int cache_open(struct mail_cache *cache, const char **error_r)
{
	uint32_t want = mail_index_get_header(cache->index)->cache_file_seq;
	struct mail_cache_header hdr;

	if (cache->fd >= 0 && cache->file_seq == want && want != 0)
		return 1;
	cache_close(cache);
	if (want == 0)
		return 0;
	cache->fd = open(cache->path, O_RDWR | O_CLOEXEC);
	if (cache->fd < 0 && errno == EACCES)
		cache->fd = open(cache->path, O_RDONLY | O_CLOEXEC);
	if (cache->fd < 0) {
		if (errno == ENOENT)
			return 0;
		*error_r = t_strdup_printf("open(%s) failed: %s", cache->path, strerror(errno));
		return -1;
	}
	if (pread(cache->fd, &hdr, sizeof(hdr), 0) != sizeof(hdr) ||
	    hdr.magic != MAIL_CACHE_MAGIC || hdr.version != MAIL_CACHE_VERSION ||
	    hdr.header_size != sizeof(hdr) || hdr.file_seq != want) {
		cache_close(cache);
		return 0;
	}
	cache->file_seq = want;
	return 1;
}

static int cache_map(struct mail_cache *cache, size_t need, const char **error_r)
{
	struct stat st;

	if (cache->map != NULL && cache->map_size >= need)
		return 1;
	if (fstat(cache->fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %s", cache->path, strerror(errno));
		return -1;
	}
	if ((uint64_t)st.st_size < need)
		return 0;
	cache_unmap(cache);
	cache->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, cache->fd, 0);
	if (cache->map == MAP_FAILED) {
		cache->map = NULL;
		*error_r = t_strdup_printf("mmap(%s) failed: %s", cache->path, strerror(errno));
		return -1;
	}
	cache->map_size = (size_t)st.st_size;
	return 1;
}

/* Returns the entry's fields area, or NULL when the entry is not valid. */
static const unsigned char *cache_get_entry(struct mail_cache *cache, uint32_t offset,
					    uint32_t uid, size_t *size_r, int *ret_r,
					    const char **error_r)
{
	struct mail_cache_entry entry;

	*ret_r = 0;
	if (offset < sizeof(struct mail_cache_header))
		return NULL;
	int ret = cache_open(cache, error_r);
	if (ret <= 0) {
		*ret_r = ret;
		return NULL;
	}
	ret = cache_map(cache, (size_t)offset + sizeof(entry), error_r);
	if (ret <= 0) {
		*ret_r = ret;
		return NULL;
	}
	memcpy(&entry, (const unsigned char *)cache->map + offset, sizeof(entry));
	if (entry.uid != uid || entry.size < sizeof(entry))
		return NULL;
	ret = cache_map(cache, (size_t)offset + entry.size, error_r);
	if (ret <= 0) {
		*ret_r = ret;
		return NULL;
	}
	const unsigned char *fields = (const unsigned char *)cache->map + offset + sizeof(entry);
	size_t size = entry.size - sizeof(entry);
	if ((uint32_t)crc32(0L, fields, (uInt)size) != entry.crc)
		return NULL;
	*size_r = size;
	return fields;
}

static const unsigned char *fields_find(const unsigned char *fields, size_t size,
					enum mail_cache_field field, size_t *size_r)
{
	size_t pos = 0;

	while (size - pos >= sizeof(struct mail_cache_field_header)) {
		struct mail_cache_field_header fh;
		memcpy(&fh, fields + pos, sizeof(fh));
		pos += sizeof(fh);
		if (fh.size > size - pos)
			return NULL;
		if (fh.field == field) {
			*size_r = fh.size;
			return fields + pos;
		}
		pos += (fh.size + 3) & ~3U;
	}
	return NULL;
}

int mail_cache_lookup(struct mail_cache *cache, uint32_t offset, uint32_t uid,
		      enum mail_cache_field field, const void **data_r, size_t *size_r,
		      const char **error_r)
{
	size_t size;
	int ret;
	const unsigned char *fields = cache_get_entry(cache, offset, uid, &size, &ret, error_r);

	if (fields == NULL)
		return ret < 0 ? -1 : 0;
	const unsigned char *data = fields_find(fields, size, field, size_r);
	if (data == NULL)
		return 0;
	*data_r = data;
	return 1;
}

static void field_append(buffer_t *buf, unsigned int field, const void *data, size_t size)
{
	struct mail_cache_field_header fh = { .field = (uint16_t)field, .size = (uint32_t)size };

	buffer_append(buf, &fh, sizeof(fh));
	buffer_append(buf, data, size);
	size_t pad = ((size + 3) & ~(size_t)3) - size;
	if (pad > 0)
		buffer_append_space(buf, pad);
}

/* Adds size to the header's deleted_size (the index is locked). */
static void cache_add_deleted(struct mail_cache *cache, uint32_t size)
{
	uint32_t deleted;
	off_t pos = offsetof(struct mail_cache_header, deleted_size);

	if (pread(cache->fd, &deleted, sizeof(deleted), pos) != sizeof(deleted))
		return;
	deleted = deleted + size < deleted ? (uint32_t)-1 : deleted + size;
	if (pwrite(cache->fd, &deleted, sizeof(deleted), pos) != sizeof(deleted))
		i_error("pwrite(%s) failed: %m", cache->path);
}

void mail_cache_entry_freed(struct mail_cache *cache, uint32_t offset, uint32_t uid)
{
	const char *error;
	size_t size;
	int ret;

	i_assert(mail_index_is_locked(cache->index));
	if (offset == 0)
		return;
	if (cache_get_entry(cache, offset, uid, &size, &ret, &error) == NULL) {
		if (ret < 0)
			i_error("%s", error);
		return;
	}
	cache_add_deleted(cache, (uint32_t)(size + sizeof(struct mail_cache_entry)));
}

static int cache_create(struct mail_cache *cache, const char **error_r)
{
	const struct mail_index_settings *set = mail_index_get_settings(cache->index);
	uint32_t seq = mail_index_get_header(cache->index)->cache_file_seq;
	struct mail_cache_header hdr = {
		.magic = MAIL_CACHE_MAGIC, .version = MAIL_CACHE_VERSION,
		.header_size = sizeof(hdr), .file_seq = seq,
	};
	const char *tmp_path = t_strdup_printf("%s.tmp", cache->path);

	cache_close(cache);
	(void)unlink(tmp_path);
	int fd = open(tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, set->file_mode);
	if (fd < 0) {
		*error_r = t_strdup_printf("open(%s) failed: %s", tmp_path, strerror(errno));
		return -1;
	}
	file_lock_set_perms(fd, tmp_path, set->file_mode, set->file_gid);
	if (write_full(fd, &hdr, sizeof(hdr)) < 0 || rename(tmp_path, cache->path) < 0) {
		*error_r = t_strdup_printf("creating %s failed: %s", cache->path, strerror(errno));
		(void)unlink(tmp_path);
		i_close_fd(&fd);
		return -1;
	}
	cache->fd = fd;
	cache->file_seq = seq;
	return 0;
}

int mail_cache_add(struct mail_cache *cache, uint32_t old_offset, uint32_t uid,
		   const struct mail_cache_value *values, unsigned int count,
		   uint32_t *offset_r, const char **error_r)
{
	i_assert(mail_index_is_locked(cache->index));
	i_assert(mail_index_get_header(cache->index)->cache_file_seq != 0);

	int ret = cache_open(cache, error_r);
	if (ret < 0)
		return -1;
	if (ret == 0 && cache_create(cache, error_r) < 0)
		return -1;

	buffer_t *buf = cache->tmp;
	buffer_set_used_size(buf, 0);
	struct mail_cache_entry entry = { .uid = uid };
	buffer_append(buf, &entry, sizeof(entry));
	for (unsigned int i = 0; i < count; i++)
		field_append(buf, values[i].field, values[i].data, values[i].size);
	/* keep the old entry's other fields */
	size_t old_size = 0;
	const unsigned char *old = old_offset == 0 ? NULL :
		cache_get_entry(cache, old_offset, uid, &old_size, &ret, error_r);
	for (unsigned int f = 1; old != NULL && f < MAIL_CACHE_FIELD_COUNT; f++) {
		bool replaced = false;
		for (unsigned int i = 0; i < count; i++)
			replaced = replaced || values[i].field == f;
		size_t size;
		const unsigned char *data = fields_find(old, old_size, f, &size);
		if (!replaced && data != NULL)
			field_append(buf, f, data, size);
	}
	entry.size = (uint32_t)buf->used;
	entry.crc = (uint32_t)crc32(0L, buf->data + sizeof(entry), (uInt)(buf->used - sizeof(entry)));
	buffer_write(buf, 0, &entry, sizeof(entry));

	off_t end = lseek(cache->fd, 0, SEEK_END);
	if (end < 0 || (uint64_t)end + buf->used > MAIL_CACHE_MAX_SIZE) {
		*error_r = end < 0 ? t_strdup_printf("lseek(%s) failed: %s", cache->path,
						     strerror(errno)) :
				     t_strdup_printf("%s is full", cache->path);
		return -1;
	}
	if (pwrite(cache->fd, buf->data, buf->used, end) != (ssize_t)buf->used) {
		*error_r = t_strdup_printf("write(%s) failed: %s", cache->path, strerror(errno));
		if (ftruncate(cache->fd, end) < 0)
			i_error("ftruncate(%s) failed: %m", cache->path);
		return -1;
	}
	if (old != NULL)
		cache_add_deleted(cache, (uint32_t)(old_size + sizeof(struct mail_cache_entry)));
	*offset_r = (uint32_t)end;
	return 0;
}

int mail_cache_get_usage(struct mail_cache *cache, uint64_t *file_size_r,
			 uint64_t *deleted_size_r, const char **error_r)
{
	struct mail_cache_header hdr;
	struct stat st;

	*file_size_r = *deleted_size_r = 0;
	int ret = cache_open(cache, error_r);
	if (ret <= 0)
		return ret;
	if (fstat(cache->fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %s", cache->path, strerror(errno));
		return -1;
	}
	if (pread(cache->fd, &hdr, sizeof(hdr), 0) != sizeof(hdr))
		return 0;
	*file_size_r = (uint64_t)st.st_size;
	*deleted_size_r = hdr.deleted_size;
	return 1;
}

int mail_cache_compact_if_needed(struct mail_cache *cache, const char **error_r)
{
	uint64_t size, deleted;

	int ret = mail_cache_get_usage(cache, &size, &deleted, error_r);
	if (ret <= 0)
		return ret;
	if (size < MAIL_CACHE_COMPACT_MIN_SIZE ||
	    deleted * 100 < (size - sizeof(struct mail_cache_header)) *
				    MAIL_CACHE_COMPACT_DELETED_PERCENT)
		return 0;
	return mail_cache_compact(cache, error_r) < 0 ? -1 : 1;
}

struct cache_move {
	uint32_t uid;
	uint32_t offset;
};

int mail_cache_compact(struct mail_cache *cache, const char **error_r)
{
	struct mail_index *index = cache->index;
	const struct mail_index_settings *set = mail_index_get_settings(index);
	struct mail_index_header_info hdr = *mail_index_get_header(index);
	const char *tmp_path = t_strdup_printf("%s.tmp", cache->path);
	ARRAY(struct cache_move) moves;
	int ret;

	i_assert(mail_index_is_locked(index));
	if ((ret = cache_open(cache, error_r)) <= 0)
		return ret;
	hdr.cache_file_seq++;
	if (hdr.cache_file_seq == 0)
		hdr.cache_file_seq = 1;
	struct mail_cache_header chdr = {
		.magic = MAIL_CACHE_MAGIC, .version = MAIL_CACHE_VERSION,
		.header_size = sizeof(chdr), .file_seq = hdr.cache_file_seq,
	};
	(void)unlink(tmp_path);
	int fd = open(tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, set->file_mode);
	if (fd < 0) {
		*error_r = t_strdup_printf("open(%s) failed: %s", tmp_path, strerror(errno));
		return -1;
	}
	file_lock_set_perms(fd, tmp_path, set->file_mode, set->file_gid);

	/* the live entries, in record order, written in big chunks */
	unsigned int count = mail_index_count(index);
	buffer_t *out = buffer_create_dynamic(pool_system, 1024 * 1024 + 4096);
	buffer_append(out, &chdr, sizeof(chdr));
	uint64_t written = 0;
	i_array_init(&moves, count + 1);
	ret = 0;
	for (uint32_t seq = 1; seq <= count && ret == 0; seq++) {
		const struct mail_index_record *rec = mail_index_lookup(index, seq);
		struct cache_move move = { .uid = rec->uid, .offset = 0 };
		size_t size;
		int lret;
		if (rec->cache_offset == 0)
			continue;
		const unsigned char *fields =
			cache_get_entry(cache, rec->cache_offset, rec->uid, &size, &lret, error_r);
		if (lret < 0) {
			ret = -1;
			break;
		}
		if (fields != NULL) {
			move.offset = (uint32_t)(written + out->used);
			buffer_append(out, fields - sizeof(struct mail_cache_entry),
				      size + sizeof(struct mail_cache_entry));
		}
		array_push(&moves, &move);
		if (out->used >= 1024 * 1024) {
			if (write_full(fd, out->data, out->used) < 0) {
				*error_r = t_strdup_printf("write(%s) failed: %s", tmp_path,
							   strerror(errno));
				ret = -1;
			}
			written += out->used;
			buffer_set_used_size(out, 0);
		}
	}
	if (ret == 0 && (write_full(fd, out->data, out->used) < 0 ||
			 (set->fsync_mode != MAIL_FSYNC_NEVER && fdatasync(fd) < 0) ||
			 rename(tmp_path, cache->path) < 0)) {
		*error_r = t_strdup_printf("writing %s failed: %s", cache->path, strerror(errno));
		ret = -1;
	}
	buffer_free(&out);
	i_close_fd(&fd);
	if (ret < 0) {
		(void)unlink(tmp_path);
		array_free(&moves);
		return -1;
	}
	/* From here the old offsets are invalid (the sequence differs): a
	   crash before the index commit only loses what was cached. */
	cache_close(cache);
	struct mail_index_transaction *t = mail_index_transaction_begin(index);
	array_foreach(&moves, m)
		mail_index_update_cache(t, m->uid, m->offset);
	mail_index_update_header(t, &hdr);
	array_free(&moves);
	if (mail_index_transaction_commit(&t, error_r) < 0)
		return -1;
	return 1;
}

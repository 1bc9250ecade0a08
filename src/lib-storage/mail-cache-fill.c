/* Cached fields: parse a message once with lib-mail and keep the IMAP
   texts (ENVELOPE, BODYSTRUCTURE, BODY) and the chosen header fields in
   roost.index.cache, so that FETCH does not read message files.

   What is cached for messages saved later follows "caching decisions",
   as in Dovecot: a field a client asks for is remembered in
   roost.index.cache-fields ("temp" when it was asked for the newest
   message only, "yes" once for an older one), and a save then stores it
   from the bytes it writes anyway. A decision unused for 30 days ("temp":
   15) is dropped. A field asked for and not cached is stored for that
   message at its first fetch.

   Writes are batched: the values wait in the handle (struct
   cache_pending) and mail_cache_flush() appends them with one index
   transaction, so FETCH 1:* over a big mailbox does not commit once per
   message. */

#include "lib.h"
#include "mail-storage-private.h"
#include "mail-cache-fill.h"
#include "message-parser.h"
#include "message-part-data.h"
#include "message-section.h"
#include "message-header-parser.h"
#include "imap-envelope.h"
#include "imap-bodystructure.h"
#include "write-full.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* flush after this many messages or bytes */
#define CACHE_PENDING_MAX_COUNT 256
#define CACHE_PENDING_MAX_BYTES (4 * 1024 * 1024)
/* a header larger than this is not cached (FETCH reads the message) */
#define CACHE_HEADER_MAX_SIZE (256 * 1024)

#define DECISIONS_FILE_NAME MAIL_INDEX_PREFIX ".cache-fields"
#define DECISIONS_HEADER "roost-cache-fields 1\n"
#define DECISION_YES_DROP_SECS (30 * 24 * 3600)
#define DECISION_TEMP_DROP_SECS (15 * 24 * 3600)
/* last_used is written back at most this often */
#define DECISION_TOUCH_SECS (24 * 3600)

/* ---- turning a message into IMAP texts ---- */

void mail_cache_fill_envelope(const struct message_part *parts, string_t *dest)
{
	str_append_c(dest, '(');
	imap_envelope_write(dest, parts->data == NULL ? NULL : parts->data->envelope);
	str_append_c(dest, ')');
}

void mail_cache_fill_bodystructure(const struct message_part *parts, bool extended,
				   string_t *dest)
{
	str_append_c(dest, '(');
	imap_bodystructure_write(dest, parts, extended);
	str_append_c(dest, ')');
}

void mail_cache_fill_envelope_from_header(const void *hdr, size_t size, string_t *dest)
{
	pool_t pool = pool_alloconly_create("message header", 4096);

	mail_cache_fill_envelope(message_parse_buffer(pool, hdr, size, NULL), dest);
	pool_unref(&pool);
}

void mail_cache_fill_parse(const void *data, size_t size, string_t *envelope,
			   string_t *bodystructure, string_t *body)
{
	pool_t pool = pool_alloconly_create("message parts", 4096);
	struct message_part *part = message_parse_buffer(pool, data, size, NULL);

	mail_cache_fill_envelope(part, envelope);
	mail_cache_fill_bodystructure(part, true, bodystructure);
	mail_cache_fill_bodystructure(part, false, body);
	pool_unref(&pool);
}

size_t mail_cache_headers_value(const void *hdr, size_t size, const char *const *names,
				buffer_t *dest)
{
	for (const char *const *n = names; *n != NULL; n++) {
		char *lower = str_lcase(p_strdup(pool_temp, *n));
		buffer_append(dest, lower, strlen(lower) + 1);
	}
	buffer_append_c(dest, '\0');
	size_t block_start = dest->used;
	message_section_extract_fields(hdr, size, names, dest);
	return block_start;
}

struct message_header_parser_ctx *mail_header_scan_init(void)
{
	struct message_header_parser_settings set = { .max_value_size = 1 };

	return message_header_parser_init(&set);
}

bool mail_header_scan_feed(struct message_header_parser_ctx *parser, const void *data,
			   size_t size, uint64_t *hdr_size_r)
{
	const struct message_header_field *field;
	enum message_header_parse_result ret;
	struct message_size hsize;

	message_header_parser_feed(parser, data, size);
	while ((ret = message_header_parser_next(parser, &field)) == MESSAGE_HEADER_PARSE_FIELD)
		;
	if (ret != MESSAGE_HEADER_PARSE_DONE)
		return false;
	message_header_parser_get_size(parser, &hsize);
	*hdr_size_r = hsize.physical_size;
	return true;
}

/* The header block of a HEADERS value when its names cover all of names
   (lowercase), else NULL. */
static const unsigned char *headers_value_block(const void *data, size_t size,
						const char *const *names, size_t *size_r)
{
	const char *p = data, *end = p + size;
	unsigned int covered = 0, wanted = str_array_length(names);
	bool *seen = t_new(bool, wanted + 1);

	while (p < end && *p != '\0') {
		const char *name = p;
		p = memchr(p, '\0', (size_t)(end - p));
		if (p == NULL)
			return NULL;
		p++;
		for (unsigned int i = 0; i < wanted; i++) {
			if (!seen[i] && strcmp(names[i], name) == 0) {
				seen[i] = true;
				covered++;
			}
		}
	}
	if (p >= end || covered < wanted)
		return NULL;
	p++;
	*size_r = (size_t)(end - p);
	return (const unsigned char *)p;
}

/* ---- caching decisions ---- */

static const char *decisions_path(struct mailbox *box)
{
	return t_strconcat(box->index_dir, "/" DECISIONS_FILE_NAME, NULL);
}

/* Parses the file's text into list (allocated from pool). */
static void decisions_parse(pool_t pool, const char *text, ARRAY_TYPE(cache_decision) *list)
{
	const char *const *lines = (const char *const *)p_strsplit(pool_temp, text, "\n");

	if (lines[0] == NULL || strcmp(lines[0], "roost-cache-fields 1") != 0)
		return;
	for (unsigned int i = 1; lines[i] != NULL; i++) {
		const char *const *args = (const char *const *)p_strsplit(pool_temp, lines[i], " ");
		uint64_t last_used;
		if (str_array_length(args) != 3 || str_to_uint64(args[1], &last_used) < 0 ||
		    (strcmp(args[0], "yes") != 0 && strcmp(args[0], "temp") != 0) ||
		    (strcmp(args[2], "envelope") != 0 && strcmp(args[2], "bodystructure") != 0 &&
		     !str_begins(args[2], "hdr.", NULL)))
			continue; /* not ours or damaged: forgotten */
		struct cache_decision d = {
			.field = p_strdup(pool, args[2]),
			.yes = strcmp(args[0], "yes") == 0,
			.last_used = (time_t)last_used,
		};
		array_push(list, &d);
	}
}

static int decisions_read(struct mailbox *box, const char *text)
{
	if (box->decisions_pool == NULL) {
		box->decisions_pool = pool_alloconly_create("cache decisions", 1024);
		p_array_init(&box->decisions, box->decisions_pool, 8);
	} else {
		pool_clear(box->decisions_pool);
		p_array_init(&box->decisions, box->decisions_pool, 8);
	}
	if (text != NULL)
		decisions_parse(box->decisions_pool, text, &box->decisions);
	return 0;
}

/* Reads the file into *text_r (NULL when missing). Returns 0 or -1. */
static int decisions_file_read(struct mailbox *box, const char **text_r, struct stat *st_r)
{
	const char *path = decisions_path(box);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*text_r = NULL;
	memset(st_r, 0, sizeof(*st_r));
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		i_error("open(%s) failed: %m", path);
		return -1;
	}
	string_t *str = str_new(pool_temp, 512);
	char buf[4096];
	ssize_t ret;
	if (fstat(fd, st_r) < 0) {
		i_error("fstat(%s) failed: %m", path);
		i_close_fd(&fd);
		return -1;
	}
	while ((ret = read(fd, buf, sizeof(buf))) > 0 && str_len(str) < 65536)
		str_append_data(str, buf, (size_t)ret);
	i_close_fd(&fd);
	*text_r = str_c(str);
	return 0;
}

void mail_cache_decisions_refresh(struct mailbox *box)
{
	struct stat st;
	const char *text;

	if (box->decisions_changed)
		return; /* ours are newer; merged at the next flush */
	if (stat(decisions_path(box), &st) < 0) {
		if (errno != ENOENT)
			i_error("stat(%s) failed: %m", decisions_path(box));
		memset(&st, 0, sizeof(st));
	}
	if (box->decisions_pool != NULL && st.st_ino == box->decisions_ino &&
	    st.st_mtim.tv_sec == box->decisions_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == box->decisions_mtime.tv_nsec)
		return;
	if (decisions_file_read(box, &text, &st) < 0)
		text = NULL;
	(void)decisions_read(box, text);
	box->decisions_ino = st.st_ino;
	box->decisions_mtime = st.st_mtim;
}

static void decisions_ensure_read(struct mailbox *box)
{
	if (box->decisions_pool == NULL)
		mail_cache_decisions_refresh(box);
}

const char *const *mail_cache_decided_headers(struct mailbox *box, bool *envelope_r,
					      bool *bodystructure_r)
{
	ARRAY_TYPE(const_string) names;
	const char *name;

	decisions_ensure_read(box);
	*envelope_r = *bodystructure_r = false;
	p_array_init(&names, pool_temp, 8);
	array_foreach(&box->decisions, d) {
		if (strcmp(d->field, "envelope") == 0)
			*envelope_r = true;
		else if (strcmp(d->field, "bodystructure") == 0)
			*bodystructure_r = true;
		else if (str_begins(d->field, "hdr.", &name))
			array_push(&names, &name);
	}
	name = NULL;
	array_push(&names, &name);
	return array_front(&names);
}

/* A client asked for field of uid: remember it (see the top). */
static void decision_use(struct mailbox *box, const char *field, uint32_t uid)
{
	unsigned int count = mail_index_count(box->index);
	bool older = count > 0 && uid < mail_index_lookup(box->index, count)->uid;
	time_t now = time(NULL);

	decisions_ensure_read(box);
	array_foreach(&box->decisions, d) {
		if (strcmp(d->field, field) != 0)
			continue;
		if ((older && !d->yes) || d->last_used + DECISION_TOUCH_SECS < now) {
			d->yes = d->yes || older;
			d->last_used = now;
			box->decisions_changed = true;
		}
		return;
	}
	struct cache_decision d = {
		.field = p_strdup(box->decisions_pool, field), .yes = older, .last_used = now,
	};
	array_push(&box->decisions, &d);
	box->decisions_changed = true;
}

/* Writes the decisions, merged with the file's (another process may have
   added some), under the index lock. */
static void decisions_write(struct mailbox *box)
{
	ARRAY_TYPE(cache_decision) merged;
	const char *text, *path = decisions_path(box);
	const char *tmp_path = t_strconcat(path, ".tmp", NULL);
	time_t now = time(NULL);
	struct stat st;

	if (decisions_file_read(box, &text, &st) < 0)
		return;
	p_array_init(&merged, pool_temp, 8);
	if (text != NULL)
		decisions_parse(pool_temp, text, &merged);
	array_foreach(&box->decisions, d) {
		bool found = false;
		array_foreach(&merged, m) {
			if (strcmp(m->field, d->field) == 0) {
				m->yes = m->yes || d->yes;
				m->last_used = MAX(m->last_used, d->last_used);
				found = true;
			}
		}
		if (!found)
			array_push(&merged, d);
	}
	string_t *str = str_new(pool_temp, 256);
	str_append(str, DECISIONS_HEADER);
	array_foreach(&merged, m) {
		if (m->last_used + (m->yes ? DECISION_YES_DROP_SECS : DECISION_TEMP_DROP_SECS) < now)
			continue;
		str_printfa(str, "%s %lld %s\n", m->yes ? "yes" : "temp", (long long)m->last_used,
			    m->field);
	}
	(void)unlink(tmp_path);
	int fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		      box->user->index_set.file_mode);
	if (fd < 0 || write_full(fd, str_data(str), str_len(str)) < 0 || fstat(fd, &st) < 0 ||
	    rename(tmp_path, path) < 0) {
		i_error("Mailbox %s: writing %s failed: %m", box->vname, path);
		i_close_fd(&fd);
		(void)unlink(tmp_path);
		return;
	}
	i_close_fd(&fd);
	box->decisions_changed = false;
	(void)decisions_read(box, str_c(str));
	box->decisions_ino = st.st_ino;
	box->decisions_mtime = st.st_mtim;
}

/* ---- values waiting to be written ---- */

static struct cache_pending *pending_find(struct mailbox *box, uint32_t uid, bool create)
{
	if (!array_is_created(&box->cache_pending)) {
		if (!create)
			return NULL;
		box->cache_pool = pool_alloconly_create("cache pending", 65536);
		i_array_init(&box->cache_pending, 64);
	}
	unsigned int count = array_count(&box->cache_pending), lo = 0, hi = count;
	struct cache_pending *arr = count == 0 ? NULL : array_front(&box->cache_pending);
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		if (arr[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < count && arr[lo].uid == uid)
		return &arr[lo];
	if (!create)
		return NULL;
	/* FETCH goes in UID order: usually an append */
	struct cache_pending *p = array_append_space(&box->cache_pending);
	if (lo < count) {
		arr = array_front(&box->cache_pending);
		memmove(arr + lo + 1, arr + lo, (count - lo) * sizeof(*arr));
		p = &arr[lo];
		memset(p, 0, sizeof(*p));
	}
	p->uid = uid;
	return p;
}

static void pending_add(struct mailbox *box, uint32_t uid, enum mail_cache_field field,
			const void *data, size_t size)
{
	struct cache_pending *p = pending_find(box, uid, true);
	void *copy = p_malloc(box->cache_pool, size + 1);

	memcpy(copy, data, size);
	p->data[field] = copy;
	p->size[field] = (uint32_t)size;
	box->cache_pending_bytes += size;
}

static void pending_maybe_flush(struct mailbox *box)
{
	if (array_count(&box->cache_pending) >= CACHE_PENDING_MAX_COUNT ||
	    box->cache_pending_bytes >= CACHE_PENDING_MAX_BYTES)
		mail_cache_flush(box);
}

void mail_cache_pending_free(struct mailbox *box)
{
	if (array_is_created(&box->cache_pending)) {
		array_free(&box->cache_pending);
		pool_unref(&box->cache_pool);
	}
	box->cache_pending_bytes = 0;
}

void mail_cache_flush(struct mailbox *box)
{
	const char *error;
	bool have_pending = array_count(&box->cache_pending) > 0;

	if (!box->opened || (!have_pending && !box->decisions_changed))
		return;
	int ret = mail_index_lock(box->index, &error);
	if (ret <= 0) {
		/* only an optimisation: drop them */
		if (ret < 0)
			i_error("Mailbox %s: caching failed: %s", box->vname, error);
		mail_cache_pending_free(box);
		return;
	}
	if (box->decisions_changed)
		decisions_write(box);
	struct mail_index_transaction *t = mail_index_transaction_begin(box->index);
	array_foreach(&box->cache_pending, p) {
		uint32_t iseq = mail_index_lookup_uid(box->index, p->uid);
		if (iseq == 0)
			continue; /* expunged meanwhile */
		struct mail_cache_value values[MAIL_CACHE_FIELD_COUNT];
		unsigned int n = 0;
		for (unsigned int f = 1; f < MAIL_CACHE_FIELD_COUNT; f++) {
			if (p->data[f] == NULL)
				continue;
			values[n].field = (enum mail_cache_field)f;
			values[n].data = p->data[f];
			values[n++].size = p->size[f];
		}
		const struct mail_index_record *rec = mail_index_lookup(box->index, iseq);
		uint32_t offset;
		if (mail_cache_add(box->cache, rec->cache_offset, p->uid, values, n, &offset,
				   &error) < 0) {
			i_error("Mailbox %s: caching failed: %s", box->vname, error);
			break;
		}
		mail_index_update_cache(t, p->uid, offset);
	}
	if (mail_index_transaction_commit(&t, &error) < 0)
		i_error("Mailbox %s: caching failed: %s", box->vname, error);
	else if (mail_cache_compact_if_needed(box->cache, &error) < 0)
		i_error("Mailbox %s: compacting the cache failed: %s", box->vname, error);
	mail_index_unlock(box->index);
	mail_cache_pending_free(box);
}

/* ---- lookups ---- */

/* The cached field of uid: from the file, else from the pending values.
   Returns 1 with *data_r (valid until the next cache call), 0 if not
   cached. */
static int cache_lookup(struct mailbox *box, const struct mail_index_record *rec,
			enum mail_cache_field field, const void **data_r, size_t *size_r)
{
	const char *error;

	/* a pending value is the newer one (the header fields a later FETCH
	   asked for replace what the file has) */
	struct cache_pending *p = pending_find(box, rec->uid, false);
	if (p != NULL && p->data[field] != NULL) {
		*data_r = p->data[field];
		*size_r = p->size[field];
		return 1;
	}
	int ret = mail_cache_lookup(box->cache, rec->cache_offset, rec->uid, field, data_r,
				    size_r, &error);
	if (ret < 0)
		i_error("Mailbox %s: %s", box->vname, error);
	return ret > 0 ? 1 : 0;
}

static const struct mail_index_record *view_rec(struct mailbox *box, uint32_t seq)
{
	uint32_t uid = mailbox_seq_to_uid(box, seq);
	uint32_t iseq = uid == 0 ? 0 : mail_index_lookup_uid(box->index, uid);

	if (iseq == 0) {
		mailbox_set_error(box, MAIL_ERROR_EXPUNGED, "Message was expunged");
		return NULL;
	}
	return mail_index_lookup(box->index, iseq);
}

static int cache_field_of(enum mail_fetch_field field)
{
	switch (field) {
	case MAIL_FETCH_ENVELOPE:
		return MAIL_CACHE_FIELD_ENVELOPE;
	case MAIL_FETCH_BODYSTRUCTURE:
		return MAIL_CACHE_FIELD_BODYSTRUCTURE;
	case MAIL_FETCH_BODY:
		return MAIL_CACHE_FIELD_BODY;
	}
	i_unreached();
}

/* Maps the whole message. Returns 0 with *map_r (NULL for an empty one),
   or -1 with the error set. */
static int mail_map(struct mailbox *box, uint32_t seq, void **map_r, uint64_t *size_r)
{
	int fd;

	if (mailbox_mail_open(box, seq, &fd, size_r) < 0)
		return -1;
	*map_r = *size_r == 0 ? NULL : mmap(NULL, (size_t)*size_r, PROT_READ, MAP_PRIVATE, fd, 0);
	i_close_fd(&fd);
	if (*map_r == MAP_FAILED) {
		mailbox_set_critical(box, "mmap() of a message failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int mailbox_mail_get_cached(struct mailbox *box, uint32_t seq, enum mail_fetch_field field,
			    pool_t pool, const char **value_r)
{
	enum mail_cache_field cfield = (enum mail_cache_field)cache_field_of(field);
	const struct mail_index_record *rec = view_rec(box, seq);
	const void *data;
	size_t size;

	if (rec == NULL)
		return -1;
	uint32_t uid = rec->uid;
	decision_use(box, field == MAIL_FETCH_ENVELOPE ? "envelope" : "bodystructure", uid);
	if (cache_lookup(box, rec, cfield, &data, &size) > 0) {
		*value_r = p_strndup(pool, data, size);
		return 0;
	}
	/* not cached: parse the message once, cache what it gives */
	void *map;
	uint64_t fsize;
	if (mail_map(box, seq, &map, &fsize) < 0)
		return -1;
	pool_t parse_pool = pool_alloconly_create("message parts", 4096);
	struct message_part *parts = message_parse_buffer(parse_pool, map == NULL ? "" : map,
							  (size_t)fsize, NULL);
	string_t *env = str_new(pool_temp, 512), *bs = str_new(pool_temp, 512),
		 *body = str_new(pool_temp, 512);
	mail_cache_fill_envelope(parts, env);
	mail_cache_fill_bodystructure(parts, true, bs);
	mail_cache_fill_bodystructure(parts, false, body);
	pending_add(box, uid, MAIL_CACHE_FIELD_ENVELOPE, str_data(env), str_len(env));
	pending_add(box, uid, MAIL_CACHE_FIELD_BODYSTRUCTURE, str_data(bs), str_len(bs));
	pending_add(box, uid, MAIL_CACHE_FIELD_BODY, str_data(body), str_len(body));
	/* the decided header fields too, while the message is at hand */
	bool env_decided, bs_decided;
	const char *const *names = mail_cache_decided_headers(box, &env_decided, &bs_decided);
	if (names[0] != NULL && parts->header_size.physical_size <= CACHE_HEADER_MAX_SIZE) {
		buffer_t *value = buffer_create_dynamic(pool_temp, 512);
		(void)mail_cache_headers_value(map, (size_t)parts->header_size.physical_size,
					       names, value);
		pending_add(box, uid, MAIL_CACHE_FIELD_HEADERS, value->data, value->used);
	}
	pool_unref(&parse_pool);
	if (map != NULL)
		(void)munmap(map, (size_t)fsize);
	string_t *values[] = { env, bs, body };
	*value_r = p_strdup(pool, str_c(values[cfield - 1]));
	pending_maybe_flush(box);
	return 0;
}

/* Reads the message's header. Returns 1 with it in dest, 0 when it is
   larger than CACHE_HEADER_MAX_SIZE, -1 with the error set. */
static int read_header(struct mailbox *box, uint32_t seq, buffer_t *dest)
{
	uint64_t size;
	int fd;

	if (mailbox_mail_open(box, seq, &fd, &size) < 0)
		return -1;
	/* the header ends where the header parser says, which is where
	   FETCH's own parse of the message ends it too */
	struct message_header_parser_ctx *parser = mail_header_scan_init();
	unsigned char buf[8192];
	uint64_t hdr_size = 0;
	bool done = false;
	while (!done && dest->used <= CACHE_HEADER_MAX_SIZE) {
		ssize_t ret = read(fd, buf, sizeof(buf));
		if (ret < 0) {
			mailbox_set_syscall_error(box, "read", "message");
			message_header_parser_deinit(&parser);
			i_close_fd(&fd);
			return -1;
		}
		if (ret == 0)
			break; /* the message is all header */
		buffer_append(dest, buf, (size_t)ret);
		done = mail_header_scan_feed(parser, buf, (size_t)ret, &hdr_size);
	}
	message_header_parser_deinit(&parser);
	i_close_fd(&fd);
	if (done)
		buffer_set_used_size(dest, (size_t)hdr_size);
	else if (dest->used > CACHE_HEADER_MAX_SIZE)
		return 0;
	return 1;
}

int mailbox_mail_get_header_fields(struct mailbox *box, uint32_t seq, const char *const *names,
				   pool_t pool, const void **data_r, size_t *size_r)
{
	const struct mail_index_record *rec = view_rec(box, seq);
	const unsigned char *block;
	const void *data;
	size_t size, block_size;

	if (rec == NULL)
		return -1;
	uint32_t uid = rec->uid;
	unsigned int count = str_array_length(names);
	const char **lower = t_new(const char *, count + 1);
	for (unsigned int i = 0; i < count; i++) {
		lower[i] = str_lcase(p_strdup(pool_temp, names[i]));
		decision_use(box, t_strconcat("hdr.", lower[i], NULL), uid);
	}
	if (cache_lookup(box, rec, MAIL_CACHE_FIELD_HEADERS, &data, &size) > 0 &&
	    (block = headers_value_block(data, size, lower, &block_size)) != NULL) {
		unsigned char *copy = p_malloc(pool, block_size + 1);
		memcpy(copy, block, block_size);
		*data_r = copy;
		*size_r = block_size;
		return 1;
	}
	/* not cached: read the header once, cache every decided field */
	buffer_t *hdr = buffer_create_dynamic(pool_temp, 4096);
	int ret = read_header(box, seq, hdr);
	if (ret <= 0)
		return ret;
	bool env_decided, bs_decided;
	const char *const *all = mail_cache_decided_headers(box, &env_decided, &bs_decided);
	buffer_t *value = buffer_create_dynamic(pool_temp, 512);
	size_t names_size = mail_cache_headers_value(hdr->data, hdr->used, all, value);
	pending_add(box, uid, MAIL_CACHE_FIELD_HEADERS, value->data, value->used);
	block_size = value->used - names_size;
	unsigned char *copy = p_malloc(pool, block_size + 1);
	memcpy(copy, (const unsigned char *)value->data + names_size, block_size);
	*data_r = copy;
	*size_r = block_size;
	pending_maybe_flush(box);
	return 1;
}

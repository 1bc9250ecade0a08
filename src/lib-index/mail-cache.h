#ifndef MAIL_CACHE_H
#define MAIL_CACHE_H

/* roost.index.cache: variable-size cached fields of messages (ENVELOPE,
   BODYSTRUCTURE, chosen headers ...), so FETCH does not read message
   files. Append-only: an entry holds all cached fields of one message;
   the index record's cache_offset points at the message's latest entry.
   Each entry carries the UID and a CRC32, so a stale or torn entry reads
   as "not cached" and the field is computed again. The file is identified
   by a sequence number kept in the index header (cache_file_seq): a new
   sequence (after a rebuild) makes every old offset invalid.

   Appends happen under the index lock. Reading is lock-free (mmap).

   Entries no record points at (replaced by a newer entry of the same
   message, or of an expunged message) are counted in the file's header;
   once they are half of it, mail_cache_compact_if_needed() copies the
   live entries to a new file that replaces the old one by rename(), under
   the next cache_file_seq (see doc/storage.md). */

#include "mail-index.h"

#define MAIL_CACHE_FILE_NAME MAIL_INDEX_PREFIX ".cache"

enum mail_cache_field {
	MAIL_CACHE_FIELD_ENVELOPE = 1,      /* IMAP ENVELOPE text */
	MAIL_CACHE_FIELD_BODYSTRUCTURE = 2, /* IMAP BODYSTRUCTURE text */
	MAIL_CACHE_FIELD_BODY = 3,          /* IMAP BODY text */
	/* chosen header fields: their lowercase names, each followed by a
	   NUL, then a NUL, then the raw bytes of every field with one of
	   those names, in message order */
	MAIL_CACHE_FIELD_HEADERS = 4,
	MAIL_CACHE_FIELD_SENT_DATE = 5,     /* int64 time + int32 tz */
	MAIL_CACHE_FIELD_COUNT
};

struct mail_cache_value {
	enum mail_cache_field field;
	const void *data;
	size_t size;
};

struct mail_cache;

struct mail_cache *mail_cache_alloc(struct mail_index *index);
void mail_cache_free(struct mail_cache **cache);

/* Looks up a field of uid in the entry at offset. Returns 1 with the data
   (valid until the next cache call), 0 when it is not cached, -1 with
   *error_r on an I/O error. */
int mail_cache_lookup(struct mail_cache *cache, uint32_t offset, uint32_t uid,
		      enum mail_cache_field field, const void **data_r, size_t *size_r,
		      const char **error_r);
/* Writes a new entry for uid holding values plus the fields of the entry
   at old_offset that values do not replace. The index must be locked;
   the caller stores *offset_r with mail_index_update_cache(). If the
   cache file's sequence differs from the index header's, the file is
   recreated with the header's sequence first. */
int mail_cache_add(struct mail_cache *cache, uint32_t old_offset, uint32_t uid,
		   const struct mail_cache_value *values, unsigned int count,
		   uint32_t *offset_r, const char **error_r);

/* Counts the entry at offset as unused (its message is being expunged).
   The index must be locked. */
void mail_cache_entry_freed(struct mail_cache *cache, uint32_t offset, uint32_t uid);

/* The file's size and its unused bytes. Returns 1, 0 when there is no
   cache file, -1 with *error_r. */
int mail_cache_get_usage(struct mail_cache *cache, uint64_t *file_size_r,
			 uint64_t *deleted_size_r, const char **error_r);
/* Compacts when unused entries are half of a file of 32 KB or more. The
   index must be locked and refreshed. Returns 1 when compacted, 0 when not
   needed, -1 with *error_r (the cache is only less compact then). */
int mail_cache_compact_if_needed(struct mail_cache *cache, const char **error_r);
/* Copies the entries the index's records point at into a new file, renames
   it over the old one and commits an index transaction pointing the
   records at their new offsets under a new cache_file_seq. Same locking
   and returns as above. */
int mail_cache_compact(struct mail_cache *cache, const char **error_r);

#endif

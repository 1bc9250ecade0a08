#ifndef MAIL_INDEX_H
#define MAIL_INDEX_H

/* Roost's per-mailbox index: roost.index (a snapshot) + roost.index.log
   (an append-only change log replayed on open). The format and the crash
   argument are in doc/storage.md; in short:

   - roost.index = header | records | expunges | strings. Records are
     fixed-size (64 bytes) and sorted by UID; strings hold each record's
     file name (the driver's, e.g. the Maildir file name).
   - roost.index.log = header | entries. One entry per committed
     transaction, with its size and a CRC32: a torn tail (a writer that
     died mid-write) is detected and ignored, and cut off by the next
     writer.
   - Only a process holding the index lock (roost.index.lock) appends to the
     log or rewrites the snapshot. The snapshot is rewritten (tmp file,
     fsync, rename) when the log grows big; it then names the next log
     sequence, so an old log is recognised and replaced.
   - Readers take no lock: they read the snapshot once and then only the
     log entries added since (mail_index_refresh()).

   The index is a cache of what the mailbox's own files say plus the
   modseqs; when it is missing or broken, mail_index_open() says so and the
   driver rebuilds it (mail_index_reset()). */

#include <sys/types.h>
#include <time.h>
#include "file-lock.h"

#define MAIL_INDEX_PREFIX "roost.index"

/* enum mail_flags of the storage API, stored as they are */
#define MAIL_INDEX_FLAGS_MASK 0x001f
#define MAIL_INDEX_FLAG_SEEN 0x0008 /* MAIL_SEEN: counted in the totals */
#define MAIL_INDEX_FLAG_DELETED 0x0004 /* MAIL_DELETED: counted too */
/* driver-private bits of mail_index_record.flags */
#define MAIL_INDEX_REC_FLAG_DRIVER1 0x10000
#define MAIL_INDEX_REC_FLAG_DRIVER2 0x20000

/* up to this many keywords per mailbox (a bitmap per record) */
#define MAIL_INDEX_MAX_KEYWORDS 64

#define MAIL_INDEX_SYNC_STAMP_COUNT 8

struct mail_index_record {
	uint32_t uid;
	uint32_t flags;        /* MAIL_INDEX_FLAGS_MASK + driver bits */
	uint64_t modseq;       /* of the last change to this message */
	uint64_t keywords;     /* bit n: keyword n of the mailbox */
	uint64_t physical_size;
	uint64_t virtual_size; /* (uint64_t)-1: unknown */
	int64_t received_date; /* IMAP INTERNALDATE */
	int64_t saved_date;
	uint32_t name_offset;  /* into the string table; 0 = no name */
	uint32_t cache_offset; /* into roost.index.cache; 0 = nothing cached */
};

struct mail_index_expunge {
	uint32_t uid;
	uint32_t unused;
	uint64_t modseq;
};

/* What the index knows of the mailbox as a whole. */
struct mail_index_header_info {
	uint32_t uid_validity;
	uint32_t next_uid;
	uint64_t highest_modseq;
	uint32_t cache_file_seq;
	/* Messages with a UID >= this have not been claimed as \Recent by a
	   session yet (IMAP SELECT claims them). Never goes back. */
	uint32_t first_recent_uid;
	/* Opaque to the index: the driver records what it has synced (the
	   Maildir driver: mtimes of new/, cur/ and dovecot-uidlist). */
	uint64_t sync_stamp[MAIL_INDEX_SYNC_STAMP_COUNT];
};

/* Totals kept up to date by every change, so that a status needs only
   the header and the log (mail_index_peek_header()). */
struct mail_index_counts {
	uint32_t messages;
	uint32_t seen;
	/* messages with uid >= first_recent_uid */
	uint32_t recent;
	uint32_t deleted;
	uint64_t virtual_size;  /* an unknown one counts as its physical size */
	uint64_t physical_size;
};

enum mail_fsync_mode {
	MAIL_FSYNC_OPTIMIZED,
	MAIL_FSYNC_ALWAYS,
	MAIL_FSYNC_NEVER,
};

struct mail_index_settings {
	enum mail_fsync_mode fsync_mode;
	enum file_lock_method lock_method;
	mode_t file_mode;
	gid_t file_gid; /* (gid_t)-1: the process's */
	unsigned int lock_timeout_secs;
	/* rewrite the snapshot when the log is larger than this (0: default) */
	size_t log_rotate_size;
};

struct mail_index;
struct mail_index_transaction;

/* dir is where roost.index* live (created by the caller). */
struct mail_index *mail_index_alloc(const char *dir, const struct mail_index_settings *set);
void mail_index_free(struct mail_index **index);

/* Reads the snapshot and replays the log. Returns 1 when the index was
   read, 0 when there is none or it was unusable (the reason was logged
   when it was broken; the index is then empty and the caller must rebuild
   it under the lock with mail_index_reset()), -1 with *error_r on an I/O
   error. */
int mail_index_open(struct mail_index *index, const char **error_r);
/* Reads only the snapshot's header and the log, not the records: what a
   status needs. Leaves index as it was. Returns 1 with *hdr_r and
   *counts_r, 0 when there is no usable index (the caller then opens it
   fully, which also rebuilds a broken one), -1 with *error_r. */
int mail_index_peek_header(struct mail_index *index, struct mail_index_header_info *hdr_r,
			   struct mail_index_counts *counts_r, const char **error_r);
/* Reads what other processes appended to the log since the last read
   (and re-reads the snapshot when the log was rotated). Returns 1 when
   something changed, 0 when not, -1 with *error_r. A broken index is
   reported as for open (then 0 with mail_index_is_broken()). */
int mail_index_refresh(struct mail_index *index, const char **error_r);
bool mail_index_is_broken(struct mail_index *index);

/* Takes the index lock and refreshes. Returns 1, 0 on lock timeout, -1. */
int mail_index_lock(struct mail_index *index, const char **error_r);
void mail_index_unlock(struct mail_index *index);
bool mail_index_is_locked(struct mail_index *index);

/* ---- reading: records are numbered by sequence 1..count ---- */
unsigned int mail_index_count(struct mail_index *index);
const struct mail_index_header_info *mail_index_get_header(struct mail_index *index);
const struct mail_index_counts *mail_index_get_counts(struct mail_index *index);
/* seq must be 1..count */
const struct mail_index_record *mail_index_lookup(struct mail_index *index, uint32_t seq);
/* Returns the sequence of uid, or 0 when it does not exist. */
uint32_t mail_index_lookup_uid(struct mail_index *index, uint32_t uid);
/* The first sequence whose UID is >= uid (count+1 when none). */
uint32_t mail_index_lookup_uid_ge(struct mail_index *index, uint32_t uid);
/* The record's name, "" when it has none. Valid until the next change. */
const char *mail_index_record_name(struct mail_index *index,
				   const struct mail_index_record *rec);
/* Expunged UIDs with their modseqs, sorted by UID. */
const struct mail_index_expunge *mail_index_get_expunges(struct mail_index *index,
							 unsigned int *count_r);
/* A counter that changes whenever the index's contents change. */
uint64_t mail_index_get_change_counter(struct mail_index *index);
/* The path of the log file (for change notification). */
const char *mail_index_get_log_path(struct mail_index *index);
const char *mail_index_get_dir(struct mail_index *index);
const struct mail_index_settings *mail_index_get_settings(struct mail_index *index);

/* ---- writing (the index must be locked) ---- */
struct mail_index_transaction *mail_index_transaction_begin(struct mail_index *index);
/* rec->uid must be larger than every UID already in the index or
   appended before. modseq is set at commit. */
void mail_index_append(struct mail_index_transaction *t, const struct mail_index_record *rec,
		       const char *name);
/* Sets flags (incl. driver bits) and keywords; bumps the modseq. */
void mail_index_update_flags(struct mail_index_transaction *t, uint32_t uid, uint32_t flags,
			     uint64_t keywords);
/* Like update_flags, but without a modseq bump (driver bits only). */
void mail_index_update_flags_quiet(struct mail_index_transaction *t, uint32_t uid,
				   uint32_t flags, uint64_t keywords);
void mail_index_update_name(struct mail_index_transaction *t, uint32_t uid, const char *name);
void mail_index_update_sizes(struct mail_index_transaction *t, uint32_t uid,
			     uint64_t physical_size, uint64_t virtual_size);
void mail_index_update_cache(struct mail_index_transaction *t, uint32_t uid,
			     uint32_t cache_offset);
/* uid must be in the index; each uid at most once per transaction.
   Expunging N of M messages costs O(N log M + M), whatever N. */
void mail_index_expunge(struct mail_index_transaction *t, uint32_t uid);
/* Replaces the header (uid_validity, next_uid, sync stamps; a
   highest_modseq, next_uid or first_recent_uid lower than the current one
   is ignored). */
void mail_index_update_header(struct mail_index_transaction *t,
			      const struct mail_index_header_info *hdr);
/* Empties the index (new uid_validity): the first thing a rebuild does.
   The highest modseq becomes max(the current one, min_highest_modseq)
   and the transaction's changes get the next one; a reset without other
   changes leaves the highest modseq at that floor (1 for a new mailbox,
   as Dovecot reports an empty one). */
void mail_index_reset(struct mail_index_transaction *t, uint32_t uid_validity,
		      uint64_t min_highest_modseq);
/* The modseq that this transaction's changes will get. */
uint64_t mail_index_transaction_get_modseq(struct mail_index_transaction *t);
/* Whether committing it hands out a new modseq (appends, flag changes,
   expunges). */
bool mail_index_transaction_bumps_modseq(struct mail_index_transaction *t);
bool mail_index_transaction_has_changes(struct mail_index_transaction *t);
/* Writes the changes to the log and applies them. Frees the transaction.
   Returns 0 or -1 with *error_r (then nothing was applied). */
int mail_index_transaction_commit(struct mail_index_transaction **t, const char **error_r);
void mail_index_transaction_rollback(struct mail_index_transaction **t);

/* Rewrites the snapshot now and starts a new log (the index must be
   locked). */
int mail_index_compact(struct mail_index *index, const char **error_r);

#endif

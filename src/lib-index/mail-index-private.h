#ifndef MAIL_INDEX_PRIVATE_H
#define MAIL_INDEX_PRIVATE_H

/* On-disk structures of roost.index and roost.index.log (see
   doc/storage.md). Native byte order: the magic numbers detect a file
   from a machine of the other endianness, which is then rebuilt. */

#include "mail-index.h"

#define MAIL_INDEX_MAGIC 0x58444952U     /* "RIDX" */
#define MAIL_INDEX_LOG_MAGIC 0x474f4c52U /* "RLOG" */
#define MAIL_INDEX_VERSION 3
#define MAIL_INDEX_LOG_VERSION 2
#define MAIL_INDEX_DEFAULT_LOG_ROTATE_SIZE (256 * 1024)
/* a log entry larger than this is corrupt */
#define MAIL_INDEX_LOG_MAX_ENTRY_SIZE (512U * 1024 * 1024)

struct mail_index_disk_header {
	uint32_t magic;
	uint16_t version;
	uint16_t header_size;
	uint16_t record_size;
	uint16_t expunge_size;
	uint32_t indexid;

	uint32_t uid_validity;
	uint32_t next_uid;
	uint32_t messages_count;
	uint32_t expunges_count;

	uint32_t strings_size;
	uint32_t log_file_seq;
	uint32_t cache_file_seq;
	uint32_t first_recent_uid;

	uint64_t highest_modseq;
	uint64_t sync_stamp[MAIL_INDEX_SYNC_STAMP_COUNT];

	/* the totals (counts.messages == messages_count) */
	uint32_t seen_count;
	uint32_t recent_count;
	uint64_t virtual_size;
	uint64_t physical_size;

	uint32_t deleted_count;
	/* CRC32 of this header with crc = 0 */
	uint32_t crc;
};

struct mail_index_log_header {
	uint32_t magic;
	uint16_t version;
	uint16_t header_size;
	uint32_t indexid;
	uint32_t file_seq;
};

/* One committed transaction. crc covers everything after the crc field
   up to size. */
struct mail_index_log_entry {
	uint32_t size;
	uint32_t crc;
	uint64_t modseq; /* the modseq of this transaction's changes */
	/* the totals after it: a status reads these instead of replaying
	   the ops on the records */
	struct mail_index_counts counts;
};

enum mail_index_log_op_type {
	LOG_OP_APPEND = 1, /* struct log_op_append + name + NUL */
	LOG_OP_FLAGS,      /* struct log_op_flags */
	LOG_OP_FLAGS_QUIET,
	LOG_OP_NAME,       /* struct log_op_uid + name + NUL */
	LOG_OP_SIZES,      /* struct log_op_sizes */
	LOG_OP_CACHE,      /* struct log_op_cache */
	LOG_OP_EXPUNGE,    /* struct log_op_uid (applied in batches, see
			      mail-index.c) */
	LOG_OP_HEADER,     /* struct mail_index_header_info */
	LOG_OP_RESET,      /* struct log_op_reset */
};

/* Every op starts with this; size includes it and is a multiple of 8. */
struct log_op_header {
	uint16_t type;
	uint16_t unused;
	uint32_t size;
};

struct log_op_append {
	struct mail_index_record rec;
};
struct log_op_flags {
	uint32_t uid;
	uint32_t flags;
	uint64_t keywords;
};
struct log_op_uid {
	uint32_t uid;
	uint32_t unused;
};
struct log_op_sizes {
	uint32_t uid;
	uint32_t unused;
	uint64_t physical_size;
	uint64_t virtual_size;
};
struct log_op_cache {
	uint32_t uid;
	uint32_t cache_offset;
};
struct log_op_reset {
	uint32_t uid_validity;
	uint32_t unused;
	uint64_t min_highest_modseq;
};

#endif

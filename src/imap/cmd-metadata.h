#ifndef CMD_METADATA_H
#define CMD_METADATA_H

/* IMAP METADATA (RFC 5464): GETMETADATA and SETMETADATA arguments,
   parsed without I/O. Errors are the texts Dovecot 2.3 sends after
   "BAD Error in IMAP command GETMETADATA: ". */

#include "imap-arg.h"

enum imap_metadata_depth {
	IMAP_METADATA_DEPTH_0,
	IMAP_METADATA_DEPTH_1,
	IMAP_METADATA_DEPTH_INFINITY,
};

struct imap_getmetadata_args {
	/* 0: no MAXSIZE */
	uint64_t maxsize;
	bool have_maxsize;
	enum imap_metadata_depth depth;
	/* as the client sent it (mUTF-7); "" for server metadata */
	const char *mailbox;
	/* validated, lowercase entry names */
	const char *const *entries;
	unsigned int entry_count;
};

struct imap_metadata_change {
	const char *entry; /* validated, lowercase */
	const char *value; /* NULL: remove */
};

struct imap_setmetadata_args {
	const char *mailbox;
	const struct imap_metadata_change *changes;
	unsigned int change_count;
};

/* Checks an entry name: '/' first, no '*', '%', control or 8-bit
   characters, no "//", no '/' at the end, and /private or /shared first
   (any case). Returns the name lowercased (from pool), or NULL with
   *error_r. */
const char *imap_metadata_entry_parse(pool_t pool, const char *name, const char **error_r);
/* "GETMETADATA [(options)] mailbox entry|(entries)". Returns 0 or -1 with
   *error_r. */
int imap_getmetadata_parse(pool_t pool, const struct imap_arg *args,
			   struct imap_getmetadata_args *result_r, const char **error_r);
/* "SETMETADATA mailbox (entry value ...)". Returns 0 or -1 with *error_r. */
int imap_setmetadata_parse(pool_t pool, const struct imap_arg *args,
			   struct imap_setmetadata_args *result_r, const char **error_r);

#endif

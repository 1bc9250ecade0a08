#ifndef MAIL_STORAGE_PRIVATE_H
#define MAIL_STORAGE_PRIVATE_H

/* Inside lib-storage only. */

#include "mail-storage.h"
#include "mail-user.h"
#include "mail-index.h"
#include "mail-cache.h"

/* pool_temp concatenation, as t_strdup_printf() is to p_strdup_printf() */
#define t_strconcat(...) p_strconcat(pool_temp, __VA_ARGS__)

/* driver bit in mail_index_record.flags: the file is in new/ */
#define MAILDIR_REC_FLAG_NEW MAIL_INDEX_REC_FLAG_DRIVER1

/* index sync stamps (struct mail_index_header_info.sync_stamp) */
enum maildir_stamp {
	MAILDIR_STAMP_NEW_MTIME,
	MAILDIR_STAMP_CUR_MTIME,
	MAILDIR_STAMP_UIDLIST_INO,
	MAILDIR_STAMP_UIDLIST_SIZE,
	/* dovecot-uidlist's R: modseqs up to it may be handed out */
	MAILDIR_STAMP_MODSEQ_CEILING,
};

/* a range of UIDs, both ends included */
struct uid_range {
	uint32_t first, last;
};

/* cached fields of one message waiting to be written (one index
   transaction for many messages, see mail-cache-fill.c) */
struct cache_pending {
	uint32_t uid;
	/* by enum mail_cache_field; NULL: not given */
	const void *data[MAIL_CACHE_FIELD_COUNT];
	uint32_t size[MAIL_CACHE_FIELD_COUNT];
};

/* a field clients fetch, cached for messages saved later too (Dovecot's
   caching decisions: "temp" when only the newest message was asked for,
   "yes" once an older one was) */
struct cache_decision {
	const char *field; /* "envelope", "bodystructure", "hdr.<lowercase name>" */
	bool yes;
	time_t last_used;
};
ARRAY_DEFINE_TYPE(cache_decision, struct cache_decision);

struct mailbox {
	pool_t pool;
	struct mail_user *user;
	struct mail_namespace *ns;
	char *vname;
	/* the name inside the namespace, without prefix ("INBOX" for INBOX) */
	char *name;
	bool is_inbox;
	enum mailbox_flags flags;

	/* the Maildir, and where its index and control files are */
	char *path, *index_dir, *control_dir;
	bool opened;
	struct mail_index *index;
	struct mail_cache *cache;

	/* dovecot-keywords: index n = letter 'a' + n */
	pool_t keywords_pool;
	ARRAY_TYPE(const_string) keywords;
	struct timespec keywords_mtime;
	off_t keywords_size;

	/* the view: UIDs as of the last mailbox_sync() */
	ARRAY(uint32_t) view;
	uint64_t view_modseq;
	uint64_t view_change_counter;
	/* \Recent: the UIDs that are recent for this handle (a
	   MAILBOX_FLAG_DROP_RECENT handle claimed them; any other saw them
	   unclaimed when they first came into its view); UIDs from
	   recent_checked_uid on are not sorted out yet */
	ARRAY(struct uid_range) recent_claimed;
	uint32_t recent_checked_uid;

	/* cached fields waiting for mail_cache_flush() */
	pool_t cache_pool;
	ARRAY(struct cache_pending) cache_pending;
	size_t cache_pending_bytes;
	/* roost.index.cache-fields, read when it changed */
	pool_t decisions_pool;
	ARRAY_TYPE(cache_decision) decisions;
	struct timespec decisions_mtime;
	ino_t decisions_ino;
	bool decisions_changed;

	unsigned int save_counter;

	enum mail_error error;
	char *error_string;

	mailbox_notify_callback_t *notify_callback;
	void *notify_context;
	struct mailbox_watch *watch;
};

/* Sets the client-safe error; the caller has logged the details. */
void mailbox_set_error(struct mailbox *box, enum mail_error error, const char *text);
/* Logs log_text (with the mailbox and user) and sets a generic error. */
void mailbox_set_critical(struct mailbox *box, const char *fmt, ...) ATTR_FORMAT(2, 3);
/* Turns an errno of a failed syscall into the right error. */
void mailbox_set_syscall_error(struct mailbox *box, const char *function, const char *path);

/* maildir-sync.c: brings the index up to date with the Maildir (locks
   the index itself unless it is locked already). force: readdir even
   when the directory stamps are unchanged. */
int maildir_sync_index(struct mailbox *box, bool force);
/* Takes box's index lock; a failure or timeout is set as error_box's
   error (the mailbox the caller reports on). Returns 0 or -1. */
int maildir_index_lock(struct mailbox *box, struct mailbox *error_box);
/* Sorts the UIDs new to the handle into \Recent or not: those no session
   has claimed are; a MAILBOX_FLAG_DROP_RECENT handle claims them (under
   the index lock, so exactly one session gets each). Returns 0 or -1. */
int maildir_recent_update(struct mailbox *box);
/* Whether uid is \Recent for this handle. */
bool mailbox_uid_is_recent(struct mailbox *box, uint32_t uid);
/* Reads dovecot-keywords when it changed. */
int maildir_keywords_refresh(struct mailbox *box);
/* Returns the index of keyword name, adding it to dovecot-keywords when
   missing (under its dotlock). -1 with the error set when it is invalid
   or there is no room. */
int maildir_keywords_lookup_or_add(struct mailbox *box, const char *name);
/* Removes files in tmp/ whose mtime, atime and ctime are all older than
   36 hours before now (saves that died before their rename), as Dovecot
   does. Called by the full scans, which are rare; errors are only
   logged. */
void maildir_tmp_cleanup(struct mailbox *box, time_t now);
/* The full path of a record's file. */
const char *maildir_rec_path(struct mailbox *box, const struct mail_index_record *rec);
/* Stats the new/ and cur/ directories into stamps. */
int maildir_get_dir_stamps(struct mailbox *box, uint64_t *new_r, uint64_t *cur_r);

/* mailbox-list.c */
/* Validates name (inside ns, without prefix) and computes the directory
   paths. Returns 0 or -1 with *error_r (client-safe). */
int mailbox_list_get_paths(struct mail_namespace *ns, const char *name, pool_t pool,
			   const char **path_r, const char **index_dir_r,
			   const char **control_dir_r, const char **error_r);
int mailbox_list_mkdir_maildir(struct mailbox *box);

/* mail-cache-fill.c */
/* Writes the pending cached fields (one index transaction), and the
   caching decisions when they changed. Errors are logged: the cache is
   an optimisation. */
void mail_cache_flush(struct mailbox *box);
void mail_cache_pending_free(struct mailbox *box);
/* Reads roost.index.cache-fields when it changed. */
void mail_cache_decisions_refresh(struct mailbox *box);
/* The decided header names (lowercase, NULL-terminated, from pool_temp),
   and whether ENVELOPE / BODYSTRUCTURE are decided. */
const char *const *mail_cache_decided_headers(struct mailbox *box, bool *envelope_r,
					      bool *bodystructure_r);
/* Appends the HEADERS cache value for the fields named in names
   (NULL-terminated) of the header hdr (see MAIL_CACHE_FIELD_HEADERS).
   Returns the offset in dest where its header block starts. */
size_t mail_cache_headers_value(const void *hdr, size_t size, const char *const *names,
				buffer_t *dest);
/* Finding where a message's header ends, fed in chunks: init, then feed
   each chunk (valid only during the call) until it returns true with the
   header's size (its empty line included); deinit with
   message_header_parser_deinit(). */
struct message_header_parser_ctx *mail_header_scan_init(void);
bool mail_header_scan_feed(struct message_header_parser_ctx *parser, const void *data,
			   size_t size, uint64_t *hdr_size_r);

/* mail-attribute.c: removes the attributes of the mailbox whose GUID is
   guid (it was deleted). Errors are logged. */
void mail_attribute_remove_guid(struct mail_user *user, const char *guid);
/* maildir-sync.c: the mailbox's GUID (hex, from pool_temp), written into
   dovecot-uidlist when it has none. Opens the mailbox when needed.
   Returns 0 or -1 with the error set. */
int maildir_mailbox_get_guid(struct mailbox *box, const char **guid_r);

/* mailbox-watch.c */
void mailbox_watch_start(struct mailbox *box);
void mailbox_watch_stop(struct mailbox *box);


#endif

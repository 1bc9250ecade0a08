#ifndef MAIL_STORAGE_H
#define MAIL_STORAGE_H

/* The storage API used by IMAP, POP3, LMTP and roostadm: mailboxes, their
   messages, transactions. One driver: Maildir (maildir/).

   Sequence numbers and UIDs: a mailbox handle keeps a "view", the list of
   UIDs as of its last mailbox_sync(). Sequence numbers index that view and
   change only in mailbox_sync(), which reports what changed since the
   previous one (new UIDs, flag changes, expunged UIDs) so IMAP can send
   EXISTS/FETCH/EXPUNGE. Changes made through the handle's own
   transactions show up at the next sync too.

   Errors: functions return -1 and leave the error on the mailbox
   (mailbox_get_last_error()): a client-safe text and an enum mail_error;
   details were logged. Strings returned live until the next call on the
   same object unless said otherwise. */

#include <time.h>
#include "mail-error.h"

struct mail_user;
struct mail_namespace;
struct mailbox;
struct mailbox_transaction;
struct mail_save_context;

enum mail_flags {
	MAIL_ANSWERED = 0x01,
	MAIL_FLAGGED = 0x02,
	MAIL_DELETED = 0x04,
	MAIL_SEEN = 0x08,
	MAIL_DRAFT = 0x10,
	MAIL_FLAGS_MASK = 0x1f,
	/* not stored: set for messages first seen by this session */
	MAIL_RECENT = 0x20,
};

enum mailbox_flags {
	MAILBOX_FLAG_READONLY = 0x01,
	/* don't create the Maildir when it is INBOX and missing */
	MAILBOX_FLAG_NO_AUTOCREATE = 0x02,
	/* IMAP SELECT: this session takes the \Recent flags. Messages that
	   no session has seen yet (those found when the index was first
	   built, then new arrivals) are \Recent for this handle only, at
	   its open and at each sync; other sessions never see them as
	   \Recent. Without this flag a handle sees as \Recent what no such
	   session has claimed (as of its open), and claims nothing (EXAMINE,
	   STATUS, POP3, LMTP), as Dovecot does. */
	MAILBOX_FLAG_DROP_RECENT = 0x04,
	/* a delivery (LMTP, roost-lda): quota_grace applies, as Dovecot's
	   MAILBOX_FLAG_POST_SESSION */
	MAILBOX_FLAG_POST_SESSION = 0x08,
};

/* ---- mailbox handles ---- */

/* Allocates a handle for vname (UTF-8, namespace prefix and separator
   included). Never fails; errors show at open. */
struct mailbox *mailbox_alloc(struct mail_user *user, const char *vname,
			      enum mailbox_flags flags);
void mailbox_free(struct mailbox **box);
const char *mailbox_get_vname(const struct mailbox *box);
struct mail_namespace *mailbox_get_namespace(const struct mailbox *box);
/* The last error: a client-safe text, and its kind in *error_r. */
const char *mailbox_get_last_error(struct mailbox *box, enum mail_error *error_r);

/* Opens the mailbox and syncs it with the disk (the first view). INBOX is
   created when missing. */
int mailbox_open(struct mailbox *box);
void mailbox_close(struct mailbox *box);
/* Creates the mailbox. special_use may be NULL or "\\Sent" etc. */
int mailbox_create(struct mailbox *box, const char *special_use);
/* Deletes the mailbox and its messages (its children stay). */
int mailbox_delete(struct mailbox *box);
/* Renames src (and its children) to dest's name. Both unopened. */
int mailbox_rename(struct mailbox *src, struct mailbox *dest);
int mailbox_set_subscribed(struct mailbox *box, bool set);
/* Whether the mailbox exists on disk. Returns 1/0, -1 on error. */
int mailbox_exists(struct mailbox *box);

/* ---- status ---- */
struct mailbox_status {
	uint32_t messages;
	uint32_t recent;
	uint32_t unseen;
	uint32_t deleted; /* messages flagged \Deleted */
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highest_modseq;
	uint64_t size;      /* sum of virtual sizes */
	uint64_t phys_size; /* sum of physical sizes */
	uint32_t first_unseen_seq; /* in the current view, 0 = none */
};
/* Works on an unopened handle too: it then reads only the index's header
   and log (not its records) when the Maildir has not changed since the
   index was last synced, else it opens and syncs the mailbox. recent is
   then the number of messages no session has claimed; for an open handle
   it is this handle's \Recent count. */
int mailbox_get_status(struct mailbox *box, struct mailbox_status *status_r);

/* ---- sync ---- */
struct mailbox_sync_result {
	/* UIDs expunged since the last sync, ascending (their sequences are
	   gone from the view now; IMAP sends EXPUNGE for them highest-first
	   computed from the old view, see old_seqs). */
	ARRAY(uint32_t) expunged_uids;
	/* the old sequence numbers of expunged_uids, descending (IMAP EXPUNGE
	   order: each number is valid when sent) */
	ARRAY(uint32_t) expunged_seqs;
	/* UIDs whose flags/keywords changed (and still exist) */
	ARRAY(uint32_t) changed_uids;
	/* messages in the view now; new ones are those after old_count */
	uint32_t messages;
	uint32_t old_messages;
	uint64_t highest_modseq;
};
/* Refreshes from disk and moves the view to the current state. result may
   be NULL; else it is allocated from pool. */
int mailbox_sync(struct mailbox *box, pool_t pool, struct mailbox_sync_result *result);

/* ---- messages in the view ---- */
uint32_t mailbox_count(struct mailbox *box);
/* How many messages of the view are \Recent for this handle. */
uint32_t mailbox_recent_count(struct mailbox *box);
/* 0 when seq is out of range. */
uint32_t mailbox_seq_to_uid(struct mailbox *box, uint32_t seq);
/* 0 when the uid is not in the view. */
uint32_t mailbox_uid_to_seq(struct mailbox *box, uint32_t uid);
/* The first seq whose uid >= uid (count + 1 when none). */
uint32_t mailbox_uid_to_seq_ge(struct mailbox *box, uint32_t uid);

/* A range of UIDs, first <= last. */
struct mailbox_uid_range {
	uint32_t first, last;
};
ARRAY_DEFINE_TYPE(mailbox_uid_range, struct mailbox_uid_range);
/* QRESYNC's vanished UIDs (RFC 7162 3.2.5): the UIDs in
   [first_uid, last_uid] below the mailbox's UIDNEXT that are neither in the
   view nor in the index and whose expunge has a modseq above
   since_modseq, or is not recorded (an index rebuild loses that history:
   such UIDs are reported too, which clients accept). Ascending, merged
   ranges into ranges_r (created by the caller). */
void mailbox_get_vanished(struct mailbox *box, uint64_t since_modseq, uint32_t first_uid,
			  uint32_t last_uid, ARRAY_TYPE(mailbox_uid_range) *ranges_r);

struct mail_info {
	uint32_t uid;
	enum mail_flags flags;
	/* NULL-terminated keyword names */
	const char *const *keywords;
	uint64_t modseq;
	uint64_t physical_size;
	uint64_t virtual_size;
	time_t received_date;
	time_t saved_date;
};
/* Everything the index knows of message seq. Returns 0, or -1 with
   MAIL_ERROR_EXPUNGED when another session expunged it since the last
   sync. No message file is read. */
int mailbox_mail_get_info(struct mailbox *box, uint32_t seq, pool_t pool,
			  struct mail_info *info_r);
/* Opens the message for reading: *fd_r (the caller closes it) and its
   physical size. Returns 0 or -1 (MAIL_ERROR_EXPUNGED if gone). */
int mailbox_mail_open(struct mailbox *box, uint32_t seq, int *fd_r, uint64_t *size_r);

enum mail_fetch_field {
	MAIL_FETCH_ENVELOPE = 1,
	MAIL_FETCH_BODYSTRUCTURE,
	MAIL_FETCH_BODY,
};
/* The IMAP text of an ENVELOPE/BODYSTRUCTURE/BODY, from the cache; when not
   cached, the message is parsed once and the result is cached. Allocated
   from pool. */
int mailbox_mail_get_cached(struct mailbox *box, uint32_t seq, enum mail_fetch_field field,
			    pool_t pool, const char **value_r);

/* The raw header fields named in names (NULL-terminated, any case) of
   message seq: a header block, in message order, that holds every field
   with one of those names and maybe others (filter it as the message's
   header, e.g. with message_section_filter_header()). Served from the
   cache when it has them; else the message's header is read once and
   those fields are cached for it, and, as Dovecot decides, for messages
   saved later (names asked for an older message stay cached). Returns 1
   with the block (allocated from pool), 0 when the header is too large
   to cache (read the message instead), -1 with the error set
   (MAIL_ERROR_EXPUNGED when the message is gone). */
int mailbox_mail_get_header_fields(struct mailbox *box, uint32_t seq, const char *const *names,
				   pool_t pool, const void **data_r, size_t *size_r);

/* ---- transactions ---- */
struct mailbox_transaction *mailbox_transaction_begin(struct mailbox *box);

struct mail_save_params {
	enum mail_flags flags;
	const char *const *keywords; /* NULL-terminated or NULL */
	time_t received_date;        /* 0 = now */
};
/* Starts saving a message; its body is given with mailbox_save_write().
   Returns NULL on error (see the mailbox's error). */
struct mail_save_context *mailbox_save_begin(struct mailbox_transaction *t,
					     const struct mail_save_params *params);
int mailbox_save_write(struct mail_save_context *ctx, const void *data, size_t size);
/* Whether one more message of size bytes may be saved in the transaction
   (the plugins' precommit hooks, i.e. quota, asked before the data comes,
   as for an IMAP literal). Returns 0, or -1 with the mailbox's error
   (MAIL_ERROR_NOQUOTA). The commit checks again. */
int mailbox_save_check_size(struct mailbox_transaction *t, uint64_t size);
/* The message is complete (written and fsynced to tmp/). It becomes
   visible at commit. */
int mailbox_save_finish(struct mail_save_context **ctx);
void mailbox_save_abort(struct mail_save_context **ctx);

/* Copies message src_uid of src (opened) into the transaction's mailbox,
   as a hard link when allowed. Its cached fields are copied too. */
int mailbox_copy(struct mailbox_transaction *t, struct mailbox *src, uint32_t src_uid,
		 const struct mail_save_params *params);
/* Moves message src_uid of src (opened) into the transaction's mailbox at
   commit: the file is renamed from src into this Maildir (one atomic
   step: after a crash the message is in exactly one of them), the
   directories are fsynced, it gets its UID here, and then src's index
   has it expunged. Across file systems the data is copied and the source
   unlinked after the commit. A message that another session expunged
   before the commit is left out (its saved_uids entry is 0). */
int mailbox_move(struct mailbox_transaction *t, struct mailbox *src, uint32_t src_uid,
		 const struct mail_save_params *params);

enum modify_type {
	MODIFY_ADD,
	MODIFY_REMOVE,
	MODIFY_REPLACE,
};
int mailbox_update_flags(struct mailbox_transaction *t, uint32_t uid, enum modify_type type,
			 enum mail_flags flags, const char *const *keywords);
/* CONDSTORE's STORE (UNCHANGEDSINCE): the change is applied at commit only
   if the message's modseq is still <= unchanged_since, tested under the
   commit's lock; otherwise its UID is listed in the commit's
   modified_uids. */
int mailbox_update_flags_conditional(struct mailbox_transaction *t, uint32_t uid,
				     enum modify_type type, enum mail_flags flags,
				     const char *const *keywords, uint64_t unchanged_since);
int mailbox_expunge(struct mailbox_transaction *t, uint32_t uid);

struct mail_transaction_commit_changes {
	uint32_t uid_validity;
	/* the UIDs of saved, copied and moved messages, in save order (0
	   for a move whose source was expunged meanwhile) */
	ARRAY(uint32_t) saved_uids;
	/* the UIDs whose conditional flag change was refused (their modseq
	   was above its unchanged_since), in the order given */
	ARRAY(uint32_t) modified_uids;
};
/* Makes everything durable and visible: saved messages are fsynced,
   renamed into new/ or cur/, the directories fsynced and the UID list
   written before this returns 0. changes may be NULL; else its array is
   allocated from pool. On -1 nothing was saved (some flag changes may
   have been applied). Frees the transaction. */
int mailbox_transaction_commit(struct mailbox_transaction **t, pool_t pool,
			       struct mail_transaction_commit_changes *changes);
/* Group commit. A transaction marked before its saves has their fsync
   deferred to the commit (the writeback starts at save_finish), so that
   mailbox_transactions_commit() can sync many messages with few journal
   commits. */
void mailbox_transaction_set_group_commit(struct mailbox_transaction *t);
/* Commits ts[0..count-1] (any mailboxes of users of this process's uid),
   each with mailbox_transaction_commit()'s guarantees, running every
   durability step for all of them before the next: all files fsynced,
   then (locks taken in path order) all renames, each directory fsynced
   once, every UID list written then synced, then the indexes. rets_r[i]
   is 0, or -1 with the error on ts[i]'s mailbox; changes is NULL or an
   array of count. Frees the transactions. */
void mailbox_transactions_commit(struct mailbox_transaction **ts, unsigned int count,
				 pool_t pool, struct mail_transaction_commit_changes *changes,
				 int *rets_r);
void mailbox_transaction_rollback(struct mailbox_transaction **t);

/* ---- POP3 UIDLs kept with the messages ----
   A per-message string that POP3 shows instead of what pop3_uidl_format
   makes: Dovecot's 'P' field of the dovecot-uidlist record, written by
   pop3_save_uidl or by a migration script, so a later change of the
   format (or of server) keeps the UIDLs clients already know. A 'P' field
   without a value means the message's base file name, as in Dovecot. */
struct mail_pop3_uidl {
	uint32_t uid;
	const char *uidl;
};
ARRAY_DEFINE_TYPE(mail_pop3_uidl, struct mail_pop3_uidl);

/* Appends the kept UIDLs of the mailbox's messages that have one to
   *uidls_r (created from pool), ascending UID. The mailbox is open.
   Returns 0, or -1 with the mailbox's error. */
int mailbox_get_pop3_uidls(struct mailbox *box, pool_t pool,
			   ARRAY_TYPE(mail_pop3_uidl) *uidls_r);
/* Keeps the UIDLs (each 1..70 characters 0x21..0x7e) for their messages,
   replacing earlier ones; messages that are gone are skipped. Durable
   when it returns 0 (dovecot-uidlist is rewritten under its lock).
   Returns -1 with the mailbox's error (MAIL_ERROR_PARAMS for an invalid
   UIDL). */
int mailbox_set_pop3_uidls(struct mailbox *box, const struct mail_pop3_uidl *uidls,
			   unsigned int count);

/* ---- mailbox attributes (IMAP METADATA, RFC 5464) ----
   Kept where mail_attribute_dict = file:<path> says, in Dovecot 2.3's
   file dict format (mail-attribute-file.h), keyed by the mailbox's GUID
   (dovecot-uidlist's G): they follow the mailbox through a rename and are
   removed with it by mailbox_delete(). Keys are the entry names without
   "/private/" or "/shared/" ("comment", "vendor/x/y"), already validated
   by the caller. Server attributes are INBOX's, under
   MAIL_ATTRIBUTE_SERVER_PREFIX, as in Dovecot. */
#define MAIL_ATTRIBUTE_SERVER_PREFIX "vendor/vendor.dovecot/pvt/server/"
/* Keys under this prefix are Dovecot's internal ones (server attributes
   included): IMAP cannot reach them through a mailbox. */
#define MAIL_ATTRIBUTE_INTERNAL_PREFIX "vendor/vendor.dovecot/pvt/"

enum mail_attribute_type {
	MAIL_ATTRIBUTE_TYPE_PRIVATE,
	MAIL_ATTRIBUTE_TYPE_SHARED,
};
struct mailbox_attribute {
	enum mail_attribute_type type;
	const char *key;
	/* NULL: unset (mailbox_attribute_set()) */
	const char *value;
};
ARRAY_DEFINE_TYPE(mailbox_attribute, struct mailbox_attribute);

/* Whether the user has an attribute store (a mail_attribute_dict). */
bool mail_user_has_attributes(const struct mail_user *user);
/* The value of key: 1 with *value_r (from pool), 0 when unset, -1 with the
   mailbox's error (MAIL_ERROR_NOTFOUND when the mailbox does not exist). */
int mailbox_attribute_get(struct mailbox *box, enum mail_attribute_type type, const char *key,
			  pool_t pool, const char **value_r);
/* Every attribute of type whose key starts with prefix ("" for all),
   sorted by key, appended to *attrs_r (created from pool). Returns 0 or
   -1 with the mailbox's error. */
int mailbox_attribute_iter(struct mailbox *box, enum mail_attribute_type type,
			   const char *prefix, pool_t pool,
			   ARRAY_TYPE(mailbox_attribute) *attrs_r);
/* Applies the changes (in order; a NULL value unsets) all at once: the
   file is rewritten through its dot-lock (written, fsynced, renamed).
   Returns 0 or -1 with the mailbox's error. */
int mailbox_attribute_set(struct mailbox *box, const struct mailbox_attribute *changes,
			  unsigned int count);

/* ---- change notification ---- */
typedef void mailbox_notify_callback_t(struct mailbox *box, void *context);
/* Calls callback (from the ioloop) when the mailbox may have changed;
   the callback calls mailbox_sync(). NULL callback stops it. */
void mailbox_notify_changes(struct mailbox *box, mailbox_notify_callback_t *callback,
			    void *context);

#endif

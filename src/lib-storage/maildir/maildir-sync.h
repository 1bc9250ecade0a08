#ifndef MAILDIR_SYNC_H
#define MAILDIR_SYNC_H

/* dovecot-uidlist file handling shared by sync and save (inside the
   Maildir driver only). */

#include <sys/stat.h>
#include "maildir-uidlist.h"
#include "mail-index.h"

struct dotlock;
struct mailbox;

struct maildir_uidlist_ctx {
	struct dotlock *dotlock;
	pool_t pool;
	struct maildir_uidlist *list; /* NULL: missing or broken */
	bool exists;
	struct stat st; /* of the file as read or last written */
	/* set by the caller: maildir_uidlist_append() leaves the fdatasync
	   of an append to it (the fd is left in sync_fd; -1 when nothing is
	   left to sync) so that several files share one journal commit */
	bool defer_sync;
	int sync_fd;
};

const char *maildir_uidlist_path(struct mailbox *box);
/* Takes dovecot-uidlist.lock. */
int maildir_uidlist_lock(struct mailbox *box, struct maildir_uidlist_ctx *ctx);
/* Reads and parses the file (ctx->list NULL when missing or broken). */
int maildir_uidlist_read(struct mailbox *box, struct maildir_uidlist_ctx *ctx);
/* A new empty list (version 3, a new GUID). */
struct maildir_uidlist *maildir_uidlist_new(pool_t pool, uint32_t uid_validity);
/* Writes ctx->list as the new file (through the lock file; releases the
   lock). */
int maildir_uidlist_rewrite(struct mailbox *box, struct maildir_uidlist_ctx *ctx);
/* Appends records (and fdatasyncs), or writes the whole file when it does
   not exist yet. */
int maildir_uidlist_append(struct mailbox *box, struct maildir_uidlist_ctx *ctx,
			   const struct maildir_uidlist_rec *recs, unsigned int count);
/* Releases the lock if still held and frees ctx's memory. */
void maildir_uidlist_unlock(struct maildir_uidlist_ctx *ctx);
/* A new list for a mailbox whose index header is hdr: its UIDVALIDITY and
   next UID, and a modseq reservation (R) above every modseq the index
   knows. */
struct maildir_uidlist *maildir_uidlist_new_for(pool_t pool,
						const struct mail_index_header_info *hdr);

/* Modseqs. dovecot-uidlist's R (the index keeps a copy in a sync stamp)
   is above every modseq handed out in the mailbox, so an index rebuilt
   from the Maildir goes on from there and never hands one out twice.
   Before a commit hands out modseq need > R, R is raised to 2 * need +
   MAILDIR_MODSEQ_RESERVE by rewriting the uidlist: O(log n) rewrites for
   n changes. uctx: the uidlist lock when the caller holds it, else NULL.
   hdr: the index header the caller will write (its stamps are updated).
   Returns 0, or -1 with the error set. */
#define MAILDIR_MODSEQ_RESERVE 1024
int maildir_modseq_reserve(struct mailbox *box, struct maildir_uidlist_ctx *uctx,
			   struct mail_index_header_info *hdr, uint64_t need);
/* Commits *it with hdr (the index is locked) after reserving its modseq.
   Returns 0, or -1 with the error set (nothing was committed). */
int maildir_index_commit(struct mailbox *box, struct mail_index_transaction **it,
			 struct maildir_uidlist_ctx *uctx, struct mail_index_header_info *hdr);
/* Compacts the cache when it is worth it (the index is locked); errors
   are logged. */
void maildir_cache_compact(struct mailbox *box);
/* Expunges rec in it, and counts its cache entry as unused. */
void maildir_index_expunge(struct mailbox *box, struct mail_index_transaction *it,
			   const struct mail_index_record *rec);

#endif

#ifndef MAILDIR_SYNC_H
#define MAILDIR_SYNC_H

/* dovecot-uidlist file handling shared by sync and save (inside the
   Maildir driver only). */

#include <sys/stat.h>
#include "maildir-uidlist.h"

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

#endif

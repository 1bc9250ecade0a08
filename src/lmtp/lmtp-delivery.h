#ifndef LMTP_DELIVERY_H
#define LMTP_DELIVERY_H

/* Local delivery of one message to one recipient through the storage
   layer, under the recipient's uid/gid.

   Privileges: the lmtp process runs as root so that it can deliver for
   any mail user. For each recipient it switches its *effective* ids
   (setgroups to the user's gid, setegid, seteuid) for the whole delivery,
   so every file and directory in the user's Maildir is created by the
   user, never by root, and switches back to root afterwards. uid 0 is
   refused as a mail user, and first/last_valid_uid/gid are enforced. When
   the process does not run as root (standalone tests, or `service lmtp {
   user = vmail }`), only recipients of its own uid can be served; others
   get a temporary failure. */

#include "mail-error.h"

struct lmtp_settings;
struct mail_storage_settings;

struct lmtp_delivery_message {
	/* the message body (after dot-unstuffing), in a file */
	int fd;
	uint64_t size;
	/* trace headers prepended to the copy (CRLF-terminated lines) */
	const char *headers;
};

struct lmtp_delivery_recipient {
	const char *username;          /* from the userdb */
	const char *const *fields;     /* userdb fields "key=value", NULL-terminated */
	const char *detail;            /* recipient_delimiter detail, "" for none */
	/* an explicit target mailbox (the LDA's -m), or NULL: INBOX, or the
	   detail mailbox with lmtp_save_to_detail_mailbox. A missing one
	   falls back to INBOX unless lda_mailbox_autocreate. */
	const char *mailbox;
};

struct lmtp_delivery_result {
	unsigned int code;  /* 250, 451, 452, 552 */
	const char *enh;    /* "2.0.0" ... */
	const char *text;   /* client-safe text after the address */
	const char *mailbox;/* where it was saved (for the log) */
	uint32_t uid;       /* the saved message's UID */
};

/* The first successful save of a message, kept open so that the copies for
   further recipients of the same uid/gid become hard links of it
   (maildir_copy_with_hardlinks; a copy of the data across filesystems). */
struct lmtp_delivery_source;

/* Saves msg for rcpt; the outcome (never an exit) is in *result_r, with
   strings from pool. The save is durable (file and directory fsynced,
   UID list written) before this returns with code 250. *source starts
   NULL for a message; pass the same pointer for each of its recipients
   and free it with lmtp_delivery_source_free() after the last one. */
void lmtp_delivery_deliver(const struct lmtp_settings *set,
			   const struct mail_storage_settings *storage_set,
			   const struct lmtp_delivery_message *msg,
			   const struct lmtp_delivery_recipient *rcpt, pool_t pool,
			   struct lmtp_delivery_source **source,
			   struct lmtp_delivery_result *result_r);
void lmtp_delivery_source_free(struct lmtp_delivery_source **source);

/* The reply for a storage failure of kind error (the one mapping used for
   every recipient): NOSPACE -> 452 4.3.1, NOQUOTA -> 552 5.2.2, anything
   else -> 451 4.3.0. */
void lmtp_delivery_error_reply(enum mail_error error, struct lmtp_delivery_result *result_r);

#endif

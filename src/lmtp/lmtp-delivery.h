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
struct config_tree;

struct lmtp_delivery_message {
	/* the message body (after dot-unstuffing), in a file */
	int fd;
	uint64_t size;
	/* trace headers prepended to the copy (lines end with nl) */
	const char *headers;
	/* the line ending of the message: "\r\n", or "\n" for roost-lda
	   reading an LF message (header lines added by plugins get it) */
	const char *nl;
	/* for the delivery hooks */
	const char *mail_from; /* "" for <> */
	const char *session_id;
};

struct lmtp_delivery_recipient {
	const char *username;          /* from the userdb */
	const char *const *fields;     /* userdb fields "key=value", NULL-terminated */
	const char *detail;            /* recipient_delimiter detail, "" for none */
	/* an explicit target mailbox (the LDA's -m), or NULL: INBOX, or the
	   detail mailbox with lmtp_save_to_detail_mailbox. A missing one
	   falls back to INBOX unless lda_mailbox_autocreate. */
	const char *mailbox;
	const char *address;           /* RCPT TO (or -a), for hooks and postmaster_address */
	const char *orcpt;             /* ORCPT or NULL */
};

struct lmtp_delivery_result {
	unsigned int code;  /* 250, 451, 452, 552, or a plugin's reply */
	const char *enh;    /* "2.0.0" ... */
	const char *text;   /* client-safe text after the address */
	const char *mailbox;/* where it was saved (for the log) */
	uint32_t uid;       /* the saved message's UID */
};

/* Deliveries that share their durability points (group commit): the saves
   of every message and recipient added are committed together (files
   fsynced, renamed, each directory fsynced once, each UID list written
   and synced once) by lmtp_delivery_batch_commit(), which returns only
   when every result is final: a 250 result is durable. Copies of one
   message for several recipients of one uid are hard links of the first
   (maildir_copy_with_hardlinks), unless a plugin changed their headers. */
struct lmtp_delivery_batch;

struct lmtp_delivery_batch *lmtp_delivery_batch_create(const struct lmtp_settings *set,
						       const struct mail_storage_settings *storage_set,
						       const char *hostname);
/* Adds the delivery of msg to rcpt; *result_r is filled in by the commit
   (strings from pool). msg, rcpt and pool must stay valid until then; rcpt
   is copied. */
void lmtp_delivery_batch_add(struct lmtp_delivery_batch *batch,
			     const struct lmtp_delivery_message *msg,
			     const struct lmtp_delivery_recipient *rcpt, pool_t pool,
			     struct lmtp_delivery_result *result_r);
unsigned int lmtp_delivery_batch_count(const struct lmtp_delivery_batch *batch);
/* Delivers everything added, then frees the batch. */
void lmtp_delivery_batch_commit(struct lmtp_delivery_batch **batch);

/* lmtp_rcpt_check_quota at RCPT time: runs the plugins' quota check for
   rcpt (with its ids, its mail user). Returns 0 when it may be accepted,
   -1 with *result_r (the refusal) otherwise. Nothing happens when no
   plugin checks quota. */
int lmtp_delivery_rcpt_check_quota(const struct lmtp_settings *set,
				   const struct mail_storage_settings *storage_set,
				   const struct lmtp_delivery_recipient *rcpt, pool_t pool,
				   struct lmtp_delivery_result *result_r);

/* Loads mail_plugins from mail_plugin_dir and gives them the plugin { }
   settings. A Dovecot plugin Roost has not built yet (sieve, quota ...)
   whose module is missing is skipped with a warning; any other missing
   plugin is an error ("Plugin 'x' not found from directory D"), which
   stops the process as in Dovecot. Returns 0 or -1 with *error_r. */
int lmtp_delivery_plugins_load(const struct lmtp_settings *set, const struct config_tree *tree,
			       const char **error_r);
void lmtp_delivery_plugins_unload(void);

/* The reply for a storage failure of kind error (the one mapping used for
   every recipient): NOSPACE -> 452 4.3.1, NOQUOTA -> 552 5.2.2, anything
   else -> 451 4.3.0. */
void lmtp_delivery_error_reply(enum mail_error error, struct lmtp_delivery_result *result_r);

#endif

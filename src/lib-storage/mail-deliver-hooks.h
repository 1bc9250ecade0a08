#ifndef MAIL_DELIVER_HOOKS_H
#define MAIL_DELIVER_HOOKS_H

/* Hooks into local delivery (LMTP and roost-lda), for plugins such as
   quota and Sieve. They run per recipient, with the recipient's ids and
   mail user (mail_user_plugins_init() has run the mail_user_created hooks).

   A hook answers for its recipient only: it lets the delivery go on
   (possibly into another mailbox or with added header lines), or refuses
   it with an SMTP reply (a 4xx reply makes the MTA retry, 5xx bounces;
   roost-lda turns them into exit codes 75 and 77). */

#include "str.h"

struct module;
struct mail_user;

struct mail_deliver_reply {
	unsigned int code; /* 4xx or 5xx */
	const char *enh;   /* "5.2.2" ... */
	const char *text;  /* client-safe text, after "<address> " */
};

struct mail_deliver_context {
	pool_t pool;            /* lives until the recipient's reply */
	struct mail_user *user; /* the recipient's */
	const char *rcpt_to;    /* the address as in RCPT TO (or -a), UTF-8 */
	const char *orig_rcpt_to; /* ORCPT's address, NULL when none */
	const char *mail_from;  /* the envelope sender, "" for <> */
	const char *session_id; /* the transaction's id (logs, Received:) */
	/* postmaster_address expanded for this recipient: the sender of
	   rejection and vacation mails a plugin writes */
	const char *postmaster_address;
	/* the message as received (without the trace headers), read with
	   pread(); do not move the file offset */
	int msg_fd;
	uint64_t msg_size;

	/* hooks may change these: */
	/* the target mailbox (UTF-8 name with namespace prefix); a missing
	   one falls back to INBOX unless lda_mailbox_autocreate */
	const char *mailbox;
	/* header lines added on top of this recipient's copy, after the
	   trace headers; each line ends with "\r\n" */
	string_t *headers;
};

enum mail_deliver_hook_result {
	MAIL_DELIVER_HOOK_CONTINUE = 0,
	/* refused: *reply_r says why */
	MAIL_DELIVER_HOOK_REJECT,
};

struct mail_deliver_hooks {
	/* At RCPT time, only with lmtp_rcpt_check_quota = yes: may refuse
	   the recipient before the body is sent (over quota: 552 5.2.2). */
	enum mail_deliver_hook_result (*rcpt_check_quota)(struct mail_user *user,
							  const char *rcpt_to,
							  struct mail_deliver_reply *reply_r);
	/* After the body, before the save. */
	enum mail_deliver_hook_result (*deliver)(struct mail_deliver_context *ctx,
						 struct mail_deliver_reply *reply_r);
};

/* Registers hooks (the struct stays valid until removed); module may be
   NULL. */
void mail_deliver_hooks_add(struct module *module, const struct mail_deliver_hooks *hooks);
void mail_deliver_hooks_remove(const struct mail_deliver_hooks *hooks);

/* Called by the delivery code: runs the hooks in order until one
   refuses. */
enum mail_deliver_hook_result hook_mail_deliver_rcpt_check_quota(struct mail_user *user,
								 const char *rcpt_to,
								 struct mail_deliver_reply *reply_r);
enum mail_deliver_hook_result hook_mail_deliver(struct mail_deliver_context *ctx,
						struct mail_deliver_reply *reply_r);
/* Whether any hook of that kind is registered. */
bool mail_deliver_hooks_have_rcpt_check_quota(void);
bool mail_deliver_hooks_have_deliver(void);

#endif

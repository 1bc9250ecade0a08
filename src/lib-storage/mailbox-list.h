#ifndef MAILBOX_LIST_H
#define MAILBOX_LIST_H

/* Listing mailboxes, mailbox names, subscriptions. */

#include "mail-user.h"

enum mailbox_info_flags {
	MAILBOX_NOSELECT = 0x01,
	MAILBOX_NONEXISTENT = 0x02,
	MAILBOX_CHILDREN = 0x04,
	MAILBOX_NOCHILDREN = 0x08,
	MAILBOX_SUBSCRIBED = 0x10,
};

enum mailbox_list_iter_flags {
	/* only subscribed mailboxes (LSUB / LIST (SUBSCRIBED)) */
	MAILBOX_LIST_ITER_SUBSCRIBED = 0x01,
};

struct mailbox_info {
	const char *vname;
	char sep;
	enum mailbox_info_flags flags;
	const char *special_use; /* "" or "\\Sent" ... */
	struct mail_namespace *ns;
};
ARRAY_DEFINE_TYPE(mailbox_info, struct mailbox_info);

/* The special-use flags of mailbox name (inside ns, without the prefix):
   from the configuration's mailbox { special_use } or CREATE-SPECIAL-USE;
   "" when none. */
const char *mailbox_list_get_special_use(struct mail_namespace *ns, const char *name,
					 pool_t pool);

/* Checks a mailbox name (inside ns, without the prefix): every level
   between separators must be non-empty, not "." or "..", without '/' or
   control characters, valid UTF-8; with Maildir++ on disk a level may not
   contain '.' unless '.' is the separator. Returns 0 or -1 with *error_r
   (client-safe). */
int mailbox_name_validate(const struct mail_namespace *ns, const char *name,
			  const char **error_r);

/* Lists the mailboxes matching any of patterns (IMAP LIST: '*' matches
   anything, '%' anything but the separator). Returns the result in name
   order, allocated from pool, or -1 with *error_r (logged already). */
int mailbox_list(struct mail_user *user, const char *const *patterns,
		 enum mailbox_list_iter_flags flags, pool_t pool,
		 ARRAY_TYPE(mailbox_info) *result, const char **error_r);

/* Creates the namespace's "auto = create|subscribe" mailboxes that do not
   exist yet (and subscribes the "subscribe" ones then), with their
   special_use. mail_user_create() calls it for every namespace, so IMAP,
   POP3 and LMTP users all get them at login. Failures are logged. */
void mailbox_list_autocreate(struct mail_namespace *ns);

/* The namespace's subscribed names (with the prefix), from pool. */
int mailbox_list_get_subscriptions(struct mail_namespace *ns, pool_t pool,
				   ARRAY_TYPE(const_string) *names, const char **error_r);

/* Whether vname matches the pattern. */
bool mailbox_list_pattern_match(const char *pattern, const char *vname, char sep);

#endif

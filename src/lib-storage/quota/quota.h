#ifndef QUOTA_H
#define QUOTA_H

/* The quota plugin, built into lib-storage (mail_plugins = quota, as
   Dovecot 2.3's): one quota root per user from plugin { quota = }, its
   limits from quota_rule* (userdb fields first), usage from a Maildir++
   maildirsize file (quota = maildir:NAME) or from the index totals of the
   user's mailboxes (quota = count:NAME); physical sizes unless
   quota_vsizes = yes, as Dovecot.

   quota_plugin_init() registers storage hooks: commits that save or copy
   messages beyond the limit fail with MAIL_ERROR_NOQUOTA ("Quota exceeded
   (mailbox for user is full)" or quota_exceeded_message) before anything
   is renamed into the Maildir; deliveries (MAILBOX_FLAG_POST_SESSION)
   may go over by quota_grace (default 10%) while the user is under the
   limit; moves are not checked (they do not change the usage). Commits
   that change the usage update maildirsize and run quota_warning*
   commands whose threshold they crossed (the first matching one, as
   Dovecot): the command's first word names a service; its unix socket
   base_dir/NAME is sent Dovecot's script protocol, and when nobody
   listens there the program of `service NAME { executable = script
   PATH }` is run directly with the arguments (Roost's master does not
   run script services). A delivery hook refuses RCPT when the user is
   over quota (lmtp_rcpt_check_quota). */

struct mail_user;
struct config_tree;

struct quota_plugin_settings {
	const char *base_dir;
	/* ("service name", "script path", ..., NULL): services whose
	   executable is "script PATH" */
	const char *const *script_services;
};

/* Fills set from the configuration: base_dir and the script services
   (strings from pool). */
void quota_plugin_settings_from_config(const struct config_tree *tree, pool_t pool,
				       struct quota_plugin_settings *set_r);
/* Registers the hooks (set is copied). Users given to
   mail_user_plugins_init() afterwards have quota. */
void quota_plugin_init(const struct quota_plugin_settings *set);
void quota_plugin_deinit(void);
/* Whether "quota" / "imap_quota" is among the names (mail_plugins). */
bool quota_plugin_wanted(const char *const *mail_plugins, const char *name);

struct quota_usage {
	const char *root_name;
	uint64_t bytes, count;
	/* the limits of the rule for the mailbox asked for; 0 = none */
	uint64_t bytes_limit, count_limit;
};

/* The user's quota root name, or NULL when the user has no quota (the
   plugin is not enabled, or plugin { quota } is not set). */
const char *quota_user_root_name(struct mail_user *user);
/* The usage, and the limits that apply to vname (NULL: the default '*'
   rule). Returns 0, or -1 with *error_r (for the log). */
int quota_user_get_usage(struct mail_user *user, const char *vname, struct quota_usage *r,
			 const char **error_r);
/* Recomputes the usage from the mailboxes (maildir: rewrites
   maildirsize). */
int quota_user_recalculate(struct mail_user *user, const char **error_r);

#endif

#ifndef MAIL_STORAGE_SETTINGS_H
#define MAIL_STORAGE_SETTINGS_H

/* The storage's settings (Dovecot 2.3 names and defaults), filled with
   settings_to_struct() from the configuration tree a process received:

     struct mail_storage_settings *set;
     settings_to_struct(tree, tree->root, &mail_storage_setting_table,
                        &filter, pool, (void **)&set, &error);

   The union table in src/config/all-settings.c lists the same keys. */

#include "settings.h"

struct mailbox_settings {
	const char *name;
	const char *autocreate; /* "no", "create", "subscribe" (key "auto") */
	const char *special_use;
};

struct namespace_settings {
	const char *name;
	const char *type;
	const char *separator;
	const char *prefix;
	const char *location;
	bool inbox;
	bool hidden;
	const char *list; /* yes, no, children */
	bool subscriptions;
	bool disabled;
	ARRAY(struct mailbox_settings *) mailboxes;
};

struct mail_storage_settings {
	const char *mail_location;
	const char *mail_home;
	const char *mail_fsync;  /* optimized, always, never */
	const char *lock_method; /* fcntl, flock, dotlock */
	const char *mail_privileged_group;
	/* mailbox attributes (IMAP METADATA): "" or "file:<path>" */
	const char *mail_attribute_dict;
	unsigned int mail_max_keyword_length;
	unsigned int mail_max_lock_timeout;
	bool maildir_copy_with_hardlinks;
	bool maildir_very_dirty_syncs;
	bool mail_debug;
	unsigned int mailbox_idle_check_interval;
	ARRAY(struct namespace_settings *) namespaces;
};

extern const struct setting_table mail_storage_setting_table;
extern const struct setting_table mail_namespace_setting_table;
extern const struct setting_table mail_mailbox_setting_table;

/* The settings for one user: the userdb may give the user's own mail
   location (a "mail=..." field), as in Dovecot. Returns set itself when
   nothing changes, else a copy from pool. */
const struct mail_storage_settings *
mail_storage_settings_apply_userdb(const struct mail_storage_settings *set,
				   const char *const *userdb_fields, pool_t pool);

/* The defaults, for tools and tests that have no configuration tree. */
struct mail_storage_settings *mail_storage_settings_default(pool_t pool);

#endif

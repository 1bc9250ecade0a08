#ifndef MAIL_STORAGE_HOOKS_H
#define MAIL_STORAGE_HOOKS_H

/* Hooks for mail plugins (mail_plugins, loaded from mail_plugin_dir by
   mail_storage_plugins_load()). A plugin registers a struct of callbacks
   in its <name>_plugin_init() and removes it in <name>_plugin_deinit();
   lib-storage and the programs call every registered callback, in load
   order, at these points. Callbacks run with the mail user's ids.

   Per-user state: a plugin keeps its own data for a user with
   mail_user_module_context_set() (freed by the plugin in its
   mail_user_deinit hook). Per-user settings: mail_user_plugin_getenv()
   reads the userdb's extra fields first, then the `plugin { }` section,
   as Dovecot does. */

struct module;
struct mail_user;
struct mailbox;

/* What a transaction changes in a mailbox (for quota). Moves within one
   mailbox count nowhere; a move between two is moved_in for the
   destination and removed for the source (its own committed call). */
struct mailbox_transaction_sizes {
	/* saved and copied messages */
	uint64_t added_bytes, added_vbytes;
	uint32_t added_count;
	/* moved here from other mailboxes */
	uint64_t moved_in_bytes, moved_in_vbytes;
	uint32_t moved_in_count;
	/* expunged, or moved out to another mailbox */
	uint64_t removed_bytes, removed_vbytes;
	uint32_t removed_count;
};

struct mail_storage_hooks {
	/* the user is set up (namespaces ready): a plugin attaches its state */
	void (*mail_user_created)(struct mail_user *user);
	/* the user is about to be freed */
	void (*mail_user_deinit)(struct mail_user *user);
	/* a mailbox was opened (synced with the disk) */
	void (*mailbox_opened)(struct mailbox *box);
	/* before a commit that adds messages, before anything is renamed
	   into the Maildir: returns -1 with the mailbox's error set (e.g.
	   MAIL_ERROR_NOQUOTA) to make the commit fail */
	int (*mailbox_transaction_precommit)(struct mailbox *box,
					     const struct mailbox_transaction_sizes *sizes);
	/* after a successful commit that added or removed messages */
	void (*mailbox_transaction_committed)(struct mailbox *box,
					      const struct mailbox_transaction_sizes *sizes);
};

/* Registers hooks; module is the plugin's (for logs), may be NULL. The
   struct must stay valid until it is removed. */
void mail_storage_hooks_add(struct module *module, const struct mail_storage_hooks *hooks);
void mail_storage_hooks_remove(const struct mail_storage_hooks *hooks);

/* Loads and initialises the modules named in names (mail_plugins) from dir
   (mail_plugin_dir), with the ABI version check. names may contain words
   starting with '$' (an unexpanded $mail_plugins: skipped). Returns 0 or
   -1 with *error_r (e.g. "Plugin 'x' not found from directory D"). */
int mail_storage_plugins_load(const char *dir, const char *const *names, const char **error_r);
/* Deinitialises and unloads them. */
void mail_storage_plugins_unload(void);
/* The loaded plugin modules (NULL when none). */
struct module *mail_storage_plugins_get(void);

/* The `plugin { }` settings as ("key", "value", ..., NULL), kept (not
   copied) for mail_user_plugin_getenv(). */
void mail_storage_plugin_settings_set(const char *const *key_values);

/* Called by the program after mail_user_create() in a process that loads
   plugins: remembers the userdb extra fields ("key=value", NULL-terminated,
   kept, may be NULL) for mail_user_plugin_getenv() and runs the
   mail_user_created hooks. */
void mail_user_plugins_init(struct mail_user *user, const char *const *userdb_fields);
/* Runs the mail_user_deinit hooks (for a user given to
   mail_user_plugins_init()) and forgets the user. mail_user_free() calls
   it. */
void hook_mail_user_deinit(struct mail_user *user);
/* Called by mailbox_open() after a successful open. */
void hook_mailbox_opened(struct mailbox *box);
/* Called by the commit: -1 when a hook refused it (its error is set). */
int hook_mailbox_transaction_precommit(struct mailbox *box,
				       const struct mailbox_transaction_sizes *sizes);
void hook_mailbox_transaction_committed(struct mailbox *box,
					const struct mailbox_transaction_sizes *sizes);

/* A plugin setting for the user: the userdb field key, else `plugin {
   key = }`; NULL when neither is set. */
const char *mail_user_plugin_getenv(struct mail_user *user, const char *key);

/* Per-user plugin data, keyed by the plugin's module. */
void mail_user_module_context_set(struct mail_user *user, struct module *module, void *ctx);
void *mail_user_module_context_get(struct mail_user *user, struct module *module);

#endif

#ifndef IMAP_QUOTA_H
#define IMAP_QUOTA_H

#include "imap-commands.h"

struct client;
struct imap_settings;
struct config_tree;

/* The built-in mail plugins of the process (quota), and plugin { } for
   mail_user_plugin_getenv(); set and tree stay valid until deinit. Each
   session's user then goes through mail_user_plugins_init(). */
void imap_plugins_init(const struct imap_settings *set, const struct config_tree *tree);
void imap_plugins_deinit(void);

/* Whether the session offers QUOTA (imap_quota in mail_plugins). */
bool imap_quota_enabled(const struct client *client);

/* GETQUOTA, GETQUOTAROOT, SETQUOTA; NULL-name terminated. */
extern const struct imap_command imap_quota_commands[];

#endif

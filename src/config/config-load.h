#ifndef CONFIG_LOAD_H
#define CONFIG_LOAD_H

/* Loading the whole configuration the way the master and roostconf see it:
   the built-in services (default_services_config, file name "(built-in)"),
   then the admin's file with its includes, validated against
   all_settings_table, plus the checks that need the whole picture:
   - every word of mail_plugins that names a plugin Roost does not have gives
     one warning ("mail_plugins: plugin 'sieve' is not available yet; it has
     no effect" for the Dovecot plugins still to come, "Plugin 'x' not
     found from directory D" for the others), unless mail_plugin_dir has
     its module;
   - "sieve" and "submission" in protocols give a warning each (Roost does
     not serve them yet) instead of the error of an unknown protocol;
   - a service whose executable is not a Roost program (Dovecot's
     `executable = script /usr/local/bin/quota-warning.sh`) gives a warning,
     not an error: the master does not start it;
   - a passdb/userdb with driver = sql has its args file (Dovecot's
     dovecot-sql.conf.ext) checked against sql_connect_setting_table;
   - the cross-setting checks of the master's table (uid ranges, protocols
     without a service, service limits), reported at the line that set the
     value when it can be found.
   The checks of the other components' own tables are in
   config-components.h (config_components_load()), which the master,
   roostconf and roostadm use. */

#include "settings.h"

/* The name config_load() gives the built-in services in node->file. */
#define CONFIG_BUILTIN_FILE_NAME "(built-in)"

/* Loads path. *tree_r is always set (free it with config_tree_free());
   errors and warnings (arrays the caller created) get every problem found,
   each with file and line, allocated from the tree's pool. Returns 0 when
   there were no errors, -1 otherwise. */
int config_load(const char *path, struct config_tree **tree_r,
		ARRAY_TYPE(settings_error) *errors, ARRAY_TYPE(settings_error) *warnings);

/* Whether Roost has the plugin of that mail_plugins word. None are built
   yet; the quota and Sieve work adds theirs here. */
bool config_mail_plugin_is_available(const char *name);
/* Whether the word names a Dovecot plugin Roost has not built yet (sieve,
   quota, ...): configurations naming it keep working with a warning, and
   the mail processes skip it while mail_plugin_dir has no module for it.
   Any other missing plugin stops the process at start, as in Dovecot. */
bool config_mail_plugin_is_planned(const char *name);

/* Whether the first word of a service's executable is a program Roost
   installs (imap-login, imap, pop3-login, pop3, lmtp, auth, anvil). */
bool config_executable_is_known(const char *executable);

#endif

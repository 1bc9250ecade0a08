#ifndef ALL_SETTINGS_H
#define ALL_SETTINGS_H

/* The union of every setting an admin coming from Dovecot 2.3 may write:
   what the master, auth, login, imap, pop3, lmtp and the storage will read,
   with Dovecot's types and defaults. A whole configuration is validated
   against it (unknown keys, bad values, did-you-mean), roostconf prints from
   it, and its entries that belong to struct master_settings carry their
   offsets, so settings_to_struct() with this table fills a
   struct master_settings (entries of other components use
   SETTING_NO_FIELD until those components exist and own tables of their
   own, with the same keys and defaults).

   Settings of features Roost does not have yet carry SET_FLAG_FUTURE and a
   future_note; TLS private material and passwords carry SET_FLAG_SECRET. */

#include "settings.h"

extern const struct setting_table all_settings_table;

/* Sub-sections of the root, for components that read them. */
extern const struct setting_table passdb_setting_table;
extern const struct setting_table userdb_setting_table;
extern const struct setting_table namespace_setting_table;
extern const struct setting_table mailbox_setting_table;

/* The separate SQL connection file (Dovecot's dovecot-sql.conf.ext: driver,
   connect, password_query, ...), parsed with the same parser as the main
   configuration and named by `passdb { driver = sql  args = FILE }`:
   sql_connect_setting_table. */
#include "sql-settings.h"

/* The master's cross-setting check (uid/gid ranges, protocols that have a
   service); used by master_setting_table and all_settings_table. */
bool master_settings_check(void *set, pool_t pool, const char **error_r);

/* Whether protocol is one Dovecot serves and Roost does not yet ("sieve",
   "submission"); *what_r names the feature for the warning. */
bool master_protocol_is_future(const char *protocol, const char **what_r);

#endif

#ifndef SQL_SETTINGS_H
#define SQL_SETTINGS_H

/* The SQL connection file (Dovecot's dovecot-sql.conf.ext), named by
   `passdb { driver = sql  args = FILE }` and `userdb { ... }`, parsed with
   the same parser as the main configuration. One table serves the
   config's check (roostconf, the master) and auth, which reads the file
   while it is still root. */

#include "settings.h"

struct sql_settings {
	const char *driver;
	const char *connect;
	const char *default_pass_scheme;
	const char *password_query;
	const char *user_query;
	const char *update_query;
	const char *iterate_query;
	bool userdb_warning_disable;
};

/* Its check refuses drivers other than mysql and a connect string that
   does not parse ("driver: ...", "connect: ..." so that the error points
   at the line). */
extern const struct setting_table sql_connect_setting_table;

/* Reads path into *set_r (from pool). Returns 0, or -1 with *error_r
   ("FILE:LINE: message", every error of the file joined by "; "). */
int sql_settings_read_file(const char *path, pool_t pool, const struct sql_settings **set_r,
			   const char **error_r);

#endif

#ifndef AUTH_SETTINGS_H
#define AUTH_SETTINGS_H

/* The auth service's own settings (a subset of all_settings_table with the
   same keys and defaults), filled by settings_to_struct(). */

#include "settings.h"

struct auth_passdb_settings {
	const char *name;
	const char *driver;
	const char *args;
	const char *default_fields;
	const char *override_fields;
	const char *const *mechanisms;
	const char *username_filter;
	const char *skip;
	const char *result_success;
	const char *result_failure;
	const char *result_internalfail;
	bool deny;
	bool pass;
	bool master;
	const char *auth_verbose;
};

struct auth_userdb_settings {
	const char *name;
	const char *driver;
	const char *args;
	const char *default_fields;
	const char *override_fields;
	const char *skip;
	const char *result_success;
	const char *result_failure;
	const char *result_internalfail;
	const char *auth_verbose;
};

struct auth_settings {
	const char *base_dir;
	const char *const *auth_mechanisms;
	bool disable_plaintext_auth;
	const char *auth_username_format;
	const char *auth_default_realm;
	const char *const *auth_realms;
	const char *auth_username_chars;
	const char *auth_username_translation;
	const char *auth_anonymous_username;
	const char *auth_master_user_separator;
	bool auth_verbose;
	const char *auth_verbose_passwords;
	bool auth_debug;
	bool auth_debug_passwords;
	unsigned int auth_failure_delay;
	unsigned int auth_worker_max_count;
	/* accepted; the cache itself is not implemented yet */
	uint64_t auth_cache_size;
	unsigned int auth_cache_ttl;
	unsigned int auth_cache_negative_ttl;
	ARRAY(struct auth_passdb_settings *) passdbs;
	ARRAY(struct auth_userdb_settings *) userdbs;
};

extern const struct setting_table auth_setting_table;

/* Reads the auth settings from the tree. Returns 0 or -1 with *error_r. */
int auth_settings_read(const struct config_tree *tree, pool_t pool,
		       const struct auth_settings **set_r, const char **error_r);

#endif

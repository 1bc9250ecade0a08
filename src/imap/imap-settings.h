#ifndef IMAP_SETTINGS_H
#define IMAP_SETTINGS_H

/* The post-login IMAP process's own settings (Dovecot 2.3 names and
   defaults; the union table in src/config/all-settings.c lists them too). */

#include "settings.h"

struct imap_settings {
	uint64_t imap_max_line_length;
	const char *imap_capability;
	unsigned int imap_idle_notify_interval;
	const char *imap_logout_format;
	/* Roost only: Dovecot's hard-coded 30 minutes of autologout */
	unsigned int imap_autologout_timeout;
	bool imap_literal_minus;
	/* METADATA (RFC 5464), with mail_attribute_dict */
	bool imap_metadata;
	const char *imap_id_send;
	bool mail_debug;
	/* "imap_quota" offers QUOTA; "quota" enforces it (lib-storage) */
	const char *const *mail_plugins;
	/* plugin { } ("key", "value", ..., NULL): quota_max_mail_size is the
	   APPENDLIMIT */
	const char *const *plugin;
};

extern const struct setting_table imap_setting_table;

/* The largest message APPEND accepts (RFC 7889 APPENDLIMIT): plugin {
   quota_max_mail_size }, Dovecot 2.3's per-message limit; 0 = none. An
   unparsable value stops settings_to_struct() with an error. */
uint64_t imap_settings_get_append_limit(const struct imap_settings *set);

/* The defaults, for tests and tools without a configuration tree. */
struct imap_settings *imap_settings_default(pool_t pool);

#endif

#ifndef POP3_SETTINGS_H
#define POP3_SETTINGS_H

/* The post-login POP3 server's settings (Dovecot 2.3 names and defaults;
   src/config/all-settings.c lists the same keys). Filled with
   settings_to_struct(tree, tree->root, &pop3_setting_table, &filter, ...)
   with filter.protocol = "pop3". */

#include "settings.h"

enum pop3_client_workarounds {
	/* replace NUL bytes with 0x80 (Outlook) */
	POP3_WORKAROUND_OUTLOOK_NO_NULS = 0x01,
	/* send the header/body separator line even when the message has none
	   (Outlook Express, Netscape) */
	POP3_WORKAROUND_OE_NS_EOH = 0x02,
};

/* what DELE leads to at QUIT */
enum pop3_delete_type {
	POP3_DELETE_TYPE_EXPUNGE,
	/* pop3_deleted_flag is set; such messages are hidden from POP3 */
	POP3_DELETE_TYPE_FLAG,
};

struct pop3_settings {
	bool pop3_no_flag_updates;
	bool pop3_enable_last;
	bool pop3_reuse_xuidl;
	bool pop3_save_uidl;
	bool pop3_lock_session;
	const char *pop3_uidl_format;
	const char *pop3_logout_format;
	const char *const *pop3_client_workarounds;
	const char *pop3_delete_type;
	const char *pop3_deleted_flag;
	const char *pop3_uidl_duplicates;
	/* "quota": expunges update the quota (lib-storage quota.h) */
	const char *const *mail_plugins;
	const char *const *plugin;

	/* parsed by the table's check */
	enum pop3_client_workarounds parsed_workarounds;
	/* Dovecot's rule: "default" flags when pop3_deleted_flag is set */
	enum pop3_delete_type parsed_delete_type;
};

extern const struct setting_table pop3_setting_table;

/* Parses the names of pop3_client_workarounds. Returns 0, or -1 with
   *error_r naming the unknown workaround. */
int pop3_settings_parse_workarounds(const char *const *names,
				    enum pop3_client_workarounds *workarounds_r,
				    const char **error_r);

#endif

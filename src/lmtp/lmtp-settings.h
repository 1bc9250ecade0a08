#ifndef LMTP_SETTINGS_H
#define LMTP_SETTINGS_H

/* The lmtp process's own settings (Dovecot 2.3 names and defaults; the
   union table src/config/all-settings.c lists the same keys). The storage
   settings come separately from mail_storage_setting_table. */

#include "settings.h"

struct lmtp_settings {
	const char *base_dir;
	const char *hostname;
	const char *mail_temp_dir;
	const char *recipient_delimiter;
	const char *postmaster_address;
	const char *lmtp_hdr_delivery_address;
	const char *const *login_trusted_networks;
	const char *const *mail_plugins;
	const char *mail_plugin_dir;
	/* plugin { } as ("key", "value", ..., NULL) */
	const char *const *plugin;
	bool lmtp_save_to_detail_mailbox;
	bool lmtp_add_received_header;
	bool lmtp_rcpt_check_quota;
	/* over quota: 452 4.2.2 (roost-lda: 75) instead of 552 5.2.2 (77) */
	bool quota_full_tempfail;
	bool lda_mailbox_autocreate;
	bool lda_mailbox_autosubscribe;
	bool mail_debug;
	/* Roost: the largest message accepted (0 = no limit, as Dovecot) */
	uint64_t lmtp_max_mail_size;
	const char *mail_uid;
	const char *mail_gid;
	unsigned int first_valid_uid, last_valid_uid;
	unsigned int first_valid_gid, last_valid_gid;
};

extern const struct setting_table lmtp_setting_table;

#endif

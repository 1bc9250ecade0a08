/* The lmtp process's settings table (lmtp-settings.h). */
#include "lib.h"
#include "roost-config.h"
#include "lmtp-settings.h"
#include "lmtp-proto.h"

#include <stddef.h>

#define DEF(t, name, def)                                                                          \
	{ .type = (t), .key = #name, .offset = offsetof(struct lmtp_settings, name),              \
	  .default_value = (def), .flags = SET_FLAG_FILTERABLE }

/* postmaster_address must give an address for any recipient domain, as
   Dovecot checks it at start */
static bool lmtp_settings_check(void *_set, pool_t pool, const char **error_r)
{
	struct lmtp_settings *set = _set;
	const char *address;

	return lmtp_proto_postmaster_address(pool, set->postmaster_address, "example.com",
					     "localhost", &address, error_r) == 0;
}

static const struct setting_def lmtp_setting_defs[] = {
	{ .type = SET_STR, .key = "base_dir", .offset = offsetof(struct lmtp_settings, base_dir),
	  .default_value = ROOST_RUNDIR },
	DEF(SET_STR, hostname, ""),
	DEF(SET_STR_VARS, mail_temp_dir, "/tmp"),
	DEF(SET_STR, recipient_delimiter, "+"),
	DEF(SET_STR_VARS, postmaster_address, "postmaster@%{if;%d;ne;;%d;%{hostname}}"),
	{ .type = SET_ENUM, .key = "lmtp_hdr_delivery_address",
	  .offset = offsetof(struct lmtp_settings, lmtp_hdr_delivery_address),
	  .default_value = "final", .enum_values = "final:none:original",
	  .flags = SET_FLAG_FILTERABLE },
	DEF(SET_LIST, login_trusted_networks, ""),
	DEF(SET_LIST, mail_plugins, ""),
	DEF(SET_STR, mail_plugin_dir, ROOST_MODULEDIR),
	{ .type = SET_FREE_FORM, .key = "plugin", .offset = offsetof(struct lmtp_settings, plugin) },
	DEF(SET_BOOL, lmtp_save_to_detail_mailbox, "no"),
	DEF(SET_BOOL, lmtp_add_received_header, "yes"),
	DEF(SET_BOOL, lmtp_rcpt_check_quota, "no"),
	DEF(SET_BOOL, quota_full_tempfail, "no"),
	DEF(SET_BOOL, lda_mailbox_autocreate, "no"),
	DEF(SET_BOOL, lda_mailbox_autosubscribe, "no"),
	DEF(SET_BOOL, mail_debug, "no"),
	DEF(SET_SIZE, lmtp_max_mail_size, "0"),
	DEF(SET_STR, mail_uid, ""),
	DEF(SET_STR, mail_gid, ""),
	DEF(SET_UINT, first_valid_uid, "500"),
	DEF(SET_UINT, last_valid_uid, "0"),
	DEF(SET_UINT, first_valid_gid, "1"),
	DEF(SET_UINT, last_valid_gid, "0"),
	{ .key = NULL },
};

const struct setting_table lmtp_setting_table = {
	.name = "lmtp",
	.defs = lmtp_setting_defs,
	.struct_size = sizeof(struct lmtp_settings),
	.named = false,
	.name_offset = SETTING_NO_FIELD,
	.check = lmtp_settings_check,
};

/* The login processes' setting table: the same names and defaults as in
   all_settings_table (Dovecot 2.3's). */
#include "lib.h"
#include "roost-config.h"
#include "login-settings.h"

#include <stddef.h>

#define F SET_FLAG_FILTERABLE
#define DEF(t, name, def)                                                                          \
	{ .type = (t), .key = #name, .offset = offsetof(struct login_settings, name),             \
	  .default_value = (def), .flags = F }

static const struct setting_def login_setting_defs[] = {
	/* Dovecot 2.4's opposite of disable_plaintext_auth */
	{ .type = SET_BOOL, .key = "auth_allow_cleartext", .offset = SETTING_NO_FIELD,
	  .default_value = "no", .alias_of = "disable_plaintext_auth",
	  .flags = SET_FLAG_ALIAS | SET_FLAG_ALIAS_INVERT_BOOL | F },
	{ .type = SET_STR, .key = "base_dir", .offset = offsetof(struct login_settings, base_dir),
	  .default_value = ROOST_RUNDIR },
	DEF(SET_STR_VARS, login_greeting, "Roost ready."),
	DEF(SET_STR_VARS, login_log_format_elements,
	    "user=<%u> method=%m rip=%r lip=%l mpid=%e %c session=<%{session}>"),
	DEF(SET_STR_VARS, login_log_format, "%$: %s"),
	DEF(SET_LIST, login_trusted_networks, ""),
	{ .type = SET_TIME, .key = "login_timeout",
	  .offset = offsetof(struct login_settings, login_timeout), .default_value = "3 mins",
	  .min = 1, .max = 24 * 60 * 60, .flags = F },
	DEF(SET_BOOL, disable_plaintext_auth, "yes"),
	DEF(SET_BOOL, auth_verbose, "no"),
	DEF(SET_BOOL, auth_debug, "no"),
	DEF(SET_BOOL, verbose_ssl, "no"),
	{ .type = SET_ENUM, .key = "ssl", .offset = offsetof(struct login_settings, ssl),
	  .default_value = "yes", .enum_values = "yes:no:required", .flags = F },
	DEF(SET_STR, imap_capability, ""),
	DEF(SET_BOOL, imap_literal_minus, "no"),
	{ .type = SET_SIZE, .key = "imap_max_line_length",
	  .offset = offsetof(struct login_settings, imap_max_line_length),
	  .default_value = "64k", .min = 1024, .flags = F },
	DEF(SET_UINT, mail_max_userip_connections, "10"),
	{ .key = NULL },
};

const struct setting_table login_setting_table = {
	.name = "login",
	.defs = login_setting_defs,
	.struct_size = sizeof(struct login_settings),
	.named = false,
	.name_offset = SETTING_NO_FIELD,
};

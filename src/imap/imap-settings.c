/* The imap_* settings of the post-login process. */

#include "lib.h"
#include "imap-settings.h"

#include <stddef.h>

/* Dovecot 2.3's default (the same text as in src/config/all-settings.c) */
#define IMAP_LOGOUT_FORMAT_DEFAULT                                                                 \
	"in=%i out=%o deleted=%{deleted} expunged=%{expunged} trashed=%{trashed} "                 \
	"hdr_count=%{fetch_hdr_count} hdr_bytes=%{fetch_hdr_bytes} "                               \
	"body_count=%{fetch_body_count} body_bytes=%{fetch_body_bytes}"

#define DEF(t, name, def)                                                                          \
	{                                                                                          \
		.type = (t), .key = #name, .offset = offsetof(struct imap_settings, name),         \
		.default_value = (def), .flags = SET_FLAG_FILTERABLE                               \
	}

static const struct setting_def imap_defs[] = {
    {.type = SET_SIZE,
     .key = "imap_max_line_length",
     .offset = offsetof(struct imap_settings, imap_max_line_length),
     .default_value = "64k",
     .min = 1024,
     .flags = SET_FLAG_FILTERABLE},
    DEF(SET_STR, imap_capability, ""),
    {.type = SET_TIME,
     .key = "imap_idle_notify_interval",
     .offset = offsetof(struct imap_settings, imap_idle_notify_interval),
     .default_value = "2 mins",
     .min = 1,
     .flags = SET_FLAG_FILTERABLE},
    DEF(SET_STR_VARS, imap_logout_format, IMAP_LOGOUT_FORMAT_DEFAULT),
    {.type = SET_TIME,
     .key = "imap_autologout_timeout",
     .offset = offsetof(struct imap_settings, imap_autologout_timeout),
     .default_value = "30 mins",
     .min = 1,
     .flags = SET_FLAG_FILTERABLE},
    DEF(SET_BOOL, imap_literal_minus, "no"),
    DEF(SET_BOOL, imap_metadata, "no"),
    DEF(SET_STR, imap_id_send, "name *"),
    DEF(SET_BOOL, mail_debug, "no"),
    DEF(SET_LIST, mail_plugins, ""),
    {.type = SET_FREE_FORM, .key = "plugin", .offset = offsetof(struct imap_settings, plugin)},
    {.key = NULL},
};

static const char *plugin_value(const struct imap_settings *set, const char *key)
{
	const char *const *kv, *value = NULL;

	for (kv = set->plugin; kv != NULL && kv[0] != NULL && kv[1] != NULL; kv += 2) {
		if (strcmp(kv[0], key) == 0)
			value = kv[1];
	}
	return value;
}

uint64_t imap_settings_get_append_limit(const struct imap_settings *set)
{
	const char *value = plugin_value(set, "quota_max_mail_size"), *error;
	uint64_t limit;

	if (value == NULL || settings_parse_size(value, &limit, &error) < 0)
		return 0;
	return limit;
}

static bool imap_settings_check(void *_set, pool_t pool, const char **error_r)
{
	struct imap_settings *set = _set;
	const char *value = plugin_value(set, "quota_max_mail_size"), *error;
	uint64_t limit;

	(void)pool;
	if (value != NULL && settings_parse_size(value, &limit, &error) < 0) {
		*error_r = t_strdup_printf("plugin { quota_max_mail_size = %s }: %s", value, error);
		return false;
	}
	return true;
}

const struct setting_table imap_setting_table = {
    .name = "root",
    .defs = imap_defs,
    .struct_size = sizeof(struct imap_settings),
    .name_offset = SETTING_NO_FIELD,
    .check = imap_settings_check,
};

struct imap_settings *imap_settings_default(pool_t pool)
{
	struct imap_settings *set = p_new(pool, struct imap_settings, 1);

	set->imap_max_line_length = 65536;
	set->imap_capability = "";
	set->imap_idle_notify_interval = 120;
	set->imap_logout_format = IMAP_LOGOUT_FORMAT_DEFAULT;
	set->imap_autologout_timeout = 30 * 60;
	set->imap_id_send = "name *";
	return set;
}

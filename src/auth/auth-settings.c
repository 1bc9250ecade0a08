/* The auth service's setting table: the keys and defaults of Dovecot 2.3
   that auth reads (they match all_settings_table; test-auth-settings checks
   that). */
#include "lib.h"
#include "roost-config.h"
#include "auth-settings.h"

#include <stddef.h>

#define DEF(t, name, def)                                                                         \
	{ .type = (t), .key = #name, .offset = offsetof(struct auth_settings, name),              \
	  .default_value = (def), .flags = SET_FLAG_FILTERABLE }
#define PDEF(t, name, def)                                                                        \
	{ .type = (t), .key = #name, .offset = offsetof(struct auth_passdb_settings, name),       \
	  .default_value = (def) }
#define PENUM(name, values)                                                                       \
	{ .type = SET_ENUM, .key = #name, .offset = offsetof(struct auth_passdb_settings, name),  \
	  .default_value = NULL, .enum_values = (values) }
#define UDEF(t, name, def)                                                                        \
	{ .type = (t), .key = #name, .offset = offsetof(struct auth_userdb_settings, name),       \
	  .default_value = (def) }
#define UENUM(name, values)                                                                       \
	{ .type = SET_ENUM, .key = #name, .offset = offsetof(struct auth_userdb_settings, name),  \
	  .default_value = NULL, .enum_values = (values) }

#define RESULT_VALUES_SUCCESS "return-ok:return:return-fail:continue:continue-ok:continue-fail"
#define RESULT_VALUES_FAILURE "continue:return:return-ok:return-fail:continue-ok:continue-fail"

static const struct setting_def auth_passdb_setting_defs[] = {
	PDEF(SET_STR, name, ""),
	PDEF(SET_STR, driver, ""),
	PDEF(SET_STR_VARS, args, ""),
	PDEF(SET_STR_VARS, default_fields, ""),
	PDEF(SET_STR_VARS, override_fields, ""),
	PDEF(SET_LIST, mechanisms, ""),
	PDEF(SET_STR, username_filter, ""),
	PENUM(skip, "never:authenticated:unauthenticated"),
	PENUM(result_success, RESULT_VALUES_SUCCESS),
	PENUM(result_failure, RESULT_VALUES_FAILURE),
	PENUM(result_internalfail, RESULT_VALUES_FAILURE),
	PDEF(SET_BOOL, deny, "no"),
	PDEF(SET_BOOL, pass, "no"),
	PDEF(SET_BOOL, master, "no"),
	PENUM(auth_verbose, "default:yes:no"),
	{ .key = NULL },
};

static const struct setting_table auth_passdb_setting_table = {
	.name = "passdb",
	.defs = auth_passdb_setting_defs,
	.struct_size = sizeof(struct auth_passdb_settings),
	.named = false,
	.name_offset = SETTING_NO_FIELD,
};

static const struct setting_def auth_userdb_setting_defs[] = {
	UDEF(SET_STR, name, ""),
	UDEF(SET_STR, driver, ""),
	UDEF(SET_STR_VARS, args, ""),
	UDEF(SET_STR_VARS, default_fields, ""),
	UDEF(SET_STR_VARS, override_fields, ""),
	UENUM(skip, "never:found:notfound"),
	UENUM(result_success, RESULT_VALUES_SUCCESS),
	UENUM(result_failure, RESULT_VALUES_FAILURE),
	UENUM(result_internalfail, RESULT_VALUES_FAILURE),
	UENUM(auth_verbose, "default:yes:no"),
	{ .key = NULL },
};

static const struct setting_table auth_userdb_setting_table = {
	.name = "userdb",
	.defs = auth_userdb_setting_defs,
	.struct_size = sizeof(struct auth_userdb_settings),
	.named = false,
	.name_offset = SETTING_NO_FIELD,
};

static bool auth_settings_check(void *_set, pool_t pool, const char **error_r)
{
	struct auth_settings *set = _set;
	const char *v = set->auth_verbose_passwords;

	if (strcmp(v, "no") != 0 && strcmp(v, "yes") != 0 && !str_begins(v, "plain", NULL) &&
	    !str_begins(v, "sha1", NULL)) {
		*error_r = p_strdup_printf(pool, "auth_verbose_passwords: unknown value '%s' "
					   "(expected no, plain or sha1)", v);
		return false;
	}
	return true;
}

static const struct setting_def auth_setting_defs[] = {
	/* Dovecot 2.4's name for the opposite of disable_plaintext_auth */
	{ .type = SET_BOOL, .key = "auth_allow_cleartext", .offset = SETTING_NO_FIELD,
	  .default_value = "no", .alias_of = "disable_plaintext_auth",
	  .flags = SET_FLAG_ALIAS | SET_FLAG_ALIAS_INVERT_BOOL | SET_FLAG_FILTERABLE },
	DEF(SET_STR, auth_anonymous_username, "anonymous"),
	DEF(SET_TIME, auth_cache_negative_ttl, "1 hour"),
	DEF(SET_SIZE, auth_cache_size, "0"),
	DEF(SET_TIME, auth_cache_ttl, "1 hour"),
	DEF(SET_BOOL, auth_debug, "no"),
	DEF(SET_BOOL, auth_debug_passwords, "no"),
	DEF(SET_STR, auth_default_realm, ""),
	DEF(SET_TIME, auth_failure_delay, "2 secs"),
	DEF(SET_STR, auth_master_user_separator, ""),
	DEF(SET_LIST, auth_mechanisms, "plain"),
	DEF(SET_LIST, auth_realms, ""),
	DEF(SET_STR, auth_username_chars,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567890.-_@"),
	DEF(SET_STR_VARS, auth_username_format, "%Lu"),
	DEF(SET_STR, auth_username_translation, ""),
	DEF(SET_BOOL, auth_verbose, "no"),
	DEF(SET_STR, auth_verbose_passwords, "no"),
	{ .type = SET_UINT, .key = "auth_worker_max_count",
	  .offset = offsetof(struct auth_settings, auth_worker_max_count),
	  .default_value = "30", .min = 1, .flags = SET_FLAG_FILTERABLE },
	{ .type = SET_STR, .key = "base_dir", .offset = offsetof(struct auth_settings, base_dir),
	  .default_value = ROOST_RUNDIR },
	DEF(SET_BOOL, disable_plaintext_auth, "yes"),
	{ .type = SET_SECTIONS, .key = "passdb", .offset = offsetof(struct auth_settings, passdbs),
	  .section = &auth_passdb_setting_table },
	{ .type = SET_SECTIONS, .key = "userdb", .offset = offsetof(struct auth_settings, userdbs),
	  .section = &auth_userdb_setting_table },
	{ .key = NULL },
};

const struct setting_table auth_setting_table = {
	.name = "root",
	.defs = auth_setting_defs,
	.struct_size = sizeof(struct auth_settings),
	.named = false,
	.name_offset = SETTING_NO_FIELD,
	.check = auth_settings_check,
};

int auth_settings_read(const struct config_tree *tree, pool_t pool,
		       const struct auth_settings **set_r, const char **error_r)
{
	/* auth serves every protocol: only the unfiltered settings apply */
	struct settings_filter filter = { .protocol = NULL };
	void *set;

	if (settings_to_struct(tree, tree->root, &auth_setting_table, &filter, pool, &set,
			       error_r) < 0)
		return -1;
	*set_r = set;
	return 0;
}

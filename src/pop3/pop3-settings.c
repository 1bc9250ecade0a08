/* The POP3 server's setting table (Dovecot 2.3 defaults). */
#include "lib.h"
#include "var-expand.h"
#include "pop3-settings.h"

#include <stddef.h>

#define DEF(t, name, def)                                                                          \
	{ .type = (t), .key = #name, .offset = offsetof(struct pop3_settings, name),               \
	  .default_value = (def), .flags = SET_FLAG_FILTERABLE }
#define DEF_E(name, def, values)                                                                   \
	{ .type = SET_ENUM, .key = #name, .offset = offsetof(struct pop3_settings, name),          \
	  .default_value = (def), .enum_values = (values), .flags = SET_FLAG_FILTERABLE }

static const struct setting_def pop3_defs[] = {
	DEF(SET_BOOL, pop3_no_flag_updates, "no"),
	DEF(SET_BOOL, pop3_enable_last, "no"),
	DEF(SET_BOOL, pop3_reuse_xuidl, "no"),
	DEF(SET_BOOL, pop3_save_uidl, "no"),
	DEF(SET_BOOL, pop3_lock_session, "no"),
	DEF(SET_STR_VARS, pop3_uidl_format, "%08Xu%08Xv"),
	DEF(SET_STR_VARS, pop3_logout_format, "top=%t/%p, retr=%r/%b, del=%d/%m, size=%s"),
	DEF(SET_LIST, pop3_client_workarounds, ""),
	DEF_E(pop3_delete_type, "default", "default:flag:expunge"),
	DEF(SET_STR, pop3_deleted_flag, ""),
	DEF_E(pop3_uidl_duplicates, "allow", "allow:rename"),
	DEF(SET_LIST, mail_plugins, ""),
	{ .type = SET_FREE_FORM, .key = "plugin", .offset = offsetof(struct pop3_settings, plugin) },
	{ .key = NULL },
};

static const struct {
	const char *name;
	enum pop3_client_workarounds flag;
} workaround_names[] = {
	{ "outlook-no-nuls", POP3_WORKAROUND_OUTLOOK_NO_NULS },
	{ "oe-ns-eoh", POP3_WORKAROUND_OE_NS_EOH },
};

int pop3_settings_parse_workarounds(const char *const *names,
				    enum pop3_client_workarounds *workarounds_r,
				    const char **error_r)
{
	enum pop3_client_workarounds flags = 0;

	for (unsigned int i = 0; names[i] != NULL; i++) {
		unsigned int j;

		for (j = 0; j < N_ELEMENTS(workaround_names); j++) {
			if (strcmp(names[i], workaround_names[j].name) == 0)
				break;
		}
		if (j == N_ELEMENTS(workaround_names)) {
			*error_r = t_strdup_printf(
				"pop3_client_workarounds: unknown workaround: %s", names[i]);
			return -1;
		}
		flags |= workaround_names[j].flag;
	}
	*workarounds_r = flags;
	return 0;
}

static bool pop3_settings_check(void *_set, pool_t pool, const char **error_r)
{
	struct pop3_settings *set = _set;
	const char *error;

	if (pop3_settings_parse_workarounds(set->pop3_client_workarounds,
					    &set->parsed_workarounds, &error) < 0) {
		*error_r = p_strdup(pool, error);
		return false;
	}
	if (strcmp(set->pop3_delete_type, "expunge") == 0) {
		set->parsed_delete_type = POP3_DELETE_TYPE_EXPUNGE;
	} else if (strcmp(set->pop3_delete_type, "flag") == 0) {
		if (set->pop3_deleted_flag[0] == '\0') {
			*error_r = "pop3_delete_type=flag, but pop3_deleted_flag not set";
			return false;
		}
		set->parsed_delete_type = POP3_DELETE_TYPE_FLAG;
	} else {
		set->parsed_delete_type = set->pop3_deleted_flag[0] == '\0' ?
			POP3_DELETE_TYPE_EXPUNGE : POP3_DELETE_TYPE_FLAG;
	}
	for (const char *p = set->pop3_deleted_flag; *p != '\0'; p++) {
		/* an IMAP keyword (an atom, no system flag): what the storage keeps */
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("(){%*\"\\]", *p) != NULL) {
			*error_r = t_strdup_printf("pop3_deleted_flag: invalid keyword '%s'",
						   str_sanitize(pool_temp, set->pop3_deleted_flag, 40));
			return false;
		}
	}
	if (set->pop3_uidl_format[0] == '\0') {
		*error_r = "pop3_uidl_format must not be empty";
		return false;
	}
	return true;
}

const struct setting_table pop3_setting_table = {
	.name = "pop3",
	.defs = pop3_defs,
	.struct_size = sizeof(struct pop3_settings),
	.named = false,
	.name_offset = SETTING_NO_FIELD,
	.check = pop3_settings_check,
};

/* The storage's setting tables (Dovecot 2.3 defaults). */

#include "lib.h"
#include "mail-storage-settings.h"

#include <stddef.h>

#define DEF(t, st, name, def)                                                                      \
	{ .type = (t), .key = #name, .offset = offsetof(struct st, name), .default_value = (def),  \
	  .flags = SET_FLAG_FILTERABLE }
#define DEF_E(st, name, def, values)                                                               \
	{ .type = SET_ENUM, .key = #name, .offset = offsetof(struct st, name),                     \
	  .default_value = (def), .enum_values = (values), .flags = SET_FLAG_FILTERABLE }

static const struct setting_def mailbox_defs[] = {
	{ .type = SET_ENUM, .key = "auto", .offset = offsetof(struct mailbox_settings, autocreate),
	  .default_value = "no", .enum_values = "no:create:subscribe" },
	DEF(SET_STR, mailbox_settings, special_use, ""),
	{ .key = NULL },
};

const struct setting_table mail_mailbox_setting_table = {
	.name = "mailbox",
	.defs = mailbox_defs,
	.struct_size = sizeof(struct mailbox_settings),
	.named = true,
	.name_offset = offsetof(struct mailbox_settings, name),
};

static const struct setting_def namespace_defs[] = {
	DEF_E(namespace_settings, type, "private", "private:shared:public"),
	DEF(SET_STR, namespace_settings, separator, ""),
	DEF(SET_STR_VARS, namespace_settings, prefix, ""),
	DEF(SET_STR_VARS, namespace_settings, location, ""),
	DEF(SET_BOOL, namespace_settings, inbox, "no"),
	DEF(SET_BOOL, namespace_settings, hidden, "no"),
	DEF_E(namespace_settings, list, "yes", "yes:no:children"),
	DEF(SET_BOOL, namespace_settings, subscriptions, "yes"),
	DEF(SET_BOOL, namespace_settings, disabled, "no"),
	{ .type = SET_SECTIONS, .key = "mailbox",
	  .offset = offsetof(struct namespace_settings, mailboxes),
	  .section = &mail_mailbox_setting_table },
	{ .key = NULL },
};

const struct setting_table mail_namespace_setting_table = {
	.name = "namespace",
	.defs = namespace_defs,
	.struct_size = sizeof(struct namespace_settings),
	.named = true,
	.name_offset = offsetof(struct namespace_settings, name),
};

static const struct setting_def storage_defs[] = {
	DEF(SET_STR_VARS, mail_storage_settings, mail_location, ""),
	DEF(SET_STR_VARS, mail_storage_settings, mail_home, ""),
	DEF_E(mail_storage_settings, mail_fsync, "optimized", "optimized:never:always"),
	DEF_E(mail_storage_settings, lock_method, "fcntl", "fcntl:flock:dotlock"),
	DEF(SET_STR, mail_storage_settings, mail_privileged_group, ""),
	DEF(SET_STR_VARS, mail_storage_settings, mail_attribute_dict, ""),
	DEF(SET_UINT, mail_storage_settings, mail_max_keyword_length, "50"),
	DEF(SET_TIME, mail_storage_settings, mail_max_lock_timeout, "0"),
	DEF(SET_BOOL, mail_storage_settings, maildir_copy_with_hardlinks, "yes"),
	DEF(SET_BOOL, mail_storage_settings, maildir_very_dirty_syncs, "no"),
	DEF(SET_BOOL, mail_storage_settings, mail_debug, "no"),
	DEF(SET_TIME, mail_storage_settings, mailbox_idle_check_interval, "30 secs"),
	{ .type = SET_SECTIONS, .key = "namespace",
	  .offset = offsetof(struct mail_storage_settings, namespaces),
	  .section = &mail_namespace_setting_table },
	{ .key = NULL },
};

const struct setting_table mail_storage_setting_table = {
	.name = "mail_storage",
	.defs = storage_defs,
	.struct_size = sizeof(struct mail_storage_settings),
	.named = false,
	.name_offset = SETTING_NO_FIELD,
};

struct mail_storage_settings *mail_storage_settings_default(pool_t pool)
{
	struct mail_storage_settings *set = p_new(pool, struct mail_storage_settings, 1);

	set->mail_location = "";
	set->mail_home = "";
	set->mail_fsync = "optimized";
	set->lock_method = "fcntl";
	set->mail_privileged_group = "";
	set->mail_attribute_dict = "";
	set->mail_max_keyword_length = 50;
	set->maildir_copy_with_hardlinks = true;
	set->mailbox_idle_check_interval = 30;
	p_array_init(&set->namespaces, pool, 1);
	return set;
}

const struct mail_storage_settings *
mail_storage_settings_apply_userdb(const struct mail_storage_settings *set,
				   const char *const *userdb_fields, pool_t pool)
{
	struct mail_storage_settings *copy;
	const char *value;

	for (unsigned int i = 0; userdb_fields != NULL && userdb_fields[i] != NULL; i++) {
		if (str_begins(userdb_fields[i], "mail=", &value)) {
			copy = p_new(pool, struct mail_storage_settings, 1);
			*copy = *set;
			copy->mail_location = p_strdup(pool, value);
			return copy;
		}
	}
	return set;
}

/* Consistency of the setting tables and of the built-in services. */

#include "test-common.h"
#include "master-settings.h"
#include "all-settings.h"
#include "config-load.h"

static const struct setting_def *table_find(const struct setting_table *table, const char *key)
{
	for (const struct setting_def *def = table->defs; def->key != NULL; def++) {
		if (strcmp(def->key, key) == 0)
			return def;
	}
	return NULL;
}

static unsigned int table_count(const struct setting_table *table)
{
	unsigned int count = 0;

	while (table->defs[count].key != NULL)
		count++;
	return count;
}

/* No key twice; defaults that pass their own checks; future settings say
   what delivers them; aliases name a setting of the same table. */
static void check_table(const struct setting_table *table, unsigned int depth)
{
	const struct setting_def *defs = table->defs;
	const char *error;

	test_assert(depth < 5);
	for (unsigned int i = 0; defs[i].key != NULL; i++) {
		const struct setting_def *def = &defs[i];

		for (unsigned int j = 0; j < i; j++)
			test_assert_idx(strcmp(defs[j].key, def->key) != 0, i);
		if (def->type == SET_SECTIONS) {
			test_assert_idx(def->section != NULL, i);
			if (def->section != NULL)
				check_table(def->section, depth + 1);
			continue;
		}
		if (def->type == SET_FREE_FORM)
			continue;
		if (def->type == SET_ENUM) {
			test_assert_idx(def->enum_values != NULL, i);
			/* the default is the first value */
			if (def->enum_values != NULL && def->default_value != NULL) {
				const char *values = def->enum_values;
				size_t len = strlen(def->default_value);

				test_assert_idx(strncmp(values, def->default_value, len) == 0 &&
						(values[len] == ':' || values[len] == '\0'),
						i);
			}
		}
		if (def->default_value != NULL && def->default_value[0] != '\0') {
			const char *value = def->default_value;
			int ret = settings_check_value(def, value, test_pool, &error);

			if (ret < 0)
				i_error("%s: default '%s': %s", def->key, value, error);
			test_assert_idx(ret == 0, i);
		}
		if ((def->flags & SET_FLAG_FUTURE) != 0)
			test_assert_idx(def->future_note != NULL && def->future_note[0] != '\0', i);
		if ((def->flags & SET_FLAG_ALIAS) != 0) {
			const struct setting_def *target =
				def->alias_of == NULL ? NULL : table_find(table, def->alias_of);

			test_assert_idx(target != NULL && target->type == def->type, i);
		}
		if ((def->flags & SET_FLAG_ALIAS_INVERT_BOOL) != 0)
			test_assert_idx(def->type == SET_BOOL, i);
		if (table->struct_size == 0)
			test_assert_idx(def->offset == SETTING_NO_FIELD, i);
	}
}

static void test_tables_consistent(void)
{
	test_begin("setting tables are consistent");
	check_table(&all_settings_table, 0);
	check_table(&master_setting_table, 0);
	check_table(&sql_connect_setting_table, 0);
	test_end();
}

static void test_root_sorted(void)
{
	const struct setting_def *defs = all_settings_table.defs;

	test_begin("all_settings_table is sorted");
	for (unsigned int i = 1; defs[i].key != NULL; i++)
		test_assert_idx(strcmp(defs[i - 1].key, defs[i].key) < 0, i);
	/* the common Dovecot 2.3 set */
	test_assert_cmp(table_count(&all_settings_table), >=, 250);
	test_end();
}

static void test_master_entries_in_root(void)
{
	test_begin("master_setting_table entries are in all_settings_table");
	test_assert(all_settings_table.struct_size == master_setting_table.struct_size);
	for (const struct setting_def *def = master_setting_table.defs; def->key != NULL; def++) {
		const struct setting_def *root = table_find(&all_settings_table, def->key);

		test_assert(root != NULL);
		if (root == NULL) {
			i_error("missing from all_settings_table: %s", def->key);
			continue;
		}
		test_assert(root->type == def->type);
		test_assert(root->offset == def->offset);
		test_assert(root->flags == def->flags);
		test_assert(root->min == def->min && root->max == def->max);
		test_assert(root->section == def->section);
		test_assert_strcmp(root->default_value, def->default_value);
		test_assert_strcmp(root->enum_values, def->enum_values);
	}
	/* every root entry with a field is a master entry */
	for (const struct setting_def *def = all_settings_table.defs; def->key != NULL; def++) {
		if (def->offset != SETTING_NO_FIELD)
			test_assert(table_find(&master_setting_table, def->key) != NULL);
	}
	test_end();
}

static void test_flags(void)
{
	static const char *const secrets[] = {
		"ssl_key", "ssl_key_password", "ssl_client_key", "ssl_alt_key", NULL,
	};
	static const char *const master_only[] = {
		"base_dir", "protocols", "listen", "service", "default_login_user",
		"default_process_limit", NULL,
	};

	test_begin("secret, future and filterable flags");
	for (unsigned int i = 0; secrets[i] != NULL; i++) {
		const struct setting_def *def = table_find(&all_settings_table, secrets[i]);

		test_assert_idx(def != NULL && (def->flags & SET_FLAG_SECRET) != 0, i);
	}
	for (unsigned int i = 0; master_only[i] != NULL; i++) {
		const struct setting_def *def = table_find(&all_settings_table, master_only[i]);

		test_assert_idx(def != NULL && (def->flags & SET_FLAG_FILTERABLE) == 0, i);
	}
	test_assert((table_find(&all_settings_table, "auth_policy_server_url")->flags &
		     SET_FLAG_FUTURE) != 0);
	test_assert((table_find(&all_settings_table, "imap_urlauth_host")->flags &
		     SET_FLAG_FUTURE) != 0);
	test_assert((table_find(&all_settings_table, "mail_attribute_dict")->flags &
		     SET_FLAG_FUTURE) == 0);
	test_assert((table_find(&all_settings_table, "imap_metadata")->flags &
		     SET_FLAG_FUTURE) == 0);
	test_assert((table_find(&all_settings_table, "mail_plugins")->flags &
		     SET_FLAG_FILTERABLE) != 0);
	test_assert((table_find(&all_settings_table, "ssl_cert")->flags & SET_FLAG_FILTERABLE) !=
		    0);
	test_assert((table_find(&sql_connect_setting_table, "connect")->flags &
		     SET_FLAG_SECRET) != 0);
	test_end();
}

static const struct service_settings *find_service(const struct master_settings *set,
						   const char *name)
{
	struct service_settings *service;

	array_foreach_elem(&set->services, service) {
		if (strcmp(service->name, name) == 0)
			return service;
	}
	return NULL;
}

static void test_default_services(void)
{
	ARRAY_TYPE(settings_error) errors, warnings;
	struct master_settings *set;
	const struct service_settings *service;
	const struct inet_listener_settings *inet;
	void *setp;
	const char *error;

	test_begin("default_services_config");
	p_array_init(&errors, test_pool, 4);
	p_array_init(&warnings, test_pool, 4);
	struct config_tree *tree = settings_load_string(
		default_services_config, "(built-in)", &all_settings_table, &errors, &warnings);
	test_assert(array_count(&errors) == 0);
	test_assert(array_count(&warnings) == 0);
	test_assert(settings_to_struct(tree, tree->root, &all_settings_table, NULL, test_pool,
				       &setp, &error) == 0);
	set = setp;
	test_assert(array_count(&set->services) == 8);
	test_assert(str_array_length(set->protocols) == 3);
	test_assert(set->default_vsz_limit == 256 * 1024 * 1024);
	test_assert(set->default_idle_kill == 60);
	test_assert(set->first_valid_uid == 500);
	test_assert_strcmp(set->default_login_user, "roostnull");

	service = find_service(set, "imap-login");
	test_assert(service != NULL && array_count(&service->inet_listeners) == 2);
	if (service != NULL && array_count(&service->inet_listeners) == 2) {
		test_assert_strcmp(service->type, "login");
		test_assert_strcmp(service->protocol, "imap");
		inet = array_idx_elem(&service->inet_listeners, 1);
		test_assert_strcmp(inet->name, "imaps");
		test_assert(inet->port == 993 && inet->ssl);
		inet = array_idx_elem(&service->inet_listeners, 0);
		test_assert(inet->port == 143 && !inet->ssl);
	}
	service = find_service(set, "auth");
	test_assert(service != NULL && array_count(&service->unix_listeners) == 5);
	if (service != NULL && array_count(&service->unix_listeners) == 5) {
		const struct file_listener_settings *unix_set =
			array_idx_elem(&service->unix_listeners, 3);

		test_assert_strcmp(unix_set->path, "auth-userdb");
		test_assert(unix_set->mode == 0666);
	}
	service = find_service(set, "lmtp");
	test_assert(service != NULL && array_count(&service->unix_listeners) == 1);
	test_assert(find_service(set, "pop3-login") != NULL);
	test_assert(find_service(set, "anvil") != NULL);
	config_tree_free(&tree);
	test_end();
}

static void test_known_programs(void)
{
	test_begin("executables and mail plugins");
	test_assert(config_executable_is_known("imap-login"));
	test_assert(config_executable_is_known("auth -w"));
	test_assert(config_executable_is_known("imap-login -R rawlogs"));
	test_assert(!config_executable_is_known("script /usr/local/bin/quota-warning.sh"));
	test_assert(!config_executable_is_known("/usr/local/bin/imap"));
	test_assert(!config_mail_plugin_is_available("sieve"));
	test_assert(config_mail_plugin_is_available("quota"));
	test_assert(config_mail_plugin_is_available("imap_quota"));
	test_assert(config_mail_plugin_is_planned("sieve"));
	test_assert(!config_mail_plugin_is_planned("quota"));
	test_assert(!config_mail_plugin_is_planned("imap_quota"));
	test_assert(config_mail_plugin_is_planned("quota_clone"));
	test_assert(!config_mail_plugin_is_planned("nosuch"));
	test_assert(!config_mail_plugin_is_planned("test_deliver"));
	test_assert(config_mail_plugin_is_available("imap_zlib"));
	test_assert(!config_mail_plugin_is_planned("imap_zlib"));
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_tables_consistent,
		test_root_sorted,
		test_master_entries_in_root,
		test_flags,
		test_default_services,
		test_known_programs,
		NULL,
	};
	return test_run(tests);
}

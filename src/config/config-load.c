/* config_load(): the built-in services, the admin's files, validation and the
   checks that need the whole configuration. See config-load.h. */

#include "lib.h"
#include "master-settings.h"
#include "all-settings.h"
#include "config-load.h"
#include "module-dir.h"
#include "roost-config.h"

#include <unistd.h>

/* Programs Roost installs in libexec_dir (the first word of a service's
   executable). */
static const char *const roost_programs[] = {
	"imap-login", "imap", "pop3-login", "pop3", "lmtp", "auth", "anvil", NULL,
};

/* mail_plugins names whose feature is built into Roost: accepted without
   a warning, with no module to load (imap_zlib: IMAP COMPRESS=DEFLATE,
   always offered; quota and imap_quota: lib-storage's quota). The Sieve
   work adds its own here. */
static const char *const roost_mail_plugins[] = {
	"imap_zlib", "quota", "imap_quota", NULL,
};

/* Dovecot 2.3's mail plugins that Roost has not built yet: a configuration
   naming them (mail_plugins = $mail_plugins sieve) keeps working, with a
   warning, and the processes skip them until their module is installed in
   mail_plugin_dir. */
static const char *const planned_mail_plugins[] = {
	"acl", "imap_acl", "quota_clone", "trash", "sieve",
	"imap_sieve", "imap_filter_sieve", "fts", "fts_lucene", "fts_solr", "fts_squat",
	"zlib", "mail_compress", "mail_crypt", "mail_crypt_acl", "notify",
	"notify_status", "mail_log", "push_notification", "push_notification_lua",
	"last_login", "lazy_expunge", "listescape", "virtual", "mailbox_alias",
	"charset_alias", "replication", "pop3_migration", "welcome", "old_stats",
	"imap_old_stats", "stats", "expire", "autocreate", "mail_lua", "apparmor",
	"antispam", "imapsieve", "var_expand_crypt", NULL,
};

bool config_mail_plugin_is_available(const char *name)
{
	return str_array_find(roost_mail_plugins, name);
}

bool config_mail_plugin_is_planned(const char *name)
{
	return str_array_find(planned_mail_plugins, name) &&
	       !config_mail_plugin_is_available(name);
}

bool config_executable_is_known(const char *executable)
{
	const char *end = strchr(executable, ' ');
	const char *word = executable;
	char buf[64];

	if (end != NULL) {
		size_t len = (size_t)(end - executable);

		if (len >= sizeof(buf))
			return false;
		memcpy(buf, executable, len);
		buf[len] = '\0';
		word = buf;
	}
	/* an absolute path names some other program */
	return str_array_find(roost_programs, word);
}

static void config_add_message(pool_t pool, ARRAY_TYPE(settings_error) *list, const char *file,
			       unsigned int line, const char *message)
{
	struct settings_error *error = array_append_space(list);

	error->file = p_strdup(pool, file);
	error->line = line;
	error->message = p_strdup(pool, message);
}

static bool config_node_is_builtin(const struct config_node *node)
{
	return node->file != NULL && strcmp(node->file, CONFIG_BUILTIN_FILE_NAME) == 0;
}

/* The last setting node called key (key_len bytes) directly in section. */
static const struct config_node *config_find_key_n(const struct config_node *section,
						   const char *key, size_t key_len)
{
	const struct config_node *found = NULL;

	for (const struct config_node *node = section->children; node != NULL;
	     node = node->next) {
		if (node->type == CONFIG_NODE_SETTING && key_len > 0 &&
		    strlen(node->key) == key_len && strncmp(node->key, key, key_len) == 0)
			found = node;
	}
	return found;
}

/* The last setting called key directly inside section, or NULL. */
static const struct config_node *config_section_find_setting(const struct config_node *section,
							     const char *key)
{
	return config_find_key_n(section, key, strlen(key));
}

/* ---- mail_plugins ---- */

static bool config_name_list_contains(const ARRAY_TYPE(const_string) *list, const char *name)
{
	const char *item;

	array_foreach_elem(list, item) {
		if (strcmp(item, name) == 0)
			return true;
	}
	return false;
}

static void config_check_mail_plugins_in(struct config_tree *tree,
					 const struct config_node *section, const char *plugin_dir,
					 ARRAY_TYPE(const_string) *warned,
					 ARRAY_TYPE(settings_error) *warnings)
{
	for (const struct config_node *node = section->children; node != NULL;
	     node = node->next) {
		if (node->type == CONFIG_NODE_SECTION) {
			/* mail_plugins is a root setting; it may also sit in
			   protocol/local/remote/local_name filters */
			if (settings_is_filter_section(node->key))
				config_check_mail_plugins_in(tree, node, plugin_dir, warned,
							     warnings);
			continue;
		}
		if (strcmp(node->key, "mail_plugins") != 0 || node->value == NULL)
			continue;

		const char **words = p_strsplit_spaces(tree->pool, node->value, " ,");
		for (unsigned int i = 0; words[i] != NULL; i++) {
			const char *name = words[i];

			/* an unexpanded $mail_plugins means "nothing so far";
			   one warning per plugin, at its first mention */
			if (name[0] == '$' || config_mail_plugin_is_available(name) ||
			    module_dir_has(plugin_dir, name) ||
			    config_name_list_contains(warned, name))
				continue;
			array_push(warned, &name);
			config_add_message(tree->pool, warnings, node->file, node->line,
					   config_mail_plugin_is_planned(name) ?
					   p_strdup_printf(tree->pool,
							   "mail_plugins: plugin '%s' is not "
							   "available yet; it has no effect",
							   name) :
					   p_strdup_printf(tree->pool,
							   "mail_plugins: Plugin '%s' not found "
							   "from directory %s: the processes "
							   "that load it will fail to start",
							   name, plugin_dir));
		}
	}
}

static void config_check_mail_plugins(struct config_tree *tree,
				      ARRAY_TYPE(settings_error) *warnings)
{
	ARRAY_TYPE(const_string) warned;

	const struct config_node *dir_node = config_section_find_setting(tree->root,
									 "mail_plugin_dir");
	const char *plugin_dir = dir_node != NULL && dir_node->value != NULL ?
		dir_node->value : ROOST_MODULEDIR;

	p_array_init(&warned, tree->pool, 8);
	config_check_mail_plugins_in(tree, tree->root, plugin_dir, &warned, warnings);
}

/* ---- protocols ---- */

static void config_check_protocols(struct config_tree *tree, ARRAY_TYPE(settings_error) *warnings)
{
	const struct config_node *node = config_section_find_setting(tree->root, "protocols");
	const char *what;

	if (node == NULL || node->value == NULL)
		return;
	const char **words = p_strsplit_spaces(tree->pool, node->value, " ,");
	for (unsigned int i = 0; words[i] != NULL; i++) {
		if (!master_protocol_is_future(words[i], &what))
			continue;
		config_add_message(tree->pool, warnings, node->file, node->line,
				   p_strdup_printf(tree->pool,
						   "protocols: %s (%s) is not available yet; it "
						   "has no effect",
						   words[i], what));
	}
}

/* ---- services ---- */

static bool config_node_is_service(const struct config_node *node, const char *name)
{
	return node->type == CONFIG_NODE_SECTION && strcmp(node->key, "service") == 0 &&
	       node->name != NULL && (name == NULL || strcmp(node->name, name) == 0);
}

static bool config_executable_exists(struct config_tree *tree, const char *executable)
{
	const char *libexec_dir = settings_get_value(tree, &all_settings_table, NULL,
						     "libexec_dir");
	const char *word = t_strndup(executable, strcspn(executable, " "));
	const char *path = word[0] == '/' || libexec_dir == NULL ? word :
			   t_strdup_printf("%s/%s", libexec_dir, word);

	return access(path, X_OK) == 0;
}

/* `executable = script PATH`: Dovecot's script service. The master does
   not start it, but the quota plugin runs PATH itself for quota_warning
   commands naming the service (lib-storage quota.h): fine when PATH is
   there. */
static bool config_script_service_exists(const char *executable)
{
	const char *path;

	if (strncmp(executable, "script ", 7) != 0)
		return false;
	path = executable + 7;
	while (*path == ' ')
		path++;
	path = t_strndup(path, strcspn(path, " "));
	return path[0] == '/' && access(path, X_OK) == 0;
}

/* One warning per service the admin declares or changes whose program Roost
   does not have: the effective executable is the last one set in any
   `service NAME { }` of that name, built-in ones included. */
static void config_check_services(struct config_tree *tree, ARRAY_TYPE(settings_error) *warnings)
{
	ARRAY_TYPE(const_string) seen;

	p_array_init(&seen, tree->pool, 8);
	for (const struct config_node *node = tree->root->children; node != NULL;
	     node = node->next) {
		if (!config_node_is_service(node, NULL) || config_node_is_builtin(node) ||
		    config_name_list_contains(&seen, node->name))
			continue;
		const char *name = node->name;
		const struct config_node *exec = NULL, *first_admin = node;
		bool builtin = false;

		array_push(&seen, &name);
		for (const struct config_node *other = tree->root->children; other != NULL;
		     other = other->next) {
			if (!config_node_is_service(other, name))
				continue;
			const struct config_node *e = config_section_find_setting(other, "executable");
			if (e != NULL)
				exec = e;
			builtin = builtin || config_node_is_builtin(other);
		}

		if (exec != NULL && exec->value != NULL && exec->value[0] != '\0') {
			/* Roost's own programs are checked by the master; another
			   program is fine when it is there (tests, admins' scripts) */
			if (config_executable_is_known(exec->value) ||
			    config_executable_exists(tree, exec->value) ||
			    config_script_service_exists(exec->value))
				continue;
			config_add_message(tree->pool, warnings, exec->file, exec->line,
					   p_strdup_printf(tree->pool,
							   "service %s: executable '%s' is not a "
							   "Roost program; the service is not "
							   "started",
							   name, exec->value));
		} else if (!builtin) {
			config_add_message(tree->pool, warnings, first_admin->file,
					   first_admin->line,
					   p_strdup_printf(tree->pool,
							   "service %s: Roost has no such service "
							   "and no executable is set; it is not "
							   "started",
							   name));
		}
	}
}

/* ---- $default_*_user in services ---- */

/* Dovecot's master expands these three in service and listener user/group
   fields when it starts services, so that they follow the admin's
   default_*_user settings wherever those were written; the built-in
   services keep them quoted (literal) for that reason. */
static const char *const config_user_variables[] = {
	"$default_login_user", "$default_internal_user", "$default_internal_group", NULL,
};

static void config_resolve_users_in(struct config_tree *tree, struct config_node *section)
{
	for (struct config_node *node = section->children; node != NULL; node = node->next) {
		if (node->type == CONFIG_NODE_SECTION) {
			config_resolve_users_in(tree, node);
			continue;
		}
		if ((strcmp(node->key, "user") != 0 && strcmp(node->key, "group") != 0) ||
		    node->value == NULL || !str_array_find(config_user_variables, node->value))
			continue;
		const char *value =
			settings_get_value(tree, &all_settings_table, NULL, node->value + 1);
		if (value != NULL)
			node->value = value;
	}
}

static void config_resolve_service_users(struct config_tree *tree)
{
	for (struct config_node *node = tree->root->children; node != NULL; node = node->next) {
		if (node->type == CONFIG_NODE_SECTION && strcmp(node->key, "service") == 0)
			config_resolve_users_in(tree, node);
	}
}

/* ---- SQL connection files ---- */

static void config_copy_new_messages(pool_t pool, ARRAY_TYPE(settings_error) *list,
				     unsigned int first)
{
	for (unsigned int i = first; i < array_count(list); i++) {
		struct settings_error *error = array_idx(list, i);

		error->file = p_strdup(pool, error->file);
		error->message = p_strdup(pool, error->message);
	}
}

static void config_check_sql_file(struct config_tree *tree, const struct config_node *section,
				  ARRAY_TYPE(const_string) *checked,
				  ARRAY_TYPE(settings_error) *errors,
				  ARRAY_TYPE(settings_error) *warnings)
{
	const struct config_node *driver = config_section_find_setting(section, "driver");
	const struct config_node *args = config_section_find_setting(section, "args");

	if (driver == NULL || driver->value == NULL || strcmp(driver->value, "sql") != 0)
		return;
	if (args == NULL || args->value == NULL || args->value[0] == '\0') {
		config_add_message(tree->pool, errors, driver->file, driver->line,
				   p_strdup_printf(tree->pool,
						   "%s: driver = sql needs args = <path of the SQL "
						   "connection file>",
						   section->key));
		return;
	}
	/* passdb and userdb often share one file: check it once */
	if (config_name_list_contains(checked, args->value))
		return;
	const char *path = args->value;
	array_push(checked, &path);
	if (access(args->value, R_OK) < 0) {
		/* roostconf may run without the rights auth has: the auth
		   service itself stops on a missing file */
		config_add_message(tree->pool, warnings, args->file, args->line,
				   p_strdup_printf(tree->pool,
						   "%s: can't read the SQL connection file %s: %s",
						   section->key, args->value, strerror(errno)));
		return;
	}

	unsigned int first_error = array_count(errors);
	unsigned int first_warning = array_count(warnings);
	struct config_tree *sql_tree =
		settings_load_file(args->value, &sql_connect_setting_table, errors, warnings);

	if (array_count(errors) == first_error) {
		/* without these the auth service cannot start */
		static const char *const required[] = { "driver", "connect", NULL };

		for (unsigned int i = 0; required[i] != NULL; i++) {
			const char *value = settings_get_value(sql_tree, &sql_connect_setting_table,
							       NULL, required[i]);
			if (value == NULL || value[0] == '\0') {
				config_add_message(tree->pool, errors, args->value, 0,
						   p_strdup_printf(tree->pool,
								   "%s is not set (needed by the "
								   "%s at %s:%u)",
								   required[i], section->key,
								   args->file, args->line));
			}
		}
	}
	if (array_count(errors) == first_error) {
		/* what auth refuses: another driver, a connect string that
		   does not parse; at the line that sets it */
		const struct settings_filter filter = { .protocol = NULL };
		struct settings_error error;

		if (settings_check_table(sql_tree, &sql_connect_setting_table, &filter, tree->pool,
					 &error) < 0) {
			if (error.file == NULL)
				error.file = args->value;
			array_push(errors, &error);
		}
	}
	/* the messages may live in the SQL tree's pool */
	config_copy_new_messages(tree->pool, errors, first_error);
	config_copy_new_messages(tree->pool, warnings, first_warning);
	config_tree_free(&sql_tree);
}

static void config_check_sql_files_in(struct config_tree *tree, const struct config_node *section,
				      ARRAY_TYPE(const_string) *checked,
				      ARRAY_TYPE(settings_error) *errors,
				      ARRAY_TYPE(settings_error) *warnings)
{
	for (const struct config_node *node = section->children; node != NULL;
	     node = node->next) {
		if (node->type != CONFIG_NODE_SECTION)
			continue;
		if (strcmp(node->key, "passdb") == 0 || strcmp(node->key, "userdb") == 0)
			config_check_sql_file(tree, node, checked, errors, warnings);
		else if (settings_is_filter_section(node->key))
			config_check_sql_files_in(tree, node, checked, errors, warnings);
	}
}

/* ---- the master's cross-setting checks ---- */

/* Where to report an error of a check function. The messages start with
   the setting they are about ("first_valid_uid: ...", "process_min_avail
   (5) is ...", "type: ..."), after "service NAME: " for services: point at
   the last line that set it, else at the service, else at the main file. */
static void config_locate_check_error(const struct config_tree *tree, const char *path,
				      const char *message, const char **file_r,
				      unsigned int *line_r)
{
	const struct config_node *found = NULL, *node;
	const char *rest;

	*file_r = path;
	*line_r = 0;

	if (str_begins(message, "service ", &rest)) {
		size_t name_len = strcspn(rest, ": ");
		const char *key = rest + name_len;

		while (*key == ':' || *key == ' ')
			key++;
		for (node = tree->root->children; node != NULL; node = node->next) {
			if (node->type != CONFIG_NODE_SECTION ||
			    strcmp(node->key, "service") != 0 || node->name == NULL ||
			    strlen(node->name) != name_len ||
			    strncmp(node->name, rest, name_len) != 0)
				continue;
			const struct config_node *setting =
				config_find_key_n(node, key, strcspn(key, ": "));
			if (setting != NULL)
				found = setting;
			else if (found == NULL || found->type == CONFIG_NODE_SECTION)
				found = node;
		}
	} else {
		found = config_find_key_n(tree->root, message, strcspn(message, ": "));
	}
	if (found != NULL) {
		*file_r = found->file;
		*line_r = found->line;
	}
}

static void config_check_master(struct config_tree *tree, const char *path,
				ARRAY_TYPE(settings_error) *errors)
{
	pool_t pool = pool_alloconly_create("config check", 4096);
	const char *error, *file;
	unsigned int line;
	void *set;

	if (settings_to_struct(tree, tree->root, &all_settings_table, NULL, pool, &set, &error) <
	    0) {
		config_locate_check_error(tree, path, error, &file, &line);
		config_add_message(tree->pool, errors, file, line, error);
	}
	pool_unref(&pool);
}

/* ---- the whole ---- */

int config_load(const char *path, struct config_tree **tree_r,
		ARRAY_TYPE(settings_error) *errors, ARRAY_TYPE(settings_error) *warnings)
{
	struct config_tree *tree = config_tree_create();

	if (!array_is_created(errors))
		p_array_init(errors, tree->pool, 8);
	if (!array_is_created(warnings))
		p_array_init(warnings, tree->pool, 8);
	unsigned int first_error = array_count(errors);

	(void)settings_parse_string(tree, default_services_config, CONFIG_BUILTIN_FILE_NAME,
				    &all_settings_table, errors);
	(void)settings_parse_file(tree, path, &all_settings_table, errors);
	(void)settings_validate(tree, &all_settings_table, errors, warnings);

	config_resolve_service_users(tree);
	config_check_protocols(tree, warnings);
	config_check_mail_plugins(tree, warnings);
	config_check_services(tree, warnings);
	ARRAY_TYPE(const_string) sql_files;
	p_array_init(&sql_files, tree->pool, 2);
	config_check_sql_files_in(tree, tree->root, &sql_files, errors, warnings);
	/* the typed checks only make sense on values that parsed */
	if (array_count(errors) == first_error)
		config_check_master(tree, path, errors);

	*tree_r = tree;
	return array_count(errors) == first_error ? 0 : -1;
}

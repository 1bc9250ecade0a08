/* roostconf: prints Roost's effective configuration, like Dovecot's doveconf.

   Runs as whoever calls it (usually the admin, often root), holds nothing
   long-lived, opens no sockets. Its untrusted input is the configuration
   files it is pointed at; they are parsed by lib-settings, which bounds what
   it reads and reports every problem with file:line.

   roostconf [-a|-n] [-P] [-c FILE] [-f FILTER] [-h] [NAME...]
     (no NAME)  the whole effective configuration (-a, the default), or only
                what differs from the defaults (-n)
     NAME...    "NAME = value" for each root setting; -h prints the value only;
                plugin/KEY and dict/KEY read the free-form sections
     -c FILE    the configuration (default $ROOST_CONFIG, else
                ROOST_SYSCONFDIR/roost.conf)
     -f FILTER  protocol=NAME, local=IP, remote=IP, local_name=NAME (comma
                separated) for NAME lookups
     -P         show secrets (TLS keys, passwords), hidden otherwise

   The configuration is checked as the master checks it at start: the
   whole tree against all_settings_table, then every component's own table
   and check under the filters its processes read (config-components.h).
   Every error is printed as "roostconf: Error: file:line: message", then
   "roostconf: Fatal: N errors in configuration" and the exit status is 89.
   Warnings are printed as "roostconf: Warning: file:line: message" and do
   not change the exit status. */

#include "lib.h"
#include "roost-config.h"
#include "all-settings.h"
#include "config-load.h"
#include "config-components.h"

#include <stdio.h>
#include <getopt.h>

#define ROOSTCONF_DEFAULT_PATH ROOST_SYSCONFDIR "/roost.conf"
#define HIDDEN_TEXT "# hidden, use -P to show it"

static void ATTR_NORETURN usage(void)
{
	fprintf(stderr, "Usage: roostconf [-a|-n] [-P] [-c FILE] [-f FILTER] [-h] [NAME...]\n");
	exit(FATAL_DEFAULT);
}

static void print_messages(pool_t pool, enum log_type type,
			   const ARRAY_TYPE(settings_error) *messages)
{
	for (unsigned int i = 0; i < array_count(messages); i++)
		i_log(type, "%s", settings_error_str(pool, array_idx(messages, i)));
}

static void parse_filter(pool_t pool, const char *str, struct settings_filter *filter)
{
	const char **parts = p_strsplit_spaces(pool, str, ",");

	for (unsigned int i = 0; parts[i] != NULL; i++) {
		const char *value;

		if (str_begins(parts[i], "protocol=", &value) ||
		    str_begins(parts[i], "service=", &value))
			filter->protocol = value;
		else if (str_begins(parts[i], "local=", &value) ||
			 str_begins(parts[i], "lip=", &value))
			filter->local_ip = value;
		else if (str_begins(parts[i], "remote=", &value) ||
			 str_begins(parts[i], "rip=", &value))
			filter->remote_ip = value;
		else if (str_begins(parts[i], "local_name=", &value))
			filter->local_name = value;
		else
			i_fatal("Unknown filter: %s (use protocol=, local=, remote=, local_name=)",
				parts[i]);
	}
}

static const struct setting_def *root_def_find(const char *key)
{
	for (const struct setting_def *def = all_settings_table.defs; def->key != NULL; def++) {
		if (strcmp(def->key, key) == 0)
			return def;
	}
	return NULL;
}

/* The last value of key in a free-form root section (plugin, dict). */
static const char *free_form_value(const struct config_tree *tree, const char *section,
				   const char *key)
{
	const char *value = NULL;

	for (const struct config_node *node = tree->root->children; node != NULL;
	     node = node->next) {
		if (node->type != CONFIG_NODE_SECTION || strcmp(node->key, section) != 0)
			continue;
		for (const struct config_node *child = node->children; child != NULL;
		     child = child->next) {
			if (child->type == CONFIG_NODE_SETTING && strcmp(child->key, key) == 0)
				value = child->value;
		}
	}
	return value;
}

static void print_names(const struct config_tree *tree, const struct settings_filter *filter,
			char *const *names, bool values_only, bool show_secrets)
{
	for (; *names != NULL; names++) {
		const char *name = *names, *value, *section_key;
		bool secret = false;

		if (str_begins(name, "plugin/", &section_key) ||
		    str_begins(name, "dict/", &section_key)) {
			value = free_form_value(tree, name[0] == 'p' ? "plugin" : "dict",
						section_key);
			if (value == NULL)
				value = "";
		} else {
			const struct setting_def *def = root_def_find(name);

			if (def == NULL || def->type == SET_SECTIONS || def->type == SET_FREE_FORM)
				i_fatal("Unknown setting: %s", name);
			value = settings_get_value(tree, &all_settings_table, filter, name);
			if (value == NULL)
				i_fatal("Unknown setting: %s", name);
			secret = (def->flags & SET_FLAG_SECRET) != 0;
		}
		if (secret && !show_secrets && value[0] != '\0')
			value = HIDDEN_TEXT;
		if (values_only)
			printf("%s\n", value);
		else if (value[0] == '\0')
			printf("%s =\n", name);
		else
			printf("%s = %s\n", name, value);
	}
}

/* Filter sections (protocol imap { }) and free-form sections (plugin { })
   that hold no setting change nothing; roostconf -n leaves them out, as
   the shipped files have many that only hold comments. Sections that
   declare something (namespace, service, listeners) stay. */
static bool section_has_settings(const struct config_node *section)
{
	for (const struct config_node *node = section->children; node != NULL;
	     node = node->next) {
		if (node->type == CONFIG_NODE_SETTING || section_has_settings(node))
			return true;
	}
	return false;
}

static bool section_is_droppable(const struct config_node *node)
{
	const struct setting_def *def;

	if (node->type != CONFIG_NODE_SECTION || section_has_settings(node))
		return false;
	if (settings_is_filter_section(node->key))
		return true;
	def = root_def_find(node->key);
	return def != NULL && def->type == SET_FREE_FORM;
}

static void tree_drop_empty_sections(struct config_tree *tree)
{
	struct config_node **nodep = &tree->root->children, *last = NULL;

	while (*nodep != NULL) {
		if (section_is_droppable(*nodep)) {
			*nodep = (*nodep)->next;
			continue;
		}
		last = *nodep;
		nodep = &(*nodep)->next;
	}
	tree->root->children_tail = last;
}

/* Secrets are written as "key = # hidden, use -P to show it", as doveconf
   does: the value of each secret root or filter setting is replaced by the
   marker, which the writer quotes (it holds '#'), and the quotes are taken
   off again in the text. */
static void tree_hide_secrets_in(struct config_node *section)
{
	for (struct config_node *node = section->children; node != NULL; node = node->next) {
		if (node->type == CONFIG_NODE_SECTION) {
			if (settings_is_filter_section(node->key))
				tree_hide_secrets_in(node);
			continue;
		}
		const struct setting_def *def = root_def_find(node->key);
		if (def != NULL && (def->flags & SET_FLAG_SECRET) != 0 && node->value != NULL &&
		    node->value[0] != '\0') {
			node->value = HIDDEN_TEXT;
			node->value_file_path = NULL;
		}
	}
}

static void unquote_hidden(string_t *out, pool_t pool)
{
	static const char quoted[] = "= \"" HIDDEN_TEXT "\"\n";
	string_t *fixed = str_new(pool, str_len(out));
	const char *p = str_c(out), *hit;

	while ((hit = strstr(p, quoted)) != NULL) {
		str_append_n(fixed, p, (size_t)(hit - p));
		str_append(fixed, "= " HIDDEN_TEXT "\n");
		p = hit + strlen(quoted);
	}
	str_append(fixed, p);
	str_truncate(out, 0);
	str_append_str(out, fixed);
}

static void print_config(struct config_tree *tree, const char *path, bool nondefault,
			 bool show_secrets, pool_t pool)
{
	enum settings_write_flags flags = nondefault ? SETTINGS_WRITE_NONDEFAULT : 0;
	string_t *out = str_new(pool, 16384);

	/* the tree is not used after this: it may be changed for printing */
	if (nondefault)
		tree_drop_empty_sections(tree);
	if (!show_secrets)
		tree_hide_secrets_in(tree->root);
	settings_write(tree, &all_settings_table, flags, out);
	if (!show_secrets)
		unquote_hidden(out, pool);
	printf("# Roost %s: %s\n", ROOST_VERSION, path);
	fwrite(str_data(out), 1, str_len(out), stdout);
}

int main(int argc, char *argv[])
{
	struct settings_filter filter = { 0 };
	ARRAY_TYPE(settings_error) errors, warnings;
	struct config_tree *tree;
	const char *path = NULL;
	bool nondefault = false, values_only = false, show_secrets = false;
	pool_t pool;
	int c;

	log_init_stderr("roostconf: ");
	pool = pool_alloconly_create("roostconf", 4096);

	while ((c = getopt(argc, argv, "ac:f:hnP")) != -1) {
		switch (c) {
		case 'a':
			nondefault = false;
			break;
		case 'c':
			path = optarg;
			break;
		case 'f':
			parse_filter(pool, optarg, &filter);
			break;
		case 'h':
			values_only = true;
			break;
		case 'n':
			nondefault = true;
			break;
		case 'P':
			show_secrets = true;
			break;
		default:
			usage();
		}
	}
	if (path == NULL)
		path = getenv("ROOST_CONFIG");
	if (path == NULL || path[0] == '\0')
		path = ROOSTCONF_DEFAULT_PATH;

	p_array_init(&errors, pool, 8);
	p_array_init(&warnings, pool, 8);
	int ret = config_components_load(path, &tree, &errors, &warnings);

	print_messages(tree->pool, LOG_TYPE_WARNING, &warnings);
	if (ret < 0) {
		unsigned int count = array_count(&errors);

		print_messages(tree->pool, LOG_TYPE_ERROR, &errors);
		i_fatal("%u error%s in configuration", count, count == 1 ? "" : "s");
	}

	if (optind < argc) {
		print_names(tree, &filter, argv + optind, values_only, show_secrets);
	} else {
		print_config(tree, path, nondefault, show_secrets, pool);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		i_fatal("write(stdout) failed: %s", strerror(errno));

	config_tree_free(&tree);
	pool_unref(&pool);
	return 0;
}

#include "test-settings-common.h"

#include <stdio.h>
#include <sys/stat.h>

#define DEF(set_type, name, struct_name, def_value)                                                \
	{ .type = (set_type), .key = #name, .offset = offsetof(struct struct_name, name),         \
	  .default_value = (def_value) }

static const struct setting_def test_inet_listener_defs[] = {
	DEF(SET_STR, address, test_inet_listener, NULL),
	DEF(SET_IN_PORT, port, test_inet_listener, "0"),
	DEF(SET_BOOL, ssl, test_inet_listener, "no"),
	{ .key = NULL },
};
const struct setting_table test_inet_listener_table = {
	.name = "inet_listener",
	.defs = test_inet_listener_defs,
	.struct_size = sizeof(struct test_inet_listener),
	.named = true,
	.name_offset = offsetof(struct test_inet_listener, name),
};

static const struct setting_def test_unix_listener_defs[] = {
	DEF(SET_UINT_OCT, mode, test_unix_listener, "0600"),
	DEF(SET_STR, user, test_unix_listener, NULL),
	{ .key = NULL },
};
const struct setting_table test_unix_listener_table = {
	.name = "unix_listener",
	.defs = test_unix_listener_defs,
	.struct_size = sizeof(struct test_unix_listener),
	.named = true,
	.name_offset = offsetof(struct test_unix_listener, path),
};

static bool test_service_check(void *_set, pool_t pool, const char **error_r)
{
	struct test_service *set = _set;

	if (set->process_limit == 13) {
		*error_r = "process_limit 13 is unlucky";
		return false;
	}
	return true;
}

static const struct setting_def test_service_defs[] = {
	DEF(SET_STR, protocol, test_service, NULL),
	{ .type = SET_UINT, .key = "process_limit",
	  .offset = offsetof(struct test_service, process_limit), .max = 10000 },
	DEF(SET_SIZE, vsz_limit, test_service, "256M"),
	DEF(SET_TIME, idle_kill, test_service, "1 min"),
	{ .type = SET_SECTIONS, .key = "inet_listener",
	  .offset = offsetof(struct test_service, inet_listeners),
	  .section = &test_inet_listener_table },
	{ .type = SET_SECTIONS, .key = "unix_listener",
	  .offset = offsetof(struct test_service, unix_listeners),
	  .section = &test_unix_listener_table },
	{ .key = NULL },
};
const struct setting_table test_service_table = {
	.name = "service",
	.defs = test_service_defs,
	.struct_size = sizeof(struct test_service),
	.named = true,
	.name_offset = offsetof(struct test_service, name),
	.check = test_service_check,
};

static const struct setting_def test_mailbox_defs[] = {
	DEF(SET_STR, special_use, test_mailbox, NULL),
	{ .type = SET_ENUM, .key = "auto", .offset = offsetof(struct test_mailbox, autocreate),
	  .enum_values = "no:create:subscribe" },
	{ .key = NULL },
};
const struct setting_table test_mailbox_table = {
	.name = "mailbox",
	.defs = test_mailbox_defs,
	.struct_size = sizeof(struct test_mailbox),
	.named = true,
	.name_offset = offsetof(struct test_mailbox, name),
};

static const struct setting_def test_namespace_defs[] = {
	DEF(SET_STR, prefix, test_namespace, NULL),
	DEF(SET_STR, separator, test_namespace, NULL),
	DEF(SET_BOOL, inbox, test_namespace, "no"),
	{ .type = SET_SECTIONS, .key = "mailbox",
	  .offset = offsetof(struct test_namespace, mailboxes), .section = &test_mailbox_table },
	{ .key = NULL },
};
const struct setting_table test_namespace_table = {
	.name = "namespace",
	.defs = test_namespace_defs,
	.struct_size = sizeof(struct test_namespace),
	.named = true,
	.name_offset = offsetof(struct test_namespace, name),
};

static const struct setting_def test_passdb_defs[] = {
	DEF(SET_STR, driver, test_passdb, NULL),
	DEF(SET_STR_VARS, args, test_passdb, NULL),
	{ .key = NULL },
};
const struct setting_table test_passdb_table = {
	.name = "passdb",
	.defs = test_passdb_defs,
	.struct_size = sizeof(struct test_passdb),
	.named = false,
	.name_offset = SETTING_NO_FIELD,
};

static const struct setting_def test_root_defs[] = {
	{ .type = SET_ENUM, .key = "ssl", .offset = offsetof(struct test_root, ssl),
	  .default_value = "yes", .enum_values = "no:yes:required",
	  .flags = SET_FLAG_FILTERABLE },
	{ .type = SET_STR, .key = "ssl_cert", .offset = offsetof(struct test_root, ssl_cert),
	  .flags = SET_FLAG_FILTERABLE },
	{ .type = SET_STR, .key = "ssl_key", .offset = offsetof(struct test_root, ssl_key),
	  .flags = SET_FLAG_FILTERABLE | SET_FLAG_SECRET },
	DEF(SET_STR_VARS, mail_location, test_root, NULL),
	DEF(SET_STR_VARS, mail_home, test_root, NULL),
	{ .type = SET_LIST, .key = "mail_plugins",
	  .offset = offsetof(struct test_root, mail_plugins), .flags = SET_FLAG_FILTERABLE },
	DEF(SET_LIST, protocols, test_root, "imap pop3 lmtp"),
	DEF(SET_BOOL, disable_plaintext_auth, test_root, "yes"),
	{ .type = SET_BOOL, .key = "auth_allow_cleartext", .offset = SETTING_NO_FIELD,
	  .flags = SET_FLAG_ALIAS | SET_FLAG_ALIAS_INVERT_BOOL,
	  .alias_of = "disable_plaintext_auth" },
	DEF(SET_SIZE, imap_max_line_length, test_root, "64k"),
	DEF(SET_TIME, auth_cache_ttl, test_root, "1 hour"),
	DEF(SET_TIME_MSECS, dns_timeout, test_root, "2 secs"),
	{ .type = SET_UINT, .key = "default_process_limit",
	  .offset = offsetof(struct test_root, default_process_limit), .default_value = "100",
	  .min = 1, .max = 10000 },
	DEF(SET_UINT_OCT, umask, test_root, "0077"),
	DEF(SET_IN_PORT, port, test_root, "143"),
	DEF(SET_STR, login_greeting, test_root, "Roost ready."),
	{ .type = SET_STR, .key = "ssl_xyz", .offset = offsetof(struct test_root, ssl_xyz),
	  .flags = SET_FLAG_FUTURE, .future_note = "delivered in a later release" },
	{ .type = SET_STR, .key = "ssl_abc", .offset = SETTING_NO_FIELD,
	  .flags = SET_FLAG_FUTURE },
	{ .type = SET_STR, .key = "mail_location_old", .offset = SETTING_NO_FIELD,
	  .flags = SET_FLAG_ALIAS, .alias_of = "mail_location" },
	{ .type = SET_SECTIONS, .key = "service", .offset = offsetof(struct test_root, services),
	  .section = &test_service_table },
	{ .type = SET_SECTIONS, .key = "namespace",
	  .offset = offsetof(struct test_root, namespaces), .section = &test_namespace_table },
	{ .type = SET_SECTIONS, .key = "passdb", .offset = offsetof(struct test_root, passdbs),
	  .section = &test_passdb_table },
	{ .type = SET_FREE_FORM, .key = "plugin", .offset = offsetof(struct test_root, plugin) },
	{ .key = NULL },
};
const struct setting_table test_root_table = {
	.name = "root",
	.defs = test_root_defs,
	.struct_size = sizeof(struct test_root),
	.name_offset = SETTING_NO_FIELD,
};

static const struct setting_def test_small_defs[] = {
	DEF(SET_STR_VARS, mail_location, test_small, NULL),
	DEF(SET_BOOL, disable_plaintext_auth, test_small, "yes"),
	{ .type = SET_BOOL, .key = "auth_allow_cleartext", .offset = SETTING_NO_FIELD,
	  .flags = SET_FLAG_ALIAS | SET_FLAG_ALIAS_INVERT_BOOL,
	  .alias_of = "disable_plaintext_auth" },
	{ .key = NULL },
};
const struct setting_table test_small_table = {
	.name = "small",
	.defs = test_small_defs,
	.struct_size = sizeof(struct test_small),
	.name_offset = SETTING_NO_FIELD,
};

static void test_dump_node(string_t *str, const struct config_node *node, unsigned int depth)
{
	for (unsigned int i = 0; i < depth; i++)
		str_append(str, "  ");
	if (node->type == CONFIG_NODE_SECTION) {
		str_printfa(str, "S %s", node->key);
		if (node->name != NULL)
			str_printfa(str, " [%s]", node->name);
	} else {
		str_printfa(str, "%s=[%s]", node->key, node->value);
		if (node->value_file_path != NULL)
			str_printfa(str, " <%s", node->value_file_path);
	}
	str_printfa(str, " @%s:%u\n", node->file, node->line);
	for (const struct config_node *child = node->children; child != NULL; child = child->next) {
		test_assert(child->parent == node);
		test_dump_node(str, child, depth + 1);
	}
}

const char *test_tree_dump(const struct config_tree *tree)
{
	string_t *str = str_new(test_pool, 1024);

	for (const struct config_node *node = tree->root->children; node != NULL;
	     node = node->next)
		test_dump_node(str, node, 0);
	return str_c(str);
}

const char *test_errors_str(const ARRAY_TYPE(settings_error) *errors)
{
	string_t *str = str_new(test_pool, 256);

	if (!array_is_created(errors))
		return "";
	for (unsigned int i = 0; i < array_count(errors); i++) {
		str_append(str, settings_error_str(test_pool, array_idx(errors, i)));
		str_append_c(str, '\n');
	}
	return str_c(str);
}

const char *test_write_file(const char *name, const char *contents)
{
	const char *path = p_strdup_printf(test_pool, "%s/%s", test_tmpdir(), name);
	char *dir = p_strdup(test_pool, path);
	FILE *f;

	for (char *p = dir + strlen(test_tmpdir()) + 1; *p != '\0'; p++) {
		if (*p == '/') {
			*p = '\0';
			(void)mkdir(dir, 0700);
			*p = '/';
		}
	}
	f = fopen(path, "w");
	if (f == NULL)
		i_fatal("fopen(%s) failed: %m", path);
	fputs(contents, f);
	if (fclose(f) != 0)
		i_fatal("fclose(%s) failed: %m", path);
	return path;
}

const char *test_parse_chunked(const char *text, size_t len, size_t split_at)
{
	struct config_tree *tree = config_tree_create();
	ARRAY_TYPE(settings_error) errors;
	struct config_parser *parser;
	const char *result;

	p_array_init(&errors, test_pool, 4);
	parser = config_parser_create(tree, "t.conf", NULL, NULL, &errors);
	if (split_at > len)
		split_at = len;
	config_parser_feed(parser, text, split_at);
	config_parser_feed(parser, text + split_at, len - split_at);
	(void)config_parser_finish(parser);
	config_parser_destroy(&parser);
	result = p_strconcat(test_pool, test_tree_dump(tree), "--\n", test_errors_str(&errors),
			     NULL);
	config_tree_free(&tree);
	return result;
}

bool test_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) != NULL)
		return true;
	printf("    '%s' not found in:\n%s\n", needle, haystack);
	return false;
}

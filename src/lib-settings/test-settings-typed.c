#include "test-settings-common.h"

#include <stdio.h>

static const char test_builtin_config[] =
	"service imap-login {\n"
	"  protocol = imap\n"
	"  inet_listener imap {\n"
	"    port = 143\n"
	"  }\n"
	"  inet_listener imaps {\n"
	"    port = 993\n"
	"    ssl = yes\n"
	"  }\n"
	"}\n"
	"service auth {\n"
	"  unix_listener auth-userdb {\n"
	"    mode = 0666\n"
	"  }\n"
	"}\n"
	"namespace inbox {\n"
	"  inbox = yes\n"
	"  mailbox Sent {\n"
	"    special_use = \\Sent\n"
	"  }\n"
	"}\n";

static const char test_admin_config[] =
	"service imap-login {\n"
	"  process_limit = 50\n"
	"  inet_listener imap {\n"
	"    port = 0\n"
	"  }\n"
	"}\n"
	"service imap-login {\n"
	"  vsz_limit = 1G\n"
	"}\n"
	"service pop3 {\n"
	"}\n"
	"namespace inbox {\n"
	"  mailbox Sent {\n"
	"    auto = subscribe\n"
	"  }\n"
	"  mailbox \"Sent Messages\" {\n"
	"    special_use = \\Sent\n"
	"  }\n"
	"}\n"
	"passdb {\n"
	"  driver = pam\n"
	"}\n"
	"passdb {\n"
	"  driver = passwd-file\n"
	"  args = scheme=CRYPT username_format=%u /etc/imap.passwd\n"
	"}\n"
	"plugin {\n"
	"  sieve = ~/.dovecot.sieve\n"
	"  quota = maildir\n"
	"}\n"
	"plugin {\n"
	"  sieve = file:~/sieve\n"
	"}\n"
	"mail_plugins = quota acl\n"
	"protocols = imap pop3 lmtp\n";

/* A tree of the built-in text and then text (as file "t.conf"); any
   error fails the test. */
static struct config_tree *test_tree(const char *builtin, const char *text)
{
	struct config_tree *tree = config_tree_create();
	ARRAY_TYPE(settings_error) errors, warnings;

	p_array_init(&errors, test_pool, 4);
	p_array_init(&warnings, test_pool, 4);
	if (builtin != NULL)
		(void)settings_parse_string(tree, builtin, "(built-in)", &test_root_table, &errors);
	(void)settings_parse_string(tree, text, "t.conf", &test_root_table, &errors);
	(void)settings_validate(tree, &test_root_table, &errors, &warnings);
	test_assert_strcmp(test_errors_str(&errors), "");
	return tree;
}

static struct test_root *test_to_root(const struct config_tree *tree,
				      const struct settings_filter *filter)
{
	const char *error = NULL;
	void *set;

	if (settings_to_struct(tree, tree->root, &test_root_table, filter, test_pool, &set,
			       &error) < 0) {
		test_assert_strcmp(error, "");
		return NULL;
	}
	return set;
}

static void test_typed_defaults(void)
{
	struct config_tree *tree;
	struct test_root *set;

	test_begin("settings_to_struct defaults");
	tree = test_tree(NULL, "");
	set = test_to_root(tree, NULL);
	test_assert_strcmp(set->ssl, "yes");
	test_assert_strcmp(set->ssl_cert, "");
	test_assert_strcmp(set->mail_location, "");
	test_assert(set->mail_plugins != NULL && set->mail_plugins[0] == NULL);
	test_assert(str_array_length(set->protocols) == 3);
	test_assert_strcmp(set->protocols[2], "lmtp");
	test_assert(set->disable_plaintext_auth);
	test_assert(set->imap_max_line_length == 65536);
	test_assert(set->auth_cache_ttl == 3600);
	test_assert(set->dns_timeout == 2000);
	test_assert(set->default_process_limit == 100);
	test_assert(set->umask == 077);
	test_assert(set->port == 143);
	test_assert_strcmp(set->login_greeting, "Roost ready.");
	test_assert(array_is_created(&set->services) && array_count(&set->services) == 0);
	test_assert(array_count(&set->passdbs) == 0);
	test_assert(set->plugin != NULL && set->plugin[0] == NULL);
	config_tree_free(&tree);
	test_end();
}

static void test_typed_values(void)
{
	struct config_tree *tree;
	struct test_root *set;

	test_begin("settings_to_struct values");
	tree = test_tree(NULL, "ssl = required\n"
			       "mail_plugins = quota, acl  zlib\n"
			       "disable_plaintext_auth = no\n"
			       "imap_max_line_length = 1M\n"
			       "auth_cache_ttl = 30 mins\n"
			       "dns_timeout = 150 ms\n"
			       "default_process_limit = 5000\n"
			       "umask = 0027\n"
			       "port = 0\n"
			       "login_greeting = \"  spaced  \"\n"
			       "ssl_xyz = later\n");
	set = test_to_root(tree, NULL);
	test_assert_strcmp(set->ssl, "required");
	test_assert(str_array_length(set->mail_plugins) == 3);
	test_assert_strcmp(set->mail_plugins[1], "acl");
	test_assert_strcmp(set->mail_plugins[2], "zlib");
	test_assert(!set->disable_plaintext_auth);
	test_assert(set->imap_max_line_length == 1024 * 1024);
	test_assert(set->auth_cache_ttl == 1800);
	test_assert(set->dns_timeout == 150);
	test_assert(set->default_process_limit == 5000);
	test_assert(set->umask == 027);
	test_assert(set->port == 0);
	test_assert_strcmp(set->login_greeting, "  spaced  ");
	test_assert_strcmp(set->ssl_xyz, "later");
	config_tree_free(&tree);
	test_end();
}

static void test_typed_sections_merge(void)
{
	struct config_tree *tree;
	struct test_root *set;
	struct test_service *service;
	struct test_inet_listener *listener;
	struct test_namespace *ns;
	struct test_mailbox *box;
	struct test_passdb *passdb;

	test_begin("settings_to_struct merges sections");
	tree = test_tree(test_builtin_config, test_admin_config);
	set = test_to_root(tree, NULL);
	test_assert(array_count(&set->services) == 3);
	service = array_idx_elem(&set->services, 0);
	test_assert_strcmp(service->name, "imap-login");
	test_assert_strcmp(service->protocol, "imap");
	test_assert(service->process_limit == 50);
	test_assert(service->vsz_limit == 1024ULL * 1024 * 1024);
	test_assert(service->idle_kill == 60);
	test_assert(array_count(&service->inet_listeners) == 2);
	listener = array_idx_elem(&service->inet_listeners, 0);
	test_assert_strcmp(listener->name, "imap");
	test_assert(listener->port == 0 && !listener->ssl);
	test_assert_strcmp(listener->address, "");
	listener = array_idx_elem(&service->inet_listeners, 1);
	test_assert_strcmp(listener->name, "imaps");
	test_assert(listener->port == 993 && listener->ssl);
	test_assert(array_count(&service->unix_listeners) == 0);

	service = array_idx_elem(&set->services, 1);
	test_assert_strcmp(service->name, "auth");
	test_assert(array_count(&service->unix_listeners) == 1);
	test_assert_strcmp(array_idx_elem(&service->unix_listeners, 0)->path, "auth-userdb");
	test_assert(array_idx_elem(&service->unix_listeners, 0)->mode == 0666);
	service = array_idx_elem(&set->services, 2);
	test_assert_strcmp(service->name, "pop3");
	test_assert(service->vsz_limit == 256ULL * 1024 * 1024);

	test_assert(array_count(&set->namespaces) == 1);
	ns = array_idx_elem(&set->namespaces, 0);
	test_assert_strcmp(ns->name, "inbox");
	test_assert(ns->inbox);
	test_assert(array_count(&ns->mailboxes) == 2);
	box = array_idx_elem(&ns->mailboxes, 0);
	test_assert_strcmp(box->name, "Sent");
	test_assert_strcmp(box->special_use, "\\Sent");
	test_assert_strcmp(box->autocreate, "subscribe");
	box = array_idx_elem(&ns->mailboxes, 1);
	test_assert_strcmp(box->name, "Sent Messages");
	test_assert_strcmp(box->autocreate, "no");

	/* unnamed sections are not merged */
	test_assert(array_count(&set->passdbs) == 2);
	passdb = array_idx_elem(&set->passdbs, 1);
	test_assert_strcmp(passdb->driver, "passwd-file");
	test_assert_strcmp(passdb->args, "scheme=CRYPT username_format=%u /etc/imap.passwd");

	/* plugin { } is one bag; later values win */
	test_assert(str_array_length(set->plugin) == 4);
	test_assert_strcmp(set->plugin[0], "sieve");
	test_assert_strcmp(set->plugin[1], "file:~/sieve");
	test_assert_strcmp(set->plugin[2], "quota");
	test_assert_strcmp(set->plugin[3], "maildir");
	test_assert(str_array_length(set->mail_plugins) == 2);
	config_tree_free(&tree);
	test_end();
}

static void test_typed_section_node(void)
{
	struct config_tree *tree;
	const struct config_node *node, *second = NULL;
	struct test_service *service;
	const char *error;
	void *set;

	test_begin("settings_to_struct of one section");
	tree = test_tree(test_builtin_config, test_admin_config);
	for (node = tree->root->children; node != NULL; node = node->next) {
		if (node->type == CONFIG_NODE_SECTION && strcmp(node->key, "service") == 0 &&
		    strcmp(node->name, "imap-login") == 0)
			second = node;
	}
	test_assert(settings_to_struct(tree, second, &test_service_table, NULL, test_pool, &set,
				       &error) == 0);
	service = set;
	test_assert_strcmp(service->name, "imap-login");
	test_assert(service->process_limit == 50);
	test_assert(service->vsz_limit == 1024ULL * 1024 * 1024);
	test_assert(array_count(&service->inet_listeners) == 2);
	config_tree_free(&tree);
	test_end();
}

static void test_typed_errors(void)
{
	struct config_tree *tree = config_tree_create();
	ARRAY_TYPE(settings_error) errors;
	const char *error;
	void *set;

	test_begin("settings_to_struct errors");
	p_array_init(&errors, test_pool, 4);
	(void)settings_parse_string(tree, "service imap {\n  process_limit = 13\n}\n", "t.conf",
				    &test_root_table, &errors);
	test_assert(settings_to_struct(tree, tree->root, &test_root_table, NULL, test_pool, &set,
				       &error) < 0);
	test_assert_strcmp(error, "service imap: process_limit 13 is unlucky");
	test_assert(set == NULL);
	config_tree_free(&tree);

	/* without validation, bad values still never reach the struct */
	tree = config_tree_create();
	(void)settings_parse_string(tree, "\n\ndefault_process_limit = 0\n", "t.conf",
				    &test_root_table, &errors);
	test_assert(settings_to_struct(tree, tree->root, &test_root_table, NULL, test_pool, &set,
				       &error) < 0);
	test_assert_strcmp(error, "t.conf:3: invalid value '0' for default_process_limit: "
				  "must be at least 1");
	config_tree_free(&tree);
	test_end();
}

/* A component with a cross-setting check, as pop3_settings_check. */
struct test_checked {
	const char *mode;
	const char *flag;
	const char *required;
};

static bool test_checked_check(void *_set, pool_t pool, const char **error_r)
{
	struct test_checked *set = _set;

	if (strcmp(set->mode, "flag") == 0 && set->flag[0] == '\0') {
		*error_r = "mode=flag, but flag not set";
		return false;
	}
	if (strcmp(set->mode, "expunge") == 0 && set->flag[0] != '\0') {
		*error_r = p_strdup_printf(pool, "cannot use flag '%s' with mode=expunge",
					   set->flag);
		return false;
	}
	if (strcmp(set->mode, "strict") == 0 && set->required[0] == '\0') {
		*error_r = "required is not set";
		return false;
	}
	return true;
}

static const struct setting_def test_checked_defs[] = {
	{ .type = SET_ENUM, .key = "mode", .offset = offsetof(struct test_checked, mode),
	  .enum_values = "default:flag:expunge:strict", .flags = SET_FLAG_FILTERABLE },
	{ .type = SET_STR, .key = "flag", .offset = offsetof(struct test_checked, flag),
	  .flags = SET_FLAG_FILTERABLE },
	{ .type = SET_STR, .key = "required", .offset = offsetof(struct test_checked, required),
	  .flags = SET_FLAG_FILTERABLE },
	/* a second name for flag */
	{ .type = SET_STR, .key = "flag_name", .offset = SETTING_NO_FIELD, .alias_of = "flag",
	  .flags = SET_FLAG_ALIAS | SET_FLAG_FILTERABLE },
	{ .key = NULL },
};

static const struct setting_table test_checked_table = {
	.name = "checked",
	.defs = test_checked_defs,
	.struct_size = sizeof(struct test_checked),
	.name_offset = SETTING_NO_FIELD,
	.check = test_checked_check,
};

/* settings_check_table() on text (as file "c.conf"): "" when it passes,
   else "file:line: message" ("-" for no file). */
static const char *test_check_str(const char *text, const char *protocol)
{
	struct config_tree *tree = config_tree_create();
	struct settings_filter filter = { .protocol = protocol };
	ARRAY_TYPE(settings_error) errors;
	struct settings_error error;
	const char *result = "";

	p_array_init(&errors, test_pool, 4);
	(void)settings_parse_string(tree, text, "c.conf", &test_checked_table, &errors);
	test_assert_strcmp(test_errors_str(&errors), "");
	if (settings_check_table(tree, &test_checked_table, protocol == NULL ? NULL : &filter,
				 test_pool, &error) < 0) {
		result = t_strdup_printf("%s:%u: %s", error.file == NULL ? "-" : error.file,
					 error.line, error.message);
	}
	config_tree_free(&tree);
	return result;
}

static void test_typed_check_table(void)
{
	test_begin("settings_check_table");
	test_assert_strcmp(test_check_str("", NULL), "");
	test_assert_strcmp(test_check_str("mode = flag\nflag = Gone\n", NULL), "");
	/* a bad value: where it was set */
	test_assert_strcmp(test_check_str("\nmode = maybe\n", NULL),
			   "c.conf:2: invalid value 'maybe' for mode: expected one of default, "
			   "flag, expunge, strict");
	/* a failed check: the setting its message starts with */
	test_assert_strcmp(test_check_str("# x\nflag =\nmode = flag\n", NULL),
			   "c.conf:3: mode=flag, but flag not set");
	/* ... or the first setting it names that was set */
	test_assert_strcmp(test_check_str("mode = expunge\n\nflag = x\n", NULL),
			   "c.conf:3: cannot use flag 'x' with mode=expunge");
	/* through an alias: the line of the alias */
	test_assert_strcmp(test_check_str("mode = expunge\nflag_name = y\n", NULL),
			   "c.conf:2: cannot use flag 'y' with mode=expunge");
	/* nothing it names was set: no place to point at */
	test_assert_strcmp(test_check_str("mode = strict\n", NULL), "-:0: required is not set");
	/* the values under the filter: the failure exists only for pop3, and
	   points into its block */
	static const char filtered[] =
		"mode = flag\n"
		"flag = Gone\n"
		"protocol pop3 {\n"
		"  flag =\n"
		"}\n"
		"protocol imap {\n"
		"  mode = maybe\n"
		"}\n";
	test_assert_strcmp(test_check_str(filtered, NULL), "");
	test_assert_strcmp(test_check_str(filtered, "lmtp"), "");
	test_assert_strcmp(test_check_str(filtered, "pop3"),
			   "c.conf:1: mode=flag, but flag not set");
	test_assert_strcmp(test_check_str(filtered, "imap"),
			   "c.conf:7: invalid value 'maybe' for mode: expected one of default, "
			   "flag, expunge, strict");
	test_assert_strcmp(test_check_str("protocol pop3 {\n  mode = flag\n}\n", "pop3"),
			   "c.conf:2: mode=flag, but flag not set");
	test_end();
}

static void test_typed_aliases(void)
{
	struct config_tree *tree;
	struct test_small *small;
	struct test_root *root;
	const char *error;
	void *set;

	test_begin("settings aliases");
	tree = test_tree(NULL, "auth_allow_cleartext = yes\nmail_location_old = maildir:~/M\n");
	test_assert(settings_to_struct(tree, tree->root, &test_small_table, NULL, test_pool, &set,
				       &error) == 0);
	small = set;
	test_assert(!small->disable_plaintext_auth);
	/* the small table does not list mail_location_old */
	test_assert_strcmp(small->mail_location, "");
	root = test_to_root(tree, NULL);
	test_assert(!root->disable_plaintext_auth);
	test_assert_strcmp(root->mail_location, "maildir:~/M");
	test_assert_strcmp(settings_get_value(tree, &test_root_table, NULL,
					      "disable_plaintext_auth"), "no");
	test_assert_strcmp(settings_get_value(tree, &test_root_table, NULL,
					      "auth_allow_cleartext"), "yes");
	test_assert_strcmp(settings_get_value(tree, &test_root_table, NULL, "mail_location"),
			   "maildir:~/M");
	config_tree_free(&tree);

	tree = test_tree(NULL, "auth_allow_cleartext = no\ndisable_plaintext_auth = no\n");
	test_assert_strcmp(settings_get_value(tree, &test_root_table, NULL,
					      "auth_allow_cleartext"), "yes");
	root = test_to_root(tree, NULL);
	test_assert(!root->disable_plaintext_auth);
	config_tree_free(&tree);

	tree = test_tree(NULL, "");
	test_assert_strcmp(settings_get_value(tree, &test_root_table, NULL,
					      "auth_allow_cleartext"), "no");
	test_assert(settings_get_value(tree, &test_root_table, NULL, "nonexistent") == NULL);
	test_assert(settings_get_value(tree, &test_root_table, NULL, "service") == NULL);
	test_assert_strcmp(settings_get_value(tree, &test_root_table, NULL, "ssl"), "yes");
	config_tree_free(&tree);
	test_end();
}

static const char test_filter_config[] =
	"ssl = yes\n"
	"ssl_cert = root\n"
	"mail_plugins = quota\n"
	"local_name *.example.com {\n"
	"  ssl_cert = wildcard\n"
	"}\n"
	"local_name \"mail.example.com imap.example.org\" {\n"
	"  ssl_cert = exact\n"
	"}\n"
	"protocol imap {\n"
	"  ssl = required\n"
	"  mail_plugins = $mail_plugins imap_quota\n"
	"  ssl_cert = proto\n"
	"}\n"
	"protocol !imap {\n"
	"  login_greeting = not imap\n"
	"}\n"
	"remote 10.0.0.0/8 {\n"
	"  ssl = no\n"
	"  remote 10.1.0.0/16 {\n"
	"    ssl = required\n"
	"  }\n"
	"}\n"
	"local 192.0.2.1 {\n"
	"  protocol pop3 {\n"
	"    mail_plugins = pop\n"
	"  }\n"
	"}\n"
	"local [2001:db8::]/32 {\n"
	"  login_greeting = v6\n"
	"}\n"
	"remote 192.0.2.0/24 {\n"
	"  port = 1\n"
	"}\n"
	"ssl = yes\n";

static const char *test_get(const struct config_tree *tree, const char *key,
			    const char *protocol, const char *local_ip, const char *remote_ip,
			    const char *local_name)
{
	struct settings_filter filter = {
		.protocol = protocol,
		.local_ip = local_ip,
		.remote_ip = remote_ip,
		.local_name = local_name,
	};

	return settings_get_value(tree, &test_root_table, &filter, key);
}

static void test_typed_filters(void)
{
	struct settings_filter filter = { .protocol = "imap", .remote_ip = "10.9.9.9" };
	struct config_tree *tree;
	struct test_root *set;

	test_begin("filters");
	tree = test_tree(NULL, test_filter_config);
	test_assert_strcmp(settings_get_value(tree, &test_root_table, NULL, "ssl_cert"), "root");
	test_assert_strcmp(test_get(tree, "ssl_cert", NULL, NULL, NULL, NULL), "root");
	test_assert_strcmp(test_get(tree, "ssl", "imap", NULL, NULL, NULL), "required");
	test_assert_strcmp(test_get(tree, "mail_plugins", "imap", NULL, NULL, NULL),
			   "quota imap_quota");
	test_assert_strcmp(test_get(tree, "ssl_cert", "imap", NULL, NULL, NULL), "proto");
	test_assert_strcmp(test_get(tree, "login_greeting", "imap", NULL, NULL, NULL),
			   "Roost ready.");
	test_assert_strcmp(test_get(tree, "login_greeting", "pop3", NULL, NULL, NULL),
			   "not imap");
	test_assert_strcmp(test_get(tree, "login_greeting", NULL, NULL, NULL, NULL),
			   "Roost ready.");
	/* local_name is more specific than protocol, whatever the order */
	test_assert_strcmp(test_get(tree, "ssl_cert", "imap", NULL, NULL, "foo.example.com"),
			   "wildcard");
	test_assert_strcmp(test_get(tree, "ssl_cert", NULL, NULL, NULL, "a.b.example.com"),
			   "wildcard");
	test_assert_strcmp(test_get(tree, "ssl_cert", NULL, NULL, NULL, "imap.example.org"),
			   "exact");
	test_assert_strcmp(test_get(tree, "ssl_cert", NULL, NULL, NULL, "MAIL.Example.COM"),
			   "exact");
	test_assert_strcmp(test_get(tree, "ssl_cert", NULL, NULL, NULL, "example.com"), "root");
	test_assert_strcmp(test_get(tree, "ssl_cert", NULL, NULL, NULL, "example.org"), "root");
	/* networks: more bits win, remote beats protocol */
	test_assert_strcmp(test_get(tree, "ssl", NULL, NULL, "10.1.2.3", NULL), "required");
	test_assert_strcmp(test_get(tree, "ssl", NULL, NULL, "10.2.0.1", NULL), "no");
	test_assert_strcmp(test_get(tree, "ssl", NULL, NULL, "11.0.0.1", NULL), "yes");
	test_assert_strcmp(test_get(tree, "ssl", "imap", NULL, "10.2.0.1", NULL), "no");
	test_assert_strcmp(test_get(tree, "ssl", NULL, "10.2.0.1", NULL, NULL), "yes");
	test_assert_strcmp(test_get(tree, "ssl", NULL, NULL, "not-an-ip", NULL), "yes");
	/* nested filters need both */
	test_assert_strcmp(test_get(tree, "mail_plugins", "pop3", "192.0.2.1", NULL, NULL), "pop");
	test_assert_strcmp(test_get(tree, "mail_plugins", "imap", "192.0.2.1", NULL, NULL),
			   "quota imap_quota");
	test_assert_strcmp(test_get(tree, "mail_plugins", "pop3", "192.0.2.2", NULL, NULL),
			   "quota");
	test_assert_strcmp(test_get(tree, "mail_plugins", NULL, "192.0.2.1", NULL, NULL), "quota");
	/* IPv6 and v4-mapped addresses */
	test_assert_strcmp(test_get(tree, "login_greeting", NULL, "2001:db8::1", NULL, NULL),
			   "v6");
	test_assert_strcmp(test_get(tree, "login_greeting", NULL, "2001:db9::1", NULL, NULL),
			   "Roost ready.");
	test_assert_strcmp(test_get(tree, "port", NULL, NULL, "::ffff:192.0.2.7", NULL), "1");
	test_assert_strcmp(test_get(tree, "port", NULL, NULL, "192.0.2.255", NULL), "1");
	test_assert_strcmp(test_get(tree, "port", NULL, NULL, "192.0.3.1", NULL), "143");

	set = test_to_root(tree, &filter);
	test_assert_strcmp(set->ssl, "no");
	test_assert(str_array_length(set->mail_plugins) == 2);
	test_assert_strcmp(set->ssl_cert, "proto");
	config_tree_free(&tree);
	test_end();
}

static void test_typed_filter_sections(void)
{
	struct config_tree *tree;
	struct settings_filter filter = { .protocol = "imap" };
	struct test_namespace *ns;
	struct test_root *set;

	test_begin("filters with sections");
	tree = test_tree(test_builtin_config,
			 "protocol imap {\n"
			 "  namespace inbox {\n"
			 "    prefix = INBOX.\n"
			 "    mailbox Trash {\n"
			 "      auto = create\n"
			 "    }\n"
			 "  }\n"
			 "  passdb {\n"
			 "    driver = imap-only\n"
			 "  }\n"
			 "}\n");
	set = test_to_root(tree, &filter);
	ns = array_idx_elem(&set->namespaces, 0);
	test_assert_strcmp(ns->prefix, "INBOX.");
	test_assert(ns->inbox);
	test_assert(array_count(&ns->mailboxes) == 2);
	test_assert_strcmp(array_idx_elem(&ns->mailboxes, 1)->name, "Trash");
	test_assert(array_count(&set->passdbs) == 1);
	set = test_to_root(tree, NULL);
	ns = array_idx_elem(&set->namespaces, 0);
	test_assert_strcmp(ns->prefix, "");
	test_assert(array_count(&ns->mailboxes) == 1);
	test_assert(array_count(&set->passdbs) == 0);
	config_tree_free(&tree);
	test_end();
}

static void test_write_nondefault(void)
{
	struct config_tree *tree, *tree2;
	string_t *str = str_new(test_pool, 1024), *str2 = str_new(test_pool, 1024);
	struct test_root *set1, *set2;

	test_begin("settings_write nondefault");
	tree = test_tree(test_builtin_config, test_admin_config);
	settings_write(tree, &test_root_table, SETTINGS_WRITE_NONDEFAULT, str);
	test_assert_strcmp(str_c(str),
			   "mail_plugins = quota acl\n"
			   "service imap-login {\n"
			   "  process_limit = 50\n"
			   "  vsz_limit = 1G\n"
			   "  inet_listener imap {\n"
			   "    port = 0\n"
			   "  }\n"
			   "}\n"
			   "namespace inbox {\n"
			   "  mailbox Sent {\n"
			   "    auto = subscribe\n"
			   "  }\n"
			   "  mailbox \"Sent Messages\" {\n"
			   "    special_use = \\Sent\n"
			   "  }\n"
			   "}\n"
			   "service pop3 {\n"
			   "}\n"
			   "passdb {\n"
			   "  driver = pam\n"
			   "}\n"
			   "passdb {\n"
			   "  driver = passwd-file\n"
			   "  args = scheme=CRYPT username_format=%u /etc/imap.passwd\n"
			   "}\n"
			   "plugin {\n"
			   "  sieve = file:~/sieve\n"
			   "  quota = maildir\n"
			   "}\n");

	/* read back on top of the built-in text: the same structs */
	tree2 = test_tree(test_builtin_config, str_c(str));
	set1 = test_to_root(tree, NULL);
	set2 = test_to_root(tree2, NULL);

	settings_write(tree2, &test_root_table, SETTINGS_WRITE_NONDEFAULT, str2);
	test_assert_strcmp(str_c(str2), str_c(str));
	test_assert(array_count(&set1->services) == array_count(&set2->services));
	test_assert(array_idx_elem(&set2->services, 0)->vsz_limit ==
		    array_idx_elem(&set1->services, 0)->vsz_limit);
	test_assert(array_idx_elem(&array_idx_elem(&set2->services, 0)->inet_listeners,
				   0)->port == 0);
	config_tree_free(&tree2);
	config_tree_free(&tree);
	test_end();
}

static void test_write_full(void)
{
	struct config_tree *tree;
	string_t *str = str_new(test_pool, 1024);
	const char *out;

	test_begin("settings_write everything");
	tree = test_tree(test_builtin_config, "auth_allow_cleartext = yes\n"
					      "ssl_key = secret\n"
					      "protocol imap {\n"
					      "  ssl = required\n"
					      "}\n");
	settings_write(tree, &test_root_table, 0, str);
	out = str_c(str);
	test_assert(str_begins(out, "ssl = yes\nssl_cert =\nssl_key = secret\n", NULL));
	test_assert(test_contains(out, "\nprotocols = imap pop3 lmtp\n"
				       "disable_plaintext_auth = no\n"
				       "imap_max_line_length = 64k\n"));
	test_assert(test_contains(out, "\nlogin_greeting = Roost ready.\n"));
	test_assert(test_contains(out, "service imap-login {\n"
				       "  protocol = imap\n"
				       "  process_limit =\n"
				       "  vsz_limit = 256M\n"
				       "  idle_kill = 1 min\n"
				       "  inet_listener imap {\n"
				       "    address =\n"
				       "    port = 143\n"
				       "    ssl = no\n"
				       "  }\n"));
	test_assert(test_contains(out, "protocol imap {\n  ssl = required\n}\n"));
	test_assert(strstr(out, "auth_allow_cleartext") == NULL);
	test_assert(strstr(out, "mail_location_old") == NULL);

	str_truncate(str, 0);
	settings_write(tree, &test_root_table,
		       SETTINGS_WRITE_HIDE_SECRETS | SETTINGS_WRITE_NONDEFAULT, str);
	test_assert_strcmp(str_c(str), "disable_plaintext_auth = no\n"
				       "protocol imap {\n"
				       "  ssl = required\n"
				       "}\n");
	str_truncate(str, 0);
	settings_write(tree, &test_root_table, SETTINGS_WRITE_HIDE_SECRETS, str);
	test_assert(strstr(str_c(str), "ssl_key") == NULL);
	config_tree_free(&tree);
	test_end();
}

static void test_write_quoting(void)
{
	static const char *const values[] = {
		"plain", "", " leading", "trailing ", "a # b", "a#b", "$mail_plugins x",
		"\"name\" *", "'single'", "back\\slash", "ends\\", "<notafile",
		"multi\nline\ttab\r", "quote\"inside", "%{user}@{domain}",
	};
	string_t *text = str_new(test_pool, 1024), *out = str_new(test_pool, 1024);
	struct config_tree *tree = config_tree_create();
	struct config_node *node;
	ARRAY_TYPE(settings_error) errors;
	unsigned int i;

	test_begin("settings_write quoting round trip");
	/* build a tree by hand, as if values came from anywhere */
	for (i = 0; i < N_ELEMENTS(values); i++) {
		node = p_new(tree->pool, struct config_node, 1);
		node->type = CONFIG_NODE_SETTING;
		node->key = p_strdup_printf(tree->pool, "k%u", i);
		node->value = values[i];
		node->file = "t.conf";
		node->parent = tree->root;
		if (tree->root->children_tail == NULL)
			tree->root->children = node;
		else
			tree->root->children_tail->next = node;
		tree->root->children_tail = node;
	}
	node = p_new(tree->pool, struct config_node, 1);
	node->type = CONFIG_NODE_SECTION;
	node->key = "mailbox";
	node->name = "Sent Messages {#}";
	node->file = "t.conf";
	node->parent = tree->root;
	tree->root->children_tail->next = node;
	tree->root->children_tail = node;

	settings_write(tree, NULL, SETTINGS_WRITE_NONDEFAULT, text);
	config_tree_free(&tree);

	tree = config_tree_create();
	p_array_init(&errors, test_pool, 4);
	test_assert(settings_parse_string(tree, str_c(text), "t.conf", &test_root_table,
					  &errors) == 0);
	node = tree->root->children;
	for (i = 0; i < N_ELEMENTS(values) && node != NULL; i++, node = node->next)
		test_assert_strcmp(node->value, values[i]);
	test_assert(node != NULL && node->type == CONFIG_NODE_SECTION &&
		    strcmp(node->name, "Sent Messages {#}") == 0);
	settings_write(tree, NULL, SETTINGS_WRITE_NONDEFAULT, out);
	test_assert_strcmp(str_c(out), str_c(text));
	test_assert(test_contains(str_c(text), "k0 = plain\nk1 =\nk2 = \" leading\"\n"));
	test_assert(test_contains(str_c(text), "k9 = back\\slash\nk10 = \"ends\\\\\"\n"));
	config_tree_free(&tree);
	test_end();
}

static void test_write_file_contents(void)
{
	const char *path;
	struct config_tree *tree = config_tree_create();
	ARRAY_TYPE(settings_error) errors;
	string_t *str = str_new(test_pool, 256);

	test_begin("settings_write <file");
	test_write_file("wf/cert.pem", "-----BEGIN-----\n\"x\"\\\n-----END-----\n");
	path = test_write_file("wf/roost.conf", "ssl_cert = <cert.pem\nssl_key = <cert.pem\n");
	p_array_init(&errors, test_pool, 4);
	test_assert(settings_parse_file(tree, path, &test_root_table, &errors) == 0);
	settings_write(tree, &test_root_table, SETTINGS_WRITE_NONDEFAULT, str);
	test_assert_strcmp(str_c(str), "ssl_cert = <cert.pem\nssl_key = <cert.pem\n");
	str_truncate(str, 0);
	settings_write(tree, &test_root_table,
		       SETTINGS_WRITE_NONDEFAULT | SETTINGS_WRITE_FILE_CONTENTS |
		       SETTINGS_WRITE_HIDE_SECRETS, str);
	test_assert_strcmp(str_c(str),
			   "ssl_cert = \"-----BEGIN-----\\n\\\"x\\\"\\\\\\n-----END-----\\n\"\n");
	config_tree_free(&tree);

	/* the child's copy parses back without the file */
	tree = config_tree_create();
	test_assert(settings_parse_string(tree, str_c(str), "(master)", &test_root_table,
					  &errors) == 0);
	test_assert_strcmp(tree->root->children->value,
			   "-----BEGIN-----\n\"x\"\\\n-----END-----\n");
	config_tree_free(&tree);
	test_end();
}

static void test_typed_random(void)
{
	static const char *const tokens[] = {
		"service", "imap-login", "ssl", "inet_listener", "imaps", "port", "993", "protocol",
		"imap", "local", "192.0.2.1", "remote", "10.0.0.0/8", "local_name", "*.example.com",
		"plugin", "namespace", "inbox", "mailbox", "\"Sent Messages\"", "passdb", "driver",
		"mail_plugins", "$mail_plugins", "auth_allow_cleartext", "yes", "no", "=", "=", "{",
		"}", "\n", "\n", "\n", " ", "\"", "'", "\\", "#", "<nonexistent", "process_limit",
		"13", "0", "unlimited", "1G", "$", "x\"y", "%{user}", "\t", "\r",
	};
	struct settings_filter filter = {
		.protocol = "imap", .local_ip = "192.0.2.1", .remote_ip = "10.1.1.1",
		.local_name = "mail.example.com",
	};
	unsigned int seed = 4242;

	test_begin("random input through every stage");
	for (unsigned int round = 0; round < 500; round++) {
		string_t *text = str_new(test_pool, 512), *out = str_new(test_pool, 512);
		ARRAY_TYPE(settings_error) errors, errors2;
		struct config_tree *tree, *tree2;
		unsigned int count;
		const char *error;
		void *set;

		seed = seed * 1103515245 + 12345;
		count = (seed >> 16) % 80;
		for (unsigned int i = 0; i < count; i++) {
			seed = seed * 1103515245 + 12345;
			str_append(text, tokens[(seed >> 16) % N_ELEMENTS(tokens)]);
			if ((seed & 3) != 0)
				str_append_c(text, ' ');
		}
		p_array_init(&errors, test_pool, 8);
		tree = settings_load_string(str_c(text), "r.conf", &test_root_table, &errors,
					    NULL);
		(void)settings_to_struct(tree, tree->root, &test_root_table, &filter, test_pool,
					 &set, &error);
		(void)settings_to_struct(tree, tree->root, &test_small_table, NULL, test_pool,
					 &set, &error);
		(void)settings_get_value(tree, &test_root_table, &filter, "mail_plugins");
		for (unsigned int flags = 0; flags < 8; flags++) {
			str_truncate(out, 0);
			settings_write(tree, &test_root_table, flags, out);
			/* whatever the tree, the text reads back without syntax errors */
			tree2 = config_tree_create();
			p_array_init(&errors2, test_pool, 8);
			(void)settings_parse_string(tree2, str_c(out), "w.conf", NULL, &errors2);
			test_assert_idx(array_count(&errors2) == 0, round);
			if (array_count(&errors2) != 0) {
				printf("%s\n--\n%s--\n%s", str_c(text), str_c(out),
				       test_errors_str(&errors2));
			}
			config_tree_free(&tree2);
		}
		config_tree_free(&tree);
		if (test_has_failed())
			break;
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_typed_defaults,
		test_typed_values,
		test_typed_sections_merge,
		test_typed_section_node,
		test_typed_errors,
		test_typed_check_table,
		test_typed_aliases,
		test_typed_filters,
		test_typed_filter_sections,
		test_write_nondefault,
		test_write_full,
		test_write_quoting,
		test_write_file_contents,
		test_typed_random,
		NULL,
	};

	return test_run(tests);
}

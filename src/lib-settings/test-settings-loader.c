#include "test-settings-common.h"

#include <stdio.h>
#include <sys/stat.h>

static const char *test_load_string(const char *text, const char **errors_r,
				    const char **warnings_r)
{
	ARRAY_TYPE(settings_error) errors, warnings;
	struct config_tree *tree;
	const char *dump;

	p_array_init(&errors, test_pool, 4);
	p_array_init(&warnings, test_pool, 4);
	tree = settings_load_string(text, "t.conf", &test_root_table, &errors, &warnings);
	dump = test_tree_dump(tree);
	*errors_r = test_errors_str(&errors);
	if (warnings_r != NULL)
		*warnings_r = test_errors_str(&warnings);
	config_tree_free(&tree);
	return dump;
}

static const char *test_load_file(const char *path, const char **errors_r)
{
	ARRAY_TYPE(settings_error) errors, warnings;
	struct config_tree *tree;
	const char *dump;

	p_array_init(&errors, test_pool, 4);
	p_array_init(&warnings, test_pool, 4);
	tree = settings_load_file(path, &test_root_table, &errors, &warnings);
	dump = test_tree_dump(tree);
	*errors_r = test_errors_str(&errors);
	config_tree_free(&tree);
	return dump;
}

/* The temp dir's path replaced with "T" */
static const char *test_untmp(const char *str)
{
	const char *dir = test_tmpdir();
	size_t dir_len = strlen(dir);
	string_t *dest = str_new(test_pool, strlen(str));
	const char *p;

	while ((p = strstr(str, dir)) != NULL) {
		str_append_data(dest, str, (size_t)(p - str));
		str_append_c(dest, 'T');
		str = p + dir_len;
	}
	str_append(dest, str);
	return str_c(dest);
}

static void test_loader_includes(void)
{
	const char *main_path, *dump, *errors;

	test_begin("loader !include with globs");
	main_path = test_write_file("inc/roost.conf",
				    "a = 1\n"
				    "!include conf.d/*.conf\n"
				    "!include_try conf.d/*.missing\n"
				    "!include nothing/*.conf\n"
				    "!include_try local.conf\n"
				    "service imap {\n"
				    "  !include svc.inc\n"
				    "}\n"
				    "!include \"conf.d/quoted name.ext\"\n"
				    "z = 26\n");
	test_write_file("inc/conf.d/20-b.conf", "b = 2\n!include ../sub/c.inc\n");
	test_write_file("inc/conf.d/10-a.conf", "protocol imap {\n  ssl = no\n}\n");
	test_write_file("inc/conf.d/30-ignored.txt", "bogus\n");
	test_write_file("inc/conf.d/quoted name.ext", "q = 1\n");
	test_write_file("inc/sub/c.inc", "c = 3\n");
	test_write_file("inc/svc.inc", "process_limit = 5\n");
	dump = test_load_file(main_path, &errors);
	test_assert_strcmp(test_untmp(dump), "a=[1] @T/inc/roost.conf:1\n"
					     "S protocol [imap] @T/inc/conf.d/10-a.conf:1\n"
					     "  ssl=[no] @T/inc/conf.d/10-a.conf:2\n"
					     "b=[2] @T/inc/conf.d/20-b.conf:1\n"
					     "c=[3] @T/inc/conf.d/../sub/c.inc:1\n"
					     "S service [imap] @T/inc/roost.conf:6\n"
					     "  process_limit=[5] @T/inc/svc.inc:1\n"
					     "q=[1] @T/inc/conf.d/quoted name.ext:1\n"
					     "z=[26] @T/inc/roost.conf:10\n");
	/* a, b, c, q and z are no settings of the test table */
	test_assert(test_contains(errors, "roost.conf:1: unknown setting 'a'"));
	test_end();
}

static void test_loader_include_errors(void)
{
	const char *main_path, *errors;

	test_begin("loader include errors");
	main_path = test_write_file("incerr/main.conf",
				    "!include missing.conf\n"
				    "!include_try missing.conf\n"
				    "!include /nonexistent-dir/x.conf\n"
				    "!include subdir\n"
				    "ssl = yes\n");
	(void)mkdir(p_strdup_printf(test_pool, "%s/incerr/subdir", test_tmpdir()), 0700);
	(void)test_load_file(main_path, &errors);
	test_assert_strcmp(test_untmp(errors),
			   "T/incerr/main.conf:1: include file T/incerr/missing.conf: "
			   "No such file or directory\n"
			   "T/incerr/main.conf:3: include file /nonexistent-dir/x.conf: "
			   "No such file or directory\n"
			   "T/incerr/main.conf:4: include file T/incerr/subdir: Is a directory\n");

	/* the top-level file itself */
	(void)test_load_file(p_strdup_printf(test_pool, "%s/nope.conf", test_tmpdir()), &errors);
	test_assert_strcmp(test_untmp(errors),
			   "T/nope.conf: cannot read config file: No such file or directory\n");
	test_end();
}

static void test_loader_include_loop(void)
{
	const char *path, *errors, *dump;

	test_begin("loader include loops and depth");
	path = test_write_file("loop/a.conf", "ssl = yes\n!include b.conf\n");
	test_write_file("loop/b.conf", "ssl = no\n!include a.conf\n");
	dump = test_load_file(path, &errors);
	test_assert_strcmp(test_untmp(errors),
			   "T/loop/b.conf:2: include file T/loop/a.conf: include loop "
			   "(the file is already being read)\n");
	test_assert_strcmp(test_untmp(dump),
			   "ssl=[yes] @T/loop/a.conf:1\nssl=[no] @T/loop/b.conf:1\n");

	path = test_write_file("loop/self.conf", "!include self.conf\n");
	(void)test_load_file(path, &errors);
	test_assert(test_contains(errors, "include loop"));

	/* a chain of distinct files deeper than the limit */
	for (unsigned int i = 0; i < SETTINGS_INCLUDE_MAX_DEPTH + 3; i++) {
		test_write_file(p_strdup_printf(test_pool, "deep/f%u.conf", i),
				p_strdup_printf(test_pool, "!include f%u.conf\n", i + 1));
	}
	(void)test_load_file(p_strdup_printf(test_pool, "%s/deep/f0.conf", test_tmpdir()),
			     &errors);
	test_assert_strcmp(test_untmp(errors),
			   p_strdup_printf(test_pool, "T/deep/f%u.conf:1: include file "
					   "T/deep/f%u.conf: includes nested too deeply "
					   "(max %u levels)\n", SETTINGS_INCLUDE_MAX_DEPTH,
					   SETTINGS_INCLUDE_MAX_DEPTH + 1,
					   SETTINGS_INCLUDE_MAX_DEPTH));

	/* a glob that includes the including file */
	path = test_write_file("globloop/x.conf", "!include *.conf\nssl = yes\n");
	(void)test_load_file(path, &errors);
	test_assert(test_contains(test_untmp(errors), "x.conf:1: include file T"));
	test_end();
}

static void test_loader_three_mistakes(void)
{
	const char *path, *errors;

	test_begin("loader three mistakes in three included files");
	path = test_write_file("three/roost.conf", "ssl = yes\n!include conf.d/*.conf\n");
	test_write_file("three/conf.d/10-mail.conf",
			"# mail\n\nmail_locaton = maildir:~/Maildir\n");
	test_write_file("three/conf.d/20-ssl.conf",
			"# ssl\nssl = maybe\n");
	test_write_file("three/conf.d/30-svc.conf",
			"service imap-login {\n"
			"  inet_listener imap {\n"
			"    port = 143\n"
			"  }\n"
			"\n");
	(void)test_load_file(path, &errors);
	test_assert_strcmp(test_untmp(errors),
			   "T/three/conf.d/30-svc.conf:1: missing '}' for section "
			   "'service imap-login'\n"
			   "T/three/conf.d/10-mail.conf:3: unknown setting 'mail_locaton' "
			   "(did you mean 'mail_location'?)\n"
			   "T/three/conf.d/20-ssl.conf:2: invalid value 'maybe' for ssl: "
			   "expected one of no, yes, required\n");
	test_end();
}

static void test_loader_read_file(void)
{
	const char *path, *dump, *errors;
	struct config_tree *tree;
	ARRAY_TYPE(settings_error) errs;

	test_begin("loader key = <path");
	test_write_file("rf/certs/cert.pem", "-----BEGIN CERT-----\nabc\n-----END CERT-----\n");
	path = test_write_file("rf/conf/roost.conf",
			       "ssl_cert = <../certs/cert.pem\n"
			       "ssl_key = < \"../certs/cert.pem\"\n"
			       "ssl_cert = <../certs/missing.pem\n"
			       "ssl_cert = <../certs\n");
	dump = test_load_file(path, &errors);
	test_assert_strcmp(test_untmp(dump),
			   "ssl_cert=[-----BEGIN CERT-----\nabc\n-----END CERT-----\n] "
			   "<../certs/cert.pem @T/rf/conf/roost.conf:1\n"
			   "ssl_key=[-----BEGIN CERT-----\nabc\n-----END CERT-----\n] "
			   "<../certs/cert.pem @T/rf/conf/roost.conf:2\n");
	test_assert_strcmp(test_untmp(errors),
			   "T/rf/conf/roost.conf:3: value of ssl_cert: cannot read "
			   "<T/rf/conf/../certs/missing.pem: No such file or directory\n"
			   "T/rf/conf/roost.conf:4: value of ssl_cert: cannot read "
			   "<T/rf/conf/../certs: Is a directory\n");

	if (geteuid() != 0) {
		const char *secret = test_write_file("rf/certs/secret.pem", "x");

		chmod(secret, 0);
		path = test_write_file("rf/conf/perm.conf", "ssl_key = <../certs/secret.pem\n");
		(void)test_load_file(path, &errors);
		test_assert_strcmp(test_untmp(errors),
				   "T/rf/conf/perm.conf:1: value of ssl_key: cannot read "
				   "<T/rf/conf/../certs/secret.pem: Permission denied\n");
	}

	/* a string has no directory: paths are relative to the current one */
	tree = config_tree_create();
	p_array_init(&errs, test_pool, 4);
	test_assert(settings_parse_string(tree, p_strdup_printf(test_pool,
		"ssl_cert = <%s/rf/certs/cert.pem\n", test_tmpdir()), "(built-in)",
		&test_root_table, &errs) == 0);
	test_assert(tree->root->children != NULL &&
		    str_begins(tree->root->children->value, "-----BEGIN", NULL));
	config_tree_free(&tree);
	test_end();
}

static void test_loader_variables(void)
{
	const char *dump, *errors;

	test_begin("loader $setting expansion");
	dump = test_load_string("mail_plugins = quota\n"
				"protocol lmtp {\n"
				"  mail_plugins = $mail_plugins sieve\n"
				"}\n"
				"protocol imap {\n"
				"  mail_plugins = $mail_plugins imap_quota\n"
				"  mail_plugins = $mail_plugins imap_acl\n"
				"}\n"
				"protocol lmtp {\n"
				"  mail_plugins = $mail_plugins more\n"
				"}\n"
				"mail_plugins = $mail_plugins acl,$protocols\n"
				"login_greeting = $unknown $ $$ cost $5 \"$mail_plugins\"\n"
				"mail_home = \"$mail_plugins\"\n"
				"ssl_cert = $port!\n"
				"plugin {\n"
				"  x = $mail_plugins\n"
				"}\n"
				"service x {\n"
				"  protocol = $mail_plugins\n"
				"}\n"
				"mail_location = $auth_allow_cleartext $disable_plaintext_auth\n"
				"auth_allow_cleartext = yes\n"
				"mail_location = $disable_plaintext_auth $service\n",
				&errors, NULL);
	test_assert_strcmp(dump,
			   "mail_plugins=[quota] @t.conf:1\n"
			   "S protocol [lmtp] @t.conf:2\n"
			   "  mail_plugins=[quota sieve] @t.conf:3\n"
			   "S protocol [imap] @t.conf:5\n"
			   "  mail_plugins=[quota imap_quota] @t.conf:6\n"
			   "  mail_plugins=[quota imap_quota imap_acl] @t.conf:7\n"
			   "S protocol [lmtp] @t.conf:9\n"
			   "  mail_plugins=[quota sieve more] @t.conf:10\n"
			   "mail_plugins=[quota acl,imap pop3 lmtp] @t.conf:12\n"
			   "login_greeting=[$unknown $ $$ cost $5 \"quota acl,imap pop3 lmtp\"] "
			   "@t.conf:13\n"
			   "mail_home=[$mail_plugins] @t.conf:14\n"
			   "ssl_cert=[143!] @t.conf:15\n"
			   "S plugin @t.conf:16\n"
			   "  x=[quota acl,imap pop3 lmtp] @t.conf:17\n"
			   "S service [x] @t.conf:19\n"
			   "  protocol=[quota acl,imap pop3 lmtp] @t.conf:20\n"
			   "mail_location=[no yes] @t.conf:22\n"
			   "auth_allow_cleartext=[yes] @t.conf:23\n"
			   "mail_location=[no $service] @t.conf:24\n");
	test_assert_strcmp(errors, "");
	test_end();
}

static void test_loader_validate(void)
{
	const char *errors, *warnings;

	test_begin("loader validation");
	(void)test_load_string(
		"mail_locaton = x\n"                  /* 1 */
		"process_limit = 1\n"                 /* 2 */
		"por = 1\n"                           /* 3 */
		"totally_unrelated_thing = 1\n"       /* 4 */
		"servce imap {\n"                     /* 5 */
		"}\n"
		"service imap {\n"                    /* 7 */
		"  proces_limit = 5\n"                /* 8 */
		"  inet_listener imap {\n"            /* 9 */
		"    port = 100000\n"                 /* 10 */
		"    ssl = maybe\n"                   /* 11 */
		"  }\n"
		"  protocol imap {\n"                 /* 13 */
		"  }\n"
		"  process_limit {\n"                 /* 15 */
		"  }\n"
		"}\n"
		"service {\n"                         /* 18 */
		"}\n"
		"ssl {\n"                             /* 20 */
		"}\n"
		"service = imap\n"                    /* 22 */
		"plugin {\n"                          /* 23 */
		"  anything_goes = $%^&\n"
		"  nested {\n"                        /* 25 */
		"  }\n"
		"}\n"
		"protocol {\n"                        /* 28 */
		"}\n"
		"local mail.example.com {\n"          /* 30 */
		"}\n"
		"remote 10.0.0.0/33 {\n"              /* 32 */
		"}\n"
		"protocol imap {\n"                   /* 34 */
		"  ssl = required\n"
		"  mail_location = y\n"
		"  passdb {\n"
		"    driver = pam\n"
		"  }\n"
		"  local 192.0.2.0/24 {\n"
		"    ssl_cert = x\n"
		"    ssl_certt = x\n"                 /* 42 */
		"  }\n"
		"}\n"
		"protocl imap {\n"                    /* 45 */
		"}\n"
		"ssl_xyz = a\n"                       /* 47 */
		"ssl_xyz = b\n"
		"ssl_abc = c\n"                       /* 49 */
		"auth_allow_cleartext = maybe\n"      /* 50 */
		"mail_location_old = fine\n"
		"default_process_limit = 0\n"         /* 52 */
		"namespace inbox {\n"
		"  mailbox Sent {\n"
		"    auto = sometimes\n"              /* 55 */
		"  }\n"
		"}\n"
		"inet_listener imap {\n"             /* 58 */
		"}\n"
		"service lmtp {\n"
		"  unix_listner x {\n"               /* 61 */
		"  }\n"
		"}\n",
		&errors, &warnings);
	test_assert_strcmp(errors,
		"t.conf:1: unknown setting 'mail_locaton' (did you mean 'mail_location'?)\n"
		"t.conf:2: unknown setting 'process_limit' (it belongs inside 'service { }')\n"
		"t.conf:3: unknown setting 'por' (did you mean 'port'?)\n"
		"t.conf:4: unknown setting 'totally_unrelated_thing'\n"
		"t.conf:5: unknown section 'servce' (did you mean 'service'?)\n"
		"t.conf:8: unknown setting 'proces_limit' (did you mean 'process_limit'?)\n"
		"t.conf:10: invalid value '100000' for port: expected a port number (0-65535)\n"
		"t.conf:11: invalid value 'maybe' for ssl: expected yes or no\n"
		"t.conf:13: 'protocol' filter is only allowed at the top level or inside "
		"another filter\n"
		"t.conf:15: 'process_limit' is a setting, not a section: use 'process_limit = "
		"value'\n"
		"t.conf:18: section 'service' needs a name ('service NAME {')\n"
		"t.conf:20: 'ssl' is a setting, not a section: use 'ssl = value'\n"
		"t.conf:22: 'service' is a section: use 'service {' ... '}'\n"
		"t.conf:25: sections are not allowed inside 'plugin { }' (found 'nested')\n"
		"t.conf:28: 'protocol' filter needs a protocol name\n"
		"t.conf:30: invalid 'local' filter 'mail.example.com': expected an IP address or "
		"network such as 192.0.2.0/24 (host names are not supported)\n"
		"t.conf:32: invalid 'remote' filter '10.0.0.0/33': expected an IP address or "
		"network such as 192.0.2.0/24 (host names are not supported)\n"
		"t.conf:42: unknown setting 'ssl_certt' (did you mean 'ssl_cert'?)\n"
		"t.conf:45: unknown section 'protocl' (did you mean 'protocol'?)\n"
		"t.conf:50: invalid value 'maybe' for auth_allow_cleartext: expected yes or no\n"
		"t.conf:52: invalid value '0' for default_process_limit: must be at least 1\n"
		"t.conf:55: invalid value 'sometimes' for auto: expected one of no, create, "
		"subscribe\n"
		"t.conf:58: unknown section 'inet_listener' (it belongs inside 'service { }')\n"
		"t.conf:61: unknown section 'unix_listner' (did you mean 'unix_listener'?)\n");
	test_assert_strcmp(warnings,
			   "t.conf:47: ssl_xyz: has no effect yet (delivered in a later release)\n"
			   "t.conf:49: ssl_abc: has no effect yet\n");
	test_end();
}

static void test_loader_error_str(void)
{
	struct settings_error error = { .file = "a.conf", .line = 3, .message = "oops" };

	test_begin("settings_error_str");
	test_assert_strcmp(settings_error_str(test_pool, &error), "a.conf:3: oops");
	error.line = 0;
	test_assert_strcmp(settings_error_str(test_pool, &error), "a.conf: oops");
	error.file = NULL;
	test_assert_strcmp(settings_error_str(test_pool, &error), "oops");
	test_end();
}

static void test_loader_uncreated_arrays(void)
{
	ARRAY_TYPE(settings_error) errors = { NULL };
	struct config_tree *tree;

	test_begin("loader creates the error array");
	tree = settings_load_string("bogus = 1\n", "t.conf", &test_root_table, &errors, NULL);
	test_assert(array_count(&errors) == 1);
	config_tree_free(&tree);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_loader_includes,
		test_loader_include_errors,
		test_loader_include_loop,
		test_loader_three_mistakes,
		test_loader_read_file,
		test_loader_variables,
		test_loader_validate,
		test_loader_error_str,
		test_loader_uncreated_arrays,
		NULL,
	};

	return test_run(tests);
}

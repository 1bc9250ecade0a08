/* config_components_check(): every component's table and check, under the
   filters its processes read it with, with file:line of the setting at
   fault. Also the checks of auth, lmtp and TLS that no other unit test
   drives through their tables. */

#include "test-common.h"
#include "str.h"
#include "all-settings.h"
#include "config-load.h"
#include "config-components.h"

#include <stdio.h>

static const struct setting_def *table_find(const struct setting_table *table, const char *key)
{
	for (const struct setting_def *def = table->defs; def->key != NULL; def++) {
		if (strcmp(def->key, key) == 0)
			return def;
	}
	return NULL;
}

/* The errors of text (file "t.conf") after validation against
   all_settings_table (which must pass) and the component checks, one
   "file:line: message" per line. */
static const char *check_str(const char *text)
{
	ARRAY_TYPE(settings_error) errors, warnings;
	struct config_tree *tree;
	string_t *str = str_new(test_pool, 256);

	p_array_init(&errors, test_pool, 4);
	p_array_init(&warnings, test_pool, 4);
	tree = settings_load_string(text, "t.conf", &all_settings_table, &errors, &warnings);
	test_assert(array_count(&errors) == 0);
	test_assert(config_components_check(tree, "t.conf", &errors) == array_count(&errors));
	array_foreach(&errors, error) {
		if (str_len(str) > 0)
			str_append_c(str, '\n');
		str_append(str, settings_error_str(test_pool, error));
	}
	config_tree_free(&tree);
	return str_c(str);
}

/* Every component table: keys that all_settings_table accepts with the
   same type and default (what roostconf prints is what the process uses),
   and defaults that pass the table's own check. */
static void test_components_agree_with_all_settings(void)
{
	struct config_tree *tree = config_tree_create();
	struct settings_error error;
	unsigned int count = 0;

	test_begin("component tables agree with all_settings_table");
	for (const struct config_component *c = config_components; c->table != NULL; c++) {
		count++;
		test_assert(c->name != NULL);
		for (const struct setting_def *def = c->table->defs; def->key != NULL; def++) {
			const struct setting_def *all = table_find(&all_settings_table, def->key);
			const char *dflt = def->default_value == NULL ? "" : def->default_value;

			test_assert_strcmp(all == NULL ? "(missing)" : def->key, def->key);
			if (all == NULL)
				continue;
			if (all->type != def->type || ((all->flags ^ def->flags) & SET_FLAG_ALIAS) != 0)
				test_assert_strcmp(def->key, "(type differs)");
			if (def->type == SET_SECTIONS || def->type == SET_FREE_FORM)
				continue;
			if (def->type == SET_ENUM)
				test_assert_strcmp(def->enum_values, all->enum_values);
			test_assert_strcmp(p_strconcat(test_pool, def->key, "=", dflt, NULL),
					   p_strconcat(test_pool, def->key, "=", all->default_value == NULL ?
						       "" : all->default_value, NULL));
		}
		/* an empty configuration passes under every filter it is read with */
		for (unsigned int i = 0; c->protocols == NULL || c->protocols[i] != NULL; i++) {
			struct settings_filter filter = {
				.protocol = c->protocols == NULL ? NULL : c->protocols[i],
			};

			test_assert(settings_check_table(tree, c->table, &filter, test_pool,
							 &error) == 0);
			if (c->protocols == NULL)
				break;
		}
	}
	test_assert(count >= 7);
	config_tree_free(&tree);
	test_end();
}

static void test_components_pop3(void)
{
	test_begin("component checks: pop3");
	test_assert_strcmp(check_str(""), "");
	test_assert_strcmp(check_str("protocols = imap pop3\n"
				     "pop3_delete_type = flag\n"
				     "pop3_deleted_flag = $POP3Deleted\n"
				     "pop3_client_workarounds = outlook-no-nuls oe-ns-eoh\n"),
			   "");
	/* checked even when pop3 is not in protocols, as doveconf does */
	test_assert_strcmp(check_str("protocols = imap\n\npop3_delete_type = flag\n"),
			   "t.conf:3: pop3_delete_type=flag, but pop3_deleted_flag not set");
	test_assert_strcmp(check_str("pop3_deleted_flag = $Gone\npop3_delete_type = flag\n"
				     "pop3_client_workarounds = outlook-no-nuls bogus\n"),
			   "t.conf:3: pop3_client_workarounds: unknown workaround: bogus");
	test_assert_strcmp(check_str("pop3_deleted_flag = \"a b\"\n"),
			   "t.conf:1: pop3_deleted_flag: invalid keyword 'a b'");
	test_assert_strcmp(check_str("pop3_uidl_format =\n"),
			   "t.conf:1: pop3_uidl_format must not be empty");
	/* only inside protocol pop3: what the pop3 processes see */
	test_assert_strcmp(check_str("protocol imap {\n}\nprotocol pop3 {\n"
				     "  pop3_client_workarounds = bogus\n}\n"),
			   "t.conf:4: pop3_client_workarounds: unknown workaround: bogus");
	test_assert_strcmp(check_str("pop3_delete_type = flag\npop3_deleted_flag = Gone\n"
				     "protocol pop3 {\n  pop3_deleted_flag =\n}\n"),
			   "t.conf:1: pop3_delete_type=flag, but pop3_deleted_flag not set");
	test_assert_strcmp(check_str("protocol !imap {\n  pop3_delete_type = flag\n}\n"),
			   "t.conf:2: pop3_delete_type=flag, but pop3_deleted_flag not set");
	/* no pop3 process reads protocol imap { } */
	test_assert_strcmp(check_str("protocol imap {\n  pop3_client_workarounds = bogus\n}\n"),
			   "");
	test_assert_strcmp(check_str("protocol !pop3 {\n  pop3_client_workarounds = bogus\n}\n"),
			   "");
	test_end();
}

static void test_components_lmtp(void)
{
	test_begin("component checks: lmtp postmaster_address");
	test_assert_strcmp(check_str("postmaster_address = postmaster@example.org\n"), "");
	test_assert_strcmp(check_str("postmaster_address = postmaster@%d\n"), "");
	/* lmtp and roost-lda both read it: one error */
	test_assert_strcmp(check_str("\npostmaster_address = \"not an address\"\n"),
			   "t.conf:2: postmaster_address: invalid address 'not an address'");
	test_assert_strcmp(check_str("postmaster_address = %{nosuch\n"),
			   "t.conf:1: postmaster_address: missing '}' after %{");
	test_assert_strcmp(check_str("protocol lda {\n  postmaster_address = @\n}\n"),
			   "t.conf:2: postmaster_address: invalid address '@'");
	test_assert_strcmp(check_str("protocol imap {\n  postmaster_address = @\n}\n"), "");
	test_end();
}

static void test_components_auth(void)
{
	static const char *const good[] = { "no", "yes", "plain", "plain:12", "sha1", "sha1:8" };

	test_begin("component checks: auth");
	for (unsigned int i = 0; i < N_ELEMENTS(good); i++) {
		test_assert_strcmp(check_str(t_strdup_printf("auth_verbose_passwords = %s\n",
							     good[i])),
				   "");
	}
	test_assert_strcmp(check_str("auth_verbose_passwords = maybe\n"),
			   "t.conf:1: auth_verbose_passwords: unknown value 'maybe' (expected no, "
			   "plain or sha1)");
	/* the auth process reads only the unfiltered values */
	test_assert_strcmp(check_str("protocol imap {\n  auth_verbose_passwords = maybe\n}\n"),
			   "");
	test_assert_strcmp(check_str("passdb {\n  driver = static\n  skip = authenticated\n}\n"),
			   "");
	test_end();
}

static void test_components_tls(void)
{
	test_begin("component checks: TLS");
	test_assert_strcmp(check_str("ssl_options = no_compression no_ticket\n"), "");
	test_assert_strcmp(check_str("ssl_options = no_ticket bogus\n"),
			   "t.conf:1: ssl_options: unknown option 'bogus' (expected "
			   "no_compression, no_ticket)");
	test_assert_strcmp(check_str("ssl = no\nssl_options = bogus\n"), "");
	test_assert_strcmp(check_str("ssl = no\nprotocol pop3 {\n  ssl = yes\n}\n"
				     "ssl_options = bogus\n"),
			   "t.conf:5: ssl_options: unknown option 'bogus' (expected "
			   "no_compression, no_ticket)");
	test_end();
}

static void test_components_filters(void)
{
	test_begin("component checks: local, remote and local_name sections");
	test_assert_strcmp(check_str("local 10.0.0.0/8 {\n  pop3_client_workarounds = bogus\n}\n"),
			   "t.conf:2: local 10.0.0.0/8: pop3_client_workarounds: unknown "
			   "workaround: bogus");
	test_assert_strcmp(check_str("protocol pop3 {\n  remote 192.0.2.0/24 {\n"
				     "    pop3_delete_type = flag\n  }\n}\n"),
			   "t.conf:3: protocol pop3 / remote 192.0.2.0/24: pop3_delete_type=flag, "
			   "but pop3_deleted_flag not set");
	/* a section inside protocol imap is not read by pop3 */
	test_assert_strcmp(check_str("protocol imap {\n  remote 192.0.2.0/24 {\n"
				     "    pop3_delete_type = flag\n  }\n}\n"),
			   "");
	test_assert_strcmp(check_str("local_name *.example.com {\n  ssl_options = bogus\n}\n"),
			   "t.conf:2: local_name *.example.com: ssl_options: unknown option "
			   "'bogus' (expected no_compression, no_ticket)");
	test_assert_strcmp(check_str("remote [2001:db8::]/32 {\n  postmaster_address = @\n}\n"),
			   "t.conf:2: remote [2001:db8::]/32: postmaster_address: invalid "
			   "address '@'");
	/* the global line at fault, with the section where it fails */
	test_assert_strcmp(check_str("pop3_delete_type = flag\npop3_deleted_flag = Gone\n"
				     "local 10.1.2.3 {\n  pop3_deleted_flag =\n}\n"),
			   "t.conf:1: local 10.1.2.3: pop3_delete_type=flag, but "
			   "pop3_deleted_flag not set");
	/* the same line failing under every filter is reported once */
	test_assert_strcmp(check_str("pop3_delete_type = flag\nlocal 10.0.0.1 {\n}\n"
				     "remote 10.0.0.2 {\n}\n"),
			   "t.conf:1: pop3_delete_type=flag, but pop3_deleted_flag not set");
	test_end();
}

static void test_components_all_at_once(void)
{
	test_begin("component checks: every error at once");
	test_assert_strcmp(check_str("auth_verbose_passwords = maybe\n"
				     "pop3_delete_type = flag\n"
				     "postmaster_address = @\n"
				     "protocol imap {\n"
				     "  ssl_options = bogus\n"
				     "}\n"),
			   "t.conf:1: auth_verbose_passwords: unknown value 'maybe' (expected no, "
			   "plain or sha1)\n"
			   "t.conf:5: ssl_options: unknown option 'bogus' (expected "
			   "no_compression, no_ticket)\n"
			   "t.conf:2: pop3_delete_type=flag, but pop3_deleted_flag not set\n"
			   "t.conf:3: postmaster_address: invalid address '@'");
	test_end();
}

static const char *write_file(const char *name, const char *text)
{
	const char *path = t_strdup_printf("%s/%s", test_tmpdir(), name);
	FILE *f = fopen(path, "w");

	test_assert(f != NULL);
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

static void test_components_load(void)
{
	ARRAY_TYPE(settings_error) errors, warnings;
	struct config_tree *tree;
	const char *main_path, *pop3_path;

	test_begin("config_components_load");
	pop3_path = write_file("pop3.conf", "# pop3\nprotocol pop3 {\n  pop3_delete_type = flag\n}\n");
	main_path = write_file("roost.conf", t_strdup_printf("protocols = imap pop3\n"
							     "!include %s\n", pop3_path));
	p_array_init(&errors, test_pool, 4);
	p_array_init(&warnings, test_pool, 4);
	test_assert(config_components_load(main_path, &tree, &errors, &warnings) < 0);
	test_assert(array_count(&errors) == 1);
	if (array_count(&errors) == 1) {
		test_assert_strcmp(settings_error_str(test_pool, array_idx(&errors, 0)),
				   t_strdup_printf("%s:3: pop3_delete_type=flag, but "
						   "pop3_deleted_flag not set", pop3_path));
	}
	config_tree_free(&tree);

	/* config_load() errors come alone: no checks on a half-read file */
	array_clear(&errors);
	main_path = write_file("roost.conf", "pop3_delete_type = flag\n!include missing.conf\n");
	test_assert(config_components_load(main_path, &tree, &errors, &warnings) < 0);
	test_assert(array_count(&errors) == 1);
	config_tree_free(&tree);

	array_clear(&errors);
	main_path = write_file("roost.conf", "pop3_delete_type = flag\npop3_deleted_flag = X\n");
	test_assert(config_components_load(main_path, &tree, &errors, &warnings) == 0);
	test_assert(array_count(&errors) == 0);
	config_tree_free(&tree);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_components_agree_with_all_settings,
		test_components_pop3,
		test_components_lmtp,
		test_components_auth,
		test_components_tls,
		test_components_filters,
		test_components_all_at_once,
		test_components_load,
		NULL,
	};
	return test_run(tests);
}

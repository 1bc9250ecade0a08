#include "test-common.h"
#include "module-dir.h"
#include <stdio.h>

static string_t *events;
static const char *module_dir;

void test_module_dir_event(const char *event, const char *name);
void test_module_dir_event(const char *event, const char *name)
{
	str_printfa(events, "%s:%s ", event, name);
}

static void test_module_file_get_name(void)
{
	static const struct {
		const char *fname, *name;
	} tests[] = {
		{ "lib20_quota_plugin.so", "quota" },
		{ "lib01_acl_plugin.so", "acl" },
		{ "lib99_test_header_plugin.so", "test_header" },
		{ "lib90_sieve_plugin.so", "sieve" },
		{ "quota.so", "quota" },
		{ "libquota.so", "libquota" },
		{ "lib_x_plugin.so", "lib_x" },
		{ "lib20_plugin.so", "plugin" },
		{ "lib20__plugin.so", "_plugin" },
		{ "x_plugin.so", "x" },
		{ "_plugin.so", "_plugin" },
		{ ".so", NULL },
		{ "so", NULL },
		{ "", NULL },
		{ "lib20_quota_plugin.so.1", NULL },
		{ "lib20_quota_plugin.a", NULL },
		{ "README", NULL },
	};

	test_begin("module_file_get_name");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++)
		test_assert_strcmp(module_file_get_name(test_pool, tests[i].fname), tests[i].name);
	test_end();
}

static void test_module_dir_load_errors(void)
{
	const struct module_dir_load_settings set = {
		.abi_version = "test-abi-1", .setting_name = "mail_plugins",
	};
	struct module *modules = NULL;
	const char *error;
	const char *const missing[] = { "goodmod", "nosuch", NULL };
	const char *const badver[] = { "badver", NULL };
	const char *const noinit[] = { "nodeinit", NULL };
	const char *const none[] = { NULL };

	test_begin("module_dir_load errors");
	test_assert(module_dir_has(module_dir, "goodmod"));
	test_assert(!module_dir_has(module_dir, "nosuch"));
	test_assert(!module_dir_has("/nonexistent/dir", "goodmod"));
	test_assert(module_dir_load(&modules, module_dir, none, &set, &error) == 0);
	test_assert(modules == NULL);
	test_assert(module_dir_load(&modules, module_dir, missing, &set, &error) < 0);
	test_assert_strcmp(error, t_strdup_printf("Plugin 'nosuch' not found from directory %s",
						  module_dir));
	test_assert(modules == NULL);
	test_assert(module_dir_load(&modules, "/nonexistent/dir", missing, &set, &error) < 0);
	test_assert_strcmp(error, "Plugin 'goodmod' not found from directory /nonexistent/dir");
	test_assert(module_dir_load(&modules, module_dir, badver, &set, &error) < 0);
	test_assert(strstr(error, "different ABI version test-abi-0 (we have test-abi-1)") != NULL);
	test_assert(strncmp(error, "mail_plugins: ", 14) == 0);
	test_assert(modules == NULL);
	test_assert(module_dir_load(&modules, module_dir, noinit, &set, &error) < 0);
	test_assert(strstr(error, "nodeinit_plugin_deinit") != NULL);
	test_assert(modules == NULL);
	test_end();
}

static void test_module_dir_load_init_order(void)
{
	const struct module_dir_load_settings set = { .abi_version = "test-abi-1" };
	struct module *modules = NULL;
	const char *error;
	/* named in the other order: file names decide (lib10_ before lib20_) */
	const char *const names[] = { "goodmod", "firstmod", NULL };
	const char *const again[] = { "firstmod", NULL };

	test_begin("module_dir_load init order");
	events = str_new(test_pool, 128);
	test_assert(module_dir_load(&modules, module_dir, names, &set, &error) == 0);
	test_assert(modules != NULL && modules->next != NULL && modules->next->next == NULL);
	test_assert_strcmp(modules->name, "firstmod");
	test_assert(module_dir_find(modules, "goodmod") == modules->next);
	test_assert(module_dir_find(modules, "nosuch") == NULL);
	test_assert_strcmp(str_c(events), "");
	module_dir_init(modules);
	test_assert_strcmp(str_c(events), "init:firstmod init:goodmod ");
	/* loading a name again keeps the one module */
	test_assert(module_dir_load(&modules, module_dir, again, &set, &error) == 0);
	test_assert(modules->next->next == NULL);
	module_dir_init(modules);
	module_dir_unload(&modules);
	test_assert(modules == NULL);
	test_assert_strcmp(str_c(events),
			   "init:firstmod init:goodmod deinit:goodmod deinit:firstmod ");
	test_end();
}

int main(int argc, char *argv[])
{
	static void (*const tests[])(void) = {
		test_module_file_get_name, test_module_dir_load_errors,
		test_module_dir_load_init_order, NULL,
	};
	if (argc < 2) {
		fprintf(stderr, "usage: test-module-dir MODULE-DIR\n");
		return 2;
	}
	module_dir = argv[1];
	return test_run(tests);
}

/* A module for test-module-dir, built several times (meson.build):
   TEST_MOD_NAME names it; TEST_MOD_VERSION is its ABI string;
   TEST_MOD_NO_DEINIT leaves out the deinit function. */
#include "lib.h"
#include "module-dir.h"

#define CONCAT2(a, b) a##b
#define CONCAT(a, b) CONCAT2(a, b)
#define SYM(suffix) CONCAT(TEST_MOD_NAME, suffix)
#define STR2(x) #x
#define STR(x) STR2(x)

/* in test-module-dir.c, reached through the exported symbols of the host */
void test_module_dir_event(const char *event, const char *name);

const char SYM(_plugin_version)[] = TEST_MOD_VERSION;

void SYM(_plugin_init)(struct module *module);
void SYM(_plugin_init)(struct module *module)
{
	test_module_dir_event("init", module->name);
}

#ifndef TEST_MOD_NO_DEINIT
void SYM(_plugin_deinit)(void);
void SYM(_plugin_deinit)(void)
{
	test_module_dir_event("deinit", STR(TEST_MOD_NAME));
}
#endif

#include "test-common.h"

#include <stdio.h>
#include <stdlib.h>
#include <ftw.h>

pool_t test_pool;

static const char *test_name;
static bool test_failed;
static unsigned int failures, total;
static char *tmpdir;

void test_begin(const char *name)
{
	test_name = name;
	test_failed = false;
	if (test_pool == NULL)
		test_pool = pool_alloconly_create("test", 4096);
}

bool test_has_failed(void)
{
	return test_failed;
}

void test_assert_failed(const char *code, const char *file, unsigned int line)
{
	printf("%s:%u: Assert failed: %s\n", file, line, code);
	fflush(stdout);
	test_failed = true;
}

void test_assert_failed_strcmp(const char *code, const char *file, unsigned int line,
			       const char *src, const char *dst)
{
	printf("%s:%u: Assert(#%u) failed: %s\n", file, line, total + 1, code);
	printf("        \"%s\" != \"%s\"\n", src != NULL ? src : "(null)",
	       dst != NULL ? dst : "(null)");
	fflush(stdout);
	test_failed = true;
}

void test_end(void)
{
	total++;
	if (test_failed)
		failures++;
	printf("%-70s : %s\n", test_name, test_failed ? "FAILED" : "ok");
	fflush(stdout);
	pool_clear(test_pool);
	pool_temp_clear();
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void tmpdir_cleanup(void)
{
	if (tmpdir != NULL)
		nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

const char *test_tmpdir(void)
{
	if (tmpdir == NULL) {
		const char *base = getenv("TMPDIR");
		char *tmpl = i_strdup_printf("%s/roost-test.XXXXXX",
					     base != NULL ? base : "/tmp");

		if (mkdtemp(tmpl) == NULL)
			i_fatal("mkdtemp(%s) failed: %m", tmpl);
		tmpdir = tmpl;
		atexit(tmpdir_cleanup);
	}
	return tmpdir;
}

int test_run(void (*const tests[])(void))
{
	log_init_stderr("test: ");
	test_pool = pool_alloconly_create("test", 4096);
	for (unsigned int i = 0; tests[i] != NULL; i++)
		tests[i]();
	printf("%u / %u tests failed\n", failures, total);
	pool_unref(&test_pool);
	pool_temp_clear();
	return failures == 0 ? 0 : 1;
}

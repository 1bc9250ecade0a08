#include "test-common.h"
#include "path.h"

static void test_path_join_safe_valid(void)
{
	static const struct {
		const char *base, *rel, *result;
	} tests[] = {
		{ "/var/mail", "user", "/var/mail/user" },
		{ "/var/mail/", "user", "/var/mail/user" },
		{ "/var/mail", "a/b/c", "/var/mail/a/b/c" },
		{ "/", "etc", "/etc" },
		{ "", "a/b", "a/b" },
		{ "rel", "x", "rel/x" },
		{ "/m", "...", "/m/..." },
		{ "/m", "..a", "/m/..a" },
		{ "/m", "a..", "/m/a.." },
		{ "/m", ".hidden", "/m/.hidden" },
		{ "/m", "a b", "/m/a b" },
		{ "/m", "\xc3\xa4", "/m/\xc3\xa4" },
		{ "/m", "a\\b", "/m/a\\b" },
		{ "/m", "~user", "/m/~user" },
	};
	const char *path, *error;

	test_begin("path_join_safe valid");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		path = NULL;
		test_assert_idx(path_join_safe(test_pool, tests[i].base, tests[i].rel, &path,
					       &error) == 0,
				i);
		test_assert_strcmp(path, tests[i].result);
	}
	test_end();
}

static void test_path_join_safe_invalid(void)
{
	static const char *const invalid[] = {
		"", "/", "/etc/passwd", "..", ".", "../x", "x/..", "a/../b", "./a", "a/.",
		"a/./b", "a//b", "a/", "//a", "a\nb", "a\rb", "\t", "a/\x01", "a\x7f",
		"a/b/../../..", "x/\x1b[31m",
	};
	const char *path, *error;
	char *long_name;

	test_begin("path_join_safe invalid");
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++) {
		path = "unchanged";
		error = NULL;
		test_assert_idx(path_join_safe(test_pool, "/var/mail", invalid[i], &path,
					       &error) < 0,
				i);
		test_assert_idx(error != NULL, i);
		test_assert_strcmp(path, "unchanged");
	}

	/* component and total length limits */
	long_name = p_malloc(test_pool, PATH_COMPONENT_MAX_LEN + 2);
	memset(long_name, 'a', PATH_COMPONENT_MAX_LEN + 1);
	test_assert(path_join_safe(test_pool, "/m", long_name, &path, &error) < 0);
	long_name[PATH_COMPONENT_MAX_LEN] = '\0';
	test_assert(path_join_safe(test_pool, "/m", long_name, &path, &error) == 0);

	string_t *rel = str_new(test_pool, PATH_MAX_LEN + 16);

	while (str_len(rel) < PATH_MAX_LEN - 100)
		str_append(rel, "abcdefghi/");
	str_append(rel, "x");
	test_assert(path_join_safe(test_pool, "/m", str_c(rel), &path, &error) == 0);
	while (str_len(rel) < PATH_MAX_LEN)
		str_append(rel, "/abcdefgh");
	test_assert(path_join_safe(test_pool, "/m", str_c(rel), &path, &error) < 0);
	test_end();
}

static void test_path_normalize_component(void)
{
	static const char *const valid[] = {
		"a", "INBOX", "...", ".a", "a.", "a b", "\xe5\x8f\xb0", "-", "~", "a\\b",
	};
	static const char *const invalid[] = {
		"", ".", "..", "/", "a/b", "/a", "a/", "a\n", "\x01", "a\x7f", "\t",
	};
	const char *error;

	test_begin("path_normalize_component");
	for (unsigned int i = 0; i < N_ELEMENTS(valid); i++)
		test_assert_idx(path_normalize_component(valid[i], &error) == 0, i);
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++) {
		error = NULL;
		test_assert_idx(path_normalize_component(invalid[i], &error) < 0, i);
		test_assert_idx(error != NULL, i);
	}
	test_end();
}

static void test_path_get_dir(void)
{
	static const struct {
		const char *path, *dir;
	} tests[] = {
		{ "/a/b", "/a" },
		{ "/a/b/", "/a" },
		{ "a/b", "a" },
		{ "a/b/", "a" },
		{ "a//b", "a" },
		{ "a", "." },
		{ "a/", "." },
		{ "/a", "/" },
		{ "//a", "/" },
		{ "/", "/" },
		{ "//", "/" },
		{ "", "." },
		{ ".", "." },
		{ "..", "." },
		{ "../x", ".." },
		{ "/a/b/c", "/a/b" },
	};

	test_begin("path_get_dir");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++)
		test_assert_strcmp(path_get_dir(test_pool, tests[i].path), tests[i].dir);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_path_join_safe_valid, test_path_join_safe_invalid,
		test_path_normalize_component, test_path_get_dir, NULL,
	};
	return test_run(tests);
}

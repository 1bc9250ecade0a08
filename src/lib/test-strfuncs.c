#include "test-common.h"

static void test_strsplit(void)
{
	test_begin("p_strsplit");
	const char **arr = p_strsplit(test_pool, "a,,b", ",");
	test_assert(str_array_length(arr) == 3);
	test_assert_strcmp(arr[1], "");
	arr = p_strsplit_spaces(test_pool, "  a  b ", " ");
	test_assert(str_array_length(arr) == 2);
	test_assert_strcmp(arr[1], "b");
	test_end();
}

static void test_str_to_uint(void)
{
	uint64_t n;
	unsigned int u;

	test_begin("str_to_uint64");
	test_assert(str_to_uint64("18446744073709551615", &n) == 0 && n == UINT64_MAX);
	test_assert(str_to_uint64("18446744073709551616", &n) < 0);
	test_assert(str_to_uint64("", &n) < 0);
	test_assert(str_to_uint64("-1", &n) < 0);
	test_assert(str_to_uint64("1 ", &n) < 0);
	test_assert(str_to_uint("4294967296", &u) < 0);
	test_assert(str_to_uint("4294967295", &u) == 0 && u == 4294967295U);
	test_end();
}

static void test_sanitize(void)
{
	test_begin("str_sanitize");
	test_assert_strcmp(str_sanitize(test_pool, "a\nb\x01", 100), "a?b?");
	test_assert_strcmp(str_sanitize(test_pool, "abcdef", 3), "abc...");
	test_assert_strcmp(str_sanitize(test_pool, "\xc3\xa9t\xc3", 100), "\xc3\xa9t?");
	test_assert_strcmp(str_sanitize(test_pool, "\xed\xa0\x80", 100), "???");
	test_end();
}

static void test_edit_distance(void)
{
	test_begin("str_edit_distance");
	test_assert(str_edit_distance("ssl_cert", "ssl_cret") == 2);
	test_assert(str_edit_distance("", "abc") == 3);
	test_assert(str_edit_distance("mail_location", "mail_location") == 0);
	test_end();
}

static void test_buffer_bounded(void)
{
	test_begin("buffer bounded");
	buffer_t *buf = buffer_create_bounded(test_pool, 4, 8);
	test_assert(buffer_append(buf, "12345678", 8));
	test_assert(!buffer_append(buf, "9", 1));
	test_assert(buf->used == 8);
	string_t *str = str_new(test_pool, 1);
	for (unsigned int i = 0; i < 1000; i++)
		str_printfa(str, "%u,", i);
	test_assert(str_len(str) == strlen(str_c(str)));
	test_end();
}

static void test_pool_alloconly(void)
{
	test_begin("pool alloconly");
	pool_t pool = pool_alloconly_create("t", 32);
	char *p = p_malloc(pool, 10);
	memcpy(p, "123456789", 10);
	p = p_realloc(pool, p, 10, 5000);
	test_assert_strcmp(p, "123456789");
	test_assert(p[4999] == 0);
	for (unsigned int i = 0; i < 100; i++)
		(void)p_strdup_printf(pool, "%u", i);
	pool_unref(&pool);
	test_assert(pool == NULL);
	test_end();
}

static void test_array(void)
{
	ARRAY(unsigned int) arr;
	unsigned int v, sum = 0;

	test_begin("array");
	p_array_init(&arr, test_pool, 2);
	for (unsigned int i = 0; i < 10; i++)
		array_push(&arr, &i);
	array_foreach_elem(&arr, v)
		sum += v;
	test_assert(sum == 45);
	array_delete(&arr, 0, 5);
	test_assert(array_count(&arr) == 5 && array_idx_elem(&arr, 0) == 5);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_strsplit, test_str_to_uint, test_sanitize, test_edit_distance,
		test_buffer_bounded, test_pool_alloconly, test_array, NULL,
	};
	return test_run(tests);
}

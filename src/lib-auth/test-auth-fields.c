/* Unit tests: tab-escaping, key=value fields, master reply parsing. */
#include "test-common.h"
#include "auth-fields.h"
#include "auth-master-client.h"

static void test_escape_roundtrip(void)
{
	static const char *const values[] = {
		"", "plain", "a\tb", "line\nbreak\r", "\001", "x\001t\001", "tab\t\t\001\n",
	};

	test_begin("auth_fields escape/unescape");
	for (unsigned int i = 0; i < N_ELEMENTS(values); i++) {
		const char *esc = auth_fields_escape(test_pool, values[i]);

		test_assert_idx(strpbrk(esc, "\t\r\n") == NULL, i);
		test_assert_strcmp(auth_fields_unescape(test_pool, esc), values[i]);
	}
	test_assert_strcmp(auth_fields_escape(test_pool, "a\tb"), "a\001tb");
	test_assert_strcmp(auth_fields_unescape(test_pool, "a\001xb"), "axb");
	/* an escaped NUL and a lone escape byte are refused */
	test_assert(auth_fields_unescape(test_pool, "a\0010b") == NULL);
	test_assert(auth_fields_unescape(test_pool, "ab\001") == NULL);
	test_end();
}

static void test_split_and_find(void)
{
	const char *const *f;
	const char *value;

	test_begin("auth_fields split/match/find");
	f = auth_fields_split_line(test_pool, "USER\t1\tjo\001thn\tuid=1000\tnologin");
	test_assert(f != NULL && str_array_length(f) == 5);
	test_assert_strcmp(f[2], "jo\thn");
	test_assert_strcmp(auth_fields_find(f, "uid"), "1000");
	test_assert_strcmp(auth_fields_find(f, "nologin"), "");
	test_assert(auth_fields_find(f, "gid") == NULL);
	test_assert(!auth_fields_match("uidx=1", "uid", &value));
	test_assert(auth_fields_split_line(test_pool, "A\tb\0010") == NULL);
	test_end();
}

static void test_master_reply(void)
{
	const char *user, *error;
	const char *const *fields;

	test_begin("auth_master_parse_reply");
	test_assert(auth_master_parse_reply("USER\t7\tjohn\tuid=1000\thome=/h", 7, test_pool,
					    &user, &fields, &error) == 1);
	test_assert_strcmp(user, "john");
	test_assert(str_array_length(fields) == 2);
	test_assert_strcmp(fields[1], "home=/h");
	test_assert(auth_master_parse_reply("NOTFOUND\t7", 7, test_pool, &user, &fields,
					    &error) == 0);
	test_assert(auth_master_parse_reply("FAIL\t7\treason=db down", 7, test_pool, &user,
					    &fields, &error) == -1);
	test_assert_strcmp(error, "db down");
	test_assert(auth_master_parse_reply("PASS\t3\tuser=a\tpassword=x", 3, test_pool, &user,
					    &fields, &error) == 1);
	test_assert_strcmp(user, "a");
	/* wrong id, garbage, missing user */
	test_assert(auth_master_parse_reply("USER\t8\tjohn", 7, test_pool, &user, &fields,
					    &error) == -2);
	test_assert(auth_master_parse_reply("HELLO", 7, test_pool, &user, &fields, &error) == -2);
	test_assert(auth_master_parse_reply("USER\t7", 7, test_pool, &user, &fields, &error) ==
		    -2);
	test_assert(auth_master_parse_reply("USER\tx\tjohn", 7, test_pool, &user, &fields,
					    &error) == -2);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_escape_roundtrip,
		test_split_and_find,
		test_master_reply,
		NULL,
	};
	return test_run(tests);
}

/* Dovecot's file dict as mailbox attributes use it: parsing (with
   malformed files), escaping, writing back. */

#include "test-common.h"
#include "mail-attribute-file.h"

#include <string.h>

static int parse(const char *data, size_t size, ARRAY_TYPE(mail_attribute_kv) *kvs,
		 const char **error_r)
{
	return mail_attribute_file_parse(test_pool, data, size, kvs, error_r);
}

static void test_dovecot_file(void)
{
	/* as Dovecot 2.3.19 wrote it (a CRLF value, a backslash) */
	static const char file[] =
		"priv/d8e8ae215399076bf031000083ecc375/mixedcase\ny\n"
		"priv/d8e8ae215399076bf031000083ecc375/bs\na\\b\n"
		"priv/d8e8ae215399076bf031000083ecc375/vendor/vendor.dovecot/pvt/server/comment\n"
		"hello\n"
		"priv/d8e8ae215399076bf031000083ecc375/comment\n\n"
		"priv/d8e8ae215399076bf031000083ecc375/nl\na\001r\001nb\\n\n";
	ARRAY_TYPE(mail_attribute_kv) kvs;
	const char *error;

	test_begin("attribute file: Dovecot's file parses, sorted, unescaped");
	test_assert(parse(file, strlen(file), &kvs, &error) == 0);
	test_assert(array_count(&kvs) == 5);
	test_assert_strcmp(array_idx(&kvs, 0)->key, "priv/d8e8ae215399076bf031000083ecc375/bs");
	test_assert_strcmp(array_idx(&kvs, 0)->value, "a\\b");
	test_assert_strcmp(array_idx(&kvs, 1)->value, "");
	test_assert_strcmp(array_idx(&kvs, 3)->key, "priv/d8e8ae215399076bf031000083ecc375/nl");
	test_assert_strcmp(array_idx(&kvs, 3)->value, "a\r\nb\\n");
	/* written back as Dovecot writes it */
	string_t *out = str_new(test_pool, 512);
	mail_attribute_file_write(array_front(&kvs), array_count(&kvs), out);
	ARRAY_TYPE(mail_attribute_kv) again;
	test_assert(parse(str_c(out), str_len(out), &again, &error) == 0);
	test_assert(array_count(&again) == 5);
	test_assert(strstr(str_c(out), "/nl\na\001r\001nb\\n\n") != NULL);
	test_assert(strstr(str_c(out), "/comment\n\n") != NULL);
	test_end();
}

static void test_escapes(void)
{
	struct mail_attribute_kv kv = { "k\tey", "\001\t\r\n\\x" };
	ARRAY_TYPE(mail_attribute_kv) kvs;
	string_t *out = str_new(test_pool, 64);
	const char *error;

	test_begin("attribute file: every escape round-trips");
	mail_attribute_file_write(&kv, 1, out);
	test_assert_strcmp(str_c(out), "k\001tey\n\0011\001t\001r\001n\\x\n");
	test_assert(parse(str_c(out), str_len(out), &kvs, &error) == 0);
	test_assert(array_count(&kvs) == 1);
	test_assert_strcmp(array_idx(&kvs, 0)->key, kv.key);
	test_assert_strcmp(array_idx(&kvs, 0)->value, kv.value);
	test_end();
}

static void test_duplicates_and_tail(void)
{
	static const char file[] = "b\n1\na\n2\nb\n3\na\n4";
	ARRAY_TYPE(mail_attribute_kv) kvs;
	const char *error;

	test_begin("attribute file: the later of two equal keys wins, tail without LF");
	test_assert(parse(file, strlen(file), &kvs, &error) == 0);
	test_assert(array_count(&kvs) == 2);
	test_assert_strcmp(array_idx(&kvs, 0)->key, "a");
	test_assert_strcmp(array_idx(&kvs, 0)->value, "4");
	test_assert_strcmp(array_idx(&kvs, 1)->value, "3");
	test_assert(parse("", 0, &kvs, &error) == 0 && array_count(&kvs) == 0);
	test_end();
}

static void test_malformed(void)
{
	static const struct {
		const char *data;
		size_t size;
		const char *error;
	} bad[] = {
		{ "key\n", 4, "line 1: key without a value" },
		{ "a\n1\nb", 5, "line 3: key without a value" },
		{ "a\n1\n\n2\n", 7, "line 3: empty key" },
		{ "a\nx\001", 4, "line 2: invalid escape" },
		{ "a\nx\001z\n", 6, "line 2: invalid escape" },
		{ "a\001\n1\n", 5, "line 1: invalid escape" },
		{ "a\n1\0\n", 5, "NUL byte in the file" },
	};
	ARRAY_TYPE(mail_attribute_kv) kvs;
	const char *error;

	test_begin("attribute file: malformed files are refused with the line");
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		error = NULL;
		test_assert_idx(parse(bad[i].data, bad[i].size, &kvs, &error) < 0, i);
		test_assert_idx(error != NULL && strcmp(error, bad[i].error) == 0, i);
	}
	/* every prefix of a good file: either parses or says why */
	static const char good[] = "k1\nv\001n1\nk2\nv2\n";
	for (size_t n = 0; n <= strlen(good); n++) {
		error = NULL;
		int ret = parse(good, n, &kvs, &error);
		test_assert_idx(ret == 0 || error != NULL, n);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_dovecot_file,
		test_escapes,
		test_duplicates_and_tail,
		test_malformed,
		NULL,
	};
	log_init_stderr("test-mail-attribute-file");
	return test_run(tests);
}

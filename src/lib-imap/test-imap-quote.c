#include "test-common.h"
#include "imap-quote.h"
#include "str.h"

static const char *astring_utf8(const char *value)
{
	string_t *str = str_new(test_pool, 64);

	imap_append_astring_utf8(str, value);
	return str_c(str);
}

static void test_astring_utf8(void)
{
	test_begin("imap-quote: astring with UTF-8 in quoted strings");
	test_assert_strcmp(astring_utf8("INBOX"), "INBOX");
	test_assert_strcmp(astring_utf8("Sent Items"), "\"Sent Items\"");
	test_assert_strcmp(astring_utf8("\xc3\x84pfel"), "\"\xc3\x84pfel\"");
	test_assert_strcmp(astring_utf8("a\"b\\c"), "\"a\\\"b\\\\c\"");
	test_assert_strcmp(astring_utf8(""), "\"\"");
	test_assert_strcmp(astring_utf8("NIL"), "\"NIL\"");
	/* not UTF-8, or a line end: a literal */
	test_assert_strcmp(astring_utf8("a\xff"), "{2}\r\na\xff");
	test_assert_strcmp(astring_utf8("a\nb"), "{3}\r\na\nb");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_astring_utf8,
		NULL,
	};
	return test_run(tests);
}

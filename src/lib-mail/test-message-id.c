#include "test-common.h"
#include "message-id.h"

static void test_message_id(void)
{
	static const struct {
		const char *input;
		const char *ids; /* space-separated */
	} tests[] = {
		{ "", "" },
		{ "<a@b>", "a@b" },
		{ "  <a@b> <c@d>\r\n\t<e@f>", "a@b c@d e@f" },
		{ "<a @ b>", "a@b" },
		{ "<no-at> <x@y>", "x@y" },
		{ "phrase <a@b> (comment) junk", "a@b" },
		{ "Your message of <a@b> sent Monday", "a@b" },
		{ "<\"quoted local\"@b>", "quoted local@b" },
		{ "<(comment) a@b>", "a@b" },
		{ "<a@b", "" },
		{ "<<a@b>", "<a@b" },
		{ "<\"unterminated@b>", "" },
		{ "<\"x\"y@b> <c@d>", "c@d" },
		{ "<a@b><c@d>", "a@b c@d" },
		{ "<>", "" },
		{ "<@>", "@" },
		{ ">a@b<", "" },
		{ "<a@b\xff>", "a@b\xff" },
	};

	test_begin("message_id_get_next");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		string_t *str = str_new(test_pool, 64);
		const char *p = tests[i].input, *id;

		while ((id = message_id_get_next(test_pool, &p)) != NULL) {
			if (str_len(str) > 0)
				str_append_c(str, ' ');
			str_append(str, id);
		}
		test_assert_idx(strcmp(str_c(str), tests[i].ids) == 0, i);
		test_assert_idx(*p == '\0', i);
	}
	test_end();
}

static void test_message_id_long(void)
{
	string_t *str = str_new(test_pool, 1024 * 1024);
	const char *p, *id;
	unsigned int n = 0;

	test_begin("message_id_get_next many");
	for (unsigned int i = 0; i < 20000; i++)
		str_printfa(str, "<%u@x> <\"q\" ", i);
	p = str_c(str);
	while ((id = message_id_get_next(test_pool, &p)) != NULL)
		n++;
	test_assert(n == 20000);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_message_id,
		test_message_id_long,
		NULL,
	};
	return test_run(tests);
}

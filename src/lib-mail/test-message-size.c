#include "test-common.h"
#include "message-size.h"

static void test_message_size(void)
{
	static const struct {
		const char *input;
		uint64_t virtual_size, lines;
	} tests[] = {
		{ "", 0, 0 },
		{ "a", 1, 0 },
		{ "\n", 2, 1 },
		{ "\r\n", 2, 1 },
		{ "\r", 1, 0 },
		{ "a\nb\r\nc\n\n", 11, 4 },
		{ "\r\r\n\n\r", 6, 2 },
	};
	struct message_size msize;

	test_begin("message_size_get");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		size_t len = strlen(tests[i].input);

		message_size_get(tests[i].input, len, &msize);
		test_assert_idx(msize.physical_size == len, i);
		test_assert_idx(msize.virtual_size == tests[i].virtual_size, i);
		test_assert_idx(msize.lines == tests[i].lines, i);
		/* split anywhere: the same */
		for (size_t split = 0; split <= len; split++) {
			struct message_size m2;
			bool last_cr = false;

			memset(&m2, 0, sizeof(m2));
			message_size_add(&m2, &last_cr, tests[i].input, split);
			message_size_add(&m2, &last_cr, tests[i].input + split, len - split);
			test_assert_idx(memcmp(&m2, &msize, sizeof(m2)) == 0, i * 100 + split);
		}
	}
	test_end();
}

static void test_message_size_sum_diff(void)
{
	struct message_size a = { 10, 12, 2 }, b = { 4, 5, 1 }, c;

	test_begin("message_size_sum/diff");
	message_size_diff(&a, &b, &c);
	test_assert(c.physical_size == 6 && c.virtual_size == 7 && c.lines == 1);
	message_size_sum(&c, &b);
	test_assert(memcmp(&c, &a, sizeof(a)) == 0);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_message_size,
		test_message_size_sum_diff,
		NULL,
	};
	return test_run(tests);
}

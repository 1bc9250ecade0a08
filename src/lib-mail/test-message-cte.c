#include "test-common.h"
#include "message-cte.h"

static const char *decode_split(enum message_cte cte, const char *input, size_t split,
				bool *errors_r)
{
	struct message_cte_decoder *dec = message_cte_decoder_create(cte);
	buffer_t *out = buffer_create_dynamic(test_pool, 64);
	size_t len = strlen(input);

	message_cte_decoder_decode(dec, input, split, out);
	message_cte_decoder_decode(dec, input + split, len - split, out);
	message_cte_decoder_finish(dec, out);
	*errors_r = message_cte_decoder_had_errors(dec);
	message_cte_decoder_destroy(&dec);
	return p_strndup(test_pool, out->data, out->used);
}

struct cte_test {
	const char *input, *output;
	bool errors;
};

static void run_tests(enum message_cte cte, const struct cte_test *tests, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++) {
		size_t len = strlen(tests[i].input);

		for (size_t split = 0; split <= len; split++) {
			bool errors;
			const char *out = decode_split(cte, tests[i].input, split, &errors);

			test_assert_idx(strcmp(out, tests[i].output) == 0, i * 1000 + split);
			test_assert_idx(errors == tests[i].errors, i * 1000 + split);
		}
	}
}

static void test_cte_base64(void)
{
	static const struct cte_test tests[] = {
		{ "", "", false },
		{ "aGVsbG8=", "hello", false },
		{ "aGVs\r\nbG8=\r\n", "hello", false },
		{ "aGVsbG8", "hello", false },
		{ "aGVsbA==aGVsbG8=", "hellhello", false },
		{ "aGV*sbG8=", "hello", true },
		{ "aGVsbG8=\r\n-- footer --\r\n", "hello~\x8a-z", true },
		{ "a", "", true },
		{ "YQ", "a", false },
	};

	test_begin("cte base64 (lenient), split at every byte");
	run_tests(MESSAGE_CTE_BASE64, tests, N_ELEMENTS(tests));
	test_end();
}

static void test_cte_qp(void)
{
	static const struct cte_test tests[] = {
		{ "", "", false },
		{ "caf=C3=A9", "caf\xc3\xa9", false },
		{ "caf=c3=a9", "caf\xc3\xa9", false },
		{ "soft =\r\nbreak", "soft break", false },
		{ "soft =\nbreak", "soft break", false },
		{ "soft = \t\r\nbreak", "soft break", false },
		{ "trailing   \r\nws\t\n", "trailing\r\nws\n", false },
		{ "keep  inner  space", "keep  inner  space", false },
		{ "bad =ZZ and =4", "bad =ZZ and =4", true },
		{ "bad = x", "bad = x", true },
		{ "bad =\rx", "bad =\rx", true },
		{ "ends with =", "ends with ", false },
		{ "lone\rcr", "lone\rcr", false },
		{ "=3D=20\r\n", "= \r\n", false },
		{ "a\r", "a\r", false },
	};

	test_begin("cte quoted-printable, split at every byte");
	run_tests(MESSAGE_CTE_QP, tests, N_ELEMENTS(tests));
	test_end();
}

static void test_cte_passthrough(void)
{
	static const struct cte_test tests[] = {
		{ "any =41 data\r\n", "any =41 data\r\n", false },
	};

	test_begin("cte 7bit/8bit/binary pass data through");
	run_tests(MESSAGE_CTE_7BIT, tests, N_ELEMENTS(tests));
	run_tests(MESSAGE_CTE_UNKNOWN, tests, N_ELEMENTS(tests));
	test_end();
}

static void test_cte_parse(void)
{
	test_begin("message_cte_parse");
	test_assert(message_cte_parse(NULL) == MESSAGE_CTE_7BIT);
	test_assert(message_cte_parse("BASE64") == MESSAGE_CTE_BASE64);
	test_assert(message_cte_parse(" quoted-printable (c)") == MESSAGE_CTE_QP);
	test_assert(message_cte_parse("8bit") == MESSAGE_CTE_8BIT);
	test_assert(message_cte_parse("binary") == MESSAGE_CTE_BINARY);
	test_assert(message_cte_parse("x-uuencode") == MESSAGE_CTE_UNKNOWN);
	test_assert(message_cte_parse("base64 junk") == MESSAGE_CTE_UNKNOWN);
	test_end();
}

static void test_cte_large(void)
{
	/* 1 MB of '=' and of whitespace: linear, bounded memory */
	string_t *input = str_new(test_pool, 1024 * 1024 + 1);
	buffer_t *out = buffer_create_dynamic(test_pool, 1024);

	test_begin("cte: 1 MB of padding / whitespace");
	while (str_len(input) < 1024 * 1024)
		str_append(input, "====");
	message_cte_decode_base64(str_data(input), str_len(input), out);
	test_assert(out->used == 0);
	str_truncate(input, 0);
	while (str_len(input) < 1024 * 1024)
		str_append(input, " \t  ");
	str_append(input, "x");
	message_cte_decode_qp(str_data(input), str_len(input), out);
	test_assert(out->used == str_len(input));
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_cte_base64,
		test_cte_qp,
		test_cte_passthrough,
		test_cte_parse,
		test_cte_large,
		NULL,
	};
	return test_run(tests);
}

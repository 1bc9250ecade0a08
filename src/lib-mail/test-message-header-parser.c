#include "test-common.h"
#include "message-header-parser.h"
#include "test-mail-common.h"

struct header_result {
	const char *name, *value, *full_value;
	uint64_t offset, raw_size;
};

/* Parses input whole and returns the fields in results (up to max). */
static unsigned int parse_all(const char *input, size_t size, struct header_result *results,
			      unsigned int max, struct message_size *hdr_size_r, bool *eoh_r,
			      size_t *body_offset_r)
{
	struct message_header_parser_ctx *parser = message_header_parser_init(NULL);
	const struct message_header_field *field;
	enum message_header_parse_result ret;
	unsigned int count = 0;

	message_header_parser_feed(parser, input, size);
	while ((ret = message_header_parser_next(parser, &field)) != MESSAGE_HEADER_PARSE_DONE) {
		if (ret == MESSAGE_HEADER_PARSE_NEED_MORE) {
			message_header_parser_feed_eof(parser);
			continue;
		}
		if (count < max) {
			results[count].name = p_strdup(test_pool, field->name);
			results[count].value = p_strndup(test_pool, field->value, field->value_len);
			results[count].full_value =
				p_strndup(test_pool, field->full_value, field->full_value_len);
			results[count].offset = field->offset;
			results[count].raw_size = field->raw_size;
		}
		count++;
	}
	const unsigned char *rest;
	size_t rest_len = message_header_parser_get_remaining(parser, &rest);

	*body_offset_r = size - rest_len;
	message_header_parser_get_size(parser, hdr_size_r);
	*eoh_r = message_header_parser_has_eoh(parser);
	message_header_parser_deinit(&parser);
	return count;
}

static void test_header_basic(void)
{
	static const char input[] = "From: a@example.com\r\n"
				    "Subject:  hello\r\n"
				    "\tworld \r\n"
				    "X-Empty:\n"
				    "To : b@example.com\n"
				    "\r\n"
				    "body\r\n";
	struct header_result r[8];
	struct message_size hsize;
	size_t body_offset;
	bool eoh;

	test_begin("header parser: fields, folding, offsets");
	test_assert(parse_all(input, sizeof(input) - 1, r, 8, &hsize, &eoh, &body_offset) == 4);
	test_assert_strcmp(r[0].name, "From");
	test_assert_strcmp(r[0].value, "a@example.com");
	test_assert(r[0].offset == 0 && r[0].raw_size == 21);
	test_assert_strcmp(r[1].name, "Subject");
	test_assert_strcmp(r[1].value, "hello\tworld ");
	test_assert_strcmp(r[1].full_value, "hello\n\tworld ");
	test_assert(r[1].offset == 21 && r[1].raw_size == 17 + 9);
	test_assert_strcmp(r[2].name, "X-Empty");
	test_assert_strcmp(r[2].value, "");
	test_assert_strcmp(r[3].name, "To");
	test_assert_strcmp(r[3].value, "b@example.com");
	test_assert(eoh);
	test_assert(body_offset == sizeof(input) - 1 - 6);
	test_assert(hsize.physical_size == body_offset);
	test_assert(hsize.lines == 6);
	test_assert(hsize.virtual_size == body_offset + 2);
	test_end();
}

static void test_header_broken(void)
{
	/* NUL, no colon, leading continuation, bare CR, no final newline */
	static const char input[] = " leading continuation\n"
				    "No colon here\n"
				    " more\n"
				    "X-Nul: a\0b\n"
				    "X-CR: a\rb\r\n"
				    ":empty name\n"
				    "Last: no newline";
	struct header_result r[8];
	struct message_size hsize;
	size_t body_offset;
	bool eoh;

	test_begin("header parser: broken headers");
	test_assert(parse_all(input, sizeof(input) - 1, r, 8, &hsize, &eoh, &body_offset) == 6);
	test_assert_strcmp(r[0].name, " leading continuation");
	test_assert_strcmp(r[1].name, "No colon here");
	test_assert_strcmp(r[1].value, " more");
	test_assert_strcmp(r[2].name, "X-Nul");
	test_assert(r[2].value[0] == 'a' && r[2].value[1] == '\0');
	test_assert_strcmp(r[3].value, "a\rb");
	test_assert_strcmp(r[4].name, "");
	test_assert_strcmp(r[4].value, "empty name");
	test_assert_strcmp(r[5].name, "Last");
	test_assert_strcmp(r[5].value, "no newline");
	test_assert(!eoh);
	test_assert(body_offset == sizeof(input) - 1);
	test_end();
}

static void test_header_nul_len(void)
{
	static const char input[] = "X-Nul: a\0b\n\n";
	struct message_header_parser_ctx *parser = message_header_parser_init(NULL);
	const struct message_header_field *field;

	test_begin("header parser: NUL in value");
	message_header_parser_feed(parser, input, sizeof(input) - 1);
	test_assert(message_header_parser_next(parser, &field) == MESSAGE_HEADER_PARSE_FIELD);
	test_assert(field->value_len == 3 && memcmp(field->value, "a\0b", 3) == 0);
	test_assert(message_header_parser_next(parser, &field) == MESSAGE_HEADER_PARSE_DONE);
	test_assert(message_header_parser_next(parser, &field) == MESSAGE_HEADER_PARSE_DONE);
	message_header_parser_deinit(&parser);
	test_end();
}

static void test_header_truncate(void)
{
	struct message_header_parser_settings set = { .max_value_size = 4 };
	struct message_header_parser_ctx *parser = message_header_parser_init(&set);
	const struct message_header_field *field;
	static const char input[] = "A: 123456\n 789\nB: x\n\n";

	test_begin("header parser: max_value_size");
	message_header_parser_feed(parser, input, sizeof(input) - 1);
	test_assert(message_header_parser_next(parser, &field) == MESSAGE_HEADER_PARSE_FIELD);
	test_assert(field->truncated && field->value_len == 4);
	test_assert(field->raw_size == 15 && field->lines == 2);
	test_assert(message_header_parser_next(parser, &field) == MESSAGE_HEADER_PARSE_FIELD);
	test_assert(!field->truncated && field->offset == 15);
	message_header_parser_deinit(&parser);
	test_end();
}

static const char *const split_inputs[] = {
	"From: a@example.com\r\nSubject: x\r\n y\r\n\r\nbody",
	"A: 1\n\tfolded\r\nB:2\nC\n\n",
	"\r\nbody",
	"\n",
	"",
	"A: \r\r\n \r\n\r\n",
	"X: a\rb\r",
	" cont\nno colon\r\n\r",
	"Subject : obs\n\t\n \n\nx",
};

static void test_header_split(void)
{
	test_begin("header parser: split at every byte, and bytewise");
	for (unsigned int i = 0; i < N_ELEMENTS(split_inputs); i++) {
		const char *input = split_inputs[i];
		size_t size = strlen(input);
		const char *whole = test_mail_header_dump(test_pool, input, size, NULL, 0);

		for (size_t split = 0; split <= size; split++) {
			test_assert_idx(strcmp(test_mail_header_dump(test_pool, input, size,
								     &split, 1),
					       whole) == 0,
					i * 1000 + split);
		}
		test_assert_idx(strcmp(test_mail_header_dump_bytewise(test_pool, input, size),
				       whole) == 0,
				i);
	}
	test_end();
}

static void test_header_huge(void)
{
	/* a 1 MB field folded every 70 bytes, fed in 4 kB pieces and then
	   a byte at a time: linear time, or this test times out */
	string_t *input = str_new(test_pool, 1024 * 1024 + 64);
	size_t value_len = 0;

	test_begin("header parser: 1 MB folded field");
	str_append(input, "X-Huge:");
	while (str_len(input) < 1024 * 1024) {
		str_append(input, "\r\n ");
		str_append(input, "0123456789012345678901234567890123456789"
				  "012345678901234567890123456");
		value_len += 1 + 67;
	}
	str_append(input, "\r\nX-Next: 1\r\n\r\n");

	struct message_header_parser_ctx *parser = message_header_parser_init(NULL);
	const struct message_header_field *field;
	unsigned int fields = 0;
	enum message_header_parse_result ret = MESSAGE_HEADER_PARSE_NEED_MORE;

	for (size_t pos = 0; pos < str_len(input) && ret != MESSAGE_HEADER_PARSE_DONE;
	     pos += 4096) {
		message_header_parser_feed(parser, str_data(input) + pos,
					   MIN(4096, str_len(input) - pos));
		while ((ret = message_header_parser_next(parser, &field)) ==
		       MESSAGE_HEADER_PARSE_FIELD) {
			if (fields++ == 0) {
				test_assert(field->value_len == value_len);
				test_assert(field->value[0] == ' ');
			}
		}
	}
	test_assert(ret == MESSAGE_HEADER_PARSE_DONE && fields == 2);
	message_header_parser_deinit(&parser);

	const char *whole = test_mail_header_dump(test_pool, str_data(input), str_len(input), NULL,
						  0);

	test_assert(strcmp(test_mail_header_dump_bytewise(test_pool, str_data(input),
							  str_len(input)),
			   whole) == 0);
	test_end();
}

static void test_header_reset(void)
{
	struct message_header_parser_ctx *parser = message_header_parser_init(NULL);
	const struct message_header_field *field;

	test_begin("header parser: reset and start offset");
	message_header_parser_feed(parser, "A: 1\n\n", 6);
	while (message_header_parser_next(parser, &field) != MESSAGE_HEADER_PARSE_DONE)
		;
	message_header_parser_reset(parser, 100);
	message_header_parser_feed(parser, "B: 2\n\n", 6);
	test_assert(message_header_parser_next(parser, &field) == MESSAGE_HEADER_PARSE_FIELD);
	test_assert(field->offset == 100 && message_header_field_is(field, "b"));
	message_header_parser_deinit(&parser);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_header_basic,
		test_header_broken,
		test_header_nul_len,
		test_header_truncate,
		test_header_split,
		test_header_huge,
		test_header_reset,
		NULL,
	};
	return test_run(tests);
}

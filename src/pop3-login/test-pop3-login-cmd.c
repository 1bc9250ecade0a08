/* The pre-login POP3 command parser, through the line reader split at
   every byte. */
#include "test-common.h"
#include "line-reader.h"
#include "pop3-login-cmd.h"

struct feed {
	const char *data;
	size_t size, pos, chunk;
};

static ssize_t feed_read(void *context, void *buf, size_t size)
{
	struct feed *feed = context;
	size_t n = MIN(MIN(size, feed->chunk), feed->size - feed->pos);

	if (feed->pos == feed->size)
		return 0;
	memcpy(buf, feed->data + feed->pos, n);
	feed->pos += n;
	return (ssize_t)n;
}

static const char *run(const char *input, size_t size, size_t chunk)
{
	struct line_reader_settings set = { .max_line_length = 64 };
	struct feed feed = { input, size, 0, chunk };
	struct line_reader *reader = line_reader_create(&set, feed_read, &feed);
	string_t *out = str_new(test_pool, 256);
	struct pop3_login_cmd cmd;
	const char *line, *error;
	size_t len;

	for (;;) {
		enum line_reader_result res = line_reader_next_line(reader, &line, &len);

		if (res == LINE_READER_MORE) {
			if (line_reader_fill(reader) < 0 &&
			    line_reader_next_line(reader, &line, &len) == LINE_READER_MORE)
				break;
			continue;
		}
		if (res == LINE_READER_TOO_LONG) {
			str_append(out, "TOOLONG|");
			break;
		}
		if (pop3_login_cmd_parse(line, len, test_pool, &cmd, &error) < 0)
			str_printfa(out, "E %s|", error);
		else
			str_printfa(out, "%s<%s>|", cmd.name, cmd.args);
	}
	line_reader_destroy(&reader);
	return str_c(out);
}

static void test_pop3_login_cmd(void)
{
	static const struct {
		const char *input;
		const char *output;
	} tests[] = {
		{ "CAPA\r\n", "CAPA<>|" },
		{ "user john@example.com\r\npass  se cret \r\n",
		  "USER<john@example.com>|PASS< se cret >|" },
		{ "AUTH PLAIN AGpvaG4Ac2VjcmV0\r\n", "AUTH<PLAIN AGpvaG4Ac2VjcmV0>|" },
		{ "QUIT\n", "QUIT<>|" },
		{ "\r\n", "E Empty command.|" },
		{ "utf8\r\n", "UTF8<>|" },
		{ "STLSX123 a\r\n", "STLSX123<a>|" },
		{ "STLSX1234 a\r\n", "E Unknown command.|" },
		{ "UTF-8\r\n", "E Unknown command.|" },
		{ "TOOLONGNAME\r\n", "E Unknown command.|" },
		{ " USER x\r\n", "E Unknown command.|" },
		{ "US\001ER x\r\n", "E Unknown command.|" },
		{ "PASS xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxx\r\nQUIT\r\n",
		  "TOOLONG|" },
	};

	test_begin("pop3-login command parser, every chunking");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		size_t size = strlen(tests[i].input);

		test_assert_strcmp(run(tests[i].input, size, 65536), tests[i].output);
		for (size_t chunk = 1; chunk < 6; chunk++)
			test_assert_strcmp(run(tests[i].input, size, chunk), tests[i].output);
	}
	test_end();
}

static void test_pop3_login_cmd_nul(void)
{
	static const char input[] = "USER jo\0hn\r\nCAPA\r\n";

	test_begin("pop3-login command parser: NUL byte");
	test_assert_strcmp(run(input, sizeof(input) - 1, 1), "E NUL in command line.|CAPA<>|");
	test_end();
}

int main(void)
{
	static void (*const test_list[])(void) = {
		test_pop3_login_cmd,
		test_pop3_login_cmd_nul,
		NULL
	};

	return test_run(test_list);
}

#include "test-common.h"
#include "line-reader.h"
#include "net.h"

struct feed {
	const char *data;
	size_t size, pos;
	size_t chunk; /* bytes per read() call */
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

/* Reads every line; "!" marks TOO_LONG (then skips the line). */
static const char *read_all(const char *input, size_t size, size_t chunk, size_t max_line)
{
	struct line_reader_settings set = { .max_line_length = max_line };
	struct feed feed = { input, size, 0, chunk };
	struct line_reader *reader = line_reader_create(&set, feed_read, &feed);
	string_t *out = str_new(test_pool, 64);
	const char *line;
	size_t len;

	for (;;) {
		enum line_reader_result ret = line_reader_next_line(reader, &line, &len);

		if (ret == LINE_READER_LINE) {
			str_append_data(out, line, len);
			str_append_c(out, '|');
		} else if (ret == LINE_READER_TOO_LONG) {
			str_append(out, "!|");
			line_reader_skip_line(reader);
		} else if (line_reader_fill(reader) < 0) {
			break;
		}
	}
	line_reader_destroy(&reader);
	return str_c(out);
}

static void test_line_reader_lines(void)
{
	static const char input[] = "a1 NOOP\r\nb\n\r\nlast line\r\npartial";

	test_begin("line_reader lines, every chunk size");
	for (size_t chunk = 1; chunk <= sizeof(input); chunk++) {
		test_assert_strcmp(read_all(input, sizeof(input) - 1, chunk, 100),
				   "a1 NOOP|b||last line|");
	}
	test_end();
}

static void test_line_reader_limits(void)
{
	test_begin("line_reader limits");
	/* exactly max fits, with CRLF or LF; max+1 does not */
	for (size_t chunk = 1; chunk <= 12; chunk++) {
		test_assert_strcmp(read_all("12345\r\n123456\r\nok\n", 19, chunk, 5),
				   "12345|!|ok|");
		test_assert_strcmp(read_all("12345\n1234567890123\nok\n", 23, chunk, 5),
				   "12345|!|ok|");
	}
	/* a huge line with no LF never makes the reader buffer it */
	size_t big = 1024 * 1024;
	char *data = i_malloc(big);
	memset(data, 'x', big);
	struct line_reader_settings set = { .max_line_length = 1000 };
	struct feed feed = { data, big, 0, 65536 };
	struct line_reader *reader = line_reader_create(&set, feed_read, &feed);
	const char *line;
	size_t len;
	enum line_reader_result ret;
	unsigned int fills = 0;

	while ((ret = line_reader_next_line(reader, &line, &len)) == LINE_READER_MORE &&
	       fills++ < 100) {
		if (line_reader_fill(reader) < 0)
			break;
	}
	test_assert(ret == LINE_READER_TOO_LONG);
	test_assert(feed.pos <= 1002);
	test_assert(line_reader_get_buffered(reader) <= 1002);
	line_reader_destroy(&reader);
	i_free(data);
	test_end();
}

static void test_line_reader_nul_and_data(void)
{
	static const char input[] = "A APPEND {5}\r\nab\0de\r\nnext\r\n";
	struct line_reader_settings set = { .max_line_length = 64, .max_literal_size = 5 };

	test_begin("line_reader literal data");
	for (size_t chunk = 1; chunk <= sizeof(input); chunk++) {
		struct feed feed = { input, sizeof(input) - 1, 0, chunk };
		struct line_reader *reader = line_reader_create(&set, feed_read, &feed);
		string_t *lit = str_new(test_pool, 8);
		const unsigned char *data;
		const char *line;
		size_t len, n;

		while (line_reader_next_line(reader, &line, &len) != LINE_READER_LINE)
			test_assert(line_reader_fill(reader) > 0);
		test_assert_strcmp(line, "A APPEND {5}");
		test_assert(line_reader_literal_allowed(reader, 5));
		test_assert(!line_reader_literal_allowed(reader, 6));
		while (str_len(lit) < 5) {
			n = line_reader_read_data(reader, 5 - str_len(lit), &data);
			if (n == 0)
				test_assert(line_reader_fill(reader) > 0);
			else
				str_append_data(lit, data, n);
		}
		test_assert(memcmp(str_data(lit), "ab\0de", 5) == 0);
		while (line_reader_next_line(reader, &line, &len) != LINE_READER_LINE)
			test_assert(line_reader_fill(reader) > 0);
		test_assert(len == 0);
		while (line_reader_next_line(reader, &line, &len) != LINE_READER_LINE)
			test_assert(line_reader_fill(reader) > 0);
		test_assert_strcmp(line, "next");
		test_assert(line_reader_fill(reader) == -1);
		test_assert(line_reader_is_eof(reader));
		line_reader_compact(reader);
		line_reader_destroy(&reader);
	}
	/* a NUL inside a line is returned with its real length */
	struct feed feed = { "a\0b\n", 4, 0, 4 };
	struct line_reader *reader = line_reader_create(&set, feed_read, &feed);
	const char *line;
	size_t len;
	(void)line_reader_fill(reader);
	test_assert(line_reader_next_line(reader, &line, &len) == LINE_READER_LINE && len == 3);
	line_reader_destroy(&reader);
	test_end();
}

static void test_line_reader_fd(void)
{
	int fds[2];
	struct line_reader_settings set = { .max_line_length = 10 };
	const char *line;
	size_t len;

	test_begin("line_reader on a non-blocking fd");
	test_assert(pipe(fds) == 0);
	fd_set_nonblock(fds[0], true);
	struct line_reader *reader = line_reader_create_fd(&set, fds[0]);
	test_assert(write(fds[1], "abc", 3) == 3);
	test_assert(line_reader_fill(reader) == 3);
	test_assert(line_reader_fill(reader) == 0); /* EAGAIN */
	test_assert(line_reader_next_line(reader, &line, &len) == LINE_READER_MORE);
	test_assert(write(fds[1], "\n", 1) == 1);
	test_assert(line_reader_fill(reader) == 1);
	test_assert(line_reader_next_line(reader, &line, &len) == LINE_READER_LINE);
	test_assert_strcmp(line, "abc");
	close(fds[1]);
	test_assert(line_reader_fill(reader) == -1);
	test_assert_strcmp(line_reader_get_error(reader), "EOF");
	line_reader_destroy(&reader);
	close(fds[0]);
	test_end();
}

static void test_line_reader_feed(void)
{
	struct line_reader_settings set = { .max_line_length = 10 };
	struct feed feed = { "c\n", 2, 0, 2 };
	struct line_reader *reader = line_reader_create(&set, feed_read, &feed);
	const char *line;
	size_t len;

	test_begin("line_reader_feed");
	test_assert(line_reader_feed(reader, "a\nb", 3));
	test_assert(line_reader_next_line(reader, &line, &len) == LINE_READER_LINE);
	test_assert_strcmp(line, "a");
	test_assert(line_reader_next_line(reader, &line, &len) == LINE_READER_MORE);
	test_assert(line_reader_fill(reader) == 2);
	test_assert(line_reader_next_line(reader, &line, &len) == LINE_READER_LINE);
	test_assert_strcmp(line, "bc");
	/* more than the buffer can ever hold */
	test_assert(!line_reader_feed(reader, "0123456789012345", 16));
	line_reader_destroy(&reader);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_line_reader_lines, test_line_reader_limits, test_line_reader_nul_and_data,
		test_line_reader_fd, test_line_reader_feed, NULL,
	};
	return test_run(tests);
}

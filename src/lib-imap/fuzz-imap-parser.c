/* Fuzz target for the IMAP command parser, driven the way the imap process
   drives it (line_reader + parser + literal data).

   Replay (meson test): fuzz-imap-parser FILE...
   libFuzzer: clang -fsanitize=fuzzer,address -DROOST_LIBFUZZER ... then
   ./fuzz-imap-parser src/lib-imap/fuzz-corpus */
#include "lib.h"
#include "line-reader.h"
#include "imap-parser.h"
#include "imap-sort-args.h"

#include <fcntl.h>
#include <stdio.h>

struct feed {
	const unsigned char *data;
	size_t size, pos;
};

static ssize_t feed_read(void *context, void *buf, size_t size)
{
	struct feed *feed = context;
	/* odd chunk sizes exercise resumption */
	size_t n = MIN(MIN(size, 7), feed->size - feed->pos);

	if (n == 0)
		return 0;
	memcpy(buf, feed->data + feed->pos, n);
	feed->pos += n;
	return (ssize_t)n;
}

static void walk(const struct imap_arg *args, unsigned int *count)
{
	const struct imap_arg *list;
	const char *str;

	for (; !imap_arg_is_eol(args); args++) {
		(*count)++;
		if (imap_arg_get_list(args, &list, NULL))
			walk(list, count);
		else if (imap_arg_get_astring(args, &str))
			*count += (unsigned int)strlen(str) % 2;
	}
}

/* The arguments as SORT's and THREAD's, at every starting point (a
   command's arguments start after its name; any of them may be the
   first). */
static void sort_thread_args(const struct imap_arg *args, unsigned int *count)
{
	struct imap_sort_program program;
	enum imap_thread_algorithm alg;
	const struct imap_arg *search;
	const char *charset, *error;

	for (; !imap_arg_is_eol(args); args++) {
		if (imap_sort_args_parse(args, &program, &charset, &search, &error) == 0)
			*count += program.count + (unsigned int)strlen(charset) % 2;
		if (imap_thread_args_parse(args, &alg, &charset, &search, &error) == 0)
			*count += (unsigned int)alg;
	}
}

static void fuzz_one(const unsigned char *data, size_t size)
{
	struct line_reader_settings lset = { .max_line_length = 1024 };
	struct imap_parser_settings pset = { .max_literal_size = 4096, .max_args_size = 16384 };
	struct feed feed = { data, size, 0 };
	struct line_reader *reader = line_reader_create(&lset, feed_read, &feed);
	struct imap_parser *parser = imap_parser_create(&pset);
	bool in_literal = false, streaming = false;
	uint64_t skip = 0;
	unsigned int count = 0;

	for (;;) {
		if (in_literal || skip > 0) {
			const unsigned char *d;
			size_t n = line_reader_read_data(reader, skip > 0 ? skip :
						 imap_parser_literal_left(parser), &d);
			if (n == 0) {
				if (line_reader_fill(reader) < 0)
					break;
				continue;
			}
			if (skip > 0) {
				skip -= n;
				continue;
			}
			enum imap_parse_result r = imap_parser_feed_literal(parser, d, n);
			if (r == IMAP_PARSE_ERROR)
				break;
			in_literal = r == IMAP_PARSE_LITERAL;
			continue;
		}
		const char *line;
		size_t len;
		enum line_reader_result lr = line_reader_next_line(reader, &line, &len);

		if (lr == LINE_READER_TOO_LONG)
			break;
		if (lr == LINE_READER_MORE) {
			if (line_reader_fill(reader) < 0)
				break;
			continue;
		}
		enum imap_parse_result ret = imap_parser_feed_line(parser, line, len);

		if (ret == IMAP_PARSE_LITERAL) {
			streaming = !streaming;
			if (imap_parser_literal_size(parser) == 0) {
				(void)imap_parser_feed_literal(parser, "", 0);
			} else if (streaming) {
				skip = imap_parser_literal_size(parser);
				imap_parser_stream_literal(parser);
			} else {
				in_literal = true;
			}
			continue;
		}
		if (ret == IMAP_PARSE_DONE) {
			walk(imap_parser_get_args(parser), &count);
			sort_thread_args(imap_parser_get_args(parser), &count);
		}
		else if (imap_parser_is_fatal(parser))
			break;
		imap_parser_reset(parser);
	}
	imap_parser_destroy(&parser);
	line_reader_destroy(&reader);
	pool_temp_clear();
}

#ifdef ROOST_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size);
	return 0;
}
#else
int main(int argc, char *argv[])
{
	log_init_stderr("fuzz-imap-parser: ");
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		buffer_t *buf = buffer_create_dynamic(pool_system, 4096);
		unsigned char chunk[4096];
		ssize_t ret;

		if (fd < 0)
			i_fatal("open(%s) failed: %m", argv[i]);
		while ((ret = read(fd, chunk, sizeof(chunk))) > 0)
			buffer_append(buf, chunk, (size_t)ret);
		close(fd);
		fuzz_one(buf->data, buf->used);
		buffer_free(&buf);
	}
	printf("%d inputs replayed\n", argc - 1);
	return 0;
}
#endif

#include "test-common.h"
#include "line-reader.h"
#include "imap-parser.h"
#include "imap-seqset.h"
#include "imap-quote.h"

struct feed {
	const char *data;
	size_t size, pos, chunk;
};

static ssize_t feed_read(void *context, void *buf, size_t size)
{
	struct feed *feed = context;
	size_t n = MIN(MIN(size, feed->chunk), feed->size - feed->pos);

	if (n == 0)
		return 0;
	memcpy(buf, feed->data + feed->pos, n);
	feed->pos += n;
	return (ssize_t)n;
}

static void write_args(string_t *out, const struct imap_arg *args)
{
	for (; !imap_arg_is_eol(args); args++) {
		if (str_len(out) > 0 && str_data(out)[str_len(out) - 1] != '(')
			str_append_c(out, ' ');
		switch (args->type) {
		case IMAP_ARG_NIL:
			str_append(out, "NIL");
			break;
		case IMAP_ARG_ATOM:
			str_printfa(out, "A<%s>", args->_data.s.str);
			break;
		case IMAP_ARG_STRING:
			str_printfa(out, "S<%s>", args->_data.s.str);
			break;
		case IMAP_ARG_LITERAL:
			str_printfa(out, "L%s<%zu:", args->literal8 ? "8" : "", args->_data.s.len);
			str_append_data(out, args->_data.s.str, args->_data.s.len);
			str_append_c(out, '>');
			break;
		case IMAP_ARG_LITERAL_SIZE:
			str_printfa(out, "LS<%llu>", (unsigned long long)args->_data.literal_size);
			break;
		case IMAP_ARG_LIST:
			str_append_c(out, '(');
			write_args(out, args->_data.list.args);
			str_append_c(out, ')');
			break;
		case IMAP_ARG_EOL:
			break;
		}
	}
}

/* Runs every command of input through line_reader + parser, reading chunk
   bytes at a time. Literals of stream_over bytes or more are streamed (and
   skipped). Returns one line per command: args, "+" for each sync literal
   continuation, or "ERR:<msg>". */
static const char *run(const char *input, size_t size, size_t chunk, uint64_t stream_over)
{
	struct line_reader_settings lset = { .max_line_length = 200 };
	struct imap_parser_settings pset = { .max_literal_size = 100, .max_args_size = 1000 };
	struct feed feed = { input, size, 0, chunk };
	struct line_reader *reader = line_reader_create(&lset, feed_read, &feed);
	struct imap_parser *parser = imap_parser_create(&pset);
	string_t *out = str_new(test_pool, 256), *cmd = str_new(test_pool, 128);
	uint64_t literal_left = 0, skip_left = 0;
	bool in_literal = false, eof = false;
	const char *line;
	size_t len;

	while (!eof) {
		if (skip_left > 0 || in_literal) {
			const unsigned char *data;
			size_t n = line_reader_read_data(reader, skip_left > 0 ? skip_left :
							 literal_left, &data);
			if (n == 0) {
				eof = line_reader_fill(reader) < 0;
				continue;
			}
			if (skip_left > 0) {
				skip_left -= n;
				continue;
			}
			enum imap_parse_result lret = imap_parser_feed_literal(parser, data, n);
			literal_left = imap_parser_literal_left(parser);
			in_literal = lret == IMAP_PARSE_LITERAL;
			if (lret == IMAP_PARSE_ERROR) {
				str_printfa(out, "ERR:%s%s\n", imap_parser_get_error(parser),
					    imap_parser_is_fatal(parser) ? " (fatal)" : "");
				break;
			}
			continue;
		}
		enum line_reader_result lr = line_reader_next_line(reader, &line, &len);
		if (lr == LINE_READER_MORE) {
			eof = line_reader_fill(reader) < 0;
			continue;
		}
		if (lr == LINE_READER_TOO_LONG) {
			str_append(out, "TOOLONG\n");
			break;
		}
		enum imap_parse_result ret = imap_parser_feed_line(parser, line, len);
		if (ret == IMAP_PARSE_LITERAL) {
			uint64_t lsize = imap_parser_literal_size(parser);
			if (imap_parser_literal_is_sync(parser))
				str_append(out, "+\n");
			if (lsize >= stream_over) {
				imap_parser_stream_literal(parser);
				skip_left = lsize;
			} else if (lsize == 0) {
				(void)imap_parser_feed_literal(parser, "", 0);
			} else {
				in_literal = true;
				literal_left = lsize;
			}
			continue;
		}
		if (ret == IMAP_PARSE_ERROR) {
			str_printfa(out, "ERR:%s%s\n", imap_parser_get_error(parser),
				    imap_parser_is_fatal(parser) ? " (fatal)" : "");
			if (imap_parser_is_fatal(parser))
				break;
		} else {
			str_truncate(cmd, 0);
			write_args(cmd, imap_parser_get_args(parser));
			str_append_str(out, cmd);
			str_append_c(out, '\n');
		}
		imap_parser_reset(parser);
	}
	imap_parser_destroy(&parser);
	line_reader_destroy(&reader);
	pool_temp_clear();
	return str_c(out);
}

static void check_all_chunks(const char *input, size_t size, uint64_t stream_over,
			     const char *expected)
{
	for (size_t chunk = 1; chunk <= size + 1; chunk++)
		test_assert_strcmp(run(input, size, chunk, stream_over), expected);
}
#define CHECK(input, expected) check_all_chunks(input, sizeof(input) - 1, 50, expected)

static void test_imap_parser_basic(void)
{
	test_begin("imap parser: atoms, strings, lists, NIL");
	CHECK("a1 CAPABILITY\r\n", "A<a1> A<CAPABILITY>\n");
	CHECK("a2 LOGIN \"john@example.com\" \"p\\\"w\\\\d\"\r\n",
	      "A<a2> A<LOGIN> S<john@example.com> S<p\"w\\d>\n");
	CHECK("a3 STORE 1:* +FLAGS.SILENT (\\Seen $Junk)\r\n",
	      "A<a3> A<STORE> A<1:*> A<+FLAGS.SILENT> (A<\\Seen> A<$Junk>)\n");
	CHECK("a4 FETCH 1 (BODY.PEEK[HEADER.FIELDS (From To)]<0.100> UID)\n",
	      "A<a4> A<FETCH> A<1> (A<BODY.PEEK[HEADER.FIELDS (From To)]<0.100>> A<UID>)\n");
	CHECK("a5 X nil NIL (()) \"\"\r\n", "A<a5> A<X> NIL NIL (()) S<>\n");
	CHECK("a6 LIST \"\" *\r\na7 LIST \"\" %\r\n",
	      "A<a6> A<LIST> S<> A<*>\nA<a7> A<LIST> S<> A<%>\n");
	CHECK("a8 SELECT \xe6\x97\xa5\xe6\x9c\xac\r\n", "A<a8> A<SELECT> A<\xe6\x97\xa5\xe6\x9c\xac>\n");
	test_end();
}

static void test_imap_parser_literals(void)
{
	test_begin("imap parser: literals");
	CHECK("a1 LOGIN {4}\r\nuser {4+}\r\npa\0s\r\n",
	      "+\nA<a1> A<LOGIN> L<4:user> L<4:pa\0s>\n");
	CHECK("a2 X ({3}\r\nabc x)\r\n", "+\nA<a2> A<X> (L<3:abc> A<x>)\n");
	CHECK("a3 X {0}\r\n\r\n", "+\nA<a3> A<X> L<0:>\n");
	CHECK("a4 APPEND INBOX ~{2+}\r\n\r\n\r\n", "A<a4> A<APPEND> A<INBOX> L8<2:\r\n>\n");
	/* a big literal is streamed by the caller: only its size is an arg */
	CHECK("a5 APPEND INBOX (\\Seen) {60+}\r\n"
	      "012345678901234567890123456789012345678901234567890123456789\r\n"
	      "a6 NOOP\r\n",
	      "A<a5> A<APPEND> A<INBOX> (A<\\Seen>) LS<60>\nA<a6> A<NOOP>\n");
	test_end();
}

static void test_imap_parser_errors(void)
{
	test_begin("imap parser: malformed input");
	CHECK("a1 X \"unterminated\r\na2 NOOP\r\n", "ERR:Missing '\"'\nA<a2> A<NOOP>\n");
	CHECK("a1 X (a b\r\n", "ERR:Missing ')'\n");
	CHECK("a1 X a)\r\n", "ERR:Unexpected ')'\n");
	CHECK("a1 X \"a\"b\r\n", "ERR:Missing space between arguments\n");
	CHECK("a1 X a\x01\r\n", "ERR:Invalid characters in atom\n");
	CHECK("a1 X \"a\\x\"\r\n", "ERR:Invalid escape in quoted string\n");
	CHECK("a1 X {abc}\r\n", "ERR:Invalid literal size\n");
	CHECK("a1 X {3} y\r\n", "ERR:Literal must be at the end of the line\n");
	CHECK("a1 X BODY[1\r\n", "ERR:Missing ']'\n");
	/* over the literal limit: a sync literal can be refused and the
	   session goes on; a non-sync one is coming anyway, so it is fatal */
	CHECK("a1 X {101}\r\na2 NOOP\r\n", "ERR:Literal too large\nA<a2> A<NOOP>\n");
	CHECK("a1 X {101+}\r\n", "ERR:Literal too large (fatal)\n");
	CHECK("a1 X {99999999999999999999999}\r\n", "ERR:Literal size too large\n");
	/* deep nesting */
	string_t *deep = str_new(test_pool, 200);
	str_append(deep, "a1 X ");
	for (int i = 0; i < 40; i++)
		str_append_c(deep, '(');
	str_append(deep, "\r\n");
	test_assert_strcmp(run(str_c(deep), str_len(deep), 7, 50),
			   "ERR:Too deeply nested lists\n");
	/* too many bytes in literals together */
	string_t *many = str_new(test_pool, 2000);
	str_append(many, "a1 X");
	for (int i = 0; i < 12; i++)
		str_append(many, " {99}\r\n"
			   "012345678901234567890123456789012345678901234567890123456789"
			   "012345678901234567890123456789012345678");
	str_append(many, "\r\n");
	const char *res = run(str_c(many), str_len(many), 64, 1000);
	test_assert(strstr(res, "ERR:Too long argument (fatal)") != NULL);
	test_end();
}

static void test_imap_seqset(void)
{
	ARRAY_TYPE(imap_seq_range) set;
	const char *error;
	bool saved;
	string_t *str = str_new(test_pool, 64);

	test_begin("imap sequence sets");
	p_array_init(&set, test_pool, 4);
	test_assert(imap_seq_set_parse("1:3,5,9:*,7:6", &set, &saved, &error) == 0 && !saved);
	test_assert(array_count(&set) == 4);
	test_assert(imap_seq_set_contains(&set, 2, 20));
	test_assert(imap_seq_set_contains(&set, 6, 20));
	test_assert(!imap_seq_set_contains(&set, 4, 20));
	test_assert(imap_seq_set_contains(&set, 20, 20));
	imap_seq_set_write(str, &set);
	test_assert_strcmp(str_c(str), "1:3,5:7,9:*");
	array_clear(&set);
	test_assert(imap_seq_set_parse("$", &set, &saved, &error) == 0 && saved);
	static const char *const bad[] = {
		"", "0", "01", "1:", ":1", "1,,2", "1,", "a", "1:2:3", "4294967295", "$,1", "1 ",
		"99999999999999999999",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++)
		test_assert_idx(imap_seq_set_parse(bad[i], &set, &saved, &error) < 0, i);
	test_assert(imap_seq_set_parse("4294967294", &set, &saved, &error) == 0);
	test_end();
}

static void test_imap_quote(void)
{
	string_t *str = str_new(test_pool, 64);

	test_begin("imap quoting");
	imap_append_astring(str, "INBOX");
	str_append_c(str, ' ');
	imap_append_astring(str, "My Folder");
	str_append_c(str, ' ');
	imap_append_astring(str, "NIL");
	str_append_c(str, ' ');
	imap_append_nstring(str, NULL);
	str_append_c(str, ' ');
	imap_append_string(str, "a\"b\\c");
	str_append_c(str, ' ');
	imap_append_string(str, "line1\r\nline2");
	test_assert_strcmp(str_c(str), "INBOX \"My Folder\" \"NIL\" NIL \"a\\\"b\\\\c\" "
				       "{12}\r\nline1\r\nline2");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_imap_parser_basic, test_imap_parser_literals, test_imap_parser_errors,
		test_imap_seqset, test_imap_quote, NULL,
	};
	return test_run(tests);
}

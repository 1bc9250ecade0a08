/* The argument parser the imap unit tests share (test-imap-args.h). */

#include "lib.h"
#include "imap-parser.h"
#include "test-imap-args.h"

static struct imap_parser *parser;

const struct imap_arg *test_parse_imap_args(const char *line)
{
	struct imap_parser_settings set = {
	    .max_literal_size = 1024,
	    .max_args_size = 65536,
	    .max_list_depth = 100,
	    .max_args = 10000,
	};

	test_imap_args_deinit();
	parser = imap_parser_create(&set);
	if (imap_parser_feed_line(parser, line, strlen(line)) != IMAP_PARSE_DONE)
		return NULL;
	return imap_parser_get_args(parser);
}

void test_imap_args_deinit(void)
{
	if (parser != NULL)
		imap_parser_destroy(&parser);
}

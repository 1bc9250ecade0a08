#include "test-common.h"
#include "imap-parser.h"
#include "imap-sort-args.h"

static struct imap_parser *parser;

static const struct imap_arg *parse(const char *line)
{
	struct imap_parser_settings set = {
	    .max_literal_size = 1024, .max_args_size = 65536, .max_list_depth = 100,
	    .max_args = 10000,
	};

	if (parser != NULL)
		imap_parser_destroy(&parser);
	parser = imap_parser_create(&set);
	static const struct imap_arg eol = { .type = IMAP_ARG_EOL };
	const struct imap_arg *args = NULL;

	if (imap_parser_feed_line(parser, line, strlen(line)) == IMAP_PARSE_DONE)
		args = imap_parser_get_args(parser);
	/* a command without arguments gets just the end of the list */
	return args == NULL ? &eol : args;
}

/* The program as "REVERSE DATE SUBJECT", or the error. */
static const char *sort_parse(const char *line, const char **charset_r, unsigned int *rest_r)
{
	struct imap_sort_program program;
	const struct imap_arg *args = parse(line), *search;
	const char *error;
	string_t *str = str_new(test_pool, 64);

	*charset_r = NULL;
	*rest_r = 0;
	if (imap_sort_args_parse(args, &program, charset_r, &search, &error) < 0)
		return p_strconcat(test_pool, "ERR ", error, NULL);
	for (unsigned int i = 0; i < program.count; i++) {
		if (i > 0)
			str_append_c(str, ' ');
		if (program.criteria[i].reverse)
			str_append(str, "REVERSE ");
		str_append(str, imap_sort_key_name(program.criteria[i].key));
	}
	for (; !imap_arg_is_eol(search); search++)
		(*rest_r)++;
	return str_c(str);
}

static void test_sort_args(void)
{
	static const struct {
		const char *line, *result, *charset;
		unsigned int rest;
	} tests[] = {
		{ "(DATE) UTF-8 ALL", "DATE", "UTF-8", 1 },
		{ "(reverse date Subject) us-ascii 1:3 UNSEEN", "REVERSE DATE SUBJECT", "us-ascii",
		  2 },
		{ "(ARRIVAL CC DATE FROM SIZE SUBJECT TO DISPLAYFROM DISPLAYTO) \"UTF-8\" ALL",
		  "ARRIVAL CC DATE FROM SIZE SUBJECT TO DISPLAYFROM DISPLAYTO", "UTF-8", 1 },
		/* REVERSE REVERSE cancels out; a repeated key is dropped */
		{ "(REVERSE REVERSE DATE) UTF-8 ALL", "DATE", "UTF-8", 1 },
		{ "(DATE REVERSE DATE SIZE DATE) UTF-8 ALL", "DATE SIZE", "UTF-8", 1 },
		{ "(ARRIVAL \"DATE\") UTF-8 ALL", "ARRIVAL DATE", "UTF-8", 1 },
		/* no search keys: left to the search parser */
		{ "(DATE) UTF-8", "DATE", "UTF-8", 0 },
		{ "", "ERR Invalid sort argument", NULL, 0 },
		{ "DATE UTF-8 ALL", "ERR Invalid sort argument", NULL, 0 },
		{ "() UTF-8 ALL", "ERR Empty sort program", NULL, 0 },
		{ "(FOO) UTF-8 ALL", "ERR Unknown sort argument: FOO", NULL, 0 },
		{ "(REVERSE) UTF-8 ALL", "ERR Sort list ends with REVERSE", NULL, 0 },
		{ "(DATE REVERSE) UTF-8 ALL", "ERR Sort list ends with REVERSE", NULL, 0 },
		{ "(ARRIVAL (DATE)) UTF-8 ALL", "ERR Invalid sort list argument", NULL, 0 },
		{ "(NIL) UTF-8 ALL", "ERR Unknown sort argument: NIL", NULL, 0 },
		{ "(DATE)", "ERR Invalid charset argument", NULL, 0 },
		{ "(DATE) (UTF-8) ALL", "ERR Invalid charset argument", NULL, 0 },
	};

	test_begin("imap_sort_args_parse");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		const char *charset;
		unsigned int rest;
		const char *result = sort_parse(tests[i].line, &charset, &rest);

		test_assert_idx(strcmp(result, tests[i].result) == 0, i);
		if (tests[i].charset != NULL)
			test_assert_idx(charset != NULL && strcmp(charset, tests[i].charset) == 0, i);
		test_assert_idx(rest == tests[i].rest, i);
	}
	test_end();
}

static void test_sort_args_long(void)
{
	string_t *line = str_new(test_pool, 65536);
	const char *charset;
	unsigned int rest;

	test_begin("imap_sort_args_parse long");
	str_append_c(line, '(');
	for (unsigned int i = 0; i < 2000; i++)
		str_append(line, "REVERSE SUBJECT DISPLAYTO ");
	str_append(line, "SIZE) UTF-8 ALL");
	test_assert(strcmp(sort_parse(str_c(line), &charset, &rest),
			   "REVERSE SUBJECT DISPLAYTO SIZE") == 0);
	test_end();
}

static void test_thread_args(void)
{
	static const struct {
		const char *line;
		int alg; /* -1: error */
		const char *error;
	} tests[] = {
		{ "REFERENCES UTF-8 ALL", IMAP_THREAD_REFERENCES, NULL },
		{ "refs us-ascii ALL", IMAP_THREAD_REFS, NULL },
		{ "OrderedSubject UTF-8 1:*", IMAP_THREAD_ORDEREDSUBJECT, NULL },
		{ "\"REFERENCES\" UTF-8 ALL", IMAP_THREAD_REFERENCES, NULL },
		{ "REFERENCES UTF-8", IMAP_THREAD_REFERENCES, NULL },
		{ "FOO UTF-8 ALL", -1, "Unknown thread algorithm" },
		{ "REFERENCES", -1, "Invalid arguments" },
		{ "", -1, "Invalid arguments" },
		{ "(REFERENCES) UTF-8 ALL", -1, "Invalid arguments" },
		{ "REFERENCES (UTF-8) ALL", -1, "Invalid arguments" },
		{ "NIL UTF-8 ALL", -1, "Unknown thread algorithm" },
	};

	test_begin("imap_thread_args_parse");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		enum imap_thread_algorithm alg;
		const struct imap_arg *search;
		const char *charset, *error;
		int ret = imap_thread_args_parse(parse(tests[i].line), &alg, &charset, &search,
						 &error);

		if (tests[i].alg < 0) {
			test_assert_idx(ret < 0 && strcmp(error, tests[i].error) == 0, i);
		} else {
			test_assert_idx(ret == 0 && (int)alg == tests[i].alg, i);
		}
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_sort_args,
		test_sort_args_long,
		test_thread_args,
		NULL,
	};
	int ret = test_run(tests);

	if (parser != NULL)
		imap_parser_destroy(&parser);
	return ret;
}

/* The pre-login IMAP command reader, fed whole and split at every byte. */
#include "test-common.h"
#include "line-reader.h"
#include "imap-login-cmd.h"

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

static void append_arg(string_t *out, const struct imap_arg *arg)
{
	const char *str;
	const struct imap_arg *list;
	unsigned int count;

	if (imap_arg_get_list(arg, &list, &count)) {
		str_append_c(out, '(');
		for (unsigned int i = 0; !imap_arg_is_eol(&list[i]); i++) {
			if (i > 0)
				str_append_c(out, ' ');
			append_arg(out, &list[i]);
		}
		str_append_c(out, ')');
	} else if (arg->type == IMAP_ARG_NIL) {
		str_append(out, "NIL");
	} else if (imap_arg_get_astring(arg, &str)) {
		str_printfa(out, "[%s]", str);
	}
}

/* Runs the whole input through the reader; the transcript has one entry per
   event: "C tag name [arg]..." for commands, "+" for continuation
   requests, "E tag error" / "F tag error" for errors (F: fatal). */
static const char *run(const char *input, size_t chunk)
{
	struct line_reader_settings set = { .max_line_length = 200 };
	struct feed feed = { input, strlen(input), 0, chunk };
	struct line_reader *reader = line_reader_create(&set, feed_read, &feed);
	struct imap_login_cmd_reader *cmd_reader = imap_login_cmd_reader_create();
	string_t *out = str_new(test_pool, 256);
	struct imap_login_cmd cmd;
	const char *error;
	bool fatal, eof = false;

	for (;;) {
		enum imap_login_read_result ret =
			imap_login_cmd_read(cmd_reader, reader, &cmd, &error, &fatal);

		if (ret == IMAP_LOGIN_READ_MORE) {
			if (eof)
				break;
			if (line_reader_fill(reader) < 0)
				eof = true;
			continue;
		}
		if (ret == IMAP_LOGIN_READ_CONTINUE) {
			str_append(out, "+|");
			continue;
		}
		if (ret == IMAP_LOGIN_READ_ERROR) {
			str_printfa(out, "%c %s %s|", fatal ? 'F' : 'E',
				    imap_login_cmd_get_tag(cmd_reader), error);
			if (fatal)
				break;
			continue;
		}
		str_printfa(out, "C %s %s", cmd.tag, cmd.name);
		for (unsigned int i = 0; !imap_arg_is_eol(&cmd.args[i]); i++) {
			str_append_c(out, ' ');
			append_arg(out, &cmd.args[i]);
		}
		str_append_c(out, '|');
	}
	imap_login_cmd_reader_destroy(&cmd_reader);
	line_reader_destroy(&reader);
	return str_c(out);
}

static const struct {
	const char *input;
	const char *output;
} tests[] = {
	{ "a1 CAPABILITY\r\n", "C a1 CAPABILITY|" },
	{ "a2 LOGIN john secret\r\na3 logout\r\n",
	  "C a2 LOGIN [john] [secret]|C a3 logout|" },
	{ "a2 LOGIN \"john@example.com\" \"se cr\\\"et\"\r\n",
	  "C a2 LOGIN [john@example.com] [se cr\"et]|" },
	/* synchronizing literals ask for "+ OK" */
	{ "a2 LOGIN {4}\r\njohn {6}\r\nsecret\r\n", "+|+|C a2 LOGIN [john] [secret]|" },
	/* LITERAL+ does not */
	{ "a2 LOGIN {4+}\r\njohn {6+}\r\nsec\r\nt\r\n", "C a2 LOGIN [john] [sec\r\nt]|" },
	{ "a2 LOGIN {0}\r\n {0+}\r\n\r\n", "+|C a2 LOGIN [] []|" },
	{ "a1 AUTHENTICATE PLAIN AGpvaG4Ac2VjcmV0\r\n",
	  "C a1 AUTHENTICATE [PLAIN] [AGpvaG4Ac2VjcmV0]|" },
	{ "a1 ID (\"name\" \"x\" \"version\" NIL)\r\n", "C a1 ID ([name] [x] [version] NIL)|" },
	/* empty lines are skipped */
	{ "\r\n\r\na1 NOOP\r\n", "C a1 NOOP|" },
	/* malformed */
	{ "a1\r\n", "E a1 Missing command.|" },
	{ "+ NOOP\r\na2 NOOP\r\n", "E * Invalid tag.|C a2 NOOP|" },
	{ "* NOOP\r\n", "E * Invalid tag.|" },
	{ "(a) NOOP\r\n", "E * Invalid tag.|" },
	{ "a1 LOGIN \"unterminated\r\na2 NOOP\r\n", NULL },
	{ "a1 LOGIN {99999}\r\n", NULL },
	{ "a1 NO\001OP\r\n", NULL },
	/* over-long line: fatal */
	{ "a1 LOGIN xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx y\r\na2 NOOP\r\n",
	  "F * Too long command line.|" },
};

static void test_imap_login_cmd(void)
{
	test_begin("imap-login command reader");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		const char *whole = run(tests[i].input, 65536);

		if (tests[i].output != NULL) {
			test_assert_strcmp(whole, tests[i].output);
		} else {
			/* an error, whatever its text, and never a command */
			test_assert_idx(whole[0] == 'E' || whole[0] == 'F', i);
		}
		/* the same transcript whatever the chunking */
		for (size_t chunk = 1; chunk < 8; chunk++)
			test_assert_strcmp(run(tests[i].input, chunk), whole);
		pool_temp_clear();
	}
	test_end();
}

static void test_imap_login_cmd_split(void)
{
	/* one buffer split in two at every byte position */
	static const char input[] =
		"a1 CAPABILITY\r\na2 LOGIN {4}\r\njohn \"pa ss\"\r\na3 ID NIL\r\nx\r\n";
	const char *expected = run(input, 65536);

	test_begin("imap-login command reader: split at every byte");
	test_assert_strcmp(expected, "C a1 CAPABILITY|+|C a2 LOGIN [john] [pa ss]|C a3 ID NIL|"
				     "E x Missing command.|");
	for (size_t i = 1; i < sizeof(input) - 1; i++) {
		struct line_reader_settings set = { .max_line_length = 200 };
		struct imap_login_cmd_reader *cmd_reader = imap_login_cmd_reader_create();
		string_t *out = str_new(test_pool, 256);
		/* first i bytes, then the rest, through a read function that
		   returns EAGAIN in between */
		struct feed feed = { input, i, 0, 65536 };
		struct line_reader *reader = line_reader_create(&set, feed_read, &feed);
		struct imap_login_cmd cmd;
		const char *error;
		bool fatal, second = false;

		for (;;) {
			enum imap_login_read_result ret =
				imap_login_cmd_read(cmd_reader, reader, &cmd, &error, &fatal);

			if (ret == IMAP_LOGIN_READ_MORE) {
				if (feed.pos == feed.size) {
					if (second)
						break;
					feed.size = sizeof(input) - 1;
					second = true;
				}
				(void)line_reader_fill(reader);
				continue;
			}
			if (ret == IMAP_LOGIN_READ_CONTINUE)
				str_append(out, "+|");
			else if (ret == IMAP_LOGIN_READ_ERROR)
				str_printfa(out, "E %s %s|", imap_login_cmd_get_tag(cmd_reader),
					    error);
			else {
				str_printfa(out, "C %s %s", cmd.tag, cmd.name);
				for (unsigned int j = 0; !imap_arg_is_eol(&cmd.args[j]); j++) {
					str_append_c(out, ' ');
					append_arg(out, &cmd.args[j]);
				}
				str_append_c(out, '|');
			}
		}
		test_assert_idx(strcmp(str_c(out), expected) == 0, i);
		imap_login_cmd_reader_destroy(&cmd_reader);
		line_reader_destroy(&reader);
		pool_temp_clear();
	}
	test_end();
}

static void test_imap_login_tag(void)
{
	test_begin("imap-login tags");
	test_assert(imap_login_tag_is_valid("a1"));
	test_assert(imap_login_tag_is_valid("A.001"));
	test_assert(!imap_login_tag_is_valid(""));
	test_assert(!imap_login_tag_is_valid("a+"));
	test_assert(!imap_login_tag_is_valid("a b"));
	test_assert(!imap_login_tag_is_valid("*"));
	test_assert(!imap_login_tag_is_valid("a\"b"));
	test_end();
}

int main(void)
{
	static void (*const test_list[])(void) = {
		test_imap_login_cmd,
		test_imap_login_cmd_split,
		test_imap_login_tag,
		NULL
	};

	return test_run(test_list);
}

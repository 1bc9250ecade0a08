/* Pre-login IMAP command reader (imap-login-cmd.h). */
#include "lib.h"
#include "imap-parser.h"
#include "imap-login-cmd.h"

struct imap_login_cmd_reader {
	struct imap_parser *parser;
	char tag[64];
	bool in_command; /* a line of the current command was fed */
	bool literal_pending; /* feed literal data next */
	bool skip_line; /* after an over-long line: drop up to the next LF */
};

bool imap_login_tag_is_valid(const char *tag)
{
	if (*tag == '\0')
		return false;
	for (; *tag != '\0'; tag++) {
		unsigned char c = (unsigned char)*tag;

		/* ATOM-CHAR minus '+' (RFC 3501 tag) */
		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\+", c) != NULL)
			return false;
	}
	return true;
}

struct imap_login_cmd_reader *imap_login_cmd_reader_create(void)
{
	struct imap_parser_settings set = {
		.max_literal_size = IMAP_LOGIN_MAX_LITERAL_SIZE,
		.max_args_size = IMAP_LOGIN_MAX_ARGS_SIZE,
		.max_list_depth = 4,
		.max_args = IMAP_LOGIN_MAX_ARGS,
	};
	struct imap_login_cmd_reader *reader = i_new(struct imap_login_cmd_reader, 1);

	reader->parser = imap_parser_create(&set);
	strcpy(reader->tag, "*");
	return reader;
}

void imap_login_cmd_reader_destroy(struct imap_login_cmd_reader **_reader)
{
	struct imap_login_cmd_reader *reader = *_reader;

	*_reader = NULL;
	imap_parser_destroy(&reader->parser);
	i_free(reader);
}

const char *imap_login_cmd_get_tag(const struct imap_login_cmd_reader *reader)
{
	return reader->tag;
}

static void remember_tag(struct imap_login_cmd_reader *reader, const char *line)
{
	const char *sp = strchr(line, ' ');
	size_t len = sp == NULL ? strlen(line) : (size_t)(sp - line);
	char *tag = t_strndup(line, len);

	if (len < sizeof(reader->tag) && imap_login_tag_is_valid(tag))
		strcpy(reader->tag, tag);
	else
		strcpy(reader->tag, "*");
}

static void reader_reset(struct imap_login_cmd_reader *reader)
{
	imap_parser_reset(reader->parser);
	reader->in_command = false;
	reader->literal_pending = false;
}

static enum imap_login_read_result
reader_error(struct imap_login_cmd_reader *reader, const char *error, bool fatal,
	     const char **error_r, bool *fatal_r)
{
	*error_r = error;
	*fatal_r = fatal;
	reader_reset(reader);
	return IMAP_LOGIN_READ_ERROR;
}

static enum imap_login_read_result
reader_done(struct imap_login_cmd_reader *reader, struct imap_login_cmd *cmd_r,
	    const char **error_r, bool *fatal_r)
{
	const struct imap_arg *args = imap_parser_get_args(reader->parser);
	const char *tag, *name;

	if (!imap_arg_get_atom(&args[0], &tag) || !imap_login_tag_is_valid(tag)) {
		strcpy(reader->tag, "*");
		return reader_error(reader, "Invalid tag.", false, error_r, fatal_r);
	}
	if (strlen(tag) >= sizeof(reader->tag))
		return reader_error(reader, "Tag too long.", false, error_r, fatal_r);
	strcpy(reader->tag, tag);
	if (!imap_arg_get_atom(&args[1], &name))
		return reader_error(reader, "Missing command.", false, error_r, fatal_r);
	cmd_r->tag = reader->tag;
	cmd_r->name = t_strdup(name);
	cmd_r->args = &args[2];
	reader->in_command = false;
	return IMAP_LOGIN_READ_COMMAND;
}

enum imap_login_read_result imap_login_cmd_read(struct imap_login_cmd_reader *reader,
						struct line_reader *input,
						struct imap_login_cmd *cmd_r, const char **error_r,
						bool *fatal_r)
{
	enum imap_parse_result ret;
	const char *line;
	size_t len;

	*fatal_r = false;
	if (!reader->in_command && !reader->literal_pending) {
		/* the previous command's arguments are no longer needed */
		imap_parser_reset(reader->parser);
	}
	for (;;) {
		if (reader->literal_pending) {
			const unsigned char *data;
			uint64_t left = imap_parser_literal_left(reader->parser);
			size_t n = left == 0 ? 0 :
				   line_reader_read_data(input, (size_t)MIN(left, 65536), &data);

			if (n == 0 && left > 0)
				return IMAP_LOGIN_READ_MORE;
			ret = imap_parser_feed_literal(reader->parser,
						       n == 0 ? "" : (const void *)data, n);
			if (ret == IMAP_PARSE_ERROR) {
				return reader_error(reader, imap_parser_get_error(reader->parser),
						    true, error_r, fatal_r);
			}
			if (ret == IMAP_PARSE_LITERAL)
				continue;
			/* the literal is complete: the command goes on on the next line */
			reader->literal_pending = false;
		}
		switch (line_reader_next_line(input, &line, &len)) {
		case LINE_READER_MORE:
			return IMAP_LOGIN_READ_MORE;
		case LINE_READER_TOO_LONG:
			/* the rest of the line may hold anything: stop here */
			return reader_error(reader, "Too long command line.", true, error_r,
					    fatal_r);
		case LINE_READER_LINE:
			break;
		}
		if (!reader->in_command)
			remember_tag(reader, line);
		if (memchr(line, '\0', len) != NULL)
			return reader_error(reader, "NUL in command line.", false, error_r,
					    fatal_r);
		if (!reader->in_command && len == 0) {
			/* empty lines are ignored, as Dovecot does */
			continue;
		}
		reader->in_command = true;
		ret = imap_parser_feed_line(reader->parser, line, len);
		switch (ret) {
		case IMAP_PARSE_ERROR:
			return reader_error(reader, imap_parser_get_error(reader->parser),
					    imap_parser_is_fatal(reader->parser), error_r, fatal_r);
		case IMAP_PARSE_DONE:
			return reader_done(reader, cmd_r, error_r, fatal_r);
		case IMAP_PARSE_LITERAL:
			reader->literal_pending = true;
			if (imap_parser_literal_is_sync(reader->parser))
				return IMAP_LOGIN_READ_CONTINUE;
			break;
		}
	}
}

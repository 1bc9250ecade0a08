/* IMAP argument parser: lines and literal data in, an argument tree out.
   Lists are built on a stack of growable arrays and frozen into pool
   memory when they close, so no pointer moves after the command is done. */
#include "lib.h"
#include "imap-parser.h"

#include <ctype.h>

ARRAY_DEFINE_TYPE(imap_arg, struct imap_arg);

enum parser_state {
	STATE_LINE,    /* expecting (more of) a command line */
	STATE_LITERAL, /* expecting literal data */
	STATE_DONE,
	STATE_ERROR,
};

struct imap_parser {
	struct imap_parser_settings set;
	pool_t pool;
	enum parser_state state;

	/* lists being built: level 0 is the top */
	ARRAY(ARRAY_TYPE(imap_arg)) levels;
	unsigned int depth;
	unsigned int arg_count;
	size_t args_size;

	uint64_t literal_size, literal_pos;
	bool literal_sync, literal8;
	char *literal_data;
	/* after a literal the next line continues the same command */
	bool need_space;

	struct imap_arg *result;
	const char *error;
	bool fatal;
};

struct imap_parser *imap_parser_create(const struct imap_parser_settings *set)
{
	struct imap_parser *parser = i_new(struct imap_parser, 1);

	parser->set = *set;
	if (parser->set.max_list_depth == 0)
		parser->set.max_list_depth = 32;
	if (parser->set.max_args == 0)
		parser->set.max_args = 100000;
	if (parser->set.max_args_size == 0)
		parser->set.max_args_size = 1024 * 1024;
	parser->pool = pool_alloconly_create("imap parser", 2048);
	imap_parser_reset(parser);
	return parser;
}

void imap_parser_destroy(struct imap_parser **_parser)
{
	struct imap_parser *parser = *_parser;

	if (parser == NULL)
		return;
	*_parser = NULL;
	pool_unref(&parser->pool);
	i_free(parser);
}

void imap_parser_reset(struct imap_parser *parser)
{
	pool_clear(parser->pool);
	parser->state = STATE_LINE;
	p_array_init(&parser->levels, parser->pool, 4);
	ARRAY_TYPE(imap_arg) *top = array_append_space(&parser->levels);

	p_array_init(top, parser->pool, 8);
	parser->depth = 0;
	parser->arg_count = 0;
	parser->args_size = 0;
	parser->literal_size = parser->literal_pos = 0;
	parser->literal_data = NULL;
	parser->need_space = false;
	parser->result = NULL;
	parser->error = NULL;
	parser->fatal = false;
}

static enum imap_parse_result parse_error(struct imap_parser *parser, const char *error,
					  bool fatal)
{
	parser->state = STATE_ERROR;
	parser->error = error;
	parser->fatal = fatal;
	return IMAP_PARSE_ERROR;
}

static ARRAY_TYPE(imap_arg) *cur_level(struct imap_parser *parser)
{
	return array_idx(&parser->levels, parser->depth);
}

static struct imap_arg *add_arg(struct imap_parser *parser, enum imap_arg_type type)
{
	struct imap_arg *arg;

	if (++parser->arg_count > parser->set.max_args)
		return NULL;
	arg = array_append_space(cur_level(parser));
	arg->type = type;
	return arg;
}

static bool add_string(struct imap_parser *parser, enum imap_arg_type type, const char *data,
		       size_t len)
{
	struct imap_arg *arg;
	char *copy;

	parser->args_size += len;
	if (parser->args_size > parser->set.max_args_size)
		return false;
	arg = add_arg(parser, type);
	if (arg == NULL)
		return false;
	copy = p_malloc(parser->pool, len + 1);
	memcpy(copy, data, len);
	arg->_data.s.str = copy;
	arg->_data.s.len = len;
	return true;
}

/* Freezes the list at the current depth into pool memory with an EOL. */
static struct imap_arg *freeze_level(struct imap_parser *parser, unsigned int *count_r)
{
	ARRAY_TYPE(imap_arg) *level = cur_level(parser);
	unsigned int count = array_count(level);
	struct imap_arg *args = p_new(parser->pool, struct imap_arg, count + 1);

	if (count > 0)
		memcpy(args, array_front(level), sizeof(*args) * count);
	args[count].type = IMAP_ARG_EOL;
	array_clear(level);
	*count_r = count;
	return args;
}

static void set_parents(struct imap_arg *args, struct imap_arg *parent)
{
	for (; args->type != IMAP_ARG_EOL; args++) {
		args->parent = parent;
		if (args->type == IMAP_ARG_LIST)
			set_parents(args->_data.list.args, args);
	}
}

static enum imap_parse_result list_open(struct imap_parser *parser)
{
	if (parser->depth + 1 >= parser->set.max_list_depth)
		return parse_error(parser, "Too deeply nested lists", false);
	/* the LIST arg is created when the list closes */
	parser->depth++;
	if (array_count(&parser->levels) <= parser->depth) {
		ARRAY_TYPE(imap_arg) *level = array_append_space(&parser->levels);

		p_array_init(level, parser->pool, 8);
	}
	return IMAP_PARSE_DONE;
}

static enum imap_parse_result list_close(struct imap_parser *parser)
{
	struct imap_arg *args, *arg;
	unsigned int count;

	if (parser->depth == 0)
		return parse_error(parser, "Unexpected ')'", false);
	args = freeze_level(parser, &count);
	parser->depth--;
	arg = add_arg(parser, IMAP_ARG_LIST);
	if (arg == NULL)
		return parse_error(parser, "Too many arguments", false);
	arg->_data.list.args = args;
	arg->_data.list.count = count;
	return IMAP_PARSE_DONE;
}

static bool is_atom_char(unsigned char c)
{
	return c >= 0x20 && c != 0x7f && c != '(' && c != ')' && c != '{' && c != '"' &&
	       c != ' ';
}

/* Parses an atom at line[*pos]; '[' ... ']' may contain anything but CTLs. */
static enum imap_parse_result parse_atom(struct imap_parser *parser, const char *line,
					 size_t len, size_t *pos)
{
	size_t start = *pos, i = *pos;
	unsigned int brackets = 0;

	while (i < len) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f)
			return parse_error(parser, "Invalid characters in atom", false);
		if (brackets > 0) {
			if (c == '[')
				brackets++;
			else if (c == ']')
				brackets--;
			i++;
			continue;
		}
		if (c == '[') {
			brackets++;
			i++;
			continue;
		}
		if (!is_atom_char(c))
			break;
		i++;
	}
	if (brackets > 0)
		return parse_error(parser, "Missing ']'", false);
	if (i < len && line[i] != ' ' && line[i] != ')')
		return parse_error(parser, "Invalid characters in atom", false);
	if (i - start == 3 && strncasecmp(line + start, "NIL", 3) == 0) {
		if (!add_string(parser, IMAP_ARG_NIL, line + start, 3))
			return parse_error(parser, "Too many arguments", true);
	} else if (!add_string(parser, IMAP_ARG_ATOM, line + start, i - start)) {
		return parse_error(parser, "Too many arguments", true);
	}
	*pos = i;
	return IMAP_PARSE_DONE;
}

static enum imap_parse_result parse_quoted(struct imap_parser *parser, const char *line,
					   size_t len, size_t *pos)
{
	string_t *str = str_new(pool_temp, 64);
	size_t i = *pos + 1;

	for (; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '"')
			break;
		if (c == '\0' || c == '\r' || c == '\n')
			return parse_error(parser, "Invalid characters in quoted string", false);
		if (c == '\\') {
			if (i + 1 >= len)
				break;
			c = (unsigned char)line[++i];
			if (c != '\\' && c != '"')
				return parse_error(parser, "Invalid escape in quoted string",
						   false);
		}
		str_append_c(str, (char)c);
	}
	if (i >= len)
		return parse_error(parser, "Missing '\"'", false);
	if (!add_string(parser, IMAP_ARG_STRING, str_c(str), str_len(str)))
		return parse_error(parser, "Too long argument", true);
	*pos = i + 1;
	return IMAP_PARSE_DONE;
}

/* "{123}", "{123+}" or "~{123}" at the end of the line. */
static enum imap_parse_result parse_literal_spec(struct imap_parser *parser, const char *line,
						 size_t len, size_t *pos)
{
	size_t i = *pos;
	uint64_t size = 0;
	bool sync = true, lit8 = false, digits = false;

	if (line[i] == '~') {
		lit8 = true;
		i++;
	}
	i++; /* '{' */
	for (; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
		unsigned int d = (unsigned int)(line[i] - '0');

		if (size > (UINT64_MAX - d) / 10)
			return parse_error(parser, "Literal size too large", false);
		size = size * 10 + d;
		digits = true;
	}
	if (i < len && line[i] == '+') {
		sync = false;
		i++;
	}
	if (!digits || i >= len || line[i] != '}')
		return parse_error(parser, "Invalid literal size", false);
	if (i + 1 != len)
		return parse_error(parser, "Literal must be at the end of the line", !sync);
	if (size > parser->set.max_literal_size) {
		/* a non-synchronizing literal's data is coming anyway: we cannot
		   find the next command in it, so the connection must go */
		return parse_error(parser, "Literal too large", !sync);
	}
	parser->literal_size = size;
	parser->literal_pos = 0;
	parser->literal_sync = sync;
	parser->literal8 = lit8;
	parser->literal_data = NULL;
	parser->state = STATE_LITERAL;
	*pos = len;
	return IMAP_PARSE_LITERAL;
}

enum imap_parse_result imap_parser_feed_line(struct imap_parser *parser, const char *line,
					     size_t len)
{
	enum imap_parse_result ret;
	size_t pos = 0;

	if (parser->state != STATE_LINE)
		return parse_error(parser, "Parser state error", true);
	while (pos < len) {
		char c = line[pos];

		if (c == ' ') {
			parser->need_space = false;
			pos++;
			continue;
		}
		if (c == ')') {
			if (list_close(parser) < 0)
				return IMAP_PARSE_ERROR;
			parser->need_space = true;
			pos++;
			continue;
		}
		if (parser->need_space)
			return parse_error(parser, "Missing space between arguments", false);
		if (c == '(') {
			if (list_open(parser) < 0)
				return IMAP_PARSE_ERROR;
			pos++;
			continue;
		}
		if (c == '"')
			ret = parse_quoted(parser, line, len, &pos);
		else if (c == '{' || (c == '~' && pos + 1 < len && line[pos + 1] == '{'))
			return parse_literal_spec(parser, line, len, &pos);
		else
			ret = parse_atom(parser, line, len, &pos);
		if (ret < 0)
			return ret;
		parser->need_space = true;
	}
	if (parser->depth > 0)
		return parse_error(parser, "Missing ')'", false);

	unsigned int count;

	parser->result = freeze_level(parser, &count);
	set_parents(parser->result, NULL);
	parser->state = STATE_DONE;
	return IMAP_PARSE_DONE;
}

static void literal_finish(struct imap_parser *parser, enum imap_arg_type type)
{
	struct imap_arg *arg = add_arg(parser, type);

	if (arg == NULL) {
		(void)parse_error(parser, "Too many arguments", true);
		return;
	}
	arg->literal8 = parser->literal8;
	if (type == IMAP_ARG_LITERAL_SIZE) {
		arg->_data.literal_size = parser->literal_size;
	} else {
		arg->_data.s.str = parser->literal_data;
		arg->_data.s.len = (size_t)parser->literal_size;
	}
	parser->literal_data = NULL;
	parser->state = STATE_LINE;
	parser->need_space = true;
}

enum imap_parse_result imap_parser_feed_literal(struct imap_parser *parser, const void *data,
						size_t size)
{
	if (parser->state != STATE_LITERAL)
		return parse_error(parser, "Parser state error", true);
	if (parser->literal_data == NULL) {
		parser->args_size += (size_t)parser->literal_size;
		if (parser->args_size > parser->set.max_args_size)
			return parse_error(parser, "Too long argument", true);
		parser->literal_data = p_malloc(parser->pool, (size_t)parser->literal_size + 1);
	}
	size_t n = (size_t)MIN((uint64_t)size, parser->literal_size - parser->literal_pos);

	if (n > 0)
		memcpy(parser->literal_data + parser->literal_pos, data, n);
	parser->literal_pos += n;
	if (parser->literal_pos < parser->literal_size)
		return IMAP_PARSE_LITERAL;
	literal_finish(parser, IMAP_ARG_LITERAL);
	return parser->state == STATE_ERROR ? IMAP_PARSE_ERROR : IMAP_PARSE_DONE;
}

uint64_t imap_parser_literal_left(const struct imap_parser *parser)
{
	return parser->state != STATE_LITERAL ? 0 : parser->literal_size - parser->literal_pos;
}

void imap_parser_stream_literal(struct imap_parser *parser)
{
	i_assert(parser->state == STATE_LITERAL && parser->literal_pos == 0);
	literal_finish(parser, IMAP_ARG_LITERAL_SIZE);
}

uint64_t imap_parser_literal_size(const struct imap_parser *parser)
{
	return parser->literal_size;
}

bool imap_parser_literal_is_sync(const struct imap_parser *parser)
{
	return parser->literal_sync;
}

const struct imap_arg *imap_parser_get_args(const struct imap_parser *parser)
{
	i_assert(parser->state == STATE_DONE);
	return parser->result;
}

const char *imap_parser_get_error(const struct imap_parser *parser)
{
	return parser->error;
}

bool imap_parser_is_fatal(const struct imap_parser *parser)
{
	return parser->fatal;
}

/* imap-arg.h helpers */

bool imap_arg_get_atom(const struct imap_arg *arg, const char **str_r)
{
	if (arg->type != IMAP_ARG_ATOM && arg->type != IMAP_ARG_NIL)
		return false;
	*str_r = arg->_data.s.str;
	return true;
}

bool imap_arg_get_astring(const struct imap_arg *arg, const char **str_r)
{
	switch (arg->type) {
	case IMAP_ARG_ATOM:
	case IMAP_ARG_NIL:
	case IMAP_ARG_STRING:
	case IMAP_ARG_LITERAL:
		*str_r = arg->_data.s.str;
		return true;
	default:
		return false;
	}
}

bool imap_arg_get_nstring(const struct imap_arg *arg, const char **str_r)
{
	if (arg->type == IMAP_ARG_NIL) {
		*str_r = NULL;
		return true;
	}
	if (arg->type != IMAP_ARG_STRING && arg->type != IMAP_ARG_LITERAL)
		return false;
	*str_r = arg->_data.s.str;
	return true;
}

bool imap_arg_get_list(const struct imap_arg *arg, const struct imap_arg **args_r,
		       unsigned int *count_r)
{
	if (arg->type != IMAP_ARG_LIST)
		return false;
	*args_r = arg->_data.list.args;
	if (count_r != NULL)
		*count_r = arg->_data.list.count;
	return true;
}

bool imap_arg_atom_equals(const struct imap_arg *arg, const char *str)
{
	return arg->type == IMAP_ARG_ATOM && strcasecmp(arg->_data.s.str, str) == 0;
}

unsigned int imap_args_count(const struct imap_arg *args)
{
	unsigned int n = 0;

	while (args[n].type != IMAP_ARG_EOL)
		n++;
	return n;
}

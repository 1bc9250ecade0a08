/* The push parser of the configuration language (Dovecot 2.3 syntax).

   Bytes arrive in any chunking; a physical line is handled when its '\n'
   arrives (or at config_parser_finish()). Each physical line first loses its
   comment and trailing whitespace; a line then ending in '\' continues on
   the next one. The joined logical line is one of:

     key = value          key = "quoted"     key = <path     key =
     type {               type name {        type "quoted name" {
     }                    !include path      !include_try path

   A bad line is reported with file:line and parsing goes on with the next
   line, so one run reports every syntax error. Sections that cannot be
   opened (bad syntax, nested too deeply) are still counted, so that their
   '}' does not close the wrong section. The parser does no I/O: includes
   and `<path` go to the callbacks. */

#include "lib.h"
#include "settings-private.h"

struct config_parser {
	struct config_tree *tree;
	pool_t pool; /* the tree's */
	const char *file;
	struct config_parser_callbacks callbacks;
	void *context;
	ARRAY_TYPE(settings_error) *errors;
	const struct setting_table *root_table;
	size_t max_line_length;

	/* sections: cur is where nodes go; depth counts the ones this parser
	   opened above base; skip_depth the ones being ignored */
	struct config_node *base, *cur;
	unsigned int base_depth, depth;
	unsigned int skip_depth, skip_line;

	/* the physical line being received */
	buffer_t *line;
	bool line_too_long;
	/* the logical line: physical lines joined by '\' */
	string_t *full_line;
	bool continuing;
	unsigned int full_line_start;

	unsigned int linenum;
	unsigned int error_count;
	bool finished;
};

static void ATTR_FORMAT(3, 4)
config_parser_error(struct config_parser *parser, unsigned int line, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	settings_error_addv(parser->errors, parser->pool, parser->file, line, fmt, args);
	va_end(args);
	parser->error_count++;
}

struct config_tree *config_tree_create(void)
{
	pool_t pool = pool_alloconly_create("config tree", 16384);
	struct config_tree *tree = p_new(pool, struct config_tree, 1);

	tree->pool = pool;
	tree->root = p_new(pool, struct config_node, 1);
	tree->root->type = CONFIG_NODE_SECTION;
	tree->root->key = "";
	return tree;
}

void config_tree_free(struct config_tree **_tree)
{
	struct config_tree *tree = *_tree;
	pool_t pool;

	if (tree == NULL)
		return;
	*_tree = NULL;
	pool = tree->pool;
	pool_unref(&pool);
}

struct config_parser *config_parser_create_section(struct config_tree *tree,
						   struct config_node *section, const char *file,
						   const struct config_parser_callbacks *callbacks,
						   void *context,
						   ARRAY_TYPE(settings_error) *errors)
{
	struct config_parser *parser = i_new(struct config_parser, 1);

	i_assert(section->type == CONFIG_NODE_SECTION);
	i_assert(errors != NULL);
	parser->tree = tree;
	parser->pool = tree->pool;
	parser->file = p_strdup(tree->pool, file);
	if (callbacks != NULL)
		parser->callbacks = *callbacks;
	parser->context = context;
	parser->errors = errors;
	parser->max_line_length = CONFIG_PARSER_DEFAULT_MAX_LINE_LENGTH;
	parser->base = parser->cur = section;
	for (const struct config_node *node = section; node->parent != NULL; node = node->parent)
		parser->base_depth++;
	parser->line = buffer_create_dynamic(pool_system, 256);
	parser->full_line = str_new(pool_system, 256);
	if (!array_is_created(errors))
		p_array_init(errors, tree->pool, 8);
	return parser;
}

struct config_parser *config_parser_create(struct config_tree *tree, const char *file,
					   const struct config_parser_callbacks *callbacks,
					   void *context, ARRAY_TYPE(settings_error) *errors)
{
	return config_parser_create_section(tree, tree->root, file, callbacks, context, errors);
}

void config_parser_destroy(struct config_parser **_parser)
{
	struct config_parser *parser = *_parser;

	if (parser == NULL)
		return;
	*_parser = NULL;
	buffer_free(&parser->line);
	str_free(&parser->full_line);
	i_free(parser);
}

struct config_node *config_parser_get_section(const struct config_parser *parser)
{
	return parser->cur;
}

void config_parser_set_root_table(struct config_parser *parser,
				  const struct setting_table *root_table)
{
	parser->root_table = root_table;
}

void config_parser_set_max_line_length(struct config_parser *parser, size_t max_length)
{
	parser->max_line_length = max_length;
}

static const char *skip_white(const char *p)
{
	while (SETTINGS_IS_WHITE(*p))
		p++;
	return p;
}

/* Index of the quote that closes the one at line[start], or len. A
   backslash escapes the next character. */
static size_t quote_end(const char *line, size_t len, size_t start)
{
	char quote = line[start];
	size_t i;

	for (i = start + 1; i < len && line[i] != quote; i++) {
		if (line[i] == '\\' && i + 1 < len)
			i++;
	}
	return i;
}

/* Length of line without its comment. '#' starts a comment at the start
   of the line or after whitespace, outside quotes. A quote opens a quoted
   string only at the start of a word or right after '=', so that the
   apostrophe in `Roost's ready # hi` does not hide the comment. */
static size_t config_line_uncommented_length(const char *line, size_t len)
{
	bool after_white = true, quote_ok = true;
	size_t i = 0;

	while (i < len) {
		char c = line[i];

		if (SETTINGS_IS_WHITE(c)) {
			after_white = quote_ok = true;
			i++;
			continue;
		}
		if (c == '#' && after_white)
			return i;
		if ((c == '"' || c == '\'') && quote_ok) {
			i = quote_end(line, len, i);
			if (i >= len)
				return len;
		}
		after_white = false;
		quote_ok = c == '=';
		i++;
	}
	return len;
}

/* Parses the quoted string at p (which starts with the quote) into pool.
   Escapes: \n \t \r, and a backslash before any other character keeps
   that character (\\ \" \'), as Dovecot's str_unescape() does. Returns
   NULL when the closing quote is missing, else *end_r points after it. */
static const char *config_parse_quoted(pool_t pool, const char *p, const char **end_r)
{
	size_t len = strlen(p), end = quote_end(p, len, 0), n = 0;
	char *value;

	if (end >= len)
		return NULL;
	value = p_malloc(pool, end);
	for (size_t i = 1; i < end; i++) {
		char c = p[i];

		if (c == '\\') {
			c = p[++i];
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'r')
				c = '\r';
		}
		value[n++] = c;
	}
	value[n] = '\0';
	*end_r = p + end + 1;
	return value;
}

/* A path or name after a directive: quoted, or the rest of the line. */
static const char *config_parse_word_rest(struct config_parser *parser, const char *p,
					  unsigned int line, const char *what)
{
	const char *value, *end;

	if (*p != '"' && *p != '\'')
		return p_strdup(parser->pool, p);
	value = config_parse_quoted(parser->pool, p, &end);
	if (value == NULL) {
		config_parser_error(parser, line, "unterminated quoted string in %s", what);
		return NULL;
	}
	if (*skip_white(end) != '\0') {
		config_parser_error(parser, line, "unexpected text after the quoted %s", what);
		return NULL;
	}
	return value;
}

static struct config_node *config_parser_add_node(struct config_parser *parser,
						  enum config_node_type type, const char *key,
						  unsigned int line)
{
	struct config_node *node = p_new(parser->pool, struct config_node, 1);
	struct config_node *parent = parser->cur;

	node->type = type;
	node->key = p_strdup(parser->pool, key);
	node->file = parser->file;
	node->line = line;
	node->parent = parent;
	if (parent->children_tail == NULL)
		parent->children = node;
	else
		parent->children_tail->next = node;
	parent->children_tail = node;
	return node;
}

static void config_parser_skip_sections(struct config_parser *parser, int count,
					unsigned int line)
{
	if (count <= 0)
		return;
	if (parser->skip_depth == 0)
		parser->skip_line = line;
	parser->skip_depth += (unsigned int)count;
}

/* '{' minus '}' outside quotes: the sections a bad line opens. */
static int config_brace_balance(const char *p)
{
	size_t len = strlen(p);
	int balance = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\'')
			i = quote_end(p, len, i);
		else if (p[i] == '{')
			balance++;
		else if (p[i] == '}')
			balance--;
	}
	return balance;
}

static const char *config_section_descr(pool_t pool, const struct config_node *node)
{
	if (node->name == NULL)
		return node->key;
	return p_strdup_printf(pool, "%s %s", node->key, node->name);
}

static void config_parser_section_end(struct config_parser *parser, const char *rest,
				      unsigned int line)
{
	if (*skip_white(rest) != '\0' && parser->skip_depth == 0)
		config_parser_error(parser, line, "unexpected text after '}'");
	if (parser->skip_depth > 0) {
		parser->skip_depth--;
		return;
	}
	if (parser->depth == 0) {
		config_parser_error(parser, line, "unexpected '}'");
		return;
	}
	parser->cur = parser->cur->parent;
	parser->depth--;
}

static void config_parser_section_open(struct config_parser *parser, const char *key,
				       const char *name, unsigned int line)
{
	struct config_node *node;

	if (parser->skip_depth > 0) {
		parser->skip_depth++;
		return;
	}
	if (parser->base_depth + parser->depth >= CONFIG_PARSER_MAX_DEPTH) {
		config_parser_error(parser, line, "sections nested too deeply (max %u levels)",
				    CONFIG_PARSER_MAX_DEPTH);
		config_parser_skip_sections(parser, 1, line);
		return;
	}
	node = config_parser_add_node(parser, CONFIG_NODE_SECTION, key, line);
	node->name = p_strdup(parser->pool, name);
	parser->cur = node;
	parser->depth++;
}

/* p is after the section type: `[name] {` */
static void config_parser_section_begin(struct config_parser *parser, const char *key,
					const char *p, unsigned int line)
{
	const char *name = NULL, *start;

	if (*p == '"' || *p == '\'') {
		size_t len = strlen(p);

		name = config_parse_quoted(parser->pool, p, &p);
		if (name == NULL) {
			config_parser_error(parser, line, "unterminated quoted string in the name "
					    "of section '%s'", key);
			if (p[len - 1] == '{')
				config_parser_skip_sections(parser, 1, line);
			return;
		}
	} else if (*p != '{' && *p != '\0') {
		for (start = p; *p != '\0' && !SETTINGS_IS_WHITE(*p) && *p != '{'; p++)
			;
		name = p_strndup(parser->pool, start, (size_t)(p - start));
	}
	p = skip_white(p);
	if (*p != '{') {
		if (name == NULL) {
			config_parser_error(parser, line, "expecting '=' or '{' after '%s'", key);
		} else {
			config_parser_error(parser, line, "expecting '{' after '%s %s' "
					    "(a setting needs '=')", key, name);
		}
		config_parser_skip_sections(parser, config_brace_balance(p), line);
		return;
	}
	p = skip_white(p + 1);
	if (*p != '\0') {
		/* Dovecot 2.3 has no one-line sections either */
		config_parser_error(parser, line,
				    "unexpected text after '{' (put each setting on its own line)");
		config_parser_skip_sections(parser, 1 + config_brace_balance(p), line);
		return;
	}
	config_parser_section_open(parser, key, name, line);
}

/* p is after the '=' */
static void config_parser_setting(struct config_parser *parser, const char *key, const char *p,
				  unsigned int line)
{
	const char *value, *file_path = NULL, *end, *error;
	struct config_node *node;

	p = skip_white(p);
	if (*p == '<') {
		file_path = config_parse_word_rest(parser, skip_white(p + 1), line, "file name");
		if (file_path == NULL)
			return;
		if (*file_path == '\0') {
			config_parser_error(parser, line,
					    "value of %s: missing file name after '<'", key);
			return;
		}
		if (parser->callbacks.read_file == NULL) {
			config_parser_error(parser, line,
					    "value of %s: <%s: reading files is not allowed here",
					    key, file_path);
			return;
		}
		error = "unknown error";
		value = parser->callbacks.read_file(file_path, parser->context, &error);
		if (value == NULL) {
			config_parser_error(parser, line, "value of %s: %s", key, error);
			return;
		}
		value = p_strdup(parser->pool, value);
	} else if (*p == '"' || *p == '\'') {
		value = config_parse_quoted(parser->pool, p, &end);
		if (value == NULL) {
			config_parser_error(parser, line, "value of %s: unterminated quoted string",
					    key);
			return;
		}
		/* `"name" * "version" *` (imap_id_send): Dovecot keeps a value
		   that only starts with a quote as it is */
		if (*skip_white(end) != '\0')
			value = p_strdup(parser->pool, p);
	} else {
		value = p_strdup(parser->pool, p);
		if (parser->root_table != NULL && strchr(value, '$') != NULL) {
			value = settings_expand_variables(parser->tree, parser->cur,
							  parser->root_table, value);
		}
	}
	node = config_parser_add_node(parser, CONFIG_NODE_SETTING, key, line);
	node->value = value;
	node->value_file_path = file_path;
}

static void config_parser_include(struct config_parser *parser, const char *directive,
				  const char *p, unsigned int line)
{
	bool try_only = strcmp(directive, "!include_try") == 0;
	const char *path;

	path = config_parse_word_rest(parser, p, line, "file name");
	if (path == NULL)
		return;
	if (*path == '\0') {
		config_parser_error(parser, line, "%s: missing file name", directive);
		return;
	}
	if (parser->callbacks.include == NULL) {
		config_parser_error(parser, line, "%s %s: includes are not allowed here", directive,
				    path);
		return;
	}
	parser->callbacks.include(parser, path, try_only, line, parser->context);
}

/* A logical line without comment and trailing whitespace. */
static void config_parser_logical_line(struct config_parser *parser, const char *line,
				       unsigned int linenum)
{
	const char *p = skip_white(line), *start;
	const char *key;

	if (*p == '\0')
		return;
	if (*p == '}') {
		config_parser_section_end(parser, p + 1, linenum);
		return;
	}
	if (parser->skip_depth > 0) {
		/* inside a section that could not be opened: only count braces */
		size_t len = strlen(p);
		const char *q = p;

		while (*q != '\0' && !SETTINGS_IS_WHITE(*q) && *q != '=' && *q != '{')
			q++;
		if (*skip_white(q) != '=' && p[len - 1] == '{')
			parser->skip_depth++;
		return;
	}
	if (*p == '{') {
		config_parser_error(parser, linenum, "'{' without a section type");
		config_parser_skip_sections(parser, 1 + config_brace_balance(p + 1), linenum);
		return;
	}
	if (*p == '=' || *p == '"' || *p == '\'') {
		config_parser_error(parser, linenum, "expecting a setting or section name");
		return;
	}
	for (start = p; *p != '\0' && !SETTINGS_IS_WHITE(*p) && *p != '=' && *p != '{' &&
			*p != '}' && *p != '"' && *p != '\'';
	     p++)
		;
	key = p_strndup(parser->pool, start, (size_t)(p - start));
	p = skip_white(p);

	if (strcmp(key, "!include") == 0 || strcmp(key, "!include_try") == 0) {
		config_parser_include(parser, key, p, linenum);
		return;
	}
	if (key[0] == '!') {
		config_parser_error(parser, linenum,
				    "unknown directive '%s' (expecting !include or !include_try)",
				    key);
		return;
	}
	if (*p == '=')
		config_parser_setting(parser, key, p + 1, linenum);
	else
		config_parser_section_begin(parser, key, p, linenum);
}

static void config_parser_drop_line(struct config_parser *parser)
{
	parser->continuing = false;
	str_truncate(parser->full_line, 0);
}

static bool config_parser_line_fits(struct config_parser *parser, size_t add, unsigned int line)
{
	if (add <= parser->max_line_length &&
	    str_len(parser->full_line) <= parser->max_line_length - add)
		return true;
	config_parser_error(parser, line, "line too long (more than %zu bytes)",
			    parser->max_line_length);
	config_parser_drop_line(parser);
	return false;
}

static void config_parser_physical_line(struct config_parser *parser, const char *line,
					size_t len)
{
	unsigned int linenum = parser->linenum;

	if (memchr(line, '\0', len) != NULL) {
		config_parser_error(parser, linenum, "line contains a NUL byte");
		config_parser_drop_line(parser);
		return;
	}
	if (linenum == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		/* UTF-8 byte order mark */
		line += 3;
		len -= 3;
	}
	while (len > 0 && SETTINGS_IS_WHITE(*line)) {
		line++;
		len--;
	}
	len = config_line_uncommented_length(line, len);
	while (len > 0 && SETTINGS_IS_WHITE(line[len - 1]))
		len--;

	if (len > 0 && line[len - 1] == '\\') {
		len--;
		while (len > 0 && SETTINGS_IS_WHITE(line[len - 1]))
			len--;
		if (!parser->continuing) {
			str_truncate(parser->full_line, 0);
			parser->full_line_start = linenum;
			parser->continuing = true;
		}
		if (config_parser_line_fits(parser, len + 1, parser->full_line_start)) {
			str_append_data(parser->full_line, line, len);
			str_append_c(parser->full_line, ' ');
		}
		return;
	}
	if (parser->continuing) {
		/* as in Dovecot, empty and comment lines do not end it */
		if (len == 0)
			return;
	} else {
		str_truncate(parser->full_line, 0);
		parser->full_line_start = linenum;
	}
	if (!config_parser_line_fits(parser, len, parser->full_line_start))
		return;
	str_append_data(parser->full_line, line, len);
	parser->continuing = false;
	config_parser_logical_line(parser, str_c(parser->full_line), parser->full_line_start);
	str_truncate(parser->full_line, 0);
}

static void config_parser_line_end(struct config_parser *parser)
{
	parser->linenum++;
	if (parser->line_too_long) {
		parser->line_too_long = false;
		config_parser_drop_line(parser);
	} else {
		config_parser_physical_line(parser, (const char *)parser->line->data,
					    parser->line->used);
	}
	buffer_set_used_size(parser->line, 0);
}

static void config_parser_append(struct config_parser *parser, const void *data, size_t size)
{
	if (parser->line_too_long || size == 0)
		return;
	if (size > parser->max_line_length ||
	    parser->line->used > parser->max_line_length - size) {
		parser->line_too_long = true;
		config_parser_error(parser, parser->linenum + 1,
				    "line too long (more than %zu bytes)", parser->max_line_length);
		buffer_set_used_size(parser->line, 0);
		return;
	}
	buffer_append(parser->line, data, size);
}

void config_parser_feed(struct config_parser *parser, const void *data, size_t size)
{
	const unsigned char *p = data;

	i_assert(!parser->finished);
	while (size > 0) {
		const unsigned char *nl = memchr(p, '\n', size);
		size_t n = nl == NULL ? size : (size_t)(nl - p);

		config_parser_append(parser, p, n);
		if (nl == NULL)
			break;
		config_parser_line_end(parser);
		p += n + 1;
		size -= n + 1;
	}
}

unsigned int config_parser_finish(struct config_parser *parser)
{
	if (parser->finished)
		return parser->error_count;
	parser->finished = true;

	if (parser->line->used > 0 || parser->line_too_long)
		config_parser_line_end(parser);
	if (parser->continuing) {
		parser->continuing = false;
		config_parser_logical_line(parser, str_c(parser->full_line),
					   parser->full_line_start);
		str_truncate(parser->full_line, 0);
	}
	if (parser->skip_depth > 0) {
		config_parser_error(parser, parser->skip_line, "missing '}'");
		parser->skip_depth = 0;
	}
	for (; parser->depth > 0; parser->depth--) {
		config_parser_error(parser, parser->cur->line, "missing '}' for section '%s'",
				    config_section_descr(parser->pool, parser->cur));
		parser->cur = parser->cur->parent;
	}
	return parser->error_count;
}

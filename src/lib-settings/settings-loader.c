/* Loading configuration: files and !include (globs relative to the
   including file, depth limit, loop check), `key = <path`, $setting
   expansion, and the validation of a tree against the setting tables.
   Every problem becomes an error with file:line; nothing stops at the first
   one. */

#include "lib.h"
#include "settings-private.h"

#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#define SETTINGS_READ_BLOCK_SIZE 8192
/* suggestions are not searched for absurdly long keys */
#define SETTINGS_SUGGEST_MAX_KEY_LEN 128
#define SETTINGS_SUGGEST_MAX_TABLE_DEPTH 4

struct settings_loader {
	struct config_tree *tree;
	const struct setting_table *root_table;
	ARRAY_TYPE(settings_error) *errors;
};

struct settings_loader_file {
	struct settings_loader *loader;
	const struct settings_loader_file *parent;
	const char *path;
	/* canonical path for the include loop check, or NULL */
	const char *real_path;
	const char *dir;
	unsigned int depth;
	/* `<path` contents until the parser has copied them */
	string_t *read_buf;
};

static void settings_loader_include(struct config_parser *parser, const char *path,
				    bool try_only, unsigned int line, void *context);
static const char *settings_loader_read_file(const char *path, void *context,
					     const char **error_r);

static const struct config_parser_callbacks settings_loader_callbacks = {
	.include = settings_loader_include,
	.read_file = settings_loader_read_file,
};

const char *settings_error_str(pool_t pool, const struct settings_error *error)
{
	if (error->file == NULL)
		return p_strdup(pool, error->message);
	if (error->line == 0)
		return p_strdup_printf(pool, "%s: %s", error->file, error->message);
	return p_strdup_printf(pool, "%s:%u: %s", error->file, error->line, error->message);
}

static const char *settings_path_dir(pool_t pool, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return ".";
	if (slash == path)
		return "/";
	return p_strndup(pool, path, (size_t)(slash - path));
}

static const char *settings_path_join(pool_t pool, const char *dir, const char *path)
{
	if (path[0] == '/' || strcmp(dir, ".") == 0)
		return p_strdup(pool, path);
	if (strcmp(dir, "/") == 0)
		return p_strconcat(pool, "/", path, NULL);
	return p_strconcat(pool, dir, "/", path, NULL);
}

static void settings_loader_file_init(struct settings_loader_file *file,
				      struct settings_loader *loader,
				      const struct settings_loader_file *parent, const char *path)
{
	pool_t pool = loader->tree->pool;

	memset(file, 0, sizeof(*file));
	file->loader = loader;
	file->parent = parent;
	file->path = p_strdup(pool, path);
	file->dir = settings_path_dir(pool, path);
	file->depth = parent == NULL ? 0 : parent->depth + 1;
}

static void settings_loader_file_deinit(struct settings_loader_file *file)
{
	if (file->read_buf != NULL)
		str_free(&file->read_buf);
}

static bool settings_loader_is_open(const struct settings_loader_file *file, const char *real)
{
	for (; file != NULL; file = file->parent) {
		if (file->real_path != NULL && strcmp(file->real_path, real) == 0)
			return true;
	}
	return false;
}

/* Parses the file at path into section. Problems opening it are reported
   at err_file:err_line (the !include line), or at the file itself. */
static void settings_loader_parse_path(struct settings_loader *loader,
				       const struct settings_loader_file *parent,
				       struct config_node *section, const char *path,
				       bool try_only, const char *err_file, unsigned int err_line)
{
	pool_t pool = loader->tree->pool;
	struct settings_loader_file file;
	struct config_parser *parser;
	unsigned char buf[SETTINGS_READ_BLOCK_SIZE];
	char *real;
	ssize_t ret;
	int fd;

	if (parent != NULL && parent->depth + 1 > SETTINGS_INCLUDE_MAX_DEPTH) {
		settings_error_add(loader->errors, pool, err_file, err_line,
				   "include file %s: includes nested too deeply (max %u levels)",
				   path, SETTINGS_INCLUDE_MAX_DEPTH);
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		if (try_only && (errno == ENOENT || errno == ENOTDIR))
			return;
		if (parent == NULL) {
			settings_error_add(loader->errors, pool, path, 0,
					   "cannot read config file: %s", strerror(errno));
		} else {
			settings_error_add(loader->errors, pool, err_file, err_line,
					   "include file %s: %s", path, strerror(errno));
		}
		return;
	}
	settings_loader_file_init(&file, loader, parent, path);
	real = realpath(path, NULL);
	if (real != NULL) {
		file.real_path = p_strdup(pool, real);
		free(real);
	}
	if (file.real_path != NULL && settings_loader_is_open(parent, file.real_path)) {
		settings_error_add(loader->errors, pool, err_file, err_line,
				   "include file %s: include loop (the file is already being read)",
				   path);
		i_close_fd(&fd);
		return;
	}

	parser = config_parser_create_section(loader->tree, section, path,
					      &settings_loader_callbacks, &file, loader->errors);
	config_parser_set_root_table(parser, loader->root_table);
	for (;;) {
		ret = read(fd, buf, sizeof(buf));
		if (ret == 0)
			break;
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			if (parent == NULL) {
				settings_error_add(loader->errors, pool, path, 0,
						   "cannot read config file: %s", strerror(errno));
			} else {
				settings_error_add(loader->errors, pool, err_file, err_line,
						   "include file %s: %s", path, strerror(errno));
			}
			break;
		}
		config_parser_feed(parser, buf, (size_t)ret);
	}
	(void)config_parser_finish(parser);
	config_parser_destroy(&parser);
	settings_loader_file_deinit(&file);
	i_close_fd(&fd);
}

static bool settings_path_is_glob(const char *path)
{
	return strpbrk(path, "*?[{") != NULL;
}

static void settings_loader_include(struct config_parser *parser, const char *path,
				    bool try_only, unsigned int line, void *context)
{
	struct settings_loader_file *file = context;
	struct settings_loader *loader = file->loader;
	struct config_node *section = config_parser_get_section(parser);
	const char *full = settings_path_join(loader->tree->pool, file->dir, path);
	glob_t globbuf;
	int ret;

	if (!settings_path_is_glob(full)) {
		settings_loader_parse_path(loader, file, section, full, try_only, file->path, line);
		return;
	}
	/* glob() sorts the names, so conf.d/10-*.conf come in order */
	memset(&globbuf, 0, sizeof(globbuf));
	ret = glob(full, GLOB_BRACE, NULL, &globbuf);
	if (ret == 0) {
		for (size_t i = 0; i < globbuf.gl_pathc; i++) {
			settings_loader_parse_path(loader, file, section, globbuf.gl_pathv[i],
						   try_only, file->path, line);
		}
	} else if (ret != GLOB_NOMATCH && !try_only) {
		settings_error_add(loader->errors, loader->tree->pool, file->path, line,
				   "include file %s: %s", full,
				   ret == GLOB_NOSPACE ? "out of memory" :
							 "cannot read the directory");
	}
	globfree(&globbuf);
}

static const char *settings_loader_read_file(const char *path, void *context,
					     const char **error_r)
{
	struct settings_loader_file *file = context;
	pool_t pool = file->loader->tree->pool;
	const char *full = settings_path_join(pool, file->dir, path);
	unsigned char buf[SETTINGS_READ_BLOCK_SIZE];
	ssize_t ret;
	int fd;

	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		*error_r = p_strdup_printf(pool, "cannot read <%s: %s", full, strerror(errno));
		return NULL;
	}
	if (file->read_buf == NULL)
		file->read_buf = str_new(pool_system, 4096);
	str_truncate(file->read_buf, 0);
	for (;;) {
		ret = read(fd, buf, sizeof(buf));
		if (ret == 0)
			break;
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			*error_r = p_strdup_printf(pool, "cannot read <%s: %s", full,
						   strerror(errno));
			i_close_fd(&fd);
			return NULL;
		}
		if ((size_t)ret > SETTINGS_FILE_MAX_SIZE - str_len(file->read_buf)) {
			*error_r = p_strdup_printf(pool, "cannot read <%s: file too large "
						   "(max %u bytes)", full, SETTINGS_FILE_MAX_SIZE);
			i_close_fd(&fd);
			return NULL;
		}
		str_append_data(file->read_buf, buf, (size_t)ret);
	}
	i_close_fd(&fd);
	if (memchr(str_data(file->read_buf), '\0', str_len(file->read_buf)) != NULL) {
		*error_r = p_strdup_printf(pool, "cannot read <%s: file contains a NUL byte",
					   full);
		return NULL;
	}
	return str_c(file->read_buf);
}

unsigned int settings_parse_file(struct config_tree *tree, const char *path,
				 const struct setting_table *root_table,
				 ARRAY_TYPE(settings_error) *errors)
{
	struct settings_loader loader = {
		.tree = tree,
		.root_table = root_table,
		.errors = errors,
	};
	unsigned int before = array_count(errors);

	settings_loader_parse_path(&loader, NULL, tree->root, path, false, path, 0);
	return array_count(errors) - before;
}

unsigned int settings_parse_string(struct config_tree *tree, const char *data, const char *name,
				   const struct setting_table *root_table,
				   ARRAY_TYPE(settings_error) *errors)
{
	struct settings_loader loader = {
		.tree = tree,
		.root_table = root_table,
		.errors = errors,
	};
	struct settings_loader_file file;
	struct config_parser *parser;
	unsigned int before = array_count(errors);

	settings_loader_file_init(&file, &loader, NULL, name);
	parser = config_parser_create(tree, name, &settings_loader_callbacks, &file, errors);
	config_parser_set_root_table(parser, root_table);
	config_parser_feed(parser, data, strlen(data));
	(void)config_parser_finish(parser);
	config_parser_destroy(&parser);
	settings_loader_file_deinit(&file);
	return array_count(errors) - before;
}

/* ---- $setting expansion ---- */

static bool settings_node_is_root_scope(const struct config_node *node)
{
	return node->parent == NULL || settings_is_filter_section(node->key);
}

/* The value of target as last set directly inside level (or a section
   equivalent to it), converted through aliases; NULL if not set there. */
static const char *settings_level_value(const struct config_tree *tree,
					const struct config_node *level,
					const struct setting_table *root_table,
					const struct setting_def *target)
{
	ARRAY_TYPE(config_node_p) equivalents;
	const struct config_node *section;
	const char *value = NULL;

	i_array_init(&equivalents, 4);
	settings_node_equivalents(tree, level, &equivalents);
	array_foreach_elem(&equivalents, section) {
		for (const struct config_node *node = section->children; node != NULL;
		     node = node->next) {
			const struct setting_def *def;
			bool invert;

			if (node->type != CONFIG_NODE_SETTING)
				continue;
			def = settings_table_find(root_table, node->key);
			if (def == NULL || settings_def_resolve(root_table, def, &invert) != target)
				continue;
			value = invert ? settings_bool_invert(node->value) : node->value;
		}
	}
	array_free(&equivalents);
	return value;
}

/* The value name has at the point where section is being parsed: set so
   far in section or the enclosing root/filter scopes, or the default. */
static const char *settings_value_so_far(const struct config_tree *tree,
					 const struct config_node *section,
					 const struct setting_table *root_table,
					 const struct setting_def *def)
{
	const struct setting_def *target;
	const char *value = NULL;
	bool invert;

	target = settings_def_resolve(root_table, def, &invert);
	for (const struct config_node *level = section; level != NULL && value == NULL;
	     level = level->parent) {
		/* settings inside service { } etc. are not root settings */
		if (settings_node_is_root_scope(level))
			value = settings_level_value(tree, level, root_table, target);
	}
	if (value == NULL)
		value = settings_def_default(tree->pool, target);
	return invert ? settings_bool_invert(value) : value;
}

static bool settings_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

const char *settings_expand_variables(const struct config_tree *tree,
				      const struct config_node *section,
				      const struct setting_table *root_table, const char *value)
{
	string_t *str;
	const char *p, *ret;

	if (root_table == NULL || strchr(value, '$') == NULL)
		return value;
	str = str_new(pool_system, strlen(value) + 64);
	for (p = value; *p != '\0';) {
		const struct setting_def *def = NULL;
		const char *start = p + 1, *end = start;
		char *name;

		if (*p != '$') {
			str_append_c(str, *p++);
			continue;
		}
		while (settings_is_name_char(*end))
			end++;
		if (end > start) {
			name = p_strndup(pool_system, start, (size_t)(end - start));
			def = settings_table_find(root_table, name);
			i_free(name);
		}
		if (def == NULL || settings_def_is_section(def)) {
			/* not a setting: stays as written */
			str_append_data(str, p, (size_t)(end - p));
		} else {
			str_append(str, settings_value_so_far(tree, section, root_table, def));
		}
		p = end;
	}
	ret = p_strdup(tree->pool, str_c(str));
	str_free(&str);
	return ret;
}

/* ---- validation ---- */

enum settings_scope_kind {
	SETTINGS_SCOPE_ROOT,
	SETTINGS_SCOPE_FILTER,
	SETTINGS_SCOPE_SECTION,
	SETTINGS_SCOPE_FREE_FORM,
};

struct settings_validate_ctx {
	const struct config_tree *tree;
	pool_t pool;
	const struct setting_table *root_table;
	ARRAY_TYPE(settings_error) *errors, *warnings;
	/* SET_FLAG_FUTURE settings already warned about */
	ARRAY(const struct setting_def *) warned;
	unsigned int error_count;
};

struct settings_suggestion {
	const char *key;
	bool section; /* looking for a section type */
	unsigned int max_distance;

	unsigned int distance;
	const char *found;
	const char *found_in; /* sub-table's section type, NULL for this table */
};

static void ATTR_FORMAT(3, 4)
settings_validate_error(struct settings_validate_ctx *ctx, const struct config_node *node,
			const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	settings_error_addv(ctx->errors, ctx->pool, node->file, node->line, fmt, args);
	va_end(args);
	ctx->error_count++;
}

static void settings_suggest_try(struct settings_suggestion *sugg, const char *candidate,
				 const char *in)
{
	unsigned int distance = str_edit_distance(sugg->key, candidate);

	if (distance > sugg->max_distance)
		return;
	/* ties go to this table */
	if (sugg->found == NULL || distance < sugg->distance ||
	    (distance == sugg->distance && sugg->found_in != NULL && in == NULL)) {
		sugg->distance = distance;
		sugg->found = candidate;
		sugg->found_in = in;
	}
}

static void settings_suggest_table(struct settings_suggestion *sugg,
				   const struct setting_table *table, const char *in,
				   unsigned int depth)
{
	if (table == NULL || table->defs == NULL)
		return;
	for (const struct setting_def *def = table->defs; def->key != NULL; def++) {
		if (settings_def_is_section(def) == sugg->section)
			settings_suggest_try(sugg, def->key, in);
	}
	if (depth >= SETTINGS_SUGGEST_MAX_TABLE_DEPTH)
		return;
	for (const struct setting_def *def = table->defs; def->key != NULL; def++) {
		if (def->type == SET_SECTIONS && def->section != NULL && def->section != table)
			settings_suggest_table(sugg, def->section, def->key, depth + 1);
	}
}

/* " (did you mean 'x'?)" or "" */
static const char *settings_suggest(struct settings_validate_ctx *ctx, const char *key,
				    bool section, const struct setting_table *table,
				    bool filters_allowed)
{
	static const char *const filters[] = { "protocol", "local", "remote", "local_name" };
	struct settings_suggestion sugg = {
		.key = key,
		.section = section,
		.max_distance = MAX(1, (unsigned int)strlen(key) / 3),
	};

	if (strlen(key) > SETTINGS_SUGGEST_MAX_KEY_LEN)
		return "";
	if (section && filters_allowed) {
		for (unsigned int i = 0; i < N_ELEMENTS(filters); i++)
			settings_suggest_try(&sugg, filters[i], NULL);
	}
	settings_suggest_table(&sugg, table, NULL, 0);
	if (sugg.found == NULL)
		return "";
	if (sugg.found_in == NULL)
		return p_strdup_printf(ctx->pool, " (did you mean '%s'?)", sugg.found);
	if (sugg.distance == 0) {
		return p_strdup_printf(ctx->pool, " (it belongs inside '%s { }')", sugg.found_in);
	}
	return p_strdup_printf(ctx->pool, " (did you mean '%s' inside '%s { }'?)", sugg.found,
			       sugg.found_in);
}

static void settings_validate_future(struct settings_validate_ctx *ctx,
				     const struct config_node *node,
				     const struct setting_def *def)
{
	const struct setting_def *warned;

	if (ctx->warnings == NULL)
		return;
	array_foreach_elem(&ctx->warned, warned) {
		if (warned == def)
			return;
	}
	array_push(&ctx->warned, &def);
	if (def->future_note == NULL) {
		settings_error_add(ctx->warnings, ctx->pool, node->file, node->line,
				   "%s: has no effect yet", node->key);
	} else {
		settings_error_add(ctx->warnings, ctx->pool, node->file, node->line,
				   "%s: has no effect yet (%s)", node->key, def->future_note);
	}
}

static void settings_validate_setting(struct settings_validate_ctx *ctx,
				      const struct config_node *node,
				      const struct setting_table *table, bool filters_allowed)
{
	const struct setting_def *def, *target;
	const char *error;
	bool invert;

	def = settings_table_find(table, node->key);
	if (def == NULL) {
		settings_validate_error(ctx, node, "unknown setting '%s'%s", node->key,
					settings_suggest(ctx, node->key, false, table,
							 filters_allowed));
		return;
	}
	if (settings_def_is_section(def)) {
		settings_validate_error(ctx, node, "'%s' is a section: use '%s {' ... '}'",
					node->key, node->key);
		return;
	}
	target = settings_def_resolve(table, def, &invert);
	if (invert) {
		bool b;

		if (settings_parse_bool(node->value, &b, &error) < 0) {
			settings_validate_error(ctx, node, "invalid value '%s' for %s: %s",
						str_sanitize(ctx->pool, node->value, 60),
						node->key, error);
		}
	} else if (settings_check_value(target, node->value, ctx->pool, &error) < 0) {
		if (target != def) {
			/* name what the admin wrote, not the alias target */
			struct setting_def copy = *target;

			copy.key = def->key;
			(void)settings_check_value(&copy, node->value, ctx->pool, &error);
		}
		settings_validate_error(ctx, node, "%s", error);
	}
	if ((def->flags & SET_FLAG_FUTURE) != 0)
		settings_validate_future(ctx, node, def);
	else if ((target->flags & SET_FLAG_FUTURE) != 0)
		settings_validate_future(ctx, node, target);
}

static void settings_validate_filter(struct settings_validate_ctx *ctx,
				     const struct config_node *node)
{
	struct settings_net net;

	if (node->name == NULL || node->name[0] == '\0' || strcmp(node->name, "!") == 0) {
		settings_validate_error(ctx, node, "'%s' filter needs a %s", node->key,
					strcmp(node->key, "protocol") == 0 ? "protocol name" :
					strcmp(node->key, "local_name") == 0 ? "host name" :
									       "network");
		return;
	}
	if ((strcmp(node->key, "local") == 0 || strcmp(node->key, "remote") == 0) &&
	    !settings_net_parse(node->name, &net)) {
		settings_validate_error(ctx, node, "invalid '%s' filter '%s': expected an IP "
					"address or network such as 192.0.2.0/24 (host names "
					"are not supported)",
					node->key, str_sanitize(ctx->pool, node->name, 60));
	}
}

static void settings_validate_section(struct settings_validate_ctx *ctx,
				      const struct config_node *section,
				      const struct setting_table *table,
				      enum settings_scope_kind kind);

static void settings_validate_subsection(struct settings_validate_ctx *ctx,
					 const struct config_node *node,
					 const struct setting_table *table,
					 enum settings_scope_kind kind)
{
	bool filters_allowed = kind == SETTINGS_SCOPE_ROOT || kind == SETTINGS_SCOPE_FILTER;
	const struct setting_def *def;

	if (kind == SETTINGS_SCOPE_FREE_FORM) {
		settings_validate_error(ctx, node,
					"sections are not allowed inside '%s { }' (found '%s')",
					node->parent->key, node->key);
		return;
	}
	if (settings_is_filter_section(node->key)) {
		if (!filters_allowed) {
			settings_validate_error(ctx, node,
						"'%s' filter is only allowed at the top level or "
						"inside another filter", node->key);
			return;
		}
		settings_validate_filter(ctx, node);
		settings_validate_section(ctx, node, ctx->root_table, SETTINGS_SCOPE_FILTER);
		return;
	}
	def = settings_table_find(table, node->key);
	if (def == NULL) {
		settings_validate_error(ctx, node, "unknown section '%s'%s", node->key,
					settings_suggest(ctx, node->key, true, table,
							 filters_allowed));
		return;
	}
	if (def->type == SET_FREE_FORM) {
		settings_validate_section(ctx, node, NULL, SETTINGS_SCOPE_FREE_FORM);
		return;
	}
	if (def->type != SET_SECTIONS) {
		settings_validate_error(ctx, node, "'%s' is a setting, not a section: use '%s = "
					"value'", node->key, node->key);
		return;
	}
	if (def->section == NULL)
		return;
	if (def->section->named && node->name == NULL) {
		settings_validate_error(ctx, node, "section '%s' needs a name ('%s NAME {')",
					node->key, node->key);
	}
	settings_validate_section(ctx, node, def->section, SETTINGS_SCOPE_SECTION);
}

static void settings_validate_section(struct settings_validate_ctx *ctx,
				      const struct config_node *section,
				      const struct setting_table *table,
				      enum settings_scope_kind kind)
{
	bool filters_allowed = kind == SETTINGS_SCOPE_ROOT || kind == SETTINGS_SCOPE_FILTER;

	for (const struct config_node *node = section->children; node != NULL;
	     node = node->next) {
		if (node->type == CONFIG_NODE_SECTION)
			settings_validate_subsection(ctx, node, table, kind);
		else if (kind != SETTINGS_SCOPE_FREE_FORM)
			settings_validate_setting(ctx, node, table, filters_allowed);
	}
}

unsigned int settings_validate(const struct config_tree *tree,
			       const struct setting_table *root_table,
			       ARRAY_TYPE(settings_error) *errors,
			       ARRAY_TYPE(settings_error) *warnings)
{
	struct settings_validate_ctx ctx = {
		.tree = tree,
		.pool = tree->pool,
		.root_table = root_table,
		.errors = errors,
		.warnings = warnings,
	};

	if (!array_is_created(errors))
		p_array_init(errors, tree->pool, 8);
	if (warnings != NULL && !array_is_created(warnings))
		p_array_init(warnings, tree->pool, 8);
	i_array_init(&ctx.warned, 8);
	settings_validate_section(&ctx, tree->root, root_table, SETTINGS_SCOPE_ROOT);
	array_free(&ctx.warned);
	return ctx.error_count;
}

struct config_tree *settings_load_file(const char *path, const struct setting_table *root_table,
				       ARRAY_TYPE(settings_error) *errors,
				       ARRAY_TYPE(settings_error) *warnings)
{
	struct config_tree *tree = config_tree_create();

	if (!array_is_created(errors))
		p_array_init(errors, tree->pool, 8);
	(void)settings_parse_file(tree, path, root_table, errors);
	(void)settings_validate(tree, root_table, errors, warnings);
	return tree;
}

struct config_tree *settings_load_string(const char *data, const char *name,
					 const struct setting_table *root_table,
					 ARRAY_TYPE(settings_error) *errors,
					 ARRAY_TYPE(settings_error) *warnings)
{
	struct config_tree *tree = config_tree_create();

	if (!array_is_created(errors))
		p_array_init(errors, tree->pool, 8);
	(void)settings_parse_string(tree, data, name, root_table, errors);
	(void)settings_validate(tree, root_table, errors, warnings);
	return tree;
}

#ifndef SETTINGS_H
#define SETTINGS_H

/* Roost's configuration language: Dovecot 2.3 syntax.

   Three layers, all in this library:
   1. settings-parser.c: a push parser without I/O. Bytes go in (in any
      chunking), events come out into a config tree. It knows the syntax only.
   2. settings-loader.c: reads files, follows !include / !include_try (globs,
      relative to the including file), reads `key = <path` values, expands
      $setting references, and validates the tree against the setting tables
      (unknown keys, bad values), collecting every error with file:line.
   3. settings-typed.c: turns the (filtered) tree into typed C structs for a
      component, and writes a tree back out as text.

   Errors never exit: every function returns -1 and an error string, or
   collects errors into a list. */

#include "lib.h"

/* ---- the tree ---- */

enum config_node_type {
	CONFIG_NODE_SETTING,
	CONFIG_NODE_SECTION,
};

struct config_node {
	enum config_node_type type;
	/* setting name, or section type ("service", "inet_listener", "protocol") */
	const char *key;
	/* section name ("imap-login", "imaps", "lmtp"); NULL for "passdb { }" */
	const char *name;
	/* setting value, after $setting expansion and with `<path` read in */
	const char *value;
	/* for `key = <path`: the path as written (roostconf -n shows it) */
	const char *value_file_path;
	/* where it was defined (for error messages) */
	const char *file;
	unsigned int line;

	struct config_node *parent;
	struct config_node *children, *children_tail; /* sections only */
	struct config_node *next;
};

struct config_tree {
	pool_t pool;
	struct config_node *root; /* a section with key "" */
};

struct config_tree *config_tree_create(void);
void config_tree_free(struct config_tree **tree);

/* ---- setting tables ---- */

enum setting_type {
	SET_BOOL,     /* yes/no, as Dovecot 2.3 accepts them */
	SET_UINT,     /* decimal, with optional min/max */
	SET_UINT_OCT, /* octal file mode, e.g. 0600 */
	SET_SIZE,     /* bytes: 100M, 1GB, 512k, "unlimited" = 0 */
	SET_TIME,     /* seconds: "2 secs", "1 hour", "30 mins", "5s" */
	SET_TIME_MSECS, /* milliseconds: "100 ms", "2 secs" */
	SET_IN_PORT,  /* 0..65535 */
	SET_STR,      /* string, no %variables expected */
	SET_STR_VARS, /* string kept with %u/%{...} for run-time var_expand() */
	SET_ENUM,     /* one of enum_values ("a:b:c"); the first is the default */
	SET_LIST,     /* space or comma separated words */
	SET_SECTIONS, /* repeated sub-section, e.g. service { } or inet_listener NAME { } */
	SET_FREE_FORM,/* section with arbitrary key = value lines, e.g. plugin { } */
};

enum setting_flags {
	/* a secret: never printed by roostconf unless asked, never logged */
	SET_FLAG_SECRET = 0x01,
	/* belongs to a feature a later release delivers: accepted, with one
	   start-up warning that it has no effect yet */
	SET_FLAG_FUTURE = 0x02,
	/* may appear inside protocol/local/remote/local_name filters */
	SET_FLAG_FILTERABLE = 0x04,
	/* an accepted alias of another setting (alias_of names it) */
	SET_FLAG_ALIAS = 0x08,
	/* with SET_FLAG_ALIAS: a boolean alias with the opposite meaning
	   (Dovecot 2.4's auth_allow_cleartext = no is disable_plaintext_auth = yes).
	   An alias is resolved in settings_to_struct() only when the
	   component's table lists it next to its target. */
	SET_FLAG_ALIAS_INVERT_BOOL = 0x10,
};

struct setting_table;

struct setting_def {
	enum setting_type type;
	const char *key;
	/* offset of the field in the component's struct, or SETTING_NO_FIELD */
	size_t offset;
	const char *default_value;   /* as text; NULL = empty */
	const char *enum_values;     /* SET_ENUM: "yes:no:required" */
	uint64_t min, max;           /* SET_UINT/SIZE/TIME bounds; max 0 = none */
	unsigned int flags;          /* enum setting_flags */
	const struct setting_table *section; /* SET_SECTIONS: the sub-table */
	const char *alias_of;        /* SET_FLAG_ALIAS */
	const char *future_note;     /* SET_FLAG_FUTURE: what will deliver it */
};
#define SETTING_NO_FIELD ((size_t)-1)

/* Field types in component structs by setting type:
   SET_BOOL bool; SET_UINT/SET_UINT_OCT/SET_IN_PORT unsigned int;
   SET_SIZE uint64_t; SET_TIME/SET_TIME_MSECS unsigned int;
   SET_STR/SET_STR_VARS/SET_ENUM const char *;
   SET_LIST const char *const * (NULL-terminated);
   SET_SECTIONS ARRAY(void *) of structs of the sub-table's struct_size;
   SET_FREE_FORM const char *const * ("key", "value", ..., NULL). */

struct setting_table {
	const char *name;          /* "root", "service", "inet_listener" */
	const struct setting_def *defs; /* terminated by an entry with key NULL */
	size_t struct_size;        /* 0 when there is no typed struct */
	/* the section takes a name: "service NAME {" (true) vs "passdb {" */
	bool named;
	/* field that receives the section name, or SETTING_NO_FIELD */
	size_t name_offset;
	/* extra validation after parsing; returns false with *error_r */
	bool (*check)(void *set, pool_t pool, const char **error_r);
};

/* Whether name (e.g. a TLS SNI name) matches a local_name filter: the
   pattern's space-separated words, case-insensitive, '*' matching any run
   of characters and '?' one character. */
bool settings_local_name_match(const char *pattern, const char *name);

/* Filter sections allowed at the root: protocol NAME, local IP[/bits],
   remote IP[/bits], local_name NAME. They may hold SET_FLAG_FILTERABLE
   settings and nest in each other. */
bool settings_is_filter_section(const char *key);

/* ---- values ---- */

/* Each returns 0, or -1 with *error_r a static text that says what was
   expected ("expected yes or no"). Booleans: yes/y/1 and no/n/0, any case.
   Sizes: a number with an optional unit b, k, M, G, T (kB, KiB, ... too),
   or "unlimited" (0). Times: a number and a unit (s/secs/seconds, m/mins,
   h/hours, d/days, w/weeks, ms/msecs/milliseconds); a plain 0 is allowed,
   other numbers need a unit as in Dovecot 2.3. */
int settings_parse_bool(const char *value, bool *result_r, const char **error_r);
int settings_parse_uint(const char *value, unsigned int *result_r, const char **error_r);
int settings_parse_size(const char *value, uint64_t *bytes_r, const char **error_r);
int settings_parse_time(const char *value, unsigned int *secs_r, const char **error_r);
int settings_parse_time_msecs(const char *value, unsigned int *msecs_r, const char **error_r);
/* Checks value against def (type, enum values, bounds). The error, from
   pool, reads "invalid value 'maybe' for ssl: expected one of no, yes,
   required" (without the value for SET_FLAG_SECRET settings). */
int settings_check_value(const struct setting_def *def, const char *value, pool_t pool,
			 const char **error_r);

/* ---- parsing ---- */

/* Errors and warnings are appended to arrays owned by the caller; their
   strings are allocated from the tree's pool (they live as long as the
   tree). An array that is not created yet is created from the tree's pool. */
struct settings_error {
	const char *file;
	unsigned int line; /* 0: about the whole file */
	const char *message;
};
ARRAY_DEFINE_TYPE(settings_error, struct settings_error);

struct config_parser;
/* Parses into tree, attaching new nodes under tree->root. file names the
   source in node->file and in errors. Includes and `<path` are reported to
   the callbacks (NULL callbacks make them errors). */
struct config_parser_callbacks {
	/* !include / !include_try: the loader reads the files and feeds a nested parser */
	void (*include)(struct config_parser *parser, const char *path, bool try_only,
			unsigned int line, void *context);
	/* key = <path: returns the file's contents or NULL with *error_r */
	const char *(*read_file)(const char *path, void *context, const char **error_r);
};
struct config_parser *config_parser_create(struct config_tree *tree, const char *file,
					   const struct config_parser_callbacks *callbacks,
					   void *context, ARRAY_TYPE(settings_error) *errors);
/* Like config_parser_create(), but new nodes go under section, a section
   node of tree (the loader uses it for !include inside a section). The
   file must close the sections it opens. */
struct config_parser *config_parser_create_section(struct config_tree *tree,
						   struct config_node *section, const char *file,
						   const struct config_parser_callbacks *callbacks,
						   void *context,
						   ARRAY_TYPE(settings_error) *errors);
/* The section that new nodes go into at this point of the input. */
struct config_node *config_parser_get_section(const struct config_parser *parser);
/* Expand $setting in unquoted values with this table (NULL, the default:
   values stay as written). */
void config_parser_set_root_table(struct config_parser *parser,
				  const struct setting_table *root_table);
/* A logical line (continuations included) longer than this is an error.
   The default is CONFIG_PARSER_DEFAULT_MAX_LINE_LENGTH: large, because the
   master writes `<file` contents (CA bundles) as one quoted line. */
#define CONFIG_PARSER_DEFAULT_MAX_LINE_LENGTH (64 * 1024 * 1024)
void config_parser_set_max_line_length(struct config_parser *parser, size_t max_length);
/* Sections nested deeper than this are an error (and skipped). */
#define CONFIG_PARSER_MAX_DEPTH 32
/* !include nested deeper than this is an error. */
#define SETTINGS_INCLUDE_MAX_DEPTH 16
/* `key = <path` files larger than this are an error. */
#define SETTINGS_FILE_MAX_SIZE (16 * 1024 * 1024)
/* Feed data in any chunking; lines complete as they arrive. */
void config_parser_feed(struct config_parser *parser, const void *data, size_t size);
/* End of input: checks unclosed sections. Returns the number of errors. */
unsigned int config_parser_finish(struct config_parser *parser);
void config_parser_destroy(struct config_parser **parser);

/* Parses path (following includes) into tree; sections of the same type and
   name in the same parent are kept as written (settings_to_struct() merges
   them, later values winning, as Dovecot does when "service imap-login"
   appears in two files). root_table is used for $setting expansion (a
   `$name` that is not a known setting stays literal). Errors are appended
   to *errors; returns the number of errors added. */
unsigned int settings_parse_file(struct config_tree *tree, const char *path,
				 const struct setting_table *root_table,
				 ARRAY_TYPE(settings_error) *errors);
/* The same for text in memory; name is used as the file name. */
unsigned int settings_parse_string(struct config_tree *tree, const char *data, const char *name,
				   const struct setting_table *root_table,
				   ARRAY_TYPE(settings_error) *errors);
/* Checks every node against the tables: unknown settings and sections
   (with "did you mean"), bad values, filter syntax. Settings with
   SET_FLAG_FUTURE add one warning each. Returns the number of errors added. */
unsigned int settings_validate(const struct config_tree *tree,
			       const struct setting_table *root_table,
			       ARRAY_TYPE(settings_error) *errors,
			       ARRAY_TYPE(settings_error) *warnings);
/* Convenience: a new tree, parse path, validate. Never NULL. */
struct config_tree *settings_load_file(const char *path, const struct setting_table *root_table,
				       ARRAY_TYPE(settings_error) *errors,
				       ARRAY_TYPE(settings_error) *warnings);
struct config_tree *settings_load_string(const char *data, const char *name,
					 const struct setting_table *root_table,
					 ARRAY_TYPE(settings_error) *errors,
					 ARRAY_TYPE(settings_error) *warnings);
/* Formats "file:line: message" ("file: message" for line 0, just the
   message without a file). */
const char *settings_error_str(pool_t pool, const struct settings_error *error);

/* ---- typed access ---- */

struct settings_filter {
	const char *protocol;   /* "imap", "pop3", "lmtp", ... or NULL */
	const char *local_ip;   /* text form, or NULL */
	const char *remote_ip;
	const char *local_name; /* TLS SNI name */
};

/* Fills a struct of table->struct_size from section (tree->root for the
   root table): defaults first, then values in the section, then values in
   matching filter sections (more specific wins). Sub-sections become arrays.
   Allocates from pool. Returns 0, or -1 with *error_r. */
/* In the struct, strings are never NULL ("" when empty), lists are
   NULL-terminated and never NULL, section arrays are always created.
   Values are copied to pool: the tree may be freed afterwards. Filters
   rank like Dovecot's: local_name, then local (more bits first), then
   remote, then protocol; at equal rank the later section wins. An error
   names file:line of a bad value, or "service imap-login: ..." for a
   failed table->check. */
int settings_to_struct(const struct config_tree *tree, const struct config_node *section,
		       const struct setting_table *table, const struct settings_filter *filter,
		       pool_t pool, void **set_r, const char **error_r);

/* Fills a root table from tree under filter the way settings_to_struct()
   does (values, then table->check) and throws the result away: what a
   process reading the table with that filter would refuse. Returns 0, or
   -1 with *error_r (strings from pool): for a bad value, the message and
   the file:line that set it; for a failed check, its message and the
   file:line of the first setting the message names that was set in a file
   seen under filter ("pop3_delete_type=flag, but pop3_deleted_flag not
   set" points at pop3_delete_type), or file NULL and line 0 when every
   setting it names kept its default. */
int settings_check_table(const struct config_tree *tree, const struct setting_table *table,
			 const struct settings_filter *filter, pool_t pool,
			 struct settings_error *error_r);

/* The effective text value of a root setting under filter (defaults
   included), or NULL when the key is unknown. */
const char *settings_get_value(const struct config_tree *tree,
			       const struct setting_table *root_table,
			       const struct settings_filter *filter, const char *key);

enum settings_write_flags {
	/* only settings that differ from their defaults (roostconf -n) */
	SETTINGS_WRITE_NONDEFAULT = 0x01,
	/* include `<path` file contents as quoted strings (the master's copy
	   for children) instead of `<path` */
	SETTINGS_WRITE_FILE_CONTENTS = 0x02,
	/* leave out SET_FLAG_SECRET values */
	SETTINGS_WRITE_HIDE_SECRETS = 0x04,
};
/* Writes the tree in the configuration language. Without NONDEFAULT every
   known root setting is written with its effective value (roostconf). */
/* Details: sections of the same type and name are written once, merged;
   nested sections are indented by two spaces; aliases are written under
   the name of their target. With NONDEFAULT a setting is written when it
   was set by an admin's file (a file name not starting with '(') and its
   value differs from what the built-in text or else the table default
   gives; a section is written when something in it is, or when only
   admin's files create it (its existence matters). Values are quoted
   when reading them back would change them. */
void settings_write(const struct config_tree *tree, const struct setting_table *root_table,
		    enum settings_write_flags flags, string_t *dest);

#endif

#ifndef SETTINGS_PRIVATE_H
#define SETTINGS_PRIVATE_H

/* Helpers shared by the files of lib-settings. Not installed, not used
   outside this directory. */

#include "settings.h"

ARRAY_DEFINE_TYPE(config_node_p, const struct config_node *);

#define SETTINGS_IS_WHITE(c) ((c) == ' ' || (c) == '\t' || (c) == '\r')

/* Appends an error (message formatted into pool). Creates *errors from
   pool when needed. */
void settings_error_add(ARRAY_TYPE(settings_error) *errors, pool_t pool, const char *file,
			unsigned int line, const char *fmt, ...) ATTR_FORMAT(5, 6);
void settings_error_addv(ARRAY_TYPE(settings_error) *errors, pool_t pool, const char *file,
			 unsigned int line, const char *fmt, va_list args) ATTR_FORMAT(5, 0);

/* ---- tables (settings-values.c) ---- */

const struct setting_def *settings_table_find(const struct setting_table *table,
					      const char *key);
bool settings_def_is_section(const struct setting_def *def);
/* Follows SET_FLAG_ALIAS to the def that holds the value. *invert_r tells
   whether a boolean value must be inverted on the way. Returns def itself
   when it is no alias or its target is missing from table. */
const struct setting_def *settings_def_resolve(const struct setting_table *table,
					       const struct setting_def *def, bool *invert_r);
/* "yes" <-> "no"; a value that is no boolean is returned as it is. */
const char *settings_bool_invert(const char *value);
/* Parses value by def's type: returns 1 with *num_r for the numeric types
   (bounds not checked), 0 for a valid value of another type, -1 with
   *error_r. */
int settings_value_parse_number(const struct setting_def *def, const char *value, pool_t pool,
				uint64_t *num_r, const char **error_r);
/* The default as text: default_value, the first enum value, or "". */
const char *settings_def_default(pool_t pool, const struct setting_def *def);

/* ---- filters (settings-typed.c) ---- */

struct settings_net {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned int bits;
};
/* "192.0.2.1", "10.0.0.0/8", "2001:db8::/32", "[::1]" */
bool settings_net_parse(const char *text, struct settings_net *net_r);
bool settings_net_match(const struct settings_net *net, const char *ip);
/* Whether name matches a local_name filter: space-separated names, each
   exact or with '*'/'?' wildcards, case-insensitive. */

/* Sections equivalent to section (same chain of types and names from the
   root, so that `service imap-login` in two files counts as one), in tree
   order. An unnamed section is only equivalent to itself. */
void settings_node_equivalents(const struct config_tree *tree,
			       const struct config_node *section,
			       ARRAY_TYPE(config_node_p) *result);

/* ---- loader ---- */

/* $name expansion in an unquoted value that is about to be added under
   section. Returns value itself when there is nothing to expand, else a
   string from tree->pool. */
const char *settings_expand_variables(const struct config_tree *tree,
				      const struct config_node *section,
				      const struct setting_table *root_table, const char *value);

#endif

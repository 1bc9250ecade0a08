/* Typed access to a parsed tree: filters (protocol, local, remote,
   local_name), the effective values of a scope, settings_to_struct() for a
   component's table and settings_write() back to the configuration
   language.

   A scope is a list of sections whose values apply, in order (later wins):
   the section itself, then the matching filter sections from the least to
   the most specific. Sections of the same type and name in one parent are
   merged: the built-in text is parsed before the admin's files, and the
   admin's `service imap-login { }` modifies the built-in one. */

#include "lib.h"
#include "settings-private.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>

bool settings_is_filter_section(const char *key)
{
	return strcmp(key, "protocol") == 0 || strcmp(key, "local") == 0 ||
	       strcmp(key, "remote") == 0 || strcmp(key, "local_name") == 0;
}

/* ---- networks and names ---- */

static bool settings_ip_parse(const char *text, size_t len, int *family_r, unsigned char *addr)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		text++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family_r = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family_r = AF_INET6;
		return true;
	}
	return false;
}

bool settings_net_parse(const char *text, struct settings_net *net_r)
{
	const char *slash = strchr(text, '/');
	size_t len = slash == NULL ? strlen(text) : (size_t)(slash - text);
	unsigned int max_bits;

	memset(net_r, 0, sizeof(*net_r));
	if (!settings_ip_parse(text, len, &net_r->family, net_r->addr))
		return false;
	max_bits = net_r->family == AF_INET ? 32 : 128;
	if (slash == NULL)
		net_r->bits = max_bits;
	else if (str_to_uint(slash + 1, &net_r->bits) < 0 || net_r->bits > max_bits)
		return false;
	return true;
}

bool settings_net_match(const struct settings_net *net, const char *ip)
{
	static const unsigned char v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned char addr[16];
	const unsigned char *a = addr;
	unsigned int bytes, rest;
	int family;

	if (!settings_ip_parse(ip, strlen(ip), &family, addr))
		return false;
	if (family != net->family) {
		/* ::ffff:192.0.2.1 is in 192.0.2.0/24 */
		if (family != AF_INET6 || memcmp(addr, v4_mapped, sizeof(v4_mapped)) != 0)
			return false;
		a = addr + 12;
	}
	bytes = net->bits / 8;
	rest = net->bits % 8;
	if (memcmp(a, net->addr, bytes) != 0)
		return false;
	if (rest != 0) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));

		if ((a[bytes] & mask) != (net->addr[bytes] & mask))
			return false;
	}
	return true;
}

static bool settings_wildcard_match(const char *pattern, size_t pattern_len, const char *name)
{
	const char *pend = pattern + pattern_len;
	const char *star = NULL, *star_name = NULL;

	while (*name != '\0') {
		if (pattern < pend && *pattern == '*') {
			star = pattern++;
			star_name = name;
		} else if (pattern < pend &&
			   (*pattern == '?' || tolower((unsigned char)*pattern) ==
						       tolower((unsigned char)*name))) {
			pattern++;
			name++;
		} else if (star != NULL) {
			pattern = star + 1;
			name = ++star_name;
		} else {
			return false;
		}
	}
	while (pattern < pend && *pattern == '*')
		pattern++;
	return pattern == pend;
}

bool settings_local_name_match(const char *pattern, const char *name)
{
	const char *p = pattern;

	while (*p != '\0') {
		const char *start;

		while (*p == ' ')
			p++;
		for (start = p; *p != '\0' && *p != ' '; p++)
			;
		if (p > start && settings_wildcard_match(start, (size_t)(p - start), name))
			return true;
	}
	return false;
}

/* ---- scopes ---- */

/* How specific a (nested) filter is; compared field by field, as Dovecot
   orders its filters: local_name, then local, then remote, then protocol. */
struct settings_filter_spec {
	bool local_name;
	unsigned int local_bits;  /* network bits + 1; 0 = no local filter */
	unsigned int remote_bits; /* the same */
	bool protocol;
};

struct settings_scope_item {
	const struct config_node *node;
	struct settings_filter_spec spec;
	unsigned int seq;
};
ARRAY_DEFINE_TYPE(settings_scope_item, struct settings_scope_item);

static bool settings_filter_node_match(const struct config_node *node,
				       const struct settings_filter *filter,
				       struct settings_filter_spec *spec)
{
	const char *name = node->name;
	struct settings_net net;

	if (name == NULL)
		return false;
	if (strcmp(node->key, "protocol") == 0) {
		if (filter->protocol == NULL)
			return false;
		if (name[0] == '!') {
			if (strcmp(filter->protocol, name + 1) == 0)
				return false;
		} else if (strcmp(filter->protocol, name) != 0) {
			return false;
		}
		spec->protocol = true;
	} else if (strcmp(node->key, "local") == 0 || strcmp(node->key, "remote") == 0) {
		bool local = node->key[0] == 'l';
		const char *ip = local ? filter->local_ip : filter->remote_ip;
		unsigned int *bits = local ? &spec->local_bits : &spec->remote_bits;

		if (ip == NULL || !settings_net_parse(name, &net) || !settings_net_match(&net, ip))
			return false;
		*bits = MAX(*bits, net.bits + 1);
	} else if (strcmp(node->key, "local_name") == 0) {
		if (filter->local_name == NULL ||
		    !settings_local_name_match(name, filter->local_name))
			return false;
		spec->local_name = true;
	} else {
		return false;
	}
	return true;
}

static void settings_collect_filters(const struct config_node *section,
				     const struct settings_filter *filter,
				     const struct settings_filter_spec *parent_spec,
				     ARRAY_TYPE(settings_scope_item) *items)
{
	for (const struct config_node *node = section->children; node != NULL;
	     node = node->next) {
		struct settings_filter_spec spec = *parent_spec;
		struct settings_scope_item *item;

		if (node->type != CONFIG_NODE_SECTION || !settings_is_filter_section(node->key))
			continue;
		if (!settings_filter_node_match(node, filter, &spec))
			continue;
		item = array_append_space(items);
		item->node = node;
		item->spec = spec;
		item->seq = array_count(items) - 1;
		settings_collect_filters(node, filter, &spec, items);
	}
}

static int settings_cmp_uint(unsigned int a, unsigned int b)
{
	return a < b ? -1 : (a > b ? 1 : 0);
}

static int settings_scope_item_cmp(const void *p1, const void *p2)
{
	const struct settings_scope_item *i1 = p1, *i2 = p2;
	const struct settings_filter_spec *s1 = &i1->spec, *s2 = &i2->spec;
	int ret;

	if ((ret = settings_cmp_uint(s1->local_name, s2->local_name)) != 0 ||
	    (ret = settings_cmp_uint(s1->local_bits, s2->local_bits)) != 0 ||
	    (ret = settings_cmp_uint(s1->remote_bits, s2->remote_bits)) != 0 ||
	    (ret = settings_cmp_uint(s1->protocol, s2->protocol)) != 0)
		return ret;
	return settings_cmp_uint(i1->seq, i2->seq);
}

/* The root, then matching filters from least to most specific. */
static void settings_root_scope(const struct config_tree *tree,
				const struct settings_filter *filter,
				ARRAY_TYPE(config_node_p) *scope)
{
	const struct config_node *root = tree->root;
	ARRAY_TYPE(settings_scope_item) items;
	struct settings_filter_spec spec;

	array_push(scope, &root);
	if (filter == NULL)
		return;
	memset(&spec, 0, sizeof(spec));
	i_array_init(&items, 8);
	settings_collect_filters(tree->root, filter, &spec, &items);
	array_sort(&items, settings_scope_item_cmp);
	array_foreach(&items, item)
		array_push(scope, &item->node);
	array_free(&items);
}

/* The sections of type key (and name) directly under the scope's nodes. */
static void settings_scope_children(const ARRAY_TYPE(config_node_p) *scope, const char *key,
				    const char *name, ARRAY_TYPE(config_node_p) *result)
{
	const struct config_node *section;

	array_foreach_elem(scope, section) {
		for (const struct config_node *node = section->children; node != NULL;
		     node = node->next) {
			if (node->type == CONFIG_NODE_SECTION && strcmp(node->key, key) == 0 &&
			    node->name != NULL && strcmp(node->name, name) == 0)
				array_push(result, &node);
		}
	}
}

void settings_node_equivalents(const struct config_tree *tree,
			       const struct config_node *section,
			       ARRAY_TYPE(config_node_p) *result)
{
	ARRAY_TYPE(config_node_p) path, cur, next;
	const struct config_node *node, *step;
	unsigned int count;

	i_array_init(&path, 8);
	for (node = section; node->parent != NULL; node = node->parent)
		array_push(&path, &node);
	i_array_init(&cur, 8);
	i_array_init(&next, 8);
	node = tree->root;
	array_push(&cur, &node);
	count = array_count(&path);
	for (unsigned int i = count; i > 0; i--) {
		step = array_idx_elem(&path, i - 1);
		array_clear(&next);
		if (step->name == NULL)
			array_push(&next, &step);
		else
			settings_scope_children(&cur, step->key, step->name, &next);
		array_clear(&cur);
		array_foreach_elem(&next, node)
			array_push(&cur, &node);
	}
	array_foreach_elem(&cur, node)
		array_push(result, &node);
	array_free(&path);
	array_free(&cur);
	array_free(&next);
}

/* The scope of a section below the root: the root scope, then for each
   section on the way down the merged sections of that type and name. */
static void settings_section_scope(const struct config_tree *tree,
				   const struct config_node *section,
				   const struct settings_filter *filter,
				   ARRAY_TYPE(config_node_p) *scope)
{
	ARRAY_TYPE(config_node_p) path, next;
	const struct config_node *node, *step;
	bool found = false;

	i_array_init(&path, 8);
	for (node = section; node->parent != NULL; node = node->parent) {
		if (!settings_is_filter_section(node->key))
			array_push(&path, &node);
	}
	settings_root_scope(tree, filter, scope);
	i_array_init(&next, 8);
	for (unsigned int i = array_count(&path); i > 0; i--) {
		step = array_idx_elem(&path, i - 1);
		array_clear(&next);
		if (step->name == NULL)
			array_push(&next, &step);
		else
			settings_scope_children(scope, step->key, step->name, &next);
		array_clear(scope);
		array_foreach_elem(&next, node)
			array_push(scope, &node);
	}
	array_foreach_elem(scope, node)
		found = found || node == section;
	if (!found)
		array_push(scope, &section);
	array_free(&path);
	array_free(&next);
}

struct settings_group {
	const char *key, *name;
	ARRAY_TYPE(config_node_p) nodes;
};
ARRAY_DEFINE_TYPE(settings_group, struct settings_group);

static bool settings_group_matches(const struct settings_group *group,
				   const struct config_node *node,
				   const struct setting_table *table)
{
	const struct setting_def *def;

	if (strcmp(group->key, node->key) != 0)
		return false;
	if (group->name != NULL && node->name != NULL)
		return strcmp(group->name, node->name) == 0;
	if (group->name != NULL || node->name != NULL)
		return false;
	/* plugin { } sections are one bag of keys */
	def = settings_table_find(table, node->key);
	return def != NULL && def->type == SET_FREE_FORM;
}

/* Child sections of the scope (of type key, or all when key is NULL),
   grouped by type and name in order of first appearance. Unnamed sections
   are merged only when table says they are SET_FREE_FORM. */
static void settings_scope_groups(pool_t pool, const ARRAY_TYPE(config_node_p) *scope,
				  const char *key, const struct setting_table *table,
				  ARRAY_TYPE(settings_group) *groups)
{
	const struct config_node *section;

	p_array_init(groups, pool, 8);
	array_foreach_elem(scope, section) {
		for (const struct config_node *node = section->children; node != NULL;
		     node = node->next) {
			struct settings_group *group = NULL;

			if (node->type != CONFIG_NODE_SECTION ||
			    (key != NULL && strcmp(node->key, key) != 0))
				continue;
			array_foreach(groups, g) {
				if (settings_group_matches(g, node, table)) {
					group = g;
					break;
				}
			}
			if (group == NULL) {
				group = array_append_space(groups);
				group->key = node->key;
				group->name = node->name;
				p_array_init(&group->nodes, pool, 4);
			}
			array_push(&group->nodes, &node);
		}
	}
}

/* ---- settings_to_struct() ---- */

struct settings_value {
	const struct config_node *node;
	bool invert;
};

struct settings_typed_ctx {
	pool_t pool;     /* the result's */
	pool_t tmp_pool; /* freed at the end */
	/* settings_to_struct()'s text: "file:line: ..." for a bad value */
	const char *error;
	/* the same failure for settings_check_table(): the text without the
	   location, and the node at fault (NULL: not known) */
	const char *error_message;
	const struct config_node *error_node;
};

/* The last value of each def of table in the scope (indexed like defs). */
static struct settings_value *settings_scope_values(pool_t pool,
						    const ARRAY_TYPE(config_node_p) *scope,
						    const struct setting_table *table)
{
	const struct config_node *section;
	struct settings_value *values;
	unsigned int count = 0;

	while (table->defs != NULL && table->defs[count].key != NULL)
		count++;
	values = p_new(pool, struct settings_value, count + 1);
	array_foreach_elem(scope, section) {
		for (const struct config_node *node = section->children; node != NULL;
		     node = node->next) {
			const struct setting_def *def, *target;
			bool invert;

			if (node->type != CONFIG_NODE_SETTING)
				continue;
			def = settings_table_find(table, node->key);
			if (def == NULL || settings_def_is_section(def))
				continue;
			target = settings_def_resolve(table, def, &invert);
			values[target - table->defs].node = node;
			values[target - table->defs].invert = invert;
		}
	}
	return values;
}

static const char *settings_value_text(const struct settings_value *value)
{
	return value->invert ? settings_bool_invert(value->node->value) : value->node->value;
}

static int settings_field_set(struct settings_typed_ctx *ctx, const struct setting_def *def,
			      void *set, const char *value, const char **error_r)
{
	void *field = (char *)set + def->offset;
	uint64_t num = 0;

	if (settings_check_value(def, value, ctx->tmp_pool, error_r) < 0)
		return -1;
	switch (def->type) {
	case SET_BOOL:
		return settings_parse_bool(value, (bool *)field, error_r);
	case SET_UINT:
	case SET_UINT_OCT:
	case SET_IN_PORT:
	case SET_TIME:
	case SET_TIME_MSECS:
		if (settings_value_parse_number(def, value, ctx->tmp_pool, &num, error_r) < 0)
			return -1;
		*(unsigned int *)field = (unsigned int)num;
		return 0;
	case SET_SIZE:
		return settings_parse_size(value, (uint64_t *)field, error_r);
	case SET_STR:
	case SET_STR_VARS:
	case SET_ENUM:
		*(const char **)field = p_strdup(ctx->pool, value);
		return 0;
	case SET_LIST:
		*(const char *const **)field = p_strsplit_spaces(ctx->pool, value, " ,\t");
		return 0;
	case SET_SECTIONS:
	case SET_FREE_FORM:
		break;
	}
	*error_r = "not a value";
	return -1;
}

static bool settings_def_has_field(const struct setting_def *def)
{
	return def->offset != SETTING_NO_FIELD && (def->flags & SET_FLAG_ALIAS) == 0;
}

static int settings_fill_defaults(struct settings_typed_ctx *ctx,
				  const struct setting_table *table, void *set)
{
	static const char *const empty_list[] = { NULL };
	const char *value, *error;

	for (const struct setting_def *def = table->defs; def->key != NULL; def++) {
		if (!settings_def_has_field(def))
			continue;
		if (def->type == SET_FREE_FORM) {
			*(const char *const **)((char *)set + def->offset) = empty_list;
			continue;
		}
		if (def->type == SET_SECTIONS)
			continue;
		value = settings_def_default(ctx->tmp_pool, def);
		if (value[0] == '\0' && def->type != SET_STR && def->type != SET_STR_VARS &&
		    def->type != SET_ENUM && def->type != SET_LIST)
			continue; /* zero */
		if (settings_field_set(ctx, def, set, value, &error) < 0) {
			ctx->error = p_strdup_printf(ctx->tmp_pool, "default of %s: %s", def->key,
						     error);
			return -1;
		}
	}
	return 0;
}

static int settings_fill(struct settings_typed_ctx *ctx, const ARRAY_TYPE(config_node_p) *scope,
			 const struct setting_table *table, const char *name,
			 const char *descr, void **set_r);

static int settings_fill_sections(struct settings_typed_ctx *ctx,
				  const ARRAY_TYPE(config_node_p) *scope,
				  const struct setting_def *def, const char *descr, void *set)
{
	ARRAY(void *) *arr = (void *)((char *)set + def->offset);
	ARRAY_TYPE(settings_group) groups;
	void *sub;

	p_array_init(arr, ctx->pool, 4);
	if (def->section == NULL || def->section->struct_size == 0)
		return 0;
	settings_scope_groups(ctx->tmp_pool, scope, def->key, NULL, &groups);
	array_foreach(&groups, group) {
		const char *sub_descr = group->name == NULL ? group->key :
				p_strdup_printf(ctx->tmp_pool, "%s %s", group->key, group->name);

		if (descr != NULL)
			sub_descr = p_strdup_printf(ctx->tmp_pool, "%s / %s", descr, sub_descr);
		if (settings_fill(ctx, &group->nodes, def->section, group->name, sub_descr,
				  &sub) < 0)
			return -1;
		array_push(arr, &sub);
	}
	return 0;
}

static void settings_fill_free_form(struct settings_typed_ctx *ctx,
				    const ARRAY_TYPE(config_node_p) *scope,
				    const struct setting_def *def, void *set)
{
	ARRAY(const char *) pairs;
	const struct config_node *section;
	const char *str;

	p_array_init(&pairs, ctx->pool, 16);
	array_foreach_elem(scope, section) {
		for (const struct config_node *ff = section->children; ff != NULL; ff = ff->next) {
			if (ff->type != CONFIG_NODE_SECTION || strcmp(ff->key, def->key) != 0)
				continue;
			for (const struct config_node *node = ff->children; node != NULL;
			     node = node->next) {
				unsigned int i, count = array_count(&pairs);

				if (node->type != CONFIG_NODE_SETTING)
					continue;
				for (i = 0; i < count; i += 2) {
					if (strcmp(array_idx_elem(&pairs, i), node->key) == 0)
						break;
				}
				str = p_strdup(ctx->pool, node->value);
				if (i < count) {
					*array_idx(&pairs, i + 1) = str;
				} else {
					const char *key = p_strdup(ctx->pool, node->key);

					array_push(&pairs, &key);
					array_push(&pairs, &str);
				}
			}
		}
	}
	str = NULL;
	array_push(&pairs, &str);
	*(const char *const **)((char *)set + def->offset) = array_front(&pairs);
}

/* The node behind a failed check: check messages name the setting they
   are about ("pop3_delete_type=flag, but pop3_deleted_flag not set"), so
   the first word of the message that is a setting of the table set in this
   scope is the one to point at. NULL when every setting named kept its
   default. */
static const struct config_node *
settings_check_error_node(pool_t pool, const struct setting_table *table,
			  const struct settings_value *values, const char *message)
{
	const char *p = message;

	while (*p != '\0') {
		const struct setting_def *def, *target;
		const char *start;
		bool invert;

		while (*p != '\0' && !isalnum((unsigned char)*p) && *p != '_')
			p++;
		for (start = p; isalnum((unsigned char)*p) || *p == '_'; p++)
			;
		if (p == start)
			continue;
		def = settings_table_find(table, p_strndup(pool, start, (size_t)(p - start)));
		if (def == NULL || settings_def_is_section(def))
			continue;
		target = settings_def_resolve(table, def, &invert);
		if (values[target - table->defs].node != NULL)
			return values[target - table->defs].node;
	}
	return NULL;
}

static int settings_fill(struct settings_typed_ctx *ctx, const ARRAY_TYPE(config_node_p) *scope,
			 const struct setting_table *table, const char *name,
			 const char *descr, void **set_r)
{
	struct settings_value *values;
	const char *error;
	void *set;
	unsigned int i;

	set = p_malloc(ctx->pool, table->struct_size == 0 ? 1 : table->struct_size);
	*set_r = set;
	if (table->struct_size == 0 || table->defs == NULL)
		return 0;
	if (settings_fill_defaults(ctx, table, set) < 0)
		return -1;

	values = settings_scope_values(ctx->tmp_pool, scope, table);
	for (i = 0; table->defs[i].key != NULL; i++) {
		const struct setting_def *def = &table->defs[i];
		const struct config_node *node = values[i].node;

		if (node == NULL || !settings_def_has_field(def))
			continue;
		if (settings_field_set(ctx, def, set, settings_value_text(&values[i]),
				       &error) < 0) {
			ctx->error = p_strdup_printf(ctx->tmp_pool, "%s:%u: %s",
						     node->file != NULL ? node->file : "?",
						     node->line, error);
			ctx->error_message = p_strdup(ctx->tmp_pool, error);
			ctx->error_node = node;
			return -1;
		}
	}
	if (table->name_offset != SETTING_NO_FIELD) {
		*(const char **)((char *)set + table->name_offset) =
			p_strdup(ctx->pool, name == NULL ? "" : name);
	}
	for (i = 0; table->defs[i].key != NULL; i++) {
		const struct setting_def *def = &table->defs[i];

		if (!settings_def_has_field(def))
			continue;
		if (def->type == SET_SECTIONS) {
			if (settings_fill_sections(ctx, scope, def, descr, set) < 0)
				return -1;
		} else if (def->type == SET_FREE_FORM) {
			settings_fill_free_form(ctx, scope, def, set);
		}
	}
	if (table->check != NULL && !table->check(set, ctx->pool, &error)) {
		ctx->error = descr == NULL ? p_strdup(ctx->tmp_pool, error) :
					     p_strdup_printf(ctx->tmp_pool, "%s: %s", descr, error);
		ctx->error_message = ctx->error;
		ctx->error_node = settings_check_error_node(ctx->tmp_pool, table, values, error);
		return -1;
	}
	return 0;
}

/* settings_to_struct() with the failure left in ctx. */
static int settings_to_struct_ctx(struct settings_typed_ctx *ctx, const struct config_tree *tree,
				  const struct config_node *section,
				  const struct setting_table *table,
				  const struct settings_filter *filter, void **set_r)
{
	ARRAY_TYPE(config_node_p) scope;
	const char *descr = NULL;

	p_array_init(&scope, ctx->tmp_pool, 8);
	if (section == NULL || section == tree->root) {
		settings_root_scope(tree, filter, &scope);
	} else {
		settings_section_scope(tree, section, filter, &scope);
		descr = section->name == NULL ? section->key :
			p_strdup_printf(ctx->tmp_pool, "%s %s", section->key, section->name);
	}
	return settings_fill(ctx, &scope, table, section == NULL ? NULL : section->name, descr,
			     set_r);
}

int settings_to_struct(const struct config_tree *tree, const struct config_node *section,
		       const struct setting_table *table, const struct settings_filter *filter,
		       pool_t pool, void **set_r, const char **error_r)
{
	struct settings_typed_ctx ctx = {
		.pool = pool,
		.tmp_pool = pool_alloconly_create("settings to struct", 4096),
	};
	int ret;

	ret = settings_to_struct_ctx(&ctx, tree, section, table, filter, set_r);
	if (ret < 0) {
		*set_r = NULL;
		*error_r = p_strdup(pool, ctx.error);
	}
	pool_unref(&ctx.tmp_pool);
	return ret;
}

int settings_check_table(const struct config_tree *tree, const struct setting_table *table,
			 const struct settings_filter *filter, pool_t pool,
			 struct settings_error *error_r)
{
	/* the struct is thrown away with the temporary pool */
	pool_t tmp_pool = pool_alloconly_create("settings check", 4096);
	struct settings_typed_ctx ctx = {
		.pool = tmp_pool,
		.tmp_pool = tmp_pool,
	};
	const struct config_node *node;
	void *set;
	int ret;

	ret = settings_to_struct_ctx(&ctx, tree, tree->root, table, filter, &set);
	if (ret < 0) {
		node = ctx.error_node;
		error_r->file = node == NULL || node->file == NULL ? NULL :
				p_strdup(pool, node->file);
		error_r->line = node == NULL ? 0 : node->line;
		error_r->message = p_strdup(pool, ctx.error_message != NULL ?
						  ctx.error_message : ctx.error);
	}
	pool_unref(&tmp_pool);
	return ret;
}

const char *settings_get_value(const struct config_tree *tree,
			       const struct setting_table *root_table,
			       const struct settings_filter *filter, const char *key)
{
	const struct setting_def *def, *target;
	ARRAY_TYPE(config_node_p) scope;
	const struct config_node *section;
	const char *value = NULL;
	bool invert_key;

	def = settings_table_find(root_table, key);
	if (def == NULL || settings_def_is_section(def))
		return NULL;
	target = settings_def_resolve(root_table, def, &invert_key);

	i_array_init(&scope, 8);
	settings_root_scope(tree, filter, &scope);
	array_foreach_elem(&scope, section) {
		for (const struct config_node *node = section->children; node != NULL;
		     node = node->next) {
			const struct setting_def *d;
			bool invert;

			if (node->type != CONFIG_NODE_SETTING)
				continue;
			d = settings_table_find(root_table, node->key);
			if (d == NULL || settings_def_resolve(root_table, d, &invert) != target)
				continue;
			value = invert ? settings_bool_invert(node->value) : node->value;
		}
	}
	array_free(&scope);
	if (value == NULL)
		value = settings_def_default(tree->pool, target);
	return invert_key ? settings_bool_invert(value) : value;
}

/* ---- settings_write() ---- */

enum settings_write_kind {
	SETTINGS_WRITE_KIND_ROOT,
	SETTINGS_WRITE_KIND_FILTER,
	SETTINGS_WRITE_KIND_SECTION,
	SETTINGS_WRITE_KIND_FREE_FORM,
};

struct settings_write_ctx {
	const struct config_tree *tree;
	const struct setting_table *root_table;
	enum settings_write_flags flags;
	pool_t pool;
};

struct settings_write_entry {
	const char *key; /* after alias resolution */
	const struct setting_def *def; /* NULL: not in the table */
	bool secret;
	const struct config_node *last;
	bool last_invert;
	/* the value the built-in text gives, or NULL */
	const char *builtin_value;
	bool written;
};
ARRAY_DEFINE_TYPE(settings_write_entry, struct settings_write_entry);

static bool settings_file_is_builtin(const char *file)
{
	/* "(built-in)" and other texts that are no admin's file */
	return file == NULL || file[0] == '(';
}

static bool settings_char_needs_quotes(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '#' || c == '"';
}

static bool settings_value_needs_quotes(const char *value)
{
	size_t len = strlen(value);

	if (len == 0)
		return false;
	/* a '\\' at the end would continue the line */
	if (SETTINGS_IS_WHITE(value[0]) || SETTINGS_IS_WHITE(value[len - 1]) ||
	    value[0] == '\'' || value[0] == '<' || value[len - 1] == '\\')
		return true;
	for (size_t i = 0; i < len; i++) {
		/* '$' would be expanded when the text is read back */
		if (settings_char_needs_quotes((unsigned char)value[i]) || value[i] == '$')
			return true;
	}
	return false;
}

static bool settings_name_needs_quotes(const char *name)
{
	if (name[0] == '\0' || name[0] == '\'')
		return true;
	for (const char *p = name; *p != '\0'; p++) {
		if (settings_char_needs_quotes((unsigned char)*p) || SETTINGS_IS_WHITE(*p) ||
		    *p == '{' || *p == '}' || *p == '=')
			return true;
	}
	return false;
}

static void settings_write_quoted(string_t *dest, const char *value)
{
	str_append_c(dest, '"');
	for (const char *p = value; *p != '\0'; p++) {
		switch (*p) {
		case '\\':
			str_append(dest, "\\\\");
			break;
		case '"':
			str_append(dest, "\\\"");
			break;
		case '\n':
			str_append(dest, "\\n");
			break;
		case '\r':
			str_append(dest, "\\r");
			break;
		case '\t':
			str_append(dest, "\\t");
			break;
		default:
			str_append_c(dest, *p);
			break;
		}
	}
	str_append_c(dest, '"');
}

static void settings_write_indent(string_t *dest, unsigned int indent)
{
	for (unsigned int i = 0; i < indent; i++)
		str_append(dest, "  ");
}

static void settings_write_line(string_t *dest, unsigned int indent, const char *key,
				const char *value, const char *file_path, bool from_file)
{
	settings_write_indent(dest, indent);
	str_append(dest, key);
	str_append(dest, " =");
	if (file_path == NULL && from_file) {
		/* file contents: always quoted, so that they read back as they are */
		str_append_c(dest, ' ');
		settings_write_quoted(dest, value);
	} else if (file_path != NULL) {
		str_append(dest, " <");
		if (settings_name_needs_quotes(file_path))
			settings_write_quoted(dest, file_path);
		else
			str_append(dest, file_path);
	} else if (value[0] != '\0') {
		str_append_c(dest, ' ');
		if (settings_value_needs_quotes(value))
			settings_write_quoted(dest, value);
		else
			str_append(dest, value);
	}
	str_append_c(dest, '\n');
}

static struct settings_write_entry *
settings_write_entry_find(ARRAY_TYPE(settings_write_entry) *entries, const char *key)
{
	array_foreach(entries, entry) {
		if (strcmp(entry->key, key) == 0)
			return entry;
	}
	return NULL;
}

static void settings_write_collect(struct settings_write_ctx *ctx,
				   const ARRAY_TYPE(config_node_p) *scope,
				   const struct setting_table *table,
				   ARRAY_TYPE(settings_write_entry) *entries)
{
	const struct config_node *section;

	p_array_init(entries, ctx->pool, 32);
	array_foreach_elem(scope, section) {
		for (const struct config_node *node = section->children; node != NULL;
		     node = node->next) {
			const struct setting_def *def = NULL, *target = NULL;
			struct settings_write_entry *entry;
			const char *key = node->key;
			bool invert = false;

			if (node->type != CONFIG_NODE_SETTING)
				continue;
			if (table != NULL)
				def = settings_table_find(table, node->key);
			if (def != NULL && settings_def_is_section(def))
				def = NULL;
			if (def != NULL) {
				target = settings_def_resolve(table, def, &invert);
				key = target->key;
			}
			entry = settings_write_entry_find(entries, key);
			if (entry == NULL) {
				entry = array_append_space(entries);
				entry->key = key;
				entry->def = target;
			}
			if (def != NULL && ((def->flags | target->flags) & SET_FLAG_SECRET) != 0)
				entry->secret = true;
			entry->last = node;
			entry->last_invert = invert;
			if (settings_file_is_builtin(node->file)) {
				entry->builtin_value = invert ? settings_bool_invert(node->value) :
								node->value;
			}
		}
	}
}

static void settings_write_entry(struct settings_write_ctx *ctx,
				 struct settings_write_entry *entry, bool compare_defaults,
				 unsigned int indent, string_t *dest)
{
	const struct config_node *node = entry->last;
	const char *value, *base, *file_path = NULL;

	entry->written = true;
	if ((ctx->flags & SETTINGS_WRITE_HIDE_SECRETS) != 0 && entry->secret)
		return;
	value = entry->last_invert ? settings_bool_invert(node->value) : node->value;
	if ((ctx->flags & SETTINGS_WRITE_NONDEFAULT) != 0) {
		if (settings_file_is_builtin(node->file))
			return;
		base = entry->builtin_value;
		if (base == NULL && entry->def != NULL)
			base = settings_def_default(ctx->pool, entry->def);
		if (compare_defaults && base != NULL && strcmp(value, base) == 0)
			return;
	}
	if (node->value_file_path != NULL && !entry->last_invert &&
	    (ctx->flags & SETTINGS_WRITE_FILE_CONTENTS) == 0)
		file_path = node->value_file_path;
	settings_write_line(dest, indent, entry->key, value, file_path,
			    node->value_file_path != NULL && !entry->last_invert);
}

static void settings_write_scope(struct settings_write_ctx *ctx,
				 const ARRAY_TYPE(config_node_p) *scope,
				 const struct setting_table *table, enum settings_write_kind kind,
				 unsigned int indent, string_t *dest);

static void settings_write_settings(struct settings_write_ctx *ctx,
				    const ARRAY_TYPE(config_node_p) *scope,
				    const struct setting_table *table,
				    enum settings_write_kind kind, unsigned int indent,
				    string_t *dest)
{
	bool nondefault = (ctx->flags & SETTINGS_WRITE_NONDEFAULT) != 0;
	bool with_defaults = kind == SETTINGS_WRITE_KIND_ROOT ||
			     kind == SETTINGS_WRITE_KIND_SECTION;
	ARRAY_TYPE(settings_write_entry) entries;
	struct settings_write_entry *entry;

	if (kind == SETTINGS_WRITE_KIND_FREE_FORM)
		table = NULL;
	settings_write_collect(ctx, scope, table, &entries);
	/* known settings in table order, then the rest as they came */
	for (const struct setting_def *def = table == NULL ? NULL : table->defs;
	     def != NULL && def->key != NULL; def++) {
		if ((def->flags & SET_FLAG_ALIAS) != 0 || settings_def_is_section(def))
			continue;
		entry = settings_write_entry_find(&entries, def->key);
		if (entry != NULL) {
			settings_write_entry(ctx, entry, with_defaults, indent, dest);
		} else if (with_defaults && !nondefault &&
			   ((ctx->flags & SETTINGS_WRITE_HIDE_SECRETS) == 0 ||
			    (def->flags & SET_FLAG_SECRET) == 0)) {
			settings_write_line(dest, indent, def->key,
					    settings_def_default(ctx->pool, def), NULL, false);
		}
	}
	array_foreach(&entries, e) {
		if (!e->written)
			settings_write_entry(ctx, e, with_defaults && e->def != NULL, indent, dest);
	}
}

static void settings_write_group(struct settings_write_ctx *ctx,
				 const struct settings_group *group,
				 const struct setting_table *table, enum settings_write_kind kind,
				 unsigned int indent, string_t *dest)
{
	enum settings_write_kind sub_kind = SETTINGS_WRITE_KIND_SECTION;
	const struct setting_table *sub_table = NULL;
	const struct setting_def *def;
	const struct config_node *node;
	bool builtin = false;
	string_t *body;

	if ((kind == SETTINGS_WRITE_KIND_ROOT || kind == SETTINGS_WRITE_KIND_FILTER) &&
	    settings_is_filter_section(group->key)) {
		sub_kind = SETTINGS_WRITE_KIND_FILTER;
		sub_table = ctx->root_table;
	} else if (kind != SETTINGS_WRITE_KIND_FREE_FORM &&
		   (def = settings_table_find(table, group->key)) != NULL) {
		if (def->type == SET_SECTIONS)
			sub_table = def->section;
		else if (def->type == SET_FREE_FORM)
			sub_kind = SETTINGS_WRITE_KIND_FREE_FORM;
	}

	body = str_new(ctx->pool, 256);
	settings_write_scope(ctx, &group->nodes, sub_table, sub_kind, indent + 1, body);
	if ((ctx->flags & SETTINGS_WRITE_NONDEFAULT) != 0 && str_len(body) == 0) {
		/* a section the admin created is written even when empty:
		   its existence matters (namespace inbox { }) */
		array_foreach_elem(&group->nodes, node)
			builtin = builtin || settings_file_is_builtin(node->file);
		if (builtin)
			return;
	}
	settings_write_indent(dest, indent);
	str_append(dest, group->key);
	if (group->name != NULL) {
		str_append_c(dest, ' ');
		if (settings_name_needs_quotes(group->name))
			settings_write_quoted(dest, group->name);
		else
			str_append(dest, group->name);
	}
	str_append(dest, " {\n");
	str_append_str(dest, body);
	settings_write_indent(dest, indent);
	str_append(dest, "}\n");
}

static void settings_write_scope(struct settings_write_ctx *ctx,
				 const ARRAY_TYPE(config_node_p) *scope,
				 const struct setting_table *table, enum settings_write_kind kind,
				 unsigned int indent, string_t *dest)
{
	ARRAY_TYPE(settings_group) groups;

	settings_write_settings(ctx, scope, table, kind, indent, dest);
	settings_scope_groups(ctx->pool, scope, NULL,
			      kind == SETTINGS_WRITE_KIND_FREE_FORM ? NULL : table, &groups);
	array_foreach(&groups, group)
		settings_write_group(ctx, group, table, kind, indent, dest);
}

void settings_write(const struct config_tree *tree, const struct setting_table *root_table,
		    enum settings_write_flags flags, string_t *dest)
{
	struct settings_write_ctx ctx = {
		.tree = tree,
		.root_table = root_table,
		.flags = flags,
		.pool = pool_alloconly_create("settings write", 4096),
	};
	ARRAY_TYPE(config_node_p) scope;
	const struct config_node *root = tree->root;

	p_array_init(&scope, ctx.pool, 1);
	array_push(&scope, &root);
	settings_write_scope(&ctx, &scope, root_table, SETTINGS_WRITE_KIND_ROOT, 0, dest);
	pool_unref(&ctx.pool);
}

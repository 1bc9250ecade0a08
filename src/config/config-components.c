/* config_components_check(): every component's table under the filters its
   processes read it with. See config-components.h. */

#include "lib.h"
#include "config-load.h"
#include "config-components.h"
#include "auth-settings.h"
#include "imap-settings.h"
#include "lmtp-settings.h"
#include "login-settings.h"
#include "mail-storage-settings.h"
#include "pop3-settings.h"
#include "tls-settings.h"

static const char *const imap_protocols[] = { "imap", NULL };
static const char *const pop3_protocols[] = { "pop3", NULL };
/* lmtp, and roost-lda (Dovecot's `protocol lda { }`) */
static const char *const lmtp_protocols[] = { "lmtp", "lda", NULL };
/* imap-login and pop3-login, per connection */
static const char *const login_protocols[] = { "imap", "pop3", NULL };
/* every process that opens mail */
static const char *const storage_protocols[] = { "imap", "pop3", "lmtp", "lda", NULL };

const struct config_component config_components[] = {
	/* one auth process serves every protocol with the unfiltered values */
	{ "auth", &auth_setting_table, NULL },
	{ "imap-login, pop3-login", &login_setting_table, login_protocols },
	{ "imap-login, pop3-login (TLS)", &tls_setting_table, login_protocols },
	{ "imap", &imap_setting_table, imap_protocols },
	{ "pop3", &pop3_setting_table, pop3_protocols },
	{ "lmtp", &lmtp_setting_table, lmtp_protocols },
	{ "imap, pop3, lmtp (storage)", &mail_storage_setting_table, storage_protocols },
	{ .table = NULL },
};

/* A local, remote or local_name section of the tree, with the filter
   sections it sits in. */
struct config_filter_path {
	/* its local_ip, remote_ip and local_name; protocol is set per run */
	struct settings_filter filter;
	/* the `protocol NAME` it sits in (not `protocol !NAME`), or NULL */
	const char *protocol;
	const struct config_node *section;
	/* "protocol imap / local 10.0.0.0/8" */
	const char *descr;
};
ARRAY_DEFINE_TYPE(config_filter_path, struct config_filter_path);

struct config_components_ctx {
	struct config_tree *tree;
	const char *path;
	ARRAY_TYPE(settings_error) *errors;
	unsigned int added;
};

/* An address inside `local NET` or `remote NET`: the network's own. */
static const char *config_filter_ip(pool_t pool, const char *net)
{
	return p_strndup(pool, net, strcspn(net, "/"));
}

/* A name that the first pattern of `local_name PATTERNS` matches. */
static const char *config_filter_name(pool_t pool, const char *patterns)
{
	const char *start = patterns + strspn(patterns, " ");
	char *name = p_strndup(pool, start, strcspn(start, " "));

	for (char *p = name; *p != '\0'; p++) {
		if (*p == '*' || *p == '?')
			*p = 'x';
	}
	return name;
}

static void config_collect_filter_paths(pool_t pool, const struct config_node *section,
					const struct config_filter_path *parent,
					ARRAY_TYPE(config_filter_path) *paths)
{
	for (const struct config_node *node = section->children; node != NULL;
	     node = node->next) {
		struct config_filter_path path = *parent;
		const char *what;

		if (node->type != CONFIG_NODE_SECTION || !settings_is_filter_section(node->key) ||
		    node->name == NULL)
			continue;
		what = p_strdup_printf(pool, "%s %s", node->key, node->name);
		path.descr = parent->descr == NULL ? what :
			     p_strdup_printf(pool, "%s / %s", parent->descr, what);
		path.section = node;
		if (strcmp(node->key, "protocol") == 0) {
			if (node->name[0] != '!')
				path.protocol = node->name;
		} else if (strcmp(node->key, "local") == 0) {
			path.filter.local_ip = config_filter_ip(pool, node->name);
		} else if (strcmp(node->key, "remote") == 0) {
			path.filter.remote_ip = config_filter_ip(pool, node->name);
		} else {
			path.filter.local_name = config_filter_name(pool, node->name);
		}
		/* protocol sections alone change nothing that the runs with
		   each component's protocols do not already see */
		if (path.filter.local_ip != NULL || path.filter.remote_ip != NULL ||
		    path.filter.local_name != NULL)
			array_push(paths, &path);
		config_collect_filter_paths(pool, node, &path, paths);
	}
}

/* Whether errors already hold one at file:line (for line 0: the same
   message there). */
static bool config_error_exists(const ARRAY_TYPE(settings_error) *errors, const char *file,
				unsigned int line, const char *message)
{
	array_foreach(errors, error) {
		if (error->file == NULL || strcmp(error->file, file) != 0 || error->line != line)
			continue;
		if (line != 0 || strcmp(error->message, message) == 0)
			return true;
	}
	return false;
}

static void config_component_check(struct config_components_ctx *ctx,
				   const struct config_component *component,
				   const char *protocol, const struct config_filter_path *path)
{
	struct settings_filter filter = { .protocol = protocol };
	struct settings_error error, *added;
	pool_t pool = ctx->tree->pool;

	if (path != NULL) {
		filter = path->filter;
		filter.protocol = protocol;
	}
	if (settings_check_table(ctx->tree, component->table, &filter, pool, &error) == 0)
		return;
	if (error.file == NULL) {
		/* every setting the message names kept its default */
		error.file = path != NULL ? path->section->file : ctx->path;
		error.line = path != NULL ? path->section->line : 0;
	}
	if (path != NULL)
		error.message = p_strdup_printf(pool, "%s: %s", path->descr, error.message);
	if (config_error_exists(ctx->errors, error.file, error.line, error.message))
		return;
	added = array_append_space(ctx->errors);
	*added = error;
	ctx->added++;
}

static bool config_component_reads(const struct config_component *component,
				   const char *protocol)
{
	return component->protocols != NULL && str_array_find(component->protocols, protocol);
}

unsigned int config_components_check(struct config_tree *tree, const char *path,
				     ARRAY_TYPE(settings_error) *errors)
{
	struct config_components_ctx ctx = { .tree = tree, .path = path, .errors = errors };
	ARRAY_TYPE(config_filter_path) paths;
	const struct config_component *component;
	struct config_filter_path root_path = { .section = NULL };

	if (!array_is_created(errors))
		p_array_init(errors, tree->pool, 8);
	p_array_init(&paths, tree->pool, 8);
	config_collect_filter_paths(tree->pool, tree->root, &root_path, &paths);

	/* the values each process reads for its protocols; then those of
	   connections that local/remote/local_name sections select */
	for (component = config_components; component->table != NULL; component++) {
		if (component->protocols == NULL) {
			config_component_check(&ctx, component, NULL, NULL);
			continue;
		}
		for (unsigned int i = 0; component->protocols[i] != NULL; i++)
			config_component_check(&ctx, component, component->protocols[i], NULL);
	}
	array_foreach(&paths, filter_path) {
		for (component = config_components; component->table != NULL; component++) {
			if (component->protocols == NULL)
				continue;
			if (filter_path->protocol != NULL) {
				if (config_component_reads(component, filter_path->protocol))
					config_component_check(&ctx, component,
							       filter_path->protocol, filter_path);
				continue;
			}
			for (unsigned int i = 0; component->protocols[i] != NULL; i++)
				config_component_check(&ctx, component, component->protocols[i],
						       filter_path);
		}
	}
	return ctx.added;
}

int config_components_load(const char *path, struct config_tree **tree_r,
			   ARRAY_TYPE(settings_error) *errors,
			   ARRAY_TYPE(settings_error) *warnings)
{
	if (config_load(path, tree_r, errors, warnings) < 0)
		return -1;
	return config_components_check(*tree_r, path, errors) == 0 ? 0 : -1;
}

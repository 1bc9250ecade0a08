/* Mail users and their namespaces. */

#include "lib.h"
#include "var-expand.h"
#include "mail-user.h"
#include "mail-storage-private.h"
#include "mail-storage-settings.h"
#include "mail-storage-hooks.h"
#include "mailbox-list.h"

#include <sys/stat.h>

static const char *expand_home(pool_t pool, const char *path, const char *home,
			       const char **error_r)
{
	if (path[0] != '~' || (path[1] != '/' && path[1] != '\0'))
		return p_strdup(pool, path);
	if (home == NULL || home[0] == '\0') {
		*error_r = "~ used in a mail location but the user has no home directory";
		return NULL;
	}
	return p_strconcat(pool, home, path + 1, NULL);
}

int mail_namespace_parse_location(pool_t pool, const char *location, const char *home,
				  struct mail_namespace *ns, const char **error_r)
{
	const char *rest;

	if (!str_begins(location, "maildir:", &rest)) {
		*error_r = t_strdup_printf("unsupported mail location '%s': Roost stores mail "
					   "in Maildir (maildir:<path>)", location);
		return -1;
	}
	const char *const *parts = (const char *const *)p_strsplit(pool_temp, rest, ":");
	if (parts[0][0] == '\0') {
		*error_r = "mail location has an empty path";
		return -1;
	}
	if ((ns->root_dir = expand_home(pool, parts[0], home, error_r)) == NULL)
		return -1;
	ns->index_root = ns->control_root = ns->inbox_dir = ns->root_dir;
	ns->layout_fs = false;
	for (unsigned int i = 1; parts[i] != NULL; i++) {
		const char *value, **dest = NULL;
		if (str_begins(parts[i], "LAYOUT=", &value)) {
			if (strcmp(value, "fs") == 0)
				ns->layout_fs = true;
			else if (strcmp(value, "maildir++") != 0) {
				*error_r = t_strdup_printf("unsupported LAYOUT=%s", value);
				return -1;
			}
			continue;
		}
		if (str_begins(parts[i], "INDEX=", &value))
			dest = &ns->index_root;
		else if (str_begins(parts[i], "CONTROL=", &value))
			dest = &ns->control_root;
		else if (str_begins(parts[i], "INBOX=", &value))
			dest = &ns->inbox_dir;
		else if (str_begins(parts[i], "DIRNAME=", &value) ||
			 str_begins(parts[i], "UTF-8", &value) || parts[i][0] == '\0') {
			*error_r = t_strdup_printf("unsupported mail location parameter '%s'",
						   parts[i]);
			return -1;
		} else {
			/* Dovecot ignores unknown ones with a warning too */
			i_warning("mail_location: ignoring unknown parameter '%s'", parts[i]);
			continue;
		}
		if (strcmp(value, "MEMORY") == 0) {
			*error_r = "INDEX=MEMORY is not supported";
			return -1;
		}
		if ((*dest = expand_home(pool, value, home, error_r)) == NULL)
			return -1;
	}
	return 0;
}

static int expand(pool_t pool, const char *str, const struct var_expand_table *tab,
		  const char **result_r, const char **error_r)
{
	string_t *dest = str_new(pool_temp, 128);

	if (var_expand(dest, str, tab, error_r) < 0)
		return -1;
	*result_r = p_strdup(pool, str_c(dest));
	return 0;
}

static struct mail_namespace *namespace_add(struct mail_user *user)
{
	struct mail_namespace *ns = p_new(user->pool, struct mail_namespace, 1);

	ns->user = user;
	array_push(&user->namespaces, &ns);
	return ns;
}

int mail_user_create(const struct mail_storage_settings *set, const char *username,
		     const char *home, struct mail_user **user_r, const char **error_r)
{
	pool_t pool = pool_alloconly_create("mail user", 1024);
	struct mail_user *user = p_new(pool, struct mail_user, 1);
	const char *at = strchr(username, '@');
	const char *n = at == NULL ? username : t_strndup(username, (size_t)(at - username));
	const char *d = at == NULL ? "" : at + 1;

	user->pool = pool;
	user->username = p_strdup(pool, username);
	user->set = set;
	p_array_init(&user->namespaces, pool, 2);
	struct var_expand_table tab[] = {
		{ 'u', username, "user" }, { 'n', n, "username" }, { 'd', d, "domain" },
		{ 'h', home == NULL ? "" : home, "home" }, { '\0', NULL, NULL },
	};
	if ((home == NULL || home[0] == '\0') && set->mail_home[0] != '\0') {
		if (expand(pool, set->mail_home, tab, &home, error_r) < 0) {
			*error_r = t_strdup_printf("mail_home: %s", *error_r);
			goto fail;
		}
		tab[3].value = home;
	}
	user->home = home == NULL ? NULL : p_strdup(pool, home);

	user->index_set.fsync_mode = strcmp(set->mail_fsync, "never") == 0 ? MAIL_FSYNC_NEVER :
				     strcmp(set->mail_fsync, "always") == 0 ? MAIL_FSYNC_ALWAYS :
									      MAIL_FSYNC_OPTIMIZED;
	if (file_lock_method_parse(set->lock_method, &user->index_set.lock_method) < 0) {
		*error_r = t_strdup_printf("lock_method: unknown method %s", set->lock_method);
		goto fail;
	}
	user->index_set.file_mode = 0600;
	user->index_set.file_gid = (gid_t)-1;
	user->index_set.lock_timeout_secs =
		set->mail_max_lock_timeout == 0 ? 120 : set->mail_max_lock_timeout;

	user->attribute_dict = "";
	if (set->mail_attribute_dict[0] != '\0' &&
	    expand(pool, set->mail_attribute_dict, tab, &user->attribute_dict, error_r) < 0) {
		*error_r = t_strdup_printf("mail_attribute_dict: %s", *error_r);
		goto fail;
	}

	const char *location;
	if (set->mail_location[0] == '\0') {
		/* Dovecot autodetects; Roost looks for ~/Maildir only */
		struct stat st;
		const char *maildir = home == NULL ? NULL : t_strconcat(home, "/Maildir", NULL);
		if (maildir == NULL || stat(maildir, &st) < 0) {
			*error_r = "mail_location is not set and ~/Maildir does not exist";
			goto fail;
		}
		location = p_strconcat(pool, "maildir:", maildir, NULL);
	} else if (expand(pool, set->mail_location, tab, &location, error_r) < 0) {
		*error_r = t_strdup_printf("mail_location: %s", *error_r);
		goto fail;
	}

	if (array_count(&set->namespaces) == 0) {
		struct mail_namespace *ns = namespace_add(user);
		ns->name = "inbox";
		ns->prefix = "";
		ns->inbox = true;
		ns->subscriptions = true;
		if (mail_namespace_parse_location(pool, location, home, ns, error_r) < 0)
			goto fail;
		ns->sep = ns->layout_fs ? '/' : '.';
	}
	struct namespace_settings *ns_set;
	array_foreach_elem(&set->namespaces, ns_set) {
		if (ns_set->disabled)
			continue;
		if (strcmp(ns_set->type, "private") != 0) {
			/* shared/public namespaces come later */
			i_warning("namespace %s: type %s is not supported yet, ignored",
				  ns_set->name, ns_set->type);
			continue;
		}
		struct mail_namespace *ns = namespace_add(user);
		ns->set = ns_set;
		ns->name = ns_set->name;
		ns->inbox = ns_set->inbox;
		ns->hidden = ns_set->hidden;
		ns->subscriptions = ns_set->subscriptions;
		ns->list = strcmp(ns_set->list, "no") == 0 ? MAIL_NAMESPACE_LIST_NO :
			   strcmp(ns_set->list, "children") == 0 ? MAIL_NAMESPACE_LIST_CHILDREN :
								   MAIL_NAMESPACE_LIST_YES;
		if (expand(pool, ns_set->prefix, tab, &ns->prefix, error_r) < 0) {
			*error_r = t_strdup_printf("namespace %s prefix: %s", ns->name, *error_r);
			goto fail;
		}
		const char *ns_location = location;
		if (ns_set->location[0] != '\0' &&
		    expand(pool, ns_set->location, tab, &ns_location, error_r) < 0) {
			*error_r = t_strdup_printf("namespace %s location: %s", ns->name, *error_r);
			goto fail;
		}
		if (mail_namespace_parse_location(pool, ns_location, home, ns, error_r) < 0) {
			*error_r = t_strdup_printf("namespace %s: %s", ns->name, *error_r);
			goto fail;
		}
		if (strlen(ns_set->separator) > 1) {
			*error_r = t_strdup_printf("namespace %s: separator must be one character",
						   ns->name);
			goto fail;
		}
		ns->sep = ns_set->separator[0] != '\0' ? ns_set->separator[0] :
			  ns->layout_fs ? '/' : '.';
	}
	if (array_count(&user->namespaces) == 0) {
		*error_r = "no usable namespaces";
		goto fail;
	}
	struct mail_namespace *auto_ns;
	array_foreach_elem(&user->namespaces, auto_ns)
		mailbox_list_autocreate(auto_ns);
	*user_r = user;
	return 0;
fail:
	pool_unref(&pool);
	return -1;
}

void mail_user_free(struct mail_user **_user)
{
	struct mail_user *user = *_user;

	*_user = NULL;
	hook_mail_user_deinit(user);
	pool_unref(&user->pool);
}

struct mail_namespace *mail_user_get_inbox_namespace(struct mail_user *user)
{
	struct mail_namespace *ns;

	array_foreach_elem(&user->namespaces, ns) {
		if (ns->inbox)
			return ns;
	}
	return array_idx_elem(&user->namespaces, 0);
}

struct mail_namespace *mail_user_find_namespace(struct mail_user *user, const char *vname)
{
	struct mail_namespace *best = NULL;
	size_t best_len = 0;
	struct mail_namespace *ns;

	if (strcasecmp(vname, "INBOX") == 0)
		return mail_user_get_inbox_namespace(user);
	array_foreach_elem(&user->namespaces, ns) {
		size_t len = strlen(ns->prefix);
		if (strncmp(vname, ns->prefix, len) == 0 && (best == NULL || len > best_len)) {
			best = ns;
			best_len = len;
		}
	}
	return best;
}

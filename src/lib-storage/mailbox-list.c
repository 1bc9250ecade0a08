/* Mailbox names on disk (Maildir++ and LAYOUT=fs), listing,
   subscriptions, rename. */

#include "lib.h"
#include "mutf7.h"
#include "path.h"
#include "utf8.h"
#include "file-dotlock.h"
#include "mail-storage-private.h"
#include "mail-storage-settings.h"
#include "mailbox-list.h"
#include "subscription-file.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

int mailbox_name_validate(const struct mail_namespace *ns, const char *name,
			  const char **error_r)
{
	if (name[0] == '\0') {
		*error_r = "Empty mailbox name";
		return -1;
	}
	if (!utf8_is_valid(name, strlen(name))) {
		*error_r = "Mailbox name is not valid UTF-8";
		return -1;
	}
	if (strlen(name) > 1024) {
		*error_r = "Mailbox name too long";
		return -1;
	}
	const char *const *levels = (const char *const *)p_strsplit(
		pool_temp, name, (const char[]){ ns->sep, '\0' });
	for (; *levels != NULL; levels++) {
		const char *error;
		if (path_normalize_component(*levels, &error) < 0) {
			*error_r = (*levels)[0] == '\0' ?
				"Mailbox name has an empty hierarchy level" :
				t_strdup_printf("Invalid mailbox name: %s", error);
			return -1;
		}
		if (!ns->layout_fs && ns->sep != '.' && strchr(*levels, '.') != NULL) {
			*error_r = "Character not allowed in mailbox name: '.'";
			return -1;
		}
	}
	return 0;
}

/* The on-disk relative name of name (mUTF-7 levels joined by the layout's
   separator). */
static const char *name_to_disk(const struct mail_namespace *ns, const char *name)
{
	const char *const *levels = (const char *const *)p_strsplit(
		pool_temp, name, (const char[]){ ns->sep, '\0' });
	string_t *str = str_new(pool_temp, 128);

	if (!ns->layout_fs)
		str_append_c(str, '.');
	for (unsigned int i = 0; levels[i] != NULL; i++) {
		if (i > 0)
			str_append_c(str, ns->layout_fs ? '/' : '.');
		if (imap_utf8_to_utf7(levels[i], str) < 0)
			i_unreached(); /* validated UTF-8 */
	}
	return str_c(str);
}

int mailbox_list_get_paths(struct mail_namespace *ns, const char *name, pool_t pool,
			   const char **path_r, const char **index_dir_r,
			   const char **control_dir_r, const char **error_r)
{
	if (ns->inbox && strcmp(name, "INBOX") == 0) {
		*path_r = p_strdup(pool, ns->inbox_dir);
		*index_dir_r = p_strdup(pool, strcmp(ns->index_root, ns->root_dir) == 0 ?
						      ns->inbox_dir : ns->index_root);
		*control_dir_r = p_strdup(pool, strcmp(ns->control_root, ns->root_dir) == 0 ?
							ns->inbox_dir : ns->control_root);
		return 0;
	}
	if (mailbox_name_validate(ns, name, error_r) < 0)
		return -1;
	const char *rel = name_to_disk(ns, name);
	*path_r = p_strdup_printf(pool, "%s/%s", ns->root_dir, rel);
	*index_dir_r = p_strdup_printf(pool, "%s/%s", ns->index_root, rel);
	*control_dir_r = p_strdup_printf(pool, "%s/%s", ns->control_root, rel);
	return 0;
}

/* ---- patterns ---- */

bool mailbox_list_pattern_match(const char *pattern, const char *vname, char sep)
{
	while (*pattern != '\0') {
		if (*pattern == '*' || *pattern == '%') {
			bool any = *pattern == '*';
			pattern++;
			for (const char *p = vname;; p++) {
				if (mailbox_list_pattern_match(pattern, p, sep))
					return true;
				if (*p == '\0' || (!any && *p == sep))
					return false;
			}
		}
		if (*pattern != *vname)
			return false;
		pattern++;
		vname++;
	}
	return *vname == '\0';
}

/* ---- subscriptions ---- */

static const char *subscriptions_path(struct mail_namespace *ns)
{
	return t_strconcat(ns->control_root, "/" SUBSCRIPTION_FILE_NAME, NULL);
}

int mailbox_list_get_subscriptions(struct mail_namespace *ns, pool_t pool,
				   ARRAY_TYPE(const_string) *names, const char **error_r)
{
	const char *path = subscriptions_path(ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		*error_r = t_strdup_printf("open(%s) failed: %s", path, strerror(errno));
		return -1;
	}
	string_t *data = str_new(pool_temp, 1024);
	char buf[4096];
	ssize_t ret;
	while ((ret = read(fd, buf, sizeof(buf))) > 0)
		str_append_data(data, buf, (size_t)ret);
	i_close_fd(&fd);
	if (ret < 0) {
		*error_r = t_strdup_printf("read(%s) failed: %s", path, strerror(errno));
		return -1;
	}
	ARRAY_TYPE(const_string) raw;
	p_array_init(&raw, pool_temp, 16);
	subscription_file_parse(pool, str_data(data), str_len(data), ns->sep,
				ns->layout_fs ? '/' : '.', &raw);
	const char *name;
	array_foreach_elem(&raw, name) {
		const char *full = strcmp(name, "INBOX") == 0 && ns->inbox ? name :
			p_strconcat(pool, ns->prefix, name, NULL);
		array_push(names, &full);
	}
	return 0;
}

int mailbox_set_subscribed(struct mailbox *box, bool set)
{
	struct mail_namespace *ns = box->ns;
	const char *error;

	if (ns == NULL) {
		mailbox_set_error(box, MAIL_ERROR_NOTFOUND, "No such namespace");
		return -1;
	}
	if (!box->is_inbox && mailbox_name_validate(ns, box->name, &error) < 0) {
		mailbox_set_error(box, MAIL_ERROR_PARAMS, error);
		return -1;
	}
	const char *path = subscriptions_path(ns);
	struct dotlock_settings dset = { .timeout = 120, .stale_timeout = 30, .mode = 0600,
					 .gid = (gid_t)-1 };
	struct dotlock *dotlock;
	if (mkdir(ns->control_root, 0700) < 0 && errno != EEXIST) {
		mailbox_set_syscall_error(box, "mkdir", ns->control_root);
		return -1;
	}
	int ret = file_dotlock_create(path, &dset, &dotlock, &error);
	if (ret <= 0) {
		if (ret == 0)
			mailbox_set_error(box, MAIL_ERROR_TEMP, "Timeout waiting for a lock");
		else
			mailbox_set_critical(box, "%s", error);
		return -1;
	}
	ARRAY_TYPE(const_string) names, out;
	p_array_init(&names, pool_temp, 16);
	p_array_init(&out, pool_temp, 16);
	if (mailbox_list_get_subscriptions(ns, pool_temp, &names, &error) < 0) {
		mailbox_set_critical(box, "%s", error);
		file_dotlock_delete(&dotlock);
		return -1;
	}
	bool found = false;
	const char *name;
	array_foreach_elem(&names, name) {
		if (strcmp(name, box->vname) == 0) {
			found = true;
			if (!set)
				continue;
		}
		const char *rel = strcmp(name, "INBOX") == 0 ? name : name + strlen(ns->prefix);
		array_push(&out, &rel);
	}
	if (found == set) {
		file_dotlock_delete(&dotlock);
		return 0;
	}
	if (set) {
		const char *rel = box->is_inbox ? "INBOX" : box->name;
		array_push(&out, &rel);
	}
	string_t *data = str_new(pool_temp, 1024);
	subscription_file_write(&out, ns->sep, data);
	int fd = file_dotlock_get_fd(dotlock);
	if (write(fd, str_data(data), str_len(data)) != (ssize_t)str_len(data)) {
		mailbox_set_syscall_error(box, "write", path);
		file_dotlock_delete(&dotlock);
		return -1;
	}
	if (file_dotlock_replace(&dotlock,
				 box->user->index_set.fsync_mode != MAIL_FSYNC_NEVER, &error) < 0) {
		mailbox_set_critical(box, "%s", error);
		return -1;
	}
	return 0;
}

/* ---- listing ---- */

struct list_entry {
	const char *name; /* inside the namespace */
	bool exists;
	bool selectable;
};
ARRAY_DEFINE_TYPE(list_entry, struct list_entry);

static int entry_cmp(const void *p1, const void *p2)
{
	const struct list_entry *e1 = p1, *e2 = p2;

	return strcmp(e1->name, e2->name);
}

static void add_name(pool_t pool, ARRAY_TYPE(list_entry) *entries, const char *name,
		     bool selectable)
{
	array_foreach(entries, e) {
		if (strcmp(e->name, name) == 0) {
			e->exists = true;
			e->selectable = e->selectable || selectable;
			return;
		}
	}
	struct list_entry *e = array_append_space(entries);
	e->name = p_strdup(pool, name);
	e->exists = true;
	e->selectable = selectable;
}

static const char *disk_to_name(const struct mail_namespace *ns, const char *disk, char disk_sep)
{
	const char *const *levels = (const char *const *)p_strsplit(
		pool_temp, disk, (const char[]){ disk_sep, '\0' });
	string_t *str = str_new(pool_temp, 128);

	for (unsigned int i = 0; levels[i] != NULL; i++) {
		if (i > 0)
			str_append_c(str, ns->sep);
		if (imap_utf7_to_utf8(levels[i], str) < 0)
			return NULL; /* not a name Roost or Dovecot wrote */
	}
	return str_c(str);
}

static void scan_fs(struct mail_namespace *ns, pool_t pool, const char *dir, const char *rel,
		    ARRAY_TYPE(list_entry) *entries, unsigned int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL || depth > 64) {
		if (d != NULL)
			closedir(d);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "new") == 0 ||
		    strcmp(de->d_name, "cur") == 0 || strcmp(de->d_name, "tmp") == 0)
			continue;
		const char *path = t_strconcat(dir, "/", de->d_name, NULL);
		struct stat st;
		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		const char *sub = rel[0] == '\0' ? de->d_name : t_strconcat(rel, "/", de->d_name, NULL);
		const char *name = disk_to_name(ns, sub, '/');
		if (name == NULL)
			continue;
		bool selectable = stat(t_strconcat(path, "/cur", NULL), &st) == 0;
		add_name(pool, entries, name, selectable);
		scan_fs(ns, pool, path, sub, entries, depth + 1);
	}
	closedir(d);
}

static void scan_maildirpp(struct mail_namespace *ns, pool_t pool,
			   ARRAY_TYPE(list_entry) *entries)
{
	DIR *d = opendir(ns->root_dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || de->d_name[1] == '\0' || strcmp(de->d_name, "..") == 0)
			continue;
		const char *path = t_strconcat(ns->root_dir, "/", de->d_name, NULL);
		struct stat st;
		if (stat(t_strconcat(path, "/cur", NULL), &st) < 0)
			continue;
		const char *name = disk_to_name(ns, de->d_name + 1, '.');
		if (name != NULL)
			add_name(pool, entries, name, true);
	}
	closedir(d);
}

const char *mailbox_list_get_special_use(struct mail_namespace *ns, const char *name,
					 pool_t pool)
{
	if (ns->set != NULL) {
		struct mailbox_settings *mset;
		array_foreach_elem(&ns->set->mailboxes, mset) {
			if (strcmp(mset->name, name) == 0 && mset->special_use[0] != '\0')
				return p_strdup(pool, mset->special_use);
		}
	}
	const char *path, *index_dir, *control_dir, *error;
	if (mailbox_list_get_paths(ns, name, pool_temp, &path, &index_dir, &control_dir,
				   &error) < 0)
		return "";
	char buf[128];
	int fd = open(t_strconcat(index_dir, "/roost.special-use", NULL), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "";
	ssize_t ret = read(fd, buf, sizeof(buf) - 1);
	i_close_fd(&fd);
	return ret <= 0 ? "" : p_strndup(pool, buf, (size_t)ret);
}

void mailbox_list_autocreate(struct mail_namespace *ns)
{
	if (ns->set == NULL)
		return;
	struct mailbox_settings *mset;
	array_foreach_elem(&ns->set->mailboxes, mset) {
		if (strcmp(mset->autocreate, "no") == 0)
			continue;
		const char *vname = t_strconcat(ns->prefix, mset->name, NULL);
		struct mailbox *box = mailbox_alloc(ns->user, vname, 0);
		if (mailbox_exists(box) == 0) {
			/* the configured special_use applies through the config (LIST
			   reads it there), whatever form it has */
			if (mailbox_create(box, NULL) < 0)
				i_error("autocreate %s: %s", vname,
					mailbox_get_last_error(box, NULL));
			else if (strcmp(mset->autocreate, "subscribe") == 0)
				(void)mailbox_set_subscribed(box, true);
		}
		mailbox_free(&box);
	}
}

int mailbox_list(struct mail_user *user, const char *const *patterns,
		 enum mailbox_list_iter_flags flags, pool_t pool,
		 ARRAY_TYPE(mailbox_info) *result, const char **error_r)
{
	p_array_init(result, pool, 16);
	struct mail_namespace *ns;
	array_foreach_elem(&user->namespaces, ns) {
		if (ns->list == MAIL_NAMESPACE_LIST_NO)
			continue;
		ARRAY_TYPE(list_entry) entries;
		p_array_init(&entries, pool_temp, 32);
		if (ns->layout_fs)
			scan_fs(ns, pool_temp, ns->root_dir, "", &entries, 0);
		else
			scan_maildirpp(ns, pool_temp, &entries);
		/* parents that are not mailboxes themselves */
		unsigned int n = array_count(&entries);
		for (unsigned int i = 0; i < n; i++) {
			const char *name = array_idx(&entries, i)->name;
			for (const char *p = strchr(name, ns->sep); p != NULL;
			     p = strchr(p + 1, ns->sep)) {
				const char *parent = t_strndup(name, (size_t)(p - name));
				bool found = false;
				array_foreach(&entries, e)
					found = found || strcmp(e->name, parent) == 0;
				if (!found) {
					struct list_entry *e = array_append_space(&entries);
					e->name = parent;
				}
			}
		}
		ARRAY_TYPE(const_string) subs;
		p_array_init(&subs, pool_temp, 16);
		if (ns->subscriptions &&
		    mailbox_list_get_subscriptions(ns, pool_temp, &subs, error_r) < 0)
			return -1;
		if (ns->inbox) {
			struct list_entry *e = array_append_space(&entries);
			e->name = "INBOX";
			e->exists = e->selectable = true;
		}
		/* subscribed but gone: LSUB still shows them */
		if ((flags & MAILBOX_LIST_ITER_SUBSCRIBED) != 0) {
			const char *sub;
			array_foreach_elem(&subs, sub) {
				const char *rel = strcmp(sub, "INBOX") == 0 ? sub :
						  sub + strlen(ns->prefix);
				bool found = false;
				array_foreach(&entries, e)
					found = found || strcmp(e->name, rel) == 0;
				if (!found) {
					struct list_entry *e = array_append_space(&entries);
					e->name = rel;
				}
			}
		}
		array_sort(&entries, entry_cmp);
		array_foreach(&entries, e) {
			const char *vname = strcmp(e->name, "INBOX") == 0 && ns->inbox ?
				"INBOX" : t_strconcat(ns->prefix, e->name, NULL);
			bool matched = false;
			for (unsigned int i = 0; patterns[i] != NULL && !matched; i++) {
				matched = mailbox_list_pattern_match(patterns[i], vname, ns->sep) ||
					  (strcasecmp(patterns[i], "INBOX") == 0 &&
					   strcmp(vname, "INBOX") == 0);
			}
			if (!matched)
				continue;
			struct mailbox_info info = {
				.vname = p_strdup(pool, vname), .sep = ns->sep, .ns = ns,
				.special_use = "",
			};
			bool subscribed = false;
			const char *sub;
			array_foreach_elem(&subs, sub)
				subscribed = subscribed || strcmp(sub, vname) == 0;
			if (subscribed)
				info.flags |= MAILBOX_SUBSCRIBED;
			if ((flags & MAILBOX_LIST_ITER_SUBSCRIBED) != 0 && !subscribed)
				continue;
			if (!e->exists)
				info.flags |= MAILBOX_NONEXISTENT;
			else if (!e->selectable)
				info.flags |= MAILBOX_NOSELECT;
			const char *child_prefix = t_strdup_printf("%s%c", e->name, ns->sep);
			bool children = false;
			array_foreach(&entries, c)
				children = children || (c->exists &&
					strncmp(c->name, child_prefix, strlen(child_prefix)) == 0);
			info.flags |= children ? MAILBOX_CHILDREN : MAILBOX_NOCHILDREN;
			if (e->exists && e->selectable)
				info.special_use = mailbox_list_get_special_use(ns, e->name, pool);
			array_push(result, &info);
		}
	}
	return 0;
}

/* ---- rename ---- */

int mailbox_rename(struct mailbox *src, struct mailbox *dest)
{
	const char *error;

	if (src->ns != dest->ns || src->ns == NULL) {
		mailbox_set_error(src, MAIL_ERROR_NOTPOSSIBLE,
				  "Can't rename mailboxes across namespaces");
		return -1;
	}
	if (src->is_inbox || dest->is_inbox) {
		mailbox_set_error(src, MAIL_ERROR_NOTPOSSIBLE, "Renaming INBOX isn't supported");
		return -1;
	}
	if (mailbox_name_validate(dest->ns, dest->name, &error) < 0) {
		mailbox_set_error(src, MAIL_ERROR_PARAMS, error);
		return -1;
	}
	if (mailbox_exists(src) <= 0) {
		mailbox_set_error(src, MAIL_ERROR_NOTFOUND, "Mailbox doesn't exist");
		return -1;
	}
	if (mailbox_exists(dest) != 0) {
		mailbox_set_error(src, MAIL_ERROR_EXISTS, "Target mailbox already exists");
		return -1;
	}
	struct mail_namespace *ns = src->ns;
	mailbox_close(src);
	/* the mailbox itself, then its children (Maildir++ keeps them as
	   siblings with the old name as prefix; fs layout moves them along) */
	if (rename(src->path, dest->path) < 0) {
		mailbox_set_syscall_error(src, "rename", dest->path);
		return -1;
	}
	if (strcmp(src->index_dir, src->path) != 0)
		(void)rename(src->index_dir, dest->index_dir);
	if (strcmp(src->control_dir, src->path) != 0 &&
	    strcmp(src->control_dir, src->index_dir) != 0)
		(void)rename(src->control_dir, dest->control_dir);
	if (!ns->layout_fs) {
		const char *old_prefix = t_strconcat(strrchr(src->path, '/') + 1, ".", NULL);
		const char *new_prefix = t_strconcat(strrchr(dest->path, '/') + 1, ".", NULL);
		DIR *d = opendir(ns->root_dir);
		struct dirent *de;
		ARRAY_TYPE(const_string) children;
		p_array_init(&children, pool_temp, 8);
		while (d != NULL && (de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, old_prefix, strlen(old_prefix)) == 0) {
				const char *child = t_strdup(de->d_name);
				array_push(&children, &child);
			}
		}
		if (d != NULL)
			closedir(d);
		const char *child;
		array_foreach_elem(&children, child) {
			const char *from = t_strconcat(ns->root_dir, "/", child, NULL);
			const char *to = t_strconcat(ns->root_dir, "/", new_prefix,
						     child + strlen(old_prefix), NULL);
			if (rename(from, to) < 0) {
				mailbox_set_syscall_error(src, "rename", to);
				return -1;
			}
		}
	}
	return 0;
}

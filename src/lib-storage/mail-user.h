#ifndef MAIL_USER_H
#define MAIL_USER_H

/* A mail user: name, home, settings and namespaces. The process has
   already dropped to the user's uid/gid: everything is created with them,
   directories 0700 and files 0600. */

#include "mail-index.h"

struct mail_storage_settings;
struct namespace_settings;

enum mail_namespace_list {
	MAIL_NAMESPACE_LIST_YES,
	MAIL_NAMESPACE_LIST_NO,
	MAIL_NAMESPACE_LIST_CHILDREN,
};

struct mail_namespace {
	struct mail_user *user;
	const char *name;
	const char *prefix; /* "" or e.g. "INBOX." */
	char sep;
	bool inbox, hidden, subscriptions;
	enum mail_namespace_list list;
	const struct namespace_settings *set; /* NULL for the default one */

	/* the parsed location */
	const char *root_dir;
	const char *index_root;   /* INDEX=, else root_dir */
	const char *control_root; /* CONTROL=, else root_dir */
	const char *inbox_dir;    /* INBOX=, else root_dir */
	bool layout_fs;
};

struct mail_user {
	pool_t pool;
	const char *username;
	const char *home;
	const struct mail_storage_settings *set;
	/* mail_attribute_dict expanded (%h, ~), "" when not set */
	const char *attribute_dict;
	struct mail_index_settings index_set;
	ARRAY(struct mail_namespace *) namespaces;
};

/* Expands the locations (%u %n %d %h, ~ for home) and sets up the
   namespaces. home may be NULL (then mail_home is used, and ~ fails).
   Returns 0, or -1 with *error_r (for the log: it names the setting). */
int mail_user_create(const struct mail_storage_settings *set, const char *username,
		     const char *home, struct mail_user **user_r, const char **error_r);
void mail_user_free(struct mail_user **user);

/* The namespace vname belongs to (the longest matching prefix; "INBOX"
   matches the inbox=yes namespace), or NULL. */
struct mail_namespace *mail_user_find_namespace(struct mail_user *user, const char *vname);
struct mail_namespace *mail_user_get_inbox_namespace(struct mail_user *user);

/* Parses "maildir:<path>[:KEY=VALUE]..." (already expanded) into ns.
   Returns 0 or -1 with *error_r. */
int mail_namespace_parse_location(pool_t pool, const char *location, const char *home,
				  struct mail_namespace *ns, const char **error_r);

#endif

#ifndef USERDB_H
#define USERDB_H

/* The userdb driver interface: like passdb.h, drivers set fields with
   auth_request_set_userdb_field() and call back, possibly later. */

#include "auth-request.h"

typedef void userdb_lookup_callback_t(enum userdb_result result, struct auth_request *request);
/* ret 0 or -1 with error */
typedef void userdb_iterate_callback_t(int ret, const char *error, void *context);

struct userdb_module {
	const struct userdb_module_interface *iface;
	pool_t pool;
	const char *username_format;
};

struct userdb_module_interface {
	const char *name;
	int (*create)(pool_t pool, const char *args, struct userdb_module **module_r,
		      const char **error_r);
	void (*lookup)(struct userdb_module *module, struct auth_request *request,
		       userdb_lookup_callback_t *callback);
	/* Appends every user name to users (from pool). NULL: cannot list.
	   Returns 0 or -1 with *error_r. */
	int (*iterate)(struct userdb_module *module, pool_t pool, ARRAY_TYPE(const_string) *users,
		       const char **error_r);
	/* The same for drivers that list in an auth worker (sql): users
	   grows until callback is called once. NULL: iterate, or cannot
	   list. */
	void (*iterate_async)(struct userdb_module *module, pool_t pool,
			      ARRAY_TYPE(const_string) *users,
			      userdb_iterate_callback_t *callback, void *context);
	void (*destroy)(struct userdb_module *module);
};

const struct userdb_module_interface *userdb_interface_find(const char *driver);

/* "vmail" or "1000" -> uid/gid text in decimal. Returns 0 or -1. */
int userdb_resolve_uid(const char *value, const char **uid_r, const char **error_r);
int userdb_resolve_gid(const char *value, const char **gid_r, const char **error_r);

extern const struct userdb_module_interface userdb_passwd_file;
extern const struct userdb_module_interface userdb_static;
extern const struct userdb_module_interface userdb_passwd;
extern const struct userdb_module_interface userdb_sql;
extern const struct userdb_module_interface userdb_prefetch;

#endif

#ifndef PASSDB_H
#define PASSDB_H

/* The passdb driver interface. A driver is created from its args at
   start-up and answers lookups asynchronously through a callback (a
   driver that has its data in memory calls it at once; sql and pam go
   through an auth worker). Drivers set extra fields with
   auth_request_set_passdb_field() before calling back. */

#include "auth-request.h"

/* stored: the password entry ("{SCHEME}..." or bare in the passdb's
   default scheme), NULL when the entry has none (result OK only). */
typedef void passdb_lookup_callback_t(enum passdb_result result, const char *stored,
				      struct auth_request *request);
typedef void passdb_verify_callback_t(enum passdb_result result, struct auth_request *request);

struct passdb_module {
	const struct passdb_module_interface *iface;
	pool_t pool;
	/* scheme for bare password entries ("scheme=" in args); NULL: bare
	   entries are an error */
	const char *default_pass_scheme;
	/* whether default_pass_scheme was set explicitly in args */
	bool scheme_explicit;
	/* what lookups use as the key, e.g. "%u" (username_format=) */
	const char *username_format;
};

struct passdb_module_interface {
	const char *name;
	/* args: the driver's args string. */
	int (*create)(pool_t pool, const char *args, struct passdb_module **module_r,
		      const char **error_r);
	/* Looks the user's entry up (password and extra fields). NULL for
	   drivers that can only verify (pam). */
	void (*lookup)(struct passdb_module *module, struct auth_request *request,
		       passdb_lookup_callback_t *callback);
	/* lookup answers later, from an auth worker (sql): it cannot serve
	   libsasl2's mechanisms, which need the password inside their call */
	bool lookup_in_worker;
	/* Verifies a plaintext password itself. NULL: lookup + password_verify. */
	void (*verify_plain)(struct passdb_module *module, struct auth_request *request,
			     const char *password, passdb_verify_callback_t *callback);
	void (*destroy)(struct passdb_module *module);
};

const struct passdb_module_interface *passdb_interface_find(const char *driver);

/* Parses "key=value" args shared by drivers: scheme= and username_format=;
   *rest_r gets what is left (e.g. the file path). */
void passdb_parse_common_args(struct passdb_module *module, pool_t pool, const char *args,
			      const char *default_scheme, const char **rest_r);

extern const struct passdb_module_interface passdb_passwd_file;
extern const struct passdb_module_interface passdb_static;
extern const struct passdb_module_interface passdb_pam;
extern const struct passdb_module_interface passdb_sql;

#endif

#ifndef AUTH_REQUEST_H
#define AUTH_REQUEST_H

/* One authentication or lookup: who is asking (service, addresses, the
   client connection), the user name as given and as normalised, the SASL
   mechanism's state, and the walk through the passdb and userdb chains
   with their result rules. Requests are reference counted: a passdb or
   worker callback holds a reference, and a request whose client went away
   is marked aborted so late callbacks do nothing. */

#include "net.h"
#include "auth.h"
#include "var-expand.h"

enum passdb_result {
	PASSDB_RESULT_NEXT = -6, /* this passdb had nothing to say */
	PASSDB_RESULT_PASS_EXPIRED = -5,
	PASSDB_RESULT_USER_DISABLED = -4,
	PASSDB_RESULT_USER_UNKNOWN = -3,
	PASSDB_RESULT_SCHEME_NOT_AVAILABLE = -2,
	PASSDB_RESULT_INTERNAL_FAILURE = -1,
	PASSDB_RESULT_PASSWORD_MISMATCH = 0,
	PASSDB_RESULT_OK = 1,
};

enum userdb_result {
	USERDB_RESULT_INTERNAL_FAILURE = -1,
	USERDB_RESULT_USER_UNKNOWN = -2,
	USERDB_RESULT_OK = 1,
};

struct auth_field {
	const char *key, *value;
};
ARRAY_DEFINE_TYPE(auth_field, struct auth_field);

struct auth_request;
typedef void auth_request_verify_callback_t(enum passdb_result result,
					    struct auth_request *request);
/* stored: the passdb's password entry, default_scheme: its scheme for bare
   entries (both NULL unless result is OK) */
typedef void auth_request_credentials_callback_t(enum passdb_result result, const char *stored,
						 const char *default_scheme,
						 struct auth_request *request);
typedef void auth_request_userdb_callback_t(enum userdb_result result,
					    struct auth_request *request);

/* How a finished mechanism reports back to whoever runs it (the client
   connection). */
struct auth_request_handler {
	void (*reply_continue)(struct auth_request *request, const void *data, size_t size);
	/* result: OK, PASSWORD_MISMATCH / USER_UNKNOWN (plain failure),
	   INTERNAL_FAILURE (temporary) ... ; data: final server data for OK */
	void (*finished)(struct auth_request *request, enum passdb_result result,
			 const void *data, size_t size);
};

struct auth_request {
	int refcount;
	pool_t pool;
	struct auth *auth;
	/* the mechanism and its state, NULL for master lookups */
	const struct mech_module *mech;
	void *mech_data;
	/* in an auth worker: the mechanism's name (%m) without its module */
	const char *mech_name;
	const struct auth_request_handler *handler;
	void *handler_context;
	unsigned int id; /* the client's request id */

	/* from the client */
	const char *service;
	struct ip_addr local_ip, remote_ip;
	unsigned int local_port, remote_port;
	const char *session_id, *local_name;
	bool secured, valid_client_cert, no_penalty, debug;
	pid_t client_pid;
	unsigned int connect_uid; /* CUID of the client connection (APOP) */

	/* the user as given (sanitised for logs: log_user) and as looked up */
	const char *original_username;
	const char *user;
	/* the plaintext password the client gave (verify_plain), or NULL */
	const char *mech_password;

	/* passdb walk */
	unsigned int passdb_idx;
	const struct auth_passdb *passdb;
	bool credentials_lookup;
	bool passdb_success;
	bool passdb_internal_failure;
	enum passdb_result passdb_last_result;
	unsigned int passdb_fields_mark;
	const char *passdb_password, *passdb_scheme;
	auth_request_verify_callback_t *verify_callback;
	auth_request_credentials_callback_t *credentials_callback;
	ARRAY_TYPE(auth_field) extra_fields;
	/* a passdb gave userdb_* fields (what userdb prefetch serves) */
	bool passdb_userdb_fields;

	/* userdb walk */
	unsigned int userdb_idx;
	const struct auth_userdb *userdb;
	bool userdb_found;
	bool userdb_internal_failure;
	auth_request_userdb_callback_t *userdb_callback;
	ARRAY_TYPE(auth_field) userdb_fields;

	/* client-protocol state */
	struct timeout *to_delay;
	time_t finished_time;
	bool finished;
	bool successful; /* OK sent: may be redeemed with REQUEST once */
	bool aborted;    /* the client is gone: callbacks do nothing */
	bool want_continue; /* CONT sent, the client's turn */
	time_t last_activity;
};

struct auth_request *auth_request_new(struct auth *auth, const struct mech_module *mech);
/* A new master request that looks up the same user as orig would: the
   client's parameters, the user name and the fields the passdb left
   (userdb_* fields included). For REQUEST's peek, which must answer what
   the real redemption will. */
struct auth_request *auth_request_dup_for_userdb(const struct auth_request *orig);
void auth_request_ref(struct auth_request *request);
/* Sets *request to NULL; the last reference frees it. */
void auth_request_unref(struct auth_request **request);
/* The client is gone: no more callbacks reach it. */
void auth_request_abort(struct auth_request *request);

/* Sets the service/lip/rip/... parameters from the protocol's "key=value"
   and flag fields (unknown ones are ignored). Returns 0, or -1 with
   *error_r (a bad address or port). */
int auth_request_import(struct auth_request *request, const char *key, const char *value,
			const char **error_r);

/* Normalises a user name from the client (auth_username_translation,
   auth_username_chars, auth_default_realm, auth_username_format) and sets
   request->user. Returns 0, or -1 with *error_r safe to log (the name is
   sanitised in it). */
int auth_request_set_username(struct auth_request *request, const char *username,
			      const char **error_r);

/* Verifies a plaintext password through the passdb chain. */
void auth_request_verify_plain(struct auth_request *request, const char *password,
			       auth_request_verify_callback_t *callback);
/* Looks the user's stored password up through the passdb chain (for
   mechanisms that need the secret itself, and for PASS lookups). */
void auth_request_lookup_credentials(struct auth_request *request,
				     auth_request_credentials_callback_t *callback);
/* Walks the userdb chain. */
void auth_request_lookup_user(struct auth_request *request,
			      auth_request_userdb_callback_t *callback);

/* Mechanism results. */
void auth_request_success(struct auth_request *request, const void *data, size_t size);
void auth_request_fail(struct auth_request *request, enum passdb_result result);
void auth_request_internal_failure(struct auth_request *request);
void auth_request_continue(struct auth_request *request, const void *data, size_t size);

/* Fields. */
const char *auth_fields_get(const ARRAY_TYPE(auth_field) *fields, const char *key);
void auth_fields_set(pool_t pool, ARRAY_TYPE(auth_field) *fields, const char *key,
		     const char *value);
void auth_fields_remove(ARRAY_TYPE(auth_field) *fields, const char *key);
/* A passdb extra field: "user" renames, "userdb_X" goes to the userdb
   fields, the rest are kept as they are. */
void auth_request_set_passdb_field(struct auth_request *request, const char *key,
				   const char *value);
void auth_request_set_userdb_field(struct auth_request *request, const char *key,
				   const char *value);
/* Applies "key=value key2=%u ..." (values %-expanded). Returns 0 or -1
   (logged). */
int auth_request_apply_template(struct auth_request *request, const char *template,
				bool userdb, bool override);

/* %variables of the request: %u %n %d %s %l %r %p %w %{session} ... and
   %{passdb:KEY} %{userdb:KEY}. Returns 0 or -1 with *error_r. */
int auth_request_var_expand(struct auth_request *request, string_t *dest, const char *str,
			    const char **error_r);

/* The same with every variable's value passed through escape (SQL string
   literals). */
int auth_request_var_expand_with_escape(struct auth_request *request, string_t *dest,
					const char *str, var_expand_escape_func_t *escape,
					void *escape_context, const char **error_r);

/* What an auth worker needs to expand %variables for this request, as
   TAB-separated escaped "key=value" fields appended to dest (each with a
   leading TAB): user, service, addresses, session, ... and the passdb and
   userdb fields so far ("passdb:KEY=..", "userdb:KEY=.."). The client's
   password only with_password (a query that uses %w). */
void auth_request_export(struct auth_request *request, string_t *dest, bool with_password);
/* The worker's side: sets the fields of a request made with
   auth_request_new() from what auth_request_export() wrote. Returns 0, or
   -1 with *error_r (a malformed field: a bug of the auth process). */
int auth_request_import_exported(struct auth_request *request, const char *const *args,
				 const char **error_r);

/* Logging with Dovecot's "subsystem(user,rip,<session>): " prefix; the
   user name and every client string in it are sanitised. */
const char *auth_request_log_prefix(struct auth_request *request, const char *subsystem);
void auth_request_log_debug(struct auth_request *request, const char *subsystem,
			    const char *fmt, ...) ATTR_FORMAT(3, 4);
void auth_request_log_info(struct auth_request *request, const char *subsystem,
			   const char *fmt, ...) ATTR_FORMAT(3, 4);
void auth_request_log_warning(struct auth_request *request, const char *subsystem,
			      const char *fmt, ...) ATTR_FORMAT(3, 4);
void auth_request_log_error(struct auth_request *request, const char *subsystem,
			    const char *fmt, ...) ATTR_FORMAT(3, 4);
/* auth_verbose (per passdb: auth_verbose = default|yes|no). */
bool auth_request_verbose(struct auth_request *request);
bool auth_request_debug_enabled(struct auth_request *request);
/* " (given password: ...)" per auth_verbose_passwords, or "". */
const char *auth_request_given_password_str(struct auth_request *request);

/* A client string made safe for a log field: printable, capped, and without
   the characters that separate fields (",()<>=" and spaces). */
const char *auth_log_str(const char *str);

#endif

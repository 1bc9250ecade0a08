#ifndef AUTH_H
#define AUTH_H

/* The configured auth: passdbs, userdbs and mechanisms, built once at
   start-up from struct auth_settings. */

#include "auth-settings.h"

struct auth_request;
struct passdb_module;
struct userdb_module;
struct mech_module;

/* what a passdb/userdb result leads to (passdb { result_success = ... }) */
enum auth_db_rule {
	AUTH_DB_RULE_RETURN_OK,
	AUTH_DB_RULE_RETURN,
	AUTH_DB_RULE_RETURN_FAIL,
	AUTH_DB_RULE_CONTINUE,
	AUTH_DB_RULE_CONTINUE_OK,
	AUTH_DB_RULE_CONTINUE_FAIL,
};

enum auth_db_skip {
	AUTH_DB_SKIP_NEVER,
	AUTH_DB_SKIP_AUTHENTICATED, /* passdb: already succeeded; userdb: found */
	AUTH_DB_SKIP_UNAUTHENTICATED, /* passdb: not yet; userdb: notfound */
};

struct auth_passdb {
	const struct auth_passdb_settings *set;
	struct passdb_module *module;
	enum auth_db_skip skip;
	enum auth_db_rule result_success, result_failure, result_internalfail;
	const char *const *username_filter;
};

struct auth_userdb {
	const struct auth_userdb_settings *set;
	struct userdb_module *module;
	enum auth_db_skip skip;
	enum auth_db_rule result_success, result_failure, result_internalfail;
};

struct auth {
	pool_t pool;
	const struct auth_settings *set;
	ARRAY(struct auth_passdb *) passdbs;
	ARRAY(struct auth_passdb *) masterdbs;
	ARRAY(struct auth_userdb *) userdbs;
	ARRAY(const struct mech_module *) mechs;
	/* auth_username_chars as a table; all true when the setting is empty */
	bool username_chars[256];
};

extern struct auth *global_auth;
extern pid_t auth_pid;
/* when this auth process started (APOP challenges must not be older) */
extern time_t auth_start_time;
struct master_service;
extern struct master_service *auth_master_service;

/* Creates the passdbs, userdbs and mechanisms. Errors name the section
   and setting ("passdb passwd-file: ..."), for a fatal start-up message. */
int auth_init(pool_t pool, const struct auth_settings *set, struct auth **auth_r,
	      const char **error_r);
/* The auth of an auth worker: settings only (for request logging). */
int auth_init_worker(pool_t pool, const struct auth_settings *set, struct auth **auth_r);
void auth_deinit(struct auth **auth);

const struct mech_module *auth_find_mech(const struct auth *auth, const char *name);

/* Whether any passdb can list its users / any userdb can. */
bool auth_passdbs_can_lookup_credentials(const struct auth *auth);

#endif

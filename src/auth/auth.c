/* Builds the configured auth from the settings: drivers, result rules and
   mechanisms, and refuses configurations that cannot work (a mechanism
   that needs secrets no passdb can give). */
#include "lib.h"
#include "password-scheme.h"
#include "passdb.h"
#include "userdb.h"
#include "mech.h"
#include "mech-cyrus.h"
#include "db-sql.h"
#include "auth.h"

struct auth *global_auth;
pid_t auth_pid;
time_t auth_start_time;
struct master_service *auth_master_service;

static enum auth_db_rule rule_parse(const char *value)
{
	if (strcmp(value, "return-ok") == 0)
		return AUTH_DB_RULE_RETURN_OK;
	if (strcmp(value, "return") == 0)
		return AUTH_DB_RULE_RETURN;
	if (strcmp(value, "return-fail") == 0)
		return AUTH_DB_RULE_RETURN_FAIL;
	if (strcmp(value, "continue-ok") == 0)
		return AUTH_DB_RULE_CONTINUE_OK;
	if (strcmp(value, "continue-fail") == 0)
		return AUTH_DB_RULE_CONTINUE_FAIL;
	return AUTH_DB_RULE_CONTINUE;
}

static enum auth_db_skip skip_parse(const char *value)
{
	if (strcmp(value, "authenticated") == 0 || strcmp(value, "found") == 0)
		return AUTH_DB_SKIP_AUTHENTICATED;
	if (strcmp(value, "unauthenticated") == 0 || strcmp(value, "notfound") == 0)
		return AUTH_DB_SKIP_UNAUTHENTICATED;
	return AUTH_DB_SKIP_NEVER;
}

static int auth_passdb_create(struct auth *auth, const struct auth_passdb_settings *set,
			      const char **error_r)
{
	const struct passdb_module_interface *iface;
	struct auth_passdb *passdb;
	const char *error;

	iface = passdb_interface_find(set->driver);
	if (iface == NULL) {
		*error_r = t_strdup_printf("passdb: unknown driver '%s'", set->driver);
		return -1;
	}
	passdb = p_new(auth->pool, struct auth_passdb, 1);
	passdb->set = set;
	passdb->skip = skip_parse(set->skip);
	passdb->result_success = rule_parse(set->result_success);
	passdb->result_failure = rule_parse(set->result_failure);
	passdb->result_internalfail = rule_parse(set->result_internalfail);
	if (set->username_filter[0] != '\0')
		passdb->username_filter =
			p_strsplit_spaces(auth->pool, set->username_filter, " ,");
	if (iface->create(auth->pool, set->args, &passdb->module, &error) < 0) {
		*error_r = t_strdup_printf("passdb %s: %s", set->driver, error);
		return -1;
	}
	passdb->module->iface = iface;
	passdb->module->pool = auth->pool;
	if (passdb->module->default_pass_scheme != NULL &&
	    password_scheme_canonical(passdb->module->default_pass_scheme) == NULL) {
		*error_r = t_strdup_printf("passdb %s: unknown scheme=%s", set->driver,
					   passdb->module->default_pass_scheme);
		return -1;
	}
	if (set->master)
		array_push(&auth->masterdbs, &passdb);
	else
		array_push(&auth->passdbs, &passdb);
	return 0;
}

static int auth_userdb_create(struct auth *auth, const struct auth_userdb_settings *set,
			      const char **error_r)
{
	const struct userdb_module_interface *iface;
	struct auth_userdb *userdb;
	const char *error;

	iface = userdb_interface_find(set->driver);
	if (iface == NULL) {
		*error_r = t_strdup_printf("userdb: unknown driver '%s'", set->driver);
		return -1;
	}
	userdb = p_new(auth->pool, struct auth_userdb, 1);
	userdb->set = set;
	userdb->skip = skip_parse(set->skip);
	userdb->result_success = rule_parse(set->result_success);
	userdb->result_failure = rule_parse(set->result_failure);
	userdb->result_internalfail = rule_parse(set->result_internalfail);
	if (iface->create(auth->pool, set->args, &userdb->module, &error) < 0) {
		*error_r = t_strdup_printf("userdb %s: %s", set->driver, error);
		return -1;
	}
	userdb->module->iface = iface;
	userdb->module->pool = auth->pool;
	array_push(&auth->userdbs, &userdb);
	return 0;
}

bool auth_passdbs_can_lookup_credentials(const struct auth *auth)
{
	const struct auth_passdb *passdb;

	array_foreach_elem(&auth->passdbs, passdb) {
		if (passdb->module->iface->lookup != NULL)
			return true;
	}
	return false;
}

/* A mechanism that needs the stored secret (CRAM-MD5, SCRAM) works only
   with passdbs that can look up credentials in a scheme that yields it. */
static int auth_mech_check(struct auth *auth, const struct mech_module *mech,
			   const char **error_r)
{
	const struct auth_passdb *passdb;
	bool usable = false;

	if (mech->passdb_need == MECH_PASSDB_NEED_PLAINTEXT)
		return 0;
	array_foreach_elem(&auth->passdbs, passdb) {
		const char *scheme = passdb->module->default_pass_scheme;

		if (passdb->module->iface->lookup == NULL)
			continue;
		if (scheme != NULL && passdb->module->scheme_explicit &&
		    !mech_scheme_can_serve(mech, scheme)) {
			*error_r = t_strdup_printf(
				"auth_mechanisms: %s needs %s, but passdb %s stores passwords "
				"as %s (scheme=%s): remove %s from auth_mechanisms or store the "
				"passwords in a scheme that can serve it",
				mech->name, mech_need_description(mech), passdb->set->driver,
				password_scheme_canonical(scheme), scheme, mech->name);
			return -1;
		}
		usable = true;
	}
	if (!usable) {
		*error_r = t_strdup_printf(
			"auth_mechanisms: %s needs %s, but no passdb can look up stored "
			"passwords (pam only verifies plaintext ones)",
			mech->name, mech_need_description(mech));
		return -1;
	}
	return 0;
}

static int auth_mechs_init(struct auth *auth, const char **error_r)
{
	const char *const *names = auth->set->auth_mechanisms;

	for (unsigned int i = 0; names[i] != NULL; i++) {
		const struct mech_module *mech = mech_module_find(names[i]);

		/* the mechanisms we do not implement come from libsasl2 */
		if (mech == NULL && mech_cyrus_find(auth, names[i], &mech, error_r) < 0)
			return -1;
		if (mech == NULL) {
			if (mech_is_known_unimplemented(names[i])) {
				const char *upper = str_ucase(p_strdup(pool_temp, names[i]));

				i_warning("auth_mechanisms: %s is not built into Roost and no "
					  "installed libsasl2 plugin offers it (Debian package "
					  "%s); it is not offered", upper,
					  mech_cyrus_plugin_package(upper));
				continue;
			}
			*error_r = t_strdup_printf("auth_mechanisms: unknown mechanism '%s'",
						   names[i]);
			return -1;
		}
		if (auth_find_mech(auth, mech->name) != NULL)
			continue;
		if (auth_mech_check(auth, mech, error_r) < 0)
			return -1;
		array_push(&auth->mechs, &mech);
	}
	if (array_count(&auth->mechs) == 0) {
		*error_r = "auth_mechanisms: no usable mechanism";
		return -1;
	}
	return 0;
}

int auth_init(pool_t pool, const struct auth_settings *set, struct auth **auth_r,
	      const char **error_r)
{
	struct auth *auth = p_new(pool, struct auth, 1);
	struct auth_passdb_settings *pset;
	struct auth_userdb_settings *uset;

	auth->pool = pool;
	auth->set = set;
	p_array_init(&auth->passdbs, pool, 4);
	p_array_init(&auth->masterdbs, pool, 2);
	p_array_init(&auth->userdbs, pool, 4);
	p_array_init(&auth->mechs, pool, 8);
	if (set->auth_username_chars[0] == '\0') {
		for (unsigned int i = 1; i < 256; i++)
			auth->username_chars[i] = true;
	} else {
		for (const unsigned char *p = (const unsigned char *)set->auth_username_chars;
		     *p != '\0'; p++)
			auth->username_chars[*p] = true;
	}
	array_foreach_elem(&set->passdbs, pset) {
		if (auth_passdb_create(auth, pset, error_r) < 0)
			return -1;
	}
	array_foreach_elem(&set->userdbs, uset) {
		if (auth_userdb_create(auth, uset, error_r) < 0)
			return -1;
	}
	if (array_count(&auth->passdbs) == 0) {
		*error_r = "No passdbs specified in configuration file";
		return -1;
	}
	if (auth_mechs_init(auth, error_r) < 0)
		return -1;
	*auth_r = auth;
	return 0;
}

int auth_init_worker(pool_t pool, const struct auth_settings *set, struct auth **auth_r)
{
	struct auth *auth = p_new(pool, struct auth, 1);

	/* a worker only expands requests' variables and logs for them: the
	   drivers it runs open what they need themselves (db_sql_get) */
	auth->pool = pool;
	auth->set = set;
	p_array_init(&auth->passdbs, pool, 1);
	p_array_init(&auth->masterdbs, pool, 1);
	p_array_init(&auth->userdbs, pool, 1);
	p_array_init(&auth->mechs, pool, 1);
	*auth_r = auth;
	return 0;
}

void auth_deinit(struct auth **_auth)
{
	*_auth = NULL;
	mech_cyrus_deinit();
	db_sql_deinit();
}

const struct mech_module *auth_find_mech(const struct auth *auth, const char *name)
{
	const struct mech_module *mech;

	array_foreach_elem(&auth->mechs, mech) {
		if (strcasecmp(mech->name, name) == 0)
			return mech;
	}
	return NULL;
}

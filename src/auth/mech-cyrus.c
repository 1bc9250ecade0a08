/* Mechanisms run by libsasl2 (see mech-cyrus.h). Each auth request that
   uses one gets its own sasl_conn_t, disposed of when the mechanism
   finishes or the request goes away.

   libsasl2 calls back into us from inside sasl_server_start/step():
   - canon_user (per connection): the name the client gave becomes the
     request's user through auth_request_set_username(), so
     auth_username_format, auth_default_realm and auth_username_chars
     apply as for every other mechanism; our canon_user plugin then passes
     the result on unchanged (libsasl2's own would append a realm again);
   - the auxprop plugin: asked for "*userPassword", it walks the passdb
     chain. Only passdbs that answer at once are allowed with these
     mechanisms, so the walk ends before the lookup returns; a stored
     password must be PLAIN (or CLEAR and their encodings).

   Final server data goes to the client as one more challenge, answered
   by an empty response, as Dovecot's DIGEST-MD5 sends rspauth: SMTP AUTH
   has no other way to carry it. libsasl2 2.1.28's DIGEST-MD5 does that
   itself (CONTINUE with rspauth); a mechanism that returns OK with data
   gets the same treatment here. */
#include "lib.h"
#include "password-scheme.h"
#include "passdb.h"
#include "mech-cyrus.h"

#include <limits.h>
#include <unistd.h>
#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#define CYRUS_PLUGIN_NAME "roost"
/* sasl_callback_t.proc has one declared type; the real one depends on id */
#define CYRUS_CB(func) ((int (*)(void))(void (*)(void))(func))

const char *mech_stored_scheme_name(const char *stored, const char *default_scheme);

struct cyrus_request {
	sasl_conn_t *conn;
	sasl_callback_t callbacks[2];
	const char *log_name; /* "digest-md5" */

	/* the passdb lookup, done once, when libsasl2 asks for the password */
	bool lookup_done, in_lookup, lookup_answered;
	enum passdb_result lookup_result;
	char *password; /* plaintext from the passdb, wiped when done */

	/* a failure our callbacks already logged */
	bool fail_logged;
	enum passdb_result fail_result;

	/* success data went out as a challenge; waiting for the empty answer */
	bool final_sent;
};

static bool cyrus_initialized;
static bool cyrus_debug, cyrus_debug_passwords;
static char cyrus_hostname[256];
/* what the installed plugins offer (sasl_listmech), and the names we
   route to libsasl2 (its mech_list for our connections) */
static char *cyrus_offered;
static string_t *cyrus_mech_list;
/* the request inside a libsasl2 call: the auxprop plugin and the log
   callback have no context of their own */
static struct auth_request *cyrus_current_request;

/* ---- callbacks given to libsasl2 ---- */

/* Every option libsasl2 asks for comes from here: there is no
   configuration file. */
static int cyrus_getopt(void *context ATTR_UNUSED, const char *plugin_name ATTR_UNUSED,
			const char *option, const char **result, unsigned *len)
{
	const char *value = NULL;

	if (strcmp(option, "mech_list") == 0) {
		if (cyrus_mech_list != NULL && str_len(cyrus_mech_list) > 0)
			value = str_c(cyrus_mech_list);
	} else if (strcmp(option, "auxprop_plugin") == 0 ||
		   strcmp(option, "canon_user_plugin") == 0) {
		value = CYRUS_PLUGIN_NAME;
	} else if (strcmp(option, "log_level") == 0) {
		value = cyrus_debug_passwords ? "7" : cyrus_debug ? "5" : "3";
	} else if (strcmp(option, "auto_transition") == 0) {
		value = "no";
	} else if (strcmp(option, "reauth_timeout") == 0) {
		/* DIGEST-MD5 fast reauthentication keeps state across
		   connections we do not see */
		value = "0";
	}
	if (value == NULL)
		return SASL_FAIL;
	*result = value;
	if (len != NULL)
		*len = (unsigned int)strlen(value);
	return SASL_OK;
}

static int cyrus_log(void *context ATTR_UNUSED, int level, const char *message)
{
	struct auth_request *request = cyrus_current_request;
	enum log_type type;

	switch (level) {
	case SASL_LOG_NONE:
		return SASL_OK;
	case SASL_LOG_ERR:
		type = LOG_TYPE_ERROR;
		break;
	case SASL_LOG_WARN:
		type = LOG_TYPE_WARNING;
		break;
	case SASL_LOG_NOTE:
		type = LOG_TYPE_INFO;
		break;
	case SASL_LOG_FAIL: /* authentication failures: we log our own line */
	case SASL_LOG_DEBUG:
	case SASL_LOG_TRACE:
		if (!cyrus_debug)
			return SASL_OK;
		type = LOG_TYPE_DEBUG;
		break;
	default: /* SASL_LOG_PASS: traces with passwords */
		if (!cyrus_debug_passwords)
			return SASL_OK;
		type = LOG_TYPE_DEBUG;
		break;
	}
	message = str_sanitize(pool_temp, message, 256);
	if (request == NULL) {
		i_log(type, "libsasl2: %s", message);
		return SASL_OK;
	}
	const char *subsystem = ((struct cyrus_request *)request->mech_data)->log_name;

	switch (type) {
	case LOG_TYPE_ERROR:
		auth_request_log_error(request, subsystem, "libsasl2: %s", message);
		break;
	case LOG_TYPE_WARNING:
		auth_request_log_warning(request, subsystem, "libsasl2: %s", message);
		break;
	case LOG_TYPE_INFO:
		auth_request_log_info(request, subsystem, "libsasl2: %s", message);
		break;
	default:
		auth_request_log_debug(request, subsystem, "libsasl2: %s", message);
		break;
	}
	return SASL_OK;
}

/* Plugins from libsasl2's directory, nothing else: no configuration or
   password files. */
static int cyrus_verifyfile(void *context ATTR_UNUSED, const char *file ATTR_UNUSED,
			    sasl_verify_type_t type)
{
	return type == SASL_VRFY_PLUGIN ? SASL_OK : SASL_CONTINUE;
}

static const sasl_callback_t cyrus_global_callbacks[] = {
	{ SASL_CB_GETOPT, CYRUS_CB(cyrus_getopt), NULL },
	{ SASL_CB_LOG, CYRUS_CB(cyrus_log), NULL },
	{ SASL_CB_VERIFYFILE, CYRUS_CB(cyrus_verifyfile), NULL },
	{ SASL_CB_LIST_END, NULL, NULL },
};

/* The authentication identity the mechanism found (and, for DIGEST-MD5,
   an authorization identity): normalised like every user name. */
static int cyrus_canon_user(sasl_conn_t *conn ATTR_UNUSED, void *context, const char *in,
			    unsigned inlen, unsigned flags, const char *user_realm, char *out,
			    unsigned out_max, unsigned *out_len)
{
	struct auth_request *request = context;
	struct cyrus_request *state = request->mech_data;
	const char *name, *error, *result;
	size_t len;

	if (memchr(in, '\0', inlen) != NULL) {
		auth_request_log_info(request, state->log_name, "NUL byte in the user name");
		state->fail_logged = true;
		state->fail_result = PASSDB_RESULT_USER_UNKNOWN;
		return SASL_BADPROT;
	}
	name = t_strndup(in, inlen);
	if (strchr(name, '@') != strrchr(name, '@')) {
		/* DIGEST-MD5 appends the realm the client chose when it is not
		   the one offered, even to a name that has a domain: as in
		   Dovecot, such a name keeps its own */
		name = t_strndup(name, (size_t)(strrchr(name, '@') - name));
	}
	if ((request->mech->flags & MECH_SEC_ANONYMOUS) != 0)
		name = request->auth->set->auth_anonymous_username;
	else if (user_realm != NULL && user_realm[0] != '\0' && strchr(name, '@') == NULL)
		name = p_strconcat(pool_temp, name, "@", user_realm, NULL);

	if ((flags & SASL_CU_AUTHID) != 0) {
		if (auth_request_set_username(request, name, &error) < 0) {
			auth_request_log_info(request, state->log_name, "%s", error);
			state->fail_logged = true;
			state->fail_result = PASSDB_RESULT_USER_UNKNOWN;
			return SASL_BADAUTH;
		}
		result = request->user;
	} else {
		/* an authorization identity of its own: a master user login,
		   which needs master passdbs */
		const char *authid_user = request->user;
		const char *original = request->original_username;
		bool same;

		same = authid_user != NULL &&
		       auth_request_set_username(request, name, &error) == 0 &&
		       strcmp(request->user, authid_user) == 0;
		request->user = authid_user;
		request->original_username = original;
		if (!same) {
			auth_request_log_info(request, state->log_name,
					      "Authorization identity %s differs from the "
					      "authenticated user (master user logins are not "
					      "supported)", auth_log_str(name));
			state->fail_logged = true;
			state->fail_result = PASSDB_RESULT_PASSWORD_MISMATCH;
			return SASL_NOAUTHZ;
		}
		result = authid_user;
	}
	len = strlen(result);
	if (len >= out_max) {
		auth_request_log_info(request, state->log_name, "User name too long");
		state->fail_logged = true;
		state->fail_result = PASSDB_RESULT_USER_UNKNOWN;
		return SASL_BADAUTH;
	}
	memcpy(out, result, len + 1);
	*out_len = (unsigned int)len;
	return SASL_OK;
}

/* ---- the canon_user plugin: the name as cyrus_canon_user() left it ---- */

static int cyrus_canon_copy(void *glob_context ATTR_UNUSED,
			    sasl_server_params_t *sparams ATTR_UNUSED, const char *user,
			    unsigned len, unsigned flags ATTR_UNUSED, char *out, unsigned out_max,
			    unsigned *out_len)
{
	if (len >= out_max)
		return SASL_BUFOVER;
	memmove(out, user, len);
	out[len] = '\0';
	*out_len = len;
	return SASL_OK;
}

static char cyrus_plugin_name[] = CYRUS_PLUGIN_NAME;

static sasl_canonuser_plug_t cyrus_canonuser_plug = {
	.name = cyrus_plugin_name,
	.canon_user_server = cyrus_canon_copy,
};

static int cyrus_canonuser_init(const sasl_utils_t *utils ATTR_UNUSED, int max_version,
				int *out_version, sasl_canonuser_plug_t **plug,
				const char *plugname ATTR_UNUSED)
{
	if (max_version < SASL_CANONUSER_PLUG_VERSION)
		return SASL_BADVERS;
	*out_version = SASL_CANONUSER_PLUG_VERSION;
	*plug = &cyrus_canonuser_plug;
	return SASL_OK;
}

/* ---- the auxprop plugin: the password from our passdb ---- */

static void cyrus_credentials_cb(enum passdb_result result, const char *stored,
				 const char *default_scheme, struct auth_request *request)
{
	struct cyrus_request *state = request->mech_data;
	const char *plaintext, *error;
	int ret;

	if (!state->in_lookup) {
		/* too late: the mechanism has already failed */
		return;
	}
	state->lookup_answered = true;
	if (result == PASSDB_RESULT_OK && stored == NULL) {
		auth_request_log_info(request, state->log_name, "No password in passdb");
		result = PASSDB_RESULT_PASSWORD_MISMATCH;
	} else if (result == PASSDB_RESULT_OK) {
		ret = password_get_plaintext(stored, default_scheme, request->pool, &plaintext,
					     &error);
		if (ret == 0) {
			auth_request_log_info(request, state->log_name,
					      "Requested PLAIN scheme for %s (libsasl2 needs the "
					      "password), but we have only %s", request->mech->name,
					      mech_stored_scheme_name(stored, default_scheme));
			result = PASSDB_RESULT_SCHEME_NOT_AVAILABLE;
		} else if (ret < 0) {
			auth_request_log_error(request, state->log_name,
					       "Invalid password in passdb: %s", error);
			result = PASSDB_RESULT_INTERNAL_FAILURE;
		} else {
			state->password = (char *)plaintext;
		}
	}
	state->lookup_result = result;
}

static void cyrus_passdb_lookup(struct auth_request *request, struct cyrus_request *state)
{
	state->lookup_done = true;
	state->in_lookup = true;
	auth_request_lookup_credentials(request, cyrus_credentials_cb);
	state->in_lookup = false;
	if (!state->lookup_answered) {
		/* mech_cyrus_find() allows only passdbs that answer at once */
		auth_request_log_error(request, state->log_name,
				       "BUG: the passdb did not answer at once, and libsasl2 "
				       "cannot wait for it");
		state->lookup_result = PASSDB_RESULT_INTERNAL_FAILURE;
	}
}

static int cyrus_auxprop_lookup(void *glob_context ATTR_UNUSED, sasl_server_params_t *sparams,
				unsigned flags, const char *user ATTR_UNUSED,
				unsigned ulen ATTR_UNUSED)
{
	struct auth_request *request = cyrus_current_request;
	const struct propval *prop;
	struct cyrus_request *state;

	/* nothing for authorization identities: they must equal the
	   authenticated one (cyrus_canon_user) */
	if (request == NULL || (flags & SASL_AUXPROP_AUTHZID) != 0)
		return SASL_OK;
	state = request->mech_data;
	for (prop = sparams->utils->prop_get(sparams->propctx); prop != NULL && prop->name != NULL;
	     prop++) {
		const char *name = prop->name;

		if (strcmp(name, SASL_AUX_PASSWORD) != 0)
			continue;
		if (prop->values != NULL && (flags & SASL_AUXPROP_OVERRIDE) == 0)
			return SASL_OK;
		if (!state->lookup_done)
			cyrus_passdb_lookup(request, state);
		if (state->password == NULL)
			return SASL_NOUSER;
		if (prop->values != NULL)
			sparams->utils->prop_erase(sparams->propctx, name);
		return sparams->utils->prop_set(sparams->propctx, name, state->password,
						(int)strlen(state->password));
	}
	return SASL_OK;
}

static sasl_auxprop_plug_t cyrus_auxprop_plug = {
	.auxprop_lookup = cyrus_auxprop_lookup,
	.name = cyrus_plugin_name,
};

static int cyrus_auxprop_init(const sasl_utils_t *utils ATTR_UNUSED, int max_version,
			      int *out_version, sasl_auxprop_plug_t **plug,
			      const char *plugname ATTR_UNUSED)
{
	if (max_version < SASL_AUXPROP_PLUG_VERSION)
		return SASL_BADVERS;
	*out_version = SASL_AUXPROP_PLUG_VERSION;
	*plug = &cyrus_auxprop_plug;
	return SASL_OK;
}

/* ---- one authentication ---- */

static void cyrus_request_end(struct cyrus_request *state)
{
	if (state->password != NULL) {
		explicit_bzero(state->password, strlen(state->password));
		state->password = NULL;
	}
	if (state->conn != NULL)
		sasl_dispose(&state->conn);
}

static void cyrus_success(struct auth_request *request, struct cyrus_request *state)
{
	cyrus_request_end(state);
	if (request->user == NULL) {
		auth_request_log_error(request, state->log_name,
				       "libsasl2 succeeded without naming a user");
		auth_request_internal_failure(request);
		return;
	}
	auth_request_success(request, NULL, 0);
}

static bool cyrus_error_is_internal(int ret)
{
	return ret == SASL_NOMEM || ret == SASL_NOTINIT || ret == SASL_NOMECH ||
	       ret == SASL_BADVERS || ret == SASL_CONFIGERR;
}

static void cyrus_failure(struct auth_request *request, struct cyrus_request *state, int ret)
{
	const char *detail = state->conn == NULL ? sasl_errstring(ret, NULL, NULL) :
						   sasl_errdetail(state->conn);
	enum passdb_result result = PASSDB_RESULT_PASSWORD_MISMATCH;

	detail = str_sanitize(pool_temp, detail, 200);
	if (state->fail_logged) {
		result = state->fail_result;
	} else if (state->lookup_done && state->lookup_result != PASSDB_RESULT_OK) {
		/* the passdb walk or cyrus_credentials_cb() logged why */
		result = state->lookup_result;
	} else if (cyrus_error_is_internal(ret)) {
		auth_request_log_error(request, state->log_name, "%s", detail);
		result = PASSDB_RESULT_INTERNAL_FAILURE;
	} else if (ret == SASL_BADAUTH && state->lookup_done) {
		/* the password was there and did not match */
		if (auth_request_verbose(request))
			auth_request_log_info(request, state->log_name, "Password mismatch");
	} else {
		auth_request_log_info(request, state->log_name, "%s", detail);
	}
	cyrus_request_end(state);
	if (result == PASSDB_RESULT_INTERNAL_FAILURE)
		auth_request_internal_failure(request);
	else
		auth_request_fail(request, result);
}

static void cyrus_result(struct auth_request *request, int ret, const char *out,
			 unsigned int outlen)
{
	struct cyrus_request *state = request->mech_data;

	if (ret == SASL_CONTINUE) {
		auth_request_continue(request, out, outlen);
	} else if (ret == SASL_OK && outlen > 0) {
		state->final_sent = true;
		auth_request_continue(request, out, outlen);
	} else if (ret == SASL_OK) {
		cyrus_success(request, state);
	} else {
		cyrus_failure(request, state, ret);
	}
}

/* The service name libsasl2's mechanisms expect (DIGEST-MD5 compares it
   with the client's digest-uri): the SASL profiles' names. */
static const char *cyrus_service_name(const char *service)
{
	if (strcmp(service, "pop3") == 0)
		return "pop"; /* RFC 5034 */
	return service;
}

static void mech_cyrus_auth_initial(struct auth_request *request, const unsigned char *data,
				    size_t size, bool has_data)
{
	struct cyrus_request *state = p_new(request->pool, struct cyrus_request, 1);
	const char *const *realms = request->auth->set->auth_realms;
	sasl_security_properties_t secprops;
	const char *out = NULL;
	unsigned int outlen = 0;
	int ret;

	request->mech_data = state;
	state->log_name = str_lcase(p_strdup(request->pool, request->mech->name));
	state->callbacks[0].id = SASL_CB_CANON_USER;
	state->callbacks[0].proc = CYRUS_CB(cyrus_canon_user);
	state->callbacks[0].context = request;
	state->callbacks[1].id = SASL_CB_LIST_END;
	/* DIGEST-MD5 offers one realm: the first of auth_realms, or the
	   host name (and then the user name stays as the client gave it) */
	ret = sasl_server_new(cyrus_service_name(request->service), cyrus_hostname,
			      realms[0] != NULL && realms[0][0] != '\0' ? realms[0] : NULL, NULL,
			      NULL, state->callbacks, 0, &state->conn);
	if (ret == SASL_OK) {
		/* no security layer: login processes and Postfix have none */
		memset(&secprops, 0, sizeof(secprops));
		ret = sasl_setprop(state->conn, SASL_SEC_PROPS, &secprops);
	}
	if (ret != SASL_OK) {
		auth_request_log_error(request, state->log_name, "libsasl2: %s",
				       sasl_errstring(ret, NULL, NULL));
		cyrus_request_end(state);
		auth_request_internal_failure(request);
		return;
	}
	if (size > UINT_MAX) {
		cyrus_failure(request, state, SASL_BADPROT);
		return;
	}
	cyrus_current_request = request;
	ret = sasl_server_start(state->conn, request->mech->name,
				has_data ? (const char *)data : NULL,
				has_data ? (unsigned int)size : 0, &out, &outlen);
	cyrus_current_request = NULL;
	cyrus_result(request, ret, out, outlen);
}

static void mech_cyrus_auth_continue(struct auth_request *request, const unsigned char *data,
				     size_t size)
{
	struct cyrus_request *state = request->mech_data;
	const char *out = NULL;
	unsigned int outlen = 0;
	int ret;

	if (state->conn == NULL) {
		auth_request_internal_failure(request);
		return;
	}
	if (state->final_sent) {
		if (size != 0) {
			auth_request_log_info(request, state->log_name,
					      "Unexpected data after the final challenge");
			cyrus_request_end(state);
			auth_request_fail(request, PASSDB_RESULT_PASSWORD_MISMATCH);
			return;
		}
		cyrus_success(request, state);
		return;
	}
	if (size > UINT_MAX) {
		cyrus_failure(request, state, SASL_BADPROT);
		return;
	}
	cyrus_current_request = request;
	ret = sasl_server_step(state->conn, (const char *)data, (unsigned int)size, &out, &outlen);
	cyrus_current_request = NULL;
	cyrus_result(request, ret, out, outlen);
}

static void mech_cyrus_auth_free(struct auth_request *request)
{
	struct cyrus_request *state = request->mech_data;

	if (state != NULL)
		cyrus_request_end(state);
}

/* ---- set-up ---- */

static int mech_cyrus_init(const struct auth_settings *set, const char **error_r)
{
	sasl_security_properties_t secprops;
	sasl_conn_t *conn = NULL;
	const char *list = NULL;
	int ret;

	if (cyrus_initialized)
		return 0;
	cyrus_debug = set->auth_debug;
	cyrus_debug_passwords = set->auth_debug_passwords;
	/* our own name for the realm: libsasl2 would ask DNS for it */
	if (gethostname(cyrus_hostname, sizeof(cyrus_hostname) - 1) < 0 ||
	    cyrus_hostname[0] == '\0')
		strcpy(cyrus_hostname, "localhost");
	/* no application name: libsasl2 then reads no configuration file */
	ret = sasl_server_init(cyrus_global_callbacks, NULL);
	if (ret != SASL_OK) {
		*error_r = t_strdup_printf("libsasl2: sasl_server_init() failed: %s",
					   sasl_errstring(ret, NULL, NULL));
		return -1;
	}
	cyrus_initialized = true;
	ret = sasl_auxprop_add_plugin(CYRUS_PLUGIN_NAME, cyrus_auxprop_init);
	if (ret == SASL_OK)
		ret = sasl_canonuser_add_plugin(CYRUS_PLUGIN_NAME, cyrus_canonuser_init);
	if (ret == SASL_OK)
		ret = sasl_server_new("roost", cyrus_hostname, NULL, NULL, NULL, NULL, 0, &conn);
	if (ret == SASL_OK) {
		memset(&secprops, 0, sizeof(secprops));
		ret = sasl_setprop(conn, SASL_SEC_PROPS, &secprops);
	}
	if (ret == SASL_OK) {
		ret = sasl_listmech(conn, NULL, "", " ", "", &list, NULL, NULL);
		if (ret == SASL_NOMECH) {
			list = "";
			ret = SASL_OK;
		}
	}
	if (ret != SASL_OK) {
		*error_r = t_strdup_printf("libsasl2: %s", conn != NULL ? sasl_errdetail(conn) :
								   sasl_errstring(ret, NULL, NULL));
		if (conn != NULL)
			sasl_dispose(&conn);
		mech_cyrus_deinit();
		return -1;
	}
	cyrus_offered = i_strdup(list);
	sasl_dispose(&conn);
	cyrus_mech_list = str_new(pool_system, 64);
	return 0;
}

void mech_cyrus_deinit(void)
{
	if (!cyrus_initialized)
		return;
	(void)sasl_server_done();
	cyrus_initialized = false;
	i_free(cyrus_offered);
	if (cyrus_mech_list != NULL)
		str_free(&cyrus_mech_list);
}

static bool cyrus_list_has(const char *list, const char *name)
{
	const char *const *names = p_strsplit(pool_temp, list, " ");

	for (unsigned int i = 0; names[i] != NULL; i++) {
		if (strcasecmp(names[i], name) == 0)
			return true;
	}
	return false;
}

struct cyrus_plugin_info {
	const char *name;
	unsigned int security_flags;
};

static void cyrus_plugin_info_cb(server_sasl_mechanism_t *m, sasl_info_callback_stage_t stage,
				 void *rock)
{
	struct cyrus_plugin_info *info = rock;

	if (stage == SASL_INFO_LIST_MECH && m != NULL && m->plug != NULL && info->name == NULL) {
		info->name = t_strdup(m->plug->mech_name);
		info->security_flags = m->plug->security_flags;
	}
}

/* libsasl2's flags say what a mechanism protects against; Dovecot's MECH
   flags say what it is exposed to. */
static enum mech_security_flags cyrus_mech_flags(unsigned int sf)
{
	enum mech_security_flags flags = 0;

	if ((sf & SASL_SEC_NOPLAINTEXT) == 0)
		flags |= MECH_SEC_PLAINTEXT;
	if ((sf & SASL_SEC_NOANONYMOUS) == 0)
		flags |= MECH_SEC_ANONYMOUS;
	if ((sf & SASL_SEC_NODICTIONARY) == 0)
		flags |= MECH_SEC_DICTIONARY;
	if ((sf & SASL_SEC_NOACTIVE) == 0)
		flags |= MECH_SEC_ACTIVE;
	if ((sf & SASL_SEC_FORWARD_SECRECY) != 0)
		flags |= MECH_SEC_FORWARD_SECRECY;
	if ((sf & SASL_SEC_MUTUAL_AUTH) != 0)
		flags |= MECH_SEC_MUTUAL_AUTH;
	return flags;
}

/* The passdbs these mechanisms may consult must answer inside libsasl2's
   call: pam and sql (through auth workers) cannot. */
static int cyrus_check_passdbs(struct auth *auth, const char *name, const char **error_r)
{
	const struct auth_passdb *passdb;

	array_foreach_elem(&auth->passdbs, passdb) {
		const char *const *mechs = passdb->set->mechanisms;
		bool consulted = mechs[0] == NULL;

		for (unsigned int i = 0; mechs[i] != NULL; i++) {
			if (strcasecmp(mechs[i], name) == 0)
				consulted = true;
		}
		if (!consulted || (passdb->module->iface->lookup != NULL &&
				   !passdb->module->iface->lookup_in_worker))
			continue;
		*error_r = t_strdup_printf(
			"auth_mechanisms: %s is run by libsasl2, which needs the password during "
			"its own call, but passdb %s checks passwords in auth workers: limit "
			"that passdb to the other mechanisms (mechanisms = ... in its passdb "
			"section) or remove %s from auth_mechanisms",
			name, passdb->set->driver, name);
		return -1;
	}
	return 0;
}

int mech_cyrus_find(struct auth *auth, const char *name, const struct mech_module **mech_r,
		    const char **error_r)
{
	struct cyrus_plugin_info info = { NULL, 0 };
	struct mech_module *mech;

	if (mech_cyrus_init(auth->set, error_r) < 0)
		return -1;
	if (!cyrus_list_has(cyrus_offered, name))
		return 0;
	(void)sasl_server_plugin_info(name, cyrus_plugin_info_cb, &info);
	if (info.name == NULL)
		return 0;
	mech = p_new(auth->pool, struct mech_module, 1);
	mech->name = p_strdup(auth->pool, info.name);
	mech->flags = cyrus_mech_flags(info.security_flags);
	mech->auth_initial = mech_cyrus_auth_initial;
	mech->auth_continue = mech_cyrus_auth_continue;
	mech->auth_free = mech_cyrus_auth_free;
	if ((mech->flags & MECH_SEC_ANONYMOUS) != 0) {
		/* asks for no password */
		mech->passdb_need = MECH_PASSDB_NEED_PLAINTEXT;
	} else {
		mech->passdb_need = MECH_PASSDB_NEED_PLAIN;
		if (cyrus_check_passdbs(auth, mech->name, error_r) < 0)
			return -1;
	}
	if (!cyrus_list_has(str_c(cyrus_mech_list), mech->name)) {
		if (str_len(cyrus_mech_list) > 0)
			str_append_c(cyrus_mech_list, ' ');
		str_append(cyrus_mech_list, mech->name);
	}
	*mech_r = mech;
	return 1;
}

const char *mech_cyrus_plugin_package(const char *name)
{
	if (strcasecmp(name, "GSSAPI") == 0 || strcasecmp(name, "GSS-SPNEGO") == 0)
		return "libsasl2-modules-gssapi-mit";
	if (strcasecmp(name, "OTP") == 0)
		return "libsasl2-modules-otp";
	return "libsasl2-modules";
}

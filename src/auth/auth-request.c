/* Authentication requests: user name normalisation, the passdb and userdb
   chains with their result rules, fields, %variables and log prefixes. */
#include "lib.h"
#include "ioloop.h"
#include "var-expand.h"
#include "password-scheme.h"
#include "password-crypto.h"
#include "hex.h"
#include "auth-fields.h"
#include "auth-worker-server.h"
#include "passdb.h"
#include "userdb.h"
#include "mech.h"
#include "auth-request.h"

#include <fnmatch.h>

#define AUTH_LOG_STR_MAX 100

struct auth_request *auth_request_new(struct auth *auth, const struct mech_module *mech)
{
	pool_t pool = pool_alloconly_create("auth request", 2048);
	struct auth_request *request = p_new(pool, struct auth_request, 1);

	request->refcount = 1;
	request->pool = pool;
	request->auth = auth;
	request->mech = mech;
	request->service = "";
	request->passdb_last_result = PASSDB_RESULT_USER_UNKNOWN;
	p_array_init(&request->extra_fields, pool, 8);
	p_array_init(&request->userdb_fields, pool, 8);
	return request;
}

static void copy_fields(pool_t pool, ARRAY_TYPE(auth_field) *dest,
			const ARRAY_TYPE(auth_field) *src)
{
	array_foreach(src, f)
		auth_fields_set(pool, dest, f->key, f->value);
}

struct auth_request *auth_request_dup_for_userdb(const struct auth_request *orig)
{
	struct auth_request *request = auth_request_new(orig->auth, NULL);
	pool_t pool = request->pool;

	request->service = p_strdup(pool, orig->service);
	request->local_ip = orig->local_ip;
	request->remote_ip = orig->remote_ip;
	request->local_port = orig->local_port;
	request->remote_port = orig->remote_port;
	request->session_id = p_strdup(pool, orig->session_id);
	request->local_name = p_strdup(pool, orig->local_name);
	request->secured = orig->secured;
	request->valid_client_cert = orig->valid_client_cert;
	request->debug = orig->debug;
	request->client_pid = orig->client_pid;
	request->original_username = p_strdup(pool, orig->original_username);
	request->user = p_strdup(pool, orig->user);
	copy_fields(pool, &request->extra_fields, &orig->extra_fields);
	copy_fields(pool, &request->userdb_fields, &orig->userdb_fields);
	request->passdb_userdb_fields = orig->passdb_userdb_fields;
	return request;
}

void auth_request_ref(struct auth_request *request)
{
	i_assert(request->refcount > 0);
	request->refcount++;
}

void auth_request_unref(struct auth_request **_request)
{
	struct auth_request *request = *_request;

	*_request = NULL;
	i_assert(request->refcount > 0);
	if (--request->refcount > 0)
		return;
	if (request->to_delay != NULL)
		timeout_remove(&request->to_delay);
	if (request->mech != NULL && request->mech->auth_free != NULL)
		request->mech->auth_free(request);
	pool_unref(&request->pool);
}

void auth_request_abort(struct auth_request *request)
{
	request->aborted = true;
	if (request->to_delay != NULL)
		timeout_remove(&request->to_delay);
}

/* ---- logging ---- */

const char *auth_log_str(const char *str)
{
	char *s = (char *)str_sanitize(pool_temp, str, AUTH_LOG_STR_MAX);

	for (char *p = s; *p != '\0'; p++) {
		if (strchr(",()<>= \t", *p) != NULL)
			*p = '?';
	}
	return s;
}

const char *auth_request_log_prefix(struct auth_request *request, const char *subsystem)
{
	string_t *str = str_new(pool_temp, 128);
	const char *user = request->user != NULL ? request->user : request->original_username;

	str_append(str, subsystem);
	str_append_c(str, '(');
	str_append(str, user != NULL ? auth_log_str(user) : "?");
	if (request->remote_ip.family != 0)
		str_printfa(str, ",%s", net_ip2addr(pool_temp, &request->remote_ip));
	if (request->session_id != NULL)
		str_printfa(str, ",<%s>", auth_log_str(request->session_id));
	str_append(str, "): ");
	return str_c(str);
}

static void auth_request_logv(struct auth_request *request, enum log_type type,
			      const char *subsystem, const char *fmt, va_list args)
	ATTR_FORMAT(4, 0);
static void auth_request_logv(struct auth_request *request, enum log_type type,
			      const char *subsystem, const char *fmt, va_list args)
{
	const char *text = p_strdup_vprintf(pool_temp, fmt, args);

	i_log(type, "%s%s", auth_request_log_prefix(request, subsystem), text);
}

bool auth_request_debug_enabled(struct auth_request *request)
{
	return request->auth->set->auth_debug || request->debug;
}

void auth_request_log_debug(struct auth_request *request, const char *subsystem,
			    const char *fmt, ...)
{
	va_list args;

	if (!auth_request_debug_enabled(request))
		return;
	va_start(args, fmt);
	/* per-request "debug" must show even when the process log level is
	   higher: log it as info then */
	auth_request_logv(request, log_debug_enabled() ? LOG_TYPE_DEBUG : LOG_TYPE_INFO,
			  subsystem, fmt, args);
	va_end(args);
}

void auth_request_log_info(struct auth_request *request, const char *subsystem,
			   const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	auth_request_logv(request, LOG_TYPE_INFO, subsystem, fmt, args);
	va_end(args);
}

void auth_request_log_warning(struct auth_request *request, const char *subsystem,
			      const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	auth_request_logv(request, LOG_TYPE_WARNING, subsystem, fmt, args);
	va_end(args);
}

void auth_request_log_error(struct auth_request *request, const char *subsystem,
			    const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	auth_request_logv(request, LOG_TYPE_ERROR, subsystem, fmt, args);
	va_end(args);
}

bool auth_request_verbose(struct auth_request *request)
{
	const char *v = request->passdb != NULL ? request->passdb->set->auth_verbose : "default";

	if (strcmp(v, "yes") == 0)
		return true;
	if (strcmp(v, "no") == 0)
		return false;
	return request->auth->set->auth_verbose || auth_request_debug_enabled(request);
}

const char *auth_request_given_password_str(struct auth_request *request)
{
	const char *mode = request->auth->set->auth_verbose_passwords;
	const char *pw = request->mech_password;
	unsigned int trunc = 0;
	const char *p;

	if (pw == NULL || strcmp(mode, "no") == 0)
		return "";
	if ((p = strchr(mode, ':')) != NULL && str_to_uint(p + 1, &trunc) < 0)
		trunc = 0;
	if (str_begins(mode, "sha1", NULL)) {
		unsigned char digest[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
		size_t size;
		const char *error, *hex;

		if (password_crypto_digest("SHA1", pw, strlen(pw), NULL, 0, digest, &size,
					   &error) < 0)
			return "";
		hex = hex_encode_pool(pool_temp, digest, size);
		if (trunc > 0 && trunc < strlen(hex))
			hex = t_strndup(hex, trunc);
		return t_strdup_printf(" (SHA1 of given password: %s)", hex);
	}
	if (trunc > 0 && trunc < strlen(pw))
		pw = t_strndup(pw, trunc);
	return t_strdup_printf(" (given password: %s)", str_sanitize(pool_temp, pw, 256));
}

/* ---- parameters ---- */

int auth_request_import(struct auth_request *request, const char *key, const char *value,
			const char **error_r)
{
	unsigned int port;

	if (strcmp(key, "service") == 0)
		request->service = p_strdup(request->pool, value);
	else if (strcmp(key, "lip") == 0 || strcmp(key, "rip") == 0) {
		struct ip_addr *ip = key[0] == 'l' ? &request->local_ip : &request->remote_ip;

		if (net_addr2ip(value, ip) < 0) {
			*error_r = t_strdup_printf("invalid %s", key);
			return -1;
		}
	} else if (strcmp(key, "lport") == 0 || strcmp(key, "rport") == 0) {
		if (str_to_uint(value, &port) < 0 || port > 65535) {
			*error_r = t_strdup_printf("invalid %s", key);
			return -1;
		}
		if (key[0] == 'l')
			request->local_port = port;
		else
			request->remote_port = port;
	} else if (strcmp(key, "session") == 0)
		request->session_id = p_strdup(request->pool, value);
	else if (strcmp(key, "local_name") == 0)
		request->local_name = p_strdup(request->pool, value);
	else if (strcmp(key, "secured") == 0)
		request->secured = true;
	else if (strcmp(key, "valid-client-cert") == 0)
		request->valid_client_cert = true;
	else if (strcmp(key, "no-penalty") == 0)
		request->no_penalty = true;
	else if (strcmp(key, "debug") == 0)
		request->debug = true;
	/* anything else is ignored, as the protocol says */
	return 0;
}

/* ---- user names ---- */

int auth_request_set_username(struct auth_request *request, const char *username,
			      const char **error_r)
{
	const struct auth_settings *set = request->auth->set;
	char *name = p_strdup(pool_temp, username);
	const char *error;

	if (request->original_username == NULL)
		request->original_username = p_strdup(request->pool, username);
	if (*name == '\0') {
		*error_r = "Empty username";
		return -1;
	}
	/* translation: pairs of from/to characters */
	if (set->auth_username_translation[0] != '\0') {
		const char *tr = set->auth_username_translation;
		size_t tr_len = strlen(tr);

		for (char *p = name; *p != '\0'; p++) {
			for (size_t i = 0; i + 1 < tr_len; i += 2) {
				if (*p == tr[i]) {
					*p = tr[i + 1];
					break;
				}
			}
		}
	}
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		if (!request->auth->username_chars[*p]) {
			*error_r = t_strdup_printf(
				"Username character disallowed by auth_username_chars: "
				"0x%02x (username: %s)", *p, auth_log_str(username));
			return -1;
		}
	}
	if (set->auth_default_realm[0] != '\0' && strchr(name, '@') == NULL)
		name = p_strdup_printf(pool_temp, "%s@%s", name, set->auth_default_realm);
	request->user = p_strdup(request->pool, name);
	if (set->auth_username_format[0] != '\0') {
		string_t *dest = str_new(pool_temp, 64);

		if (auth_request_var_expand(request, dest, set->auth_username_format,
					    &error) < 0) {
			*error_r = t_strdup_printf("Failed to expand auth_username_format=%s: %s",
						   set->auth_username_format, error);
			return -1;
		}
		if (str_len(dest) == 0) {
			*error_r = "Username is empty after auth_username_format";
			return -1;
		}
		request->user = p_strdup(request->pool, str_c(dest));
	}
	return 0;
}

/* ---- fields ---- */

const char *auth_fields_get(const ARRAY_TYPE(auth_field) *fields, const char *key)
{
	array_foreach(fields, f) {
		if (strcmp(f->key, key) == 0)
			return f->value;
	}
	return NULL;
}

void auth_fields_set(pool_t pool, ARRAY_TYPE(auth_field) *fields, const char *key,
		     const char *value)
{
	struct auth_field *f;

	array_foreach(fields, field) {
		if (strcmp(field->key, key) == 0) {
			field->value = p_strdup(pool, value);
			return;
		}
	}
	f = array_append_space(fields);
	f->key = p_strdup(pool, key);
	f->value = p_strdup(pool, value);
}

void auth_fields_remove(ARRAY_TYPE(auth_field) *fields, const char *key)
{
	for (unsigned int i = 0; i < array_count(fields); i++) {
		if (strcmp(array_idx(fields, i)->key, key) == 0) {
			array_delete(fields, i, 1);
			return;
		}
	}
}

void auth_request_set_passdb_field(struct auth_request *request, const char *key,
				   const char *value)
{
	const char *error;

	if (strcmp(key, "user") == 0 || strcmp(key, "username") == 0) {
		/* the passdb changes the user name (e.g. its canonical case) */
		if (value[0] != '\0' && strcmp(value, request->user) != 0) {
			auth_request_log_debug(request, "auth", "username changed %s -> %s",
					       auth_log_str(request->user), auth_log_str(value));
			request->user = p_strdup(request->pool, value);
		}
		return;
	}
	if (str_begins(key, "userdb_", &key)) {
		auth_request_set_userdb_field(request, key, value);
		request->passdb_userdb_fields = true;
		return;
	}
	if (strcmp(key, "password") == 0) {
		/* static passdb and templates set the password this way */
		request->passdb_password = p_strdup(request->pool, value);
		return;
	}
	(void)error;
	auth_fields_set(request->pool, &request->extra_fields, key, value);
}

void auth_request_set_userdb_field(struct auth_request *request, const char *key,
				   const char *value)
{
	const char *resolved, *error;

	if (strcmp(key, "uid") == 0 && userdb_resolve_uid(value, &resolved, &error) == 0)
		value = resolved;
	else if (strcmp(key, "gid") == 0 && userdb_resolve_gid(value, &resolved, &error) == 0)
		value = resolved;
	auth_fields_set(request->pool, &request->userdb_fields, key, value);
}

int auth_request_apply_template(struct auth_request *request, const char *template,
				bool userdb, bool override)
{
	const char **words = p_strsplit_spaces(pool_temp, template, " ");
	ARRAY_TYPE(auth_field) *fields = userdb ? &request->userdb_fields : &request->extra_fields;
	const char *error;

	for (unsigned int i = 0; words[i] != NULL; i++) {
		const char *key = words[i], *value = "", *eq = strchr(key, '=');
		string_t *dest = str_new(pool_temp, 64);

		if (eq != NULL) {
			value = eq + 1;
			key = t_strndup(key, (size_t)(eq - key));
		}
		if (!override && auth_fields_get(fields, key) != NULL)
			continue;
		if (auth_request_var_expand(request, dest, value, &error) < 0) {
			auth_request_log_error(request, "auth",
					       "Failed to expand %s field %s: %s",
					       userdb ? "userdb" : "passdb", key, error);
			return -1;
		}
		if (userdb)
			auth_request_set_userdb_field(request, key, str_c(dest));
		else
			auth_request_set_passdb_field(request, key, str_c(dest));
	}
	return 0;
}

/* ---- %variables ---- */

static int var_func_field(const char *data, void *context, const ARRAY_TYPE(auth_field) *fields,
			  const char **value_r)
{
	const char *def = strchr(data, ':');
	const char *key = def == NULL ? data : t_strndup(data, (size_t)(def - data));
	const char *value = auth_fields_get(fields, key);

	(void)context;
	*value_r = value != NULL ? value : (def != NULL ? def + 1 : "");
	return 1;
}

static int var_func_passdb(const char *data, void *context, const char **value_r,
			   const char **error_r)
{
	struct auth_request *request = context;

	return var_func_field(data, context, &request->extra_fields, value_r);
}

static int var_func_userdb(const char *data, void *context, const char **value_r,
			   const char **error_r)
{
	struct auth_request *request = context;

	return var_func_field(data, context, &request->userdb_fields, value_r);
}

static const struct var_expand_func_table auth_request_var_funcs[] = {
	{ "passdb", var_func_passdb },
	{ "userdb", var_func_userdb },
	{ NULL, NULL },
};

int auth_request_var_expand(struct auth_request *request, string_t *dest, const char *str,
			    const char **error_r)
{
	return auth_request_var_expand_with_escape(request, dest, str, NULL, NULL, error_r);
}

int auth_request_var_expand_with_escape(struct auth_request *request, string_t *dest,
					const char *str, var_expand_escape_func_t *escape,
					void *escape_context, const char **error_r)
{
	const char *user = request->user != NULL ? request->user :
			   request->original_username != NULL ? request->original_username : "";
	const char *at = strchr(user, '@');
	const char *username = at == NULL ? user : t_strndup(user, (size_t)(at - user));
	const char *domain = at == NULL ? "" : at + 1;
	const char *orig = request->original_username != NULL ? request->original_username : user;
	const char *orig_at = strchr(orig, '@');
	const char *lip = net_ip2addr(pool_temp, &request->local_ip);
	const char *rip = net_ip2addr(pool_temp, &request->remote_ip);
	const char *pid = request->client_pid == 0 ? "" :
			  t_strdup_printf("%ld", (long)request->client_pid);
	const char *home = auth_fields_get(&request->userdb_fields, "home");
	const char *lport = request->local_port == 0 ? "" :
			    t_strdup_printf("%u", request->local_port);
	const char *rport = request->remote_port == 0 ? "" :
			    t_strdup_printf("%u", request->remote_port);
	const struct var_expand_table table[] = {
		{ 'u', user, "user" },
		{ 'n', username, "username" },
		{ 'd', domain, "domain" },
		{ 's', request->service, "service" },
		{ 'h', home, "home" },
		{ 'l', lip, "lip" },
		{ 'r', rip, "rip" },
		{ 'p', pid, "pid" },
		{ 'w', request->mech_password, "password" },
		{ 'm', request->mech != NULL ? request->mech->name : request->mech_name, "mech" },
		{ 'c', request->secured ? "secured" : "", "secured" },
		{ '\0', request->session_id, "session" },
		{ '\0', lport, "lport" },
		{ '\0', rport, "rport" },
		{ '\0', request->local_name, "local_name" },
		{ '\0', orig, "orig_user" },
		{ '\0', orig_at == NULL ? orig : t_strndup(orig, (size_t)(orig_at - orig)),
		  "orig_username" },
		{ '\0', orig_at == NULL ? "" : orig_at + 1, "orig_domain" },
		{ '\0', NULL, NULL },
	};

	return var_expand_with_escape(dest, str, table, auth_request_var_funcs, request, escape,
				      escape_context, error_r);
}

/* ---- requests handed to an auth worker ---- */

static void export_field(string_t *dest, const char *key, const char *value)
{
	if (value == NULL)
		return;
	str_append_c(dest, '\t');
	auth_fields_append_escaped(dest, t_strdup_printf("%s=%s", key, value));
}

void auth_request_export(struct auth_request *request, string_t *dest, bool with_password)
{
	export_field(dest, "user", request->user);
	export_field(dest, "orig_user", request->original_username);
	export_field(dest, "service", request->service);
	if (request->local_ip.family != 0)
		export_field(dest, "lip", net_ip2addr(pool_temp, &request->local_ip));
	if (request->remote_ip.family != 0)
		export_field(dest, "rip", net_ip2addr(pool_temp, &request->remote_ip));
	if (request->local_port != 0)
		export_field(dest, "lport", t_strdup_printf("%u", request->local_port));
	if (request->remote_port != 0)
		export_field(dest, "rport", t_strdup_printf("%u", request->remote_port));
	export_field(dest, "session", request->session_id);
	export_field(dest, "local_name", request->local_name);
	if (request->secured)
		export_field(dest, "secured", "");
	if (auth_request_debug_enabled(request))
		export_field(dest, "debug", "");
	if (request->client_pid != 0)
		export_field(dest, "pid", t_strdup_printf("%ld", (long)request->client_pid));
	if (request->mech != NULL)
		export_field(dest, "mech", request->mech->name);
	if (with_password)
		export_field(dest, "password", request->mech_password);
	array_foreach(&request->extra_fields, f)
		export_field(dest, t_strdup_printf("passdb:%s", f->key), f->value);
	array_foreach(&request->userdb_fields, f)
		export_field(dest, t_strdup_printf("userdb:%s", f->key), f->value);
}

int auth_request_import_exported(struct auth_request *request, const char *const *args,
				 const char **error_r)
{
	pool_t pool = request->pool;

	for (unsigned int i = 0; args[i] != NULL; i++) {
		const char *eq = strchr(args[i], '='), *key, *value, *rest;
		unsigned int pid;

		if (eq == NULL) {
			*error_r = "field without '='";
			return -1;
		}
		key = t_strndup(args[i], (size_t)(eq - args[i]));
		value = eq + 1;
		if (strcmp(key, "user") == 0)
			request->user = p_strdup(pool, value);
		else if (strcmp(key, "orig_user") == 0)
			request->original_username = p_strdup(pool, value);
		else if (strcmp(key, "password") == 0)
			request->mech_password = p_strdup(pool, value);
		else if (strcmp(key, "mech") == 0)
			request->mech_name = p_strdup(pool, value);
		else if (strcmp(key, "pid") == 0) {
			if (str_to_uint(value, &pid) < 0) {
				*error_r = "invalid pid";
				return -1;
			}
			request->client_pid = (pid_t)pid;
		} else if (str_begins(key, "passdb:", &rest))
			auth_fields_set(pool, &request->extra_fields, rest, value);
		else if (str_begins(key, "userdb:", &rest))
			auth_fields_set(pool, &request->userdb_fields, rest, value);
		else if (auth_request_import(request, key, value, error_r) < 0)
			return -1;
	}
	return 0;
}

/* ---- the passdb chain ---- */

static void passdb_next(struct auth_request *request);

static bool username_filter_match(const char *const *filter, const char *user)
{
	bool have_positive = false, matched = false;

	for (unsigned int i = 0; filter[i] != NULL; i++) {
		const char *mask = filter[i];

		if (mask[0] == '!') {
			if (fnmatch(mask + 1, user, 0) == 0)
				return false;
			continue;
		}
		have_positive = true;
		if (fnmatch(mask, user, 0) == 0)
			matched = true;
	}
	return !have_positive || matched;
}

static bool passdb_want_skip(struct auth_request *request, const struct auth_passdb *passdb)
{
	const char *const *mechs = passdb->set->mechanisms;

	switch (passdb->skip) {
	case AUTH_DB_SKIP_NEVER:
		break;
	case AUTH_DB_SKIP_AUTHENTICATED:
		if (request->passdb_success)
			return true;
		break;
	case AUTH_DB_SKIP_UNAUTHENTICATED:
		if (!request->passdb_success)
			return true;
		break;
	}
	if (mechs[0] != NULL) {
		bool found = false;
		const char *name = request->mech != NULL ? request->mech->name : "none";

		for (unsigned int i = 0; mechs[i] != NULL; i++) {
			if (strcasecmp(mechs[i], name) == 0)
				found = true;
		}
		if (!found)
			return true;
	}
	if (passdb->username_filter != NULL && request->user != NULL &&
	    !username_filter_match(passdb->username_filter, request->user))
		return true;
	return false;
}

static void passdb_chain_finish(struct auth_request *request)
{
	enum passdb_result result;

	if (request->passdb_success)
		result = PASSDB_RESULT_OK;
	else if (request->passdb_internal_failure)
		result = PASSDB_RESULT_INTERNAL_FAILURE;
	else
		result = request->passdb_last_result;
	if (request->credentials_lookup) {
		request->credentials_callback(result,
					      result == PASSDB_RESULT_OK ?
						      request->passdb_password : NULL,
					      result == PASSDB_RESULT_OK ?
						      request->passdb_scheme : NULL,
					      request);
	} else {
		request->verify_callback(result, request);
	}
	auth_request_unref(&request);
}

static enum auth_db_rule passdb_rule(const struct auth_passdb *passdb, enum passdb_result result)
{
	if (result == PASSDB_RESULT_OK)
		return passdb->result_success;
	if (result == PASSDB_RESULT_INTERNAL_FAILURE)
		return passdb->result_internalfail;
	return passdb->result_failure;
}

/* The result of the current passdb: apply its rule and go on or finish. */
static void passdb_handle_result(struct auth_request *request, enum passdb_result result,
				 unsigned int fields_before)
{
	const struct auth_passdb *passdb = request->passdb;
	enum auth_db_rule rule;

	if (request->aborted) {
		auth_request_unref(&request);
		return;
	}
	if (passdb->set->deny) {
		if (result == PASSDB_RESULT_OK) {
			auth_request_log_info(request, passdb->module->iface->name,
					      "User found from deny passdb");
			request->passdb_success = false;
			request->passdb_last_result = PASSDB_RESULT_USER_DISABLED;
			passdb_chain_finish(request);
			return;
		}
		if (result != PASSDB_RESULT_INTERNAL_FAILURE) {
			request->passdb_idx++;
			passdb_next(request);
			return;
		}
	}
	if (result == PASSDB_RESULT_OK) {
		if (passdb->set->override_fields[0] != '\0' &&
		    auth_request_apply_template(request, passdb->set->override_fields, false,
						true) < 0)
			result = PASSDB_RESULT_INTERNAL_FAILURE;
	} else {
		/* a failed passdb leaves no fields behind */
		while (array_count(&request->extra_fields) > fields_before)
			array_delete(&request->extra_fields,
				     array_count(&request->extra_fields) - 1, 1);
	}
	if (result == PASSDB_RESULT_INTERNAL_FAILURE)
		request->passdb_internal_failure = true;
	else if (result != PASSDB_RESULT_NEXT)
		request->passdb_last_result = result;
	if (result == PASSDB_RESULT_NEXT || result == PASSDB_RESULT_SCHEME_NOT_AVAILABLE) {
		request->passdb_idx++;
		passdb_next(request);
		return;
	}
	rule = passdb_rule(passdb, result);
	switch (rule) {
	case AUTH_DB_RULE_RETURN_OK:
		request->passdb_success = true;
		passdb_chain_finish(request);
		return;
	case AUTH_DB_RULE_RETURN:
		request->passdb_success = result == PASSDB_RESULT_OK;
		passdb_chain_finish(request);
		return;
	case AUTH_DB_RULE_RETURN_FAIL:
		request->passdb_success = false;
		if (result == PASSDB_RESULT_OK)
			request->passdb_last_result = PASSDB_RESULT_PASSWORD_MISMATCH;
		passdb_chain_finish(request);
		return;
	case AUTH_DB_RULE_CONTINUE:
		break;
	case AUTH_DB_RULE_CONTINUE_OK:
		request->passdb_success = true;
		break;
	case AUTH_DB_RULE_CONTINUE_FAIL:
		request->passdb_success = false;
		break;
	}
	request->passdb_idx++;
	passdb_next(request);
}

static unsigned int passdb_fields_mark(struct auth_request *request)
{
	return array_count(&request->extra_fields);
}

static void passdb_verify_cb(enum passdb_result result, struct auth_request *request);

static void passdb_worker_verify_cb(enum passdb_result result, const char *error,
				    void *context)
{
	struct auth_request *request = context;

	if (!request->aborted && result == PASSDB_RESULT_INTERNAL_FAILURE)
		auth_request_log_error(request, request->passdb->module->iface->name, "%s",
				       error);
	passdb_verify_cb(result, request);
	/* the reference taken for the worker */
	auth_request_unref(&request);
}

static bool password_is_slow(const char *stored, const char *default_scheme)
{
	static const char *const fast[] = {
		"PLAIN", "PLAIN-MD5", "LDAP-MD5", "SMD5", "SHA", "SSHA", "SHA256", "SSHA256",
		"SHA512", "SSHA512", "CRAM-MD5", NULL
	};
	const char *scheme = default_scheme, *end;

	if (stored[0] == '{' && (end = strchr(stored, '}')) != NULL)
		scheme = t_strndup(stored + 1, (size_t)(end - stored - 1));
	else if (str_begins(stored, "$", NULL))
		return true;
	if (scheme == NULL)
		return false; /* an error either way: no need for a worker */
	scheme = password_scheme_canonical(scheme);
	if (scheme == NULL)
		return false;
	if (strcmp(scheme, "MD5") == 0)
		return str_begins(stored, "$1$", NULL);
	return !str_array_find(fast, scheme);
}

/* passdb found the user's entry while verifying a plaintext password */
static void passdb_lookup_verify_cb(enum passdb_result result, const char *stored,
				    struct auth_request *request)
{
	const char *name = request->passdb->module->iface->name;
	const char *error;
	int ret;

	if (request->aborted || result != PASSDB_RESULT_OK) {
		passdb_verify_cb(result, request);
		return;
	}
	if (auth_fields_get(&request->extra_fields, "nopassword") != NULL) {
		auth_request_log_debug(request, name, "nopassword: any password is accepted");
		passdb_verify_cb(PASSDB_RESULT_OK, request);
		return;
	}
	if (stored == NULL)
		stored = request->passdb_password;
	if (stored == NULL || stored[0] == '\0') {
		auth_request_log_info(request, name, "No password in passdb (user has no "
				      "password, or nopassword is not set)");
		passdb_verify_cb(PASSDB_RESULT_PASSWORD_MISMATCH, request);
		return;
	}
	if (request->auth->set->auth_debug_passwords)
		auth_request_log_debug(request, name, "stored password: %s",
				       str_sanitize(pool_temp, stored, 256));
	if (password_is_slow(stored, request->passdb->module->default_pass_scheme)) {
		auth_request_ref(request);
		auth_worker_verify(request->user, request->mech_password, stored,
				   request->passdb->module->default_pass_scheme,
				   passdb_worker_verify_cb, request);
		return;
	}
	ret = password_verify(request->mech_password, stored,
			      request->passdb->module->default_pass_scheme, request->user, &error);
	if (ret < 0) {
		auth_request_log_error(request, name, "Invalid password in passdb: %s", error);
		result = PASSDB_RESULT_INTERNAL_FAILURE;
	} else {
		result = ret > 0 ? PASSDB_RESULT_OK : PASSDB_RESULT_PASSWORD_MISMATCH;
	}
	passdb_verify_cb(result, request);
}

static void passdb_verify_cb(enum passdb_result result, struct auth_request *request)
{
	if (!request->aborted && request->passdb != NULL) {
		const char *name = request->passdb->module->iface->name;

		if (result == PASSDB_RESULT_PASSWORD_MISMATCH && auth_request_verbose(request))
			auth_request_log_info(request, name, "Password mismatch%s",
					      auth_request_given_password_str(request));
		else if (result == PASSDB_RESULT_USER_UNKNOWN && auth_request_verbose(request))
			auth_request_log_info(request, name, "unknown user%s",
					      auth_request_given_password_str(request));
	}
	passdb_handle_result(request, result, request->passdb_fields_mark);
}

static void passdb_lookup_credentials_cb(enum passdb_result result, const char *stored,
					 struct auth_request *request)
{
	if (!request->aborted && result == PASSDB_RESULT_OK) {
		if (stored != NULL)
			request->passdb_password = p_strdup(request->pool, stored);
		request->passdb_scheme = request->passdb->module->default_pass_scheme;
	} else if (!request->aborted && result == PASSDB_RESULT_USER_UNKNOWN &&
		   auth_request_verbose(request)) {
		auth_request_log_info(request, request->passdb->module->iface->name,
				      "unknown user");
	}
	passdb_handle_result(request, result, request->passdb_fields_mark);
}

static void passdb_next(struct auth_request *request)
{
	const struct auth_passdb *passdb;
	struct passdb_module *module;

	for (;;) {
		if (request->passdb_idx >= array_count(&request->auth->passdbs)) {
			passdb_chain_finish(request);
			return;
		}
		passdb = array_idx_elem(&request->auth->passdbs, request->passdb_idx);
		module = passdb->module;
		if (passdb_want_skip(request, passdb) ||
		    (request->credentials_lookup && module->iface->lookup == NULL)) {
			request->passdb_idx++;
			continue;
		}
		break;
	}
	request->passdb = passdb;
	request->passdb_password = NULL;
	request->passdb_fields_mark = passdb_fields_mark(request);
	if (passdb->set->default_fields[0] != '\0' &&
	    auth_request_apply_template(request, passdb->set->default_fields, false, false) < 0) {
		passdb_handle_result(request, PASSDB_RESULT_INTERNAL_FAILURE,
				     request->passdb_fields_mark);
		return;
	}
	if (request->credentials_lookup)
		module->iface->lookup(module, request, passdb_lookup_credentials_cb);
	else if (module->iface->verify_plain != NULL)
		module->iface->verify_plain(module, request, request->mech_password,
					    passdb_verify_cb);
	else
		module->iface->lookup(module, request, passdb_lookup_verify_cb);
}

static void passdb_chain_start(struct auth_request *request)
{
	auth_request_ref(request);
	request->passdb_idx = 0;
	request->passdb_success = false;
	request->passdb_internal_failure = false;
	request->passdb_last_result = PASSDB_RESULT_USER_UNKNOWN;
	passdb_next(request);
}

void auth_request_verify_plain(struct auth_request *request, const char *password,
			       auth_request_verify_callback_t *callback)
{
	request->mech_password = p_strdup(request->pool, password);
	request->verify_callback = callback;
	request->credentials_lookup = false;
	if (request->auth->set->auth_debug_passwords)
		auth_request_log_debug(request, "auth", "password: %s",
				       str_sanitize(pool_temp, password, 256));
	passdb_chain_start(request);
}

void auth_request_lookup_credentials(struct auth_request *request,
				     auth_request_credentials_callback_t *callback)
{
	request->credentials_callback = callback;
	request->credentials_lookup = true;
	passdb_chain_start(request);
}

/* ---- the userdb chain ---- */

static void userdb_next(struct auth_request *request);

static void userdb_chain_finish(struct auth_request *request)
{
	enum userdb_result result;

	if (request->userdb_found)
		result = USERDB_RESULT_OK;
	else if (request->userdb_internal_failure)
		result = USERDB_RESULT_INTERNAL_FAILURE;
	else
		result = USERDB_RESULT_USER_UNKNOWN;
	if (!request->aborted)
		request->userdb_callback(result, request);
	auth_request_unref(&request);
}

static void userdb_lookup_cb(enum userdb_result result, struct auth_request *request)
{
	const struct auth_userdb *userdb = request->userdb;
	enum auth_db_rule rule;

	if (request->aborted) {
		auth_request_unref(&request);
		return;
	}
	if (result == USERDB_RESULT_OK && userdb->set->override_fields[0] != '\0' &&
	    auth_request_apply_template(request, userdb->set->override_fields, true, true) < 0)
		result = USERDB_RESULT_INTERNAL_FAILURE;
	if (result == USERDB_RESULT_USER_UNKNOWN && auth_request_verbose(request))
		auth_request_log_info(request, userdb->module->iface->name, "unknown user");
	if (result == USERDB_RESULT_INTERNAL_FAILURE)
		request->userdb_internal_failure = true;
	rule = result == USERDB_RESULT_OK ? userdb->result_success :
	       result == USERDB_RESULT_INTERNAL_FAILURE ? userdb->result_internalfail :
							  userdb->result_failure;
	switch (rule) {
	case AUTH_DB_RULE_RETURN_OK:
		request->userdb_found = true;
		userdb_chain_finish(request);
		return;
	case AUTH_DB_RULE_RETURN:
		request->userdb_found = result == USERDB_RESULT_OK;
		userdb_chain_finish(request);
		return;
	case AUTH_DB_RULE_RETURN_FAIL:
		request->userdb_found = false;
		userdb_chain_finish(request);
		return;
	case AUTH_DB_RULE_CONTINUE:
		break;
	case AUTH_DB_RULE_CONTINUE_OK:
		request->userdb_found = true;
		break;
	case AUTH_DB_RULE_CONTINUE_FAIL:
		request->userdb_found = false;
		break;
	}
	request->userdb_idx++;
	userdb_next(request);
}

static void userdb_next(struct auth_request *request)
{
	const struct auth_userdb *userdb;

	for (;;) {
		if (request->userdb_idx >= array_count(&request->auth->userdbs)) {
			userdb_chain_finish(request);
			return;
		}
		userdb = array_idx_elem(&request->auth->userdbs, request->userdb_idx);
		if ((userdb->skip == AUTH_DB_SKIP_AUTHENTICATED && request->userdb_found) ||
		    (userdb->skip == AUTH_DB_SKIP_UNAUTHENTICATED && !request->userdb_found)) {
			request->userdb_idx++;
			continue;
		}
		break;
	}
	request->userdb = userdb;
	if (userdb->set->default_fields[0] != '\0' &&
	    auth_request_apply_template(request, userdb->set->default_fields, true, false) < 0) {
		userdb_lookup_cb(USERDB_RESULT_INTERNAL_FAILURE, request);
		return;
	}
	userdb->module->iface->lookup(userdb->module, request, userdb_lookup_cb);
}

void auth_request_lookup_user(struct auth_request *request,
			      auth_request_userdb_callback_t *callback)
{
	auth_request_ref(request);
	request->userdb_callback = callback;
	request->userdb_idx = 0;
	request->userdb_found = false;
	request->userdb_internal_failure = false;
	userdb_next(request);
}

/* ---- mechanism results ---- */

void auth_request_success(struct auth_request *request, const void *data, size_t size)
{
	if (request->aborted)
		return;
	request->handler->finished(request, PASSDB_RESULT_OK, data, size);
}

void auth_request_fail(struct auth_request *request, enum passdb_result result)
{
	if (request->aborted)
		return;
	if (result == PASSDB_RESULT_OK)
		result = PASSDB_RESULT_PASSWORD_MISMATCH;
	request->handler->finished(request, result, NULL, 0);
}

void auth_request_internal_failure(struct auth_request *request)
{
	auth_request_fail(request, PASSDB_RESULT_INTERNAL_FAILURE);
}

void auth_request_continue(struct auth_request *request, const void *data, size_t size)
{
	if (request->aborted)
		return;
	request->handler->reply_continue(request, data, size);
}

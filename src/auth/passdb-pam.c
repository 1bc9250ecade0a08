/* passdb pam: args "[session=yes] [service_name] " (Dovecot's; "%s" as
   the name uses the request's service). PAM may block on anything (LDAP,
   network, deliberate delays), so it always runs in an auth worker. */
#include "lib.h"
#include "auth-fields.h"
#include "auth-worker-server.h"
#include "passdb.h"

struct pam_passdb {
	struct passdb_module module;
	const char *service_name;
};

struct pam_request {
	struct auth_request *request;
	passdb_verify_callback_t *callback;
};

static int pam_create(pool_t pool, const char *args, struct passdb_module **module_r,
		      const char **error_r)
{
	struct pam_passdb *pp = p_new(pool, struct pam_passdb, 1);
	const char **words = p_strsplit_spaces(pool_temp, args, " ");

	pp->service_name = "roost";
	for (unsigned int i = 0; words[i] != NULL; i++) {
		if (strchr(words[i], '=') != NULL) {
			/* session=, setcred=, cache_key=, max_requests=: accepted */
			continue;
		}
		if (strcmp(words[i], "*") == 0)
			pp->service_name = "%s";
		else
			pp->service_name = p_strdup(pool, words[i]);
	}
	pp->module.default_pass_scheme = NULL;
	pp->module.username_format = "%u";
	*module_r = &pp->module;
	return 0;
}

static void pam_worker_cb(const char *status, const char *const *args, void *context)
{
	struct pam_request *preq = context;
	struct auth_request *request = preq->request;
	enum passdb_result result = auth_worker_status_to_result(status);

	if (!request->aborted && args[0] != NULL) {
		if (result == PASSDB_RESULT_INTERNAL_FAILURE)
			auth_request_log_error(request, "pam", "%s", args[0]);
		else if (auth_request_verbose(request) &&
			 result != PASSDB_RESULT_PASSWORD_MISMATCH &&
			 result != PASSDB_RESULT_USER_UNKNOWN)
			auth_request_log_info(request, "pam", "%s", args[0]);
		else
			auth_request_log_debug(request, "pam", "%s", args[0]);
	}
	preq->callback(result, request);
	auth_request_unref(&request);
	i_free(preq);
}

static void pam_verify_plain(struct passdb_module *module, struct auth_request *request,
			     const char *password, passdb_verify_callback_t *callback)
{
	struct pam_passdb *pp = (struct pam_passdb *)module;
	struct pam_request *preq = i_new(struct pam_request, 1);
	string_t *args = str_new(pool_temp, 128), *service = str_new(pool_temp, 32);
	const char *error;

	if (auth_request_var_expand(request, service, pp->service_name, &error) < 0) {
		auth_request_log_error(request, "pam", "Failed to expand %s: %s",
				       pp->service_name, error);
		i_free(preq);
		callback(PASSDB_RESULT_INTERNAL_FAILURE, request);
		return;
	}
	auth_fields_append_escaped(args, str_c(service));
	str_append_c(args, '\t');
	auth_fields_append_escaped(args, request->user);
	str_append_c(args, '\t');
	auth_fields_append_escaped(args, password);
	str_append_c(args, '\t');
	if (request->remote_ip.family != 0)
		str_append(args, net_ip2addr(pool_temp, &request->remote_ip));
	str_append_c(args, '\t');
	preq->request = request;
	preq->callback = callback;
	auth_request_ref(request);
	auth_worker_call("PAM", str_c(args), pam_worker_cb, preq);
}

const struct passdb_module_interface passdb_pam = {
	.name = "pam",
	.create = pam_create,
	.verify_plain = pam_verify_plain,
};

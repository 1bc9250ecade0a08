/* PLAIN (RFC 4616): [authzid] NUL authcid NUL passwd. */
#include "lib.h"
#include "mech.h"

static void plain_verify_cb(enum passdb_result result, struct auth_request *request)
{
	if (result == PASSDB_RESULT_OK)
		auth_request_success(request, NULL, 0);
	else
		auth_request_fail(request, result);
}

static void mech_plain_continue(struct auth_request *request, const unsigned char *data,
				size_t size)
{
	const char *authzid, *authcid, *pass, *error;
	const unsigned char *p1, *p2;

	p1 = memchr(data, '\0', size);
	p2 = p1 == NULL ? NULL : memchr(p1 + 1, '\0', size - (size_t)(p1 + 1 - data));
	if (p2 == NULL || memchr(p2 + 1, '\0', size - (size_t)(p2 + 1 - data)) != NULL) {
		auth_request_log_info(request, "plain", "invalid input");
		auth_request_fail(request, PASSDB_RESULT_PASSWORD_MISMATCH);
		return;
	}
	authzid = t_strndup(data, (size_t)(p1 - data));
	authcid = t_strndup(p1 + 1, (size_t)(p2 - p1 - 1));
	pass = t_strndup(p2 + 1, size - (size_t)(p2 + 1 - data));
	if (authzid[0] != '\0' && strcmp(authzid, authcid) != 0) {
		/* logging in as another user needs master passdbs */
		auth_request_log_info(request, "plain",
				      "authorization as another user (%s) is not supported",
				      auth_log_str(authzid));
		auth_request_fail(request, PASSDB_RESULT_PASSWORD_MISMATCH);
		return;
	}
	if (auth_request_set_username(request, authcid, &error) < 0) {
		auth_request_log_info(request, "plain", "%s", error);
		auth_request_fail(request, PASSDB_RESULT_USER_UNKNOWN);
		return;
	}
	auth_request_verify_plain(request, pass, plain_verify_cb);
}

static void mech_plain_initial(struct auth_request *request, const unsigned char *data,
			       size_t size, bool has_data)
{
	if (!has_data) {
		/* the client sends its response after an empty challenge */
		auth_request_continue(request, "", 0);
		return;
	}
	mech_plain_continue(request, data, size);
}

const struct mech_module mech_plain = {
	.name = "PLAIN",
	.flags = MECH_SEC_PLAINTEXT,
	.passdb_need = MECH_PASSDB_NEED_PLAINTEXT,
	.auth_initial = mech_plain_initial,
	.auth_continue = mech_plain_continue,
};

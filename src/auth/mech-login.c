/* LOGIN (draft-murchison-sasl-login): "Username:" then "Password:". */
#include "lib.h"
#include "mech.h"

struct login_state {
	bool have_user;
};

static void login_verify_cb(enum passdb_result result, struct auth_request *request)
{
	if (result == PASSDB_RESULT_OK)
		auth_request_success(request, NULL, 0);
	else
		auth_request_fail(request, result);
}

static void mech_login_continue(struct auth_request *request, const unsigned char *data,
				size_t size)
{
	struct login_state *state = request->mech_data;
	const char *error;

	if (memchr(data, '\0', size) != NULL) {
		auth_request_log_info(request, "login", "invalid input");
		auth_request_fail(request, PASSDB_RESULT_PASSWORD_MISMATCH);
		return;
	}
	if (!state->have_user) {
		if (auth_request_set_username(request, t_strndup(data, size), &error) < 0) {
			auth_request_log_info(request, "login", "%s", error);
			auth_request_fail(request, PASSDB_RESULT_USER_UNKNOWN);
			return;
		}
		state->have_user = true;
		auth_request_continue(request, "Password:", 9);
		return;
	}
	auth_request_verify_plain(request, t_strndup(data, size), login_verify_cb);
}

static void mech_login_initial(struct auth_request *request, const unsigned char *data,
			       size_t size, bool has_data)
{
	request->mech_data = p_new(request->pool, struct login_state, 1);
	if (!has_data || size == 0) {
		auth_request_continue(request, "Username:", 9);
		return;
	}
	/* an initial response is the user name (as Dovecot takes it) */
	mech_login_continue(request, data, size);
}

const struct mech_module mech_login = {
	.name = "LOGIN",
	.flags = MECH_SEC_PLAINTEXT,
	.passdb_need = MECH_PASSDB_NEED_PLAINTEXT,
	.auth_initial = mech_login_initial,
	.auth_continue = mech_login_continue,
};

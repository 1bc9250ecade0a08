/* CRAM-MD5 (RFC 2195): the server sends a unique challenge, the client
   answers "user SP hex(HMAC-MD5(password, challenge))". Needs the stored
   secret: a PLAIN or {CRAM-MD5} entry. */
#include "lib.h"
#include "hex.h"
#include "password-scheme.h"
#include "password-crypto.h"
#include "mech.h"

#include <time.h>

struct cram_state {
	const char *challenge;
	const char *response_hex;
};

const char *mech_stored_scheme_name(const char *stored, const char *default_scheme);
const char *mech_stored_scheme_name(const char *stored, const char *default_scheme)
{
	const char *end, *name = default_scheme;

	if (stored != NULL && stored[0] == '{' && (end = strchr(stored, '}')) != NULL)
		name = t_strndup(stored + 1, (size_t)(end - stored - 1));
	if (name == NULL)
		return "(none)";
	const char *canonical = password_scheme_canonical(name);

	return canonical != NULL ? canonical : str_sanitize(pool_temp, name, 40);
}

static void cram_credentials_cb(enum passdb_result result, const char *stored,
				const char *default_scheme, struct auth_request *request)
{
	struct cram_state *state = request->mech_data;
	unsigned char secret[PASSWORD_CRAM_MD5_SECRET_SIZE];
	unsigned char digest[PASSWORD_CRAM_MD5_DIGEST_SIZE];
	const char *error, *expected;
	int ret;

	if (result != PASSDB_RESULT_OK) {
		auth_request_fail(request, result);
		return;
	}
	if (stored == NULL) {
		auth_request_log_info(request, "cram-md5", "No password in passdb");
		auth_request_fail(request, PASSDB_RESULT_PASSWORD_MISMATCH);
		return;
	}
	ret = password_get_cram_md5_secret(stored, default_scheme, secret, &error);
	if (ret <= 0) {
		if (ret == 0)
			auth_request_log_info(request, "cram-md5",
					      "Requested CRAM-MD5 scheme, but we have only %s",
					      mech_stored_scheme_name(stored, default_scheme));
		else
			auth_request_log_error(request, "cram-md5",
					       "Invalid password in passdb: %s", error);
		auth_request_fail(request, ret == 0 ? PASSDB_RESULT_SCHEME_NOT_AVAILABLE :
						      PASSDB_RESULT_INTERNAL_FAILURE);
		return;
	}
	password_cram_md5_hmac(secret, state->challenge, strlen(state->challenge), digest);
	expected = hex_encode_pool(pool_temp, digest, sizeof(digest));
	if (strlen(state->response_hex) != strlen(expected) ||
	    !mem_equals_timing_safe(expected, str_lcase(p_strdup(pool_temp, state->response_hex)),
				    strlen(expected))) {
		if (auth_request_verbose(request))
			auth_request_log_info(request, "cram-md5", "Password mismatch");
		auth_request_fail(request, PASSDB_RESULT_PASSWORD_MISMATCH);
		return;
	}
	auth_request_success(request, NULL, 0);
}

static void mech_cram_md5_continue(struct auth_request *request, const unsigned char *data,
				   size_t size)
{
	struct cram_state *state = request->mech_data;
	const char *input = t_strndup(data, size), *space, *error;

	space = strrchr(input, ' ');
	if (memchr(data, '\0', size) != NULL || space == NULL || strlen(space + 1) != 32) {
		auth_request_log_info(request, "cram-md5", "invalid input");
		auth_request_fail(request, PASSDB_RESULT_PASSWORD_MISMATCH);
		return;
	}
	if (auth_request_set_username(request, t_strndup(input, (size_t)(space - input)),
				      &error) < 0) {
		auth_request_log_info(request, "cram-md5", "%s", error);
		auth_request_fail(request, PASSDB_RESULT_USER_UNKNOWN);
		return;
	}
	state->response_hex = p_strdup(request->pool, space + 1);
	auth_request_lookup_credentials(request, cram_credentials_cb);
}

static void mech_cram_md5_initial(struct auth_request *request, const unsigned char *data,
				  size_t size, bool has_data)
{
	struct cram_state *state = p_new(request->pool, struct cram_state, 1);
	unsigned char rnd[8];
	char host[256];
	const char *error;
	uint64_t num = 0;

	request->mech_data = state;
	if (password_crypto_random(rnd, sizeof(rnd), &error) < 0) {
		auth_request_log_error(request, "cram-md5", "%s", error);
		auth_request_internal_failure(request);
		return;
	}
	memcpy(&num, rnd, sizeof(num));
	if (gethostname(host, sizeof(host)) < 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	state->challenge = p_strdup_printf(request->pool, "<%llu.%ld@%s>",
					   (unsigned long long)num, (long)time(NULL), host);
	if (has_data && size > 0) {
		/* CRAM-MD5 has no initial response */
		auth_request_log_info(request, "cram-md5", "unexpected initial response");
		auth_request_fail(request, PASSDB_RESULT_PASSWORD_MISMATCH);
		return;
	}
	auth_request_continue(request, state->challenge, strlen(state->challenge));
}

const struct mech_module mech_cram_md5 = {
	.name = "CRAM-MD5",
	.flags = MECH_SEC_DICTIONARY | MECH_SEC_ACTIVE,
	.passdb_need = MECH_PASSDB_NEED_CRAM_MD5,
	.auth_initial = mech_cram_md5_initial,
	.auth_continue = mech_cram_md5_continue,
};

/* APOP (RFC 1939 section 7) as a private mechanism, the way Dovecot's
   pop3-login uses it: the login process puts the timestamp in its greeting
   and, on "APOP user digest", sends one initial response
     timestamp NUL user NUL digest (16 raw bytes)
   The digest is MD5(timestamp + password), so the passdb must give the
   plaintext (PLAIN scheme). The mechanism is flagged private: it is never
   advertised to SASL clients (Postfix skips private mechanisms).

   The timestamp must be one that a login process could have made for
   this auth connection: "<SPID.CUID.TIME.", with our pid, the client
   connection's CUID and a time not before this process started, all in
   hex. A client of the auth socket therefore cannot replay a digest seen
   with another server, another connection or an earlier auth process. */
#include "lib.h"
#include "password-scheme.h"
#include "mech.h"

#define APOP_MAX_CHALLENGE_LEN 512

struct apop_state {
	const char *challenge;
	unsigned char digest[PASSWORD_APOP_DIGEST_SIZE];
};

const char *mech_stored_scheme_name(const char *stored, const char *default_scheme);

/* Parses one hex field ending in '.'; returns the position after the dot
   or NULL. */
static const char *parse_hex_field(const char *p, unsigned long long *value_r)
{
	unsigned long long value = 0;
	unsigned int digits = 0;

	for (; *p != '.'; p++, digits++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return NULL;
		if (digits >= 16)
			return NULL;
		value = value * 16 + (unsigned long long)d;
	}
	if (digits == 0)
		return NULL;
	*value_r = value;
	return p + 1;
}

/* Whether challenge is a timestamp issued for this process and client
   connection (see the top of the file). */
static bool apop_challenge_is_ours(const struct auth_request *request, const char *challenge)
{
	unsigned long long pid, cuid, stamp;
	const char *p = challenge;
	size_t len = strlen(challenge);

	if (len < 3 || len > APOP_MAX_CHALLENGE_LEN || challenge[0] != '<' ||
	    challenge[len - 1] != '>' || strchr(challenge, '@') == NULL)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (challenge[i] <= 0x20 || challenge[i] >= 0x7f)
			return false;
	}
	if ((p = parse_hex_field(p + 1, &pid)) == NULL ||
	    (p = parse_hex_field(p, &cuid)) == NULL || parse_hex_field(p, &stamp) == NULL)
		return false;
	return pid == (unsigned long long)auth_pid && cuid == request->connect_uid &&
	       stamp >= (unsigned long long)auth_start_time;
}

static void apop_credentials_cb(enum passdb_result result, const char *stored,
				const char *default_scheme, struct auth_request *request)
{
	struct apop_state *state = request->mech_data;
	unsigned char expected[PASSWORD_APOP_DIGEST_SIZE];
	const char *error;
	int ret;

	if (result != PASSDB_RESULT_OK) {
		auth_request_fail(request, result);
		return;
	}
	if (stored == NULL) {
		auth_request_log_info(request, "apop", "No password in passdb");
		auth_request_fail(request, PASSDB_RESULT_PASSWORD_MISMATCH);
		return;
	}
	ret = password_get_apop_digest(stored, default_scheme, state->challenge, expected, &error);
	if (ret <= 0) {
		if (ret == 0)
			auth_request_log_info(request, "apop",
					      "Requested PLAIN scheme, but we have only %s",
					      mech_stored_scheme_name(stored, default_scheme));
		else
			auth_request_log_error(request, "apop", "Invalid password in passdb: %s",
					       error);
		auth_request_fail(request, ret == 0 ? PASSDB_RESULT_SCHEME_NOT_AVAILABLE :
						      PASSDB_RESULT_INTERNAL_FAILURE);
		return;
	}
	if (!mem_equals_timing_safe(expected, state->digest, sizeof(expected))) {
		explicit_bzero(expected, sizeof(expected));
		if (auth_request_verbose(request))
			auth_request_log_info(request, "apop", "Password mismatch");
		auth_request_fail(request, PASSDB_RESULT_PASSWORD_MISMATCH);
		return;
	}
	explicit_bzero(expected, sizeof(expected));
	auth_request_success(request, NULL, 0);
}

static void apop_fail(struct auth_request *request, const char *reason,
		      enum passdb_result result)
{
	auth_request_log_info(request, "apop", "%s", reason);
	auth_request_fail(request, result);
}

static void mech_apop_initial(struct auth_request *request, const unsigned char *data,
			      size_t size, bool has_data)
{
	struct apop_state *state = p_new(request->pool, struct apop_state, 1);
	const unsigned char *user, *user_end, *end = data + size;
	const char *error;

	request->mech_data = state;
	if (!has_data || size == 0) {
		/* only pop3-login sends APOP, always with its data */
		apop_fail(request, "no initial response", PASSDB_RESULT_PASSWORD_MISMATCH);
		return;
	}
	user = memchr(data, '\0', size);
	user_end = user == NULL ? NULL : memchr(user + 1, '\0', (size_t)(end - user - 1));
	if (user_end == NULL || (size_t)(end - user_end - 1) != sizeof(state->digest)) {
		apop_fail(request, "malformed data", PASSDB_RESULT_PASSWORD_MISMATCH);
		return;
	}
	state->challenge = p_strndup(request->pool, data, (size_t)(user - data));
	if (!apop_challenge_is_ours(request, state->challenge)) {
		apop_fail(request, "invalid challenge", PASSDB_RESULT_PASSWORD_MISMATCH);
		return;
	}
	memcpy(state->digest, user_end + 1, sizeof(state->digest));
	if (auth_request_set_username(request, t_strndup(user + 1, (size_t)(user_end - user - 1)),
				      &error) < 0) {
		apop_fail(request, error, PASSDB_RESULT_USER_UNKNOWN);
		return;
	}
	auth_request_lookup_credentials(request, apop_credentials_cb);
}

static void mech_apop_continue(struct auth_request *request,
			       const unsigned char *data ATTR_UNUSED, size_t size ATTR_UNUSED)
{
	/* APOP is a single step: nothing was asked */
	apop_fail(request, "unexpected continuation", PASSDB_RESULT_PASSWORD_MISMATCH);
}

const struct mech_module mech_apop = {
	.name = "APOP",
	.flags = MECH_SEC_PRIVATE | MECH_SEC_DICTIONARY | MECH_SEC_ACTIVE,
	.passdb_need = MECH_PASSDB_NEED_PLAIN,
	.auth_initial = mech_apop_initial,
	.auth_continue = mech_apop_continue,
};

/* SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel
   binding. The server works from the StoredKey/ServerKey of a
   {SCRAM-SHA-*} entry (or computes them from a PLAIN one) and never sees
   the password. The server-final message goes out with the OK. */
#include "lib.h"
#include "base64.h"
#include "password-scheme.h"
#include "password-crypto.h"
#include "mech.h"

#define SCRAM_SERVER_NONCE_SIZE 18

enum scram_state {
	SCRAM_STATE_CLIENT_FIRST,
	SCRAM_STATE_LOOKUP,
	SCRAM_STATE_CLIENT_FINAL,
};

struct scram_request {
	enum scram_state state;
	const char *hash; /* "SHA-1" / "SHA-256" */
	const char *mech_log; /* "scram-sha-256" */
	const char *gs2_header; /* "n,," or "y,,a=..." */
	const char *client_first_bare;
	const char *nonce; /* client + server nonce */
	const char *server_first;
	struct password_scram_secrets secrets;
};

const char *mech_stored_scheme_name(const char *stored, const char *default_scheme);

/* Unit tests set this to replay the RFC 5802/7677 exchanges. */
const char *mech_scram_test_server_nonce = NULL;

/* "=2C" -> ",", "=3D" -> "=", any other '=' is invalid. NULL on error. */
static const char *scram_unescape_username(const char *in)
{
	string_t *str = str_new(pool_temp, strlen(in) + 1);

	for (const char *p = in; *p != '\0'; p++) {
		if (*p == ',')
			return NULL;
		if (*p != '=') {
			str_append_c(str, *p);
		} else if (strncmp(p, "=2C", 3) == 0) {
			str_append_c(str, ',');
			p += 2;
		} else if (strncmp(p, "=3D", 3) == 0) {
			str_append_c(str, '=');
			p += 2;
		} else {
			return NULL;
		}
	}
	return str_c(str);
}

static bool scram_printable_nonce(const char *nonce)
{
	if (*nonce == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)nonce; *p != '\0'; p++) {
		if (*p < 0x21 || *p > 0x7e || *p == ',')
			return false;
	}
	return true;
}

static void scram_fail(struct auth_request *request, const char *reason)
{
	struct scram_request *scram = request->mech_data;

	auth_request_log_info(request, scram->mech_log, "%s", reason);
	auth_request_fail(request, PASSDB_RESULT_PASSWORD_MISMATCH);
}

static void scram_credentials_cb(enum passdb_result result, const char *stored,
				 const char *default_scheme, struct auth_request *request)
{
	struct scram_request *scram = request->mech_data;
	unsigned char rnd[SCRAM_SERVER_NONCE_SIZE];
	string_t *snonce, *first;
	const char *error;
	int ret;

	if (result != PASSDB_RESULT_OK) {
		auth_request_fail(request, result);
		return;
	}
	if (stored == NULL) {
		scram_fail(request, "No password in passdb");
		return;
	}
	ret = password_get_scram_secrets(stored, default_scheme, scram->hash, request->pool,
					 &scram->secrets, &error);
	if (ret <= 0) {
		if (ret == 0)
			auth_request_log_info(request, scram->mech_log,
					      "Requested SCRAM-%s scheme, but we have only %s",
					      scram->hash,
					      mech_stored_scheme_name(stored, default_scheme));
		else
			auth_request_log_error(request, scram->mech_log,
					       "Invalid password in passdb: %s", error);
		auth_request_fail(request, ret == 0 ? PASSDB_RESULT_SCHEME_NOT_AVAILABLE :
						      PASSDB_RESULT_INTERNAL_FAILURE);
		return;
	}
	if (password_crypto_random(rnd, sizeof(rnd), &error) < 0) {
		auth_request_log_error(request, scram->mech_log, "%s", error);
		auth_request_internal_failure(request);
		return;
	}
	snonce = str_new(pool_temp, 32);
	if (mech_scram_test_server_nonce != NULL)
		str_append(snonce, mech_scram_test_server_nonce);
	else
		base64_encode(rnd, sizeof(rnd), snonce);
	scram->nonce = p_strconcat(request->pool, scram->nonce, str_c(snonce), NULL);
	first = str_new(request->pool, 128);
	str_printfa(first, "r=%s,s=", scram->nonce);
	base64_encode(scram->secrets.salt, scram->secrets.salt_size, first);
	str_printfa(first, ",i=%u", scram->secrets.iterations);
	scram->server_first = str_c(first);
	scram->state = SCRAM_STATE_CLIENT_FINAL;
	auth_request_continue(request, str_c(first), str_len(first));
}

static void scram_client_first(struct auth_request *request, const char *input)
{
	struct scram_request *scram = request->mech_data;
	const char *const *fields = p_strsplit(pool_temp, input, ",");
	const char *authzid = "", *user, *cnonce, *error;
	unsigned int count = str_array_length(fields);

	/* gs2-cbind-flag "," [authzid] "," n=user "," r=nonce ["," ext] */
	if (count < 4) {
		scram_fail(request, "Invalid initial client message");
		return;
	}
	if (fields[0][0] == 'p') {
		scram_fail(request, "Channel binding is not supported");
		return;
	}
	if (strcmp(fields[0], "n") != 0 && strcmp(fields[0], "y") != 0) {
		scram_fail(request, "Invalid GS2 header");
		return;
	}
	if (fields[1][0] != '\0') {
		if (!str_begins(fields[1], "a=", &authzid) ||
		    (authzid = scram_unescape_username(authzid)) == NULL) {
			scram_fail(request, "Invalid authzid");
			return;
		}
	}
	if (!str_begins(fields[2], "n=", &user) ||
	    (user = scram_unescape_username(user)) == NULL) {
		scram_fail(request, "Invalid username");
		return;
	}
	if (!str_begins(fields[3], "r=", &cnonce) || !scram_printable_nonce(cnonce)) {
		scram_fail(request, "Invalid client nonce");
		return;
	}
	for (unsigned int i = 4; i < count; i++) {
		if (fields[i][0] == 'm') {
			scram_fail(request, "Unsupported mandatory extension");
			return;
		}
	}
	if (authzid[0] != '\0' && strcmp(authzid, user) != 0) {
		scram_fail(request, "authorization as another user is not supported");
		return;
	}
	if (auth_request_set_username(request, user, &error) < 0) {
		auth_request_log_info(request, scram->mech_log, "%s", error);
		auth_request_fail(request, PASSDB_RESULT_USER_UNKNOWN);
		return;
	}
	/* the GS2 header is everything up to and including the second ',' */
	scram->gs2_header = p_strdup_printf(request->pool, "%s,%s,", fields[0], fields[1]);
	scram->client_first_bare = p_strdup(request->pool, input + strlen(scram->gs2_header));
	scram->nonce = p_strdup(request->pool, cnonce);
	scram->state = SCRAM_STATE_LOOKUP;
	auth_request_lookup_credentials(request, scram_credentials_cb);
}

static void scram_client_final(struct auth_request *request, const char *input)
{
	struct scram_request *scram = request->mech_data;
	const struct password_scram_secrets *sec = &scram->secrets;
	const char *proof_b64, *cbind, *nonce, *error, *auth_message, *without_proof;
	const char *const *fields;
	buffer_t *proof = buffer_create_dynamic(pool_temp, 64);
	unsigned char signature[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	unsigned char client_key[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	unsigned char stored_key[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	size_t size;
	string_t *expected_cbind, *final;

	proof_b64 = strstr(input, ",p=");
	if (proof_b64 == NULL || strchr(proof_b64 + 3, ',') != NULL) {
		scram_fail(request, "Invalid final client message");
		return;
	}
	without_proof = t_strndup(input, (size_t)(proof_b64 - input));
	proof_b64 += 3;
	fields = p_strsplit(pool_temp, without_proof, ",");
	if (str_array_length(fields) < 2 || !str_begins(fields[0], "c=", &cbind) ||
	    !str_begins(fields[1], "r=", &nonce)) {
		scram_fail(request, "Invalid final client message");
		return;
	}
	expected_cbind = str_new(pool_temp, 32);
	base64_encode(scram->gs2_header, strlen(scram->gs2_header), expected_cbind);
	if (strcmp(cbind, str_c(expected_cbind)) != 0) {
		scram_fail(request, "Invalid channel binding data");
		return;
	}
	if (strcmp(nonce, scram->nonce) != 0) {
		scram_fail(request, "Wrong nonce");
		return;
	}
	if (base64_decode(proof_b64, strlen(proof_b64), proof, &error) < 0 ||
	    proof->used != sec->key_size) {
		scram_fail(request, "Invalid base64 encoding of the proof");
		return;
	}
	auth_message = t_strdup_printf("%s,%s,%s", scram->client_first_bare,
				       scram->server_first, without_proof);
	/* ClientKey = proof XOR HMAC(StoredKey, AuthMessage);
	   H(ClientKey) must be StoredKey */
	if (password_crypto_hmac(sec->digest, sec->stored_key, sec->key_size, auth_message,
				 strlen(auth_message), signature, &size, &error) < 0 ||
	    size != sec->key_size) {
		auth_request_log_error(request, scram->mech_log, "%s", error);
		auth_request_internal_failure(request);
		return;
	}
	for (size_t i = 0; i < size; i++)
		client_key[i] = proof->data[i] ^ signature[i];
	if (password_crypto_digest(sec->digest, client_key, size, NULL, 0, stored_key, &size,
				   &error) < 0) {
		auth_request_log_error(request, scram->mech_log, "%s", error);
		auth_request_internal_failure(request);
		return;
	}
	if (!password_crypto_equals(stored_key, size, sec->stored_key, sec->key_size)) {
		if (auth_request_verbose(request))
			auth_request_log_info(request, scram->mech_log, "Password mismatch");
		auth_request_fail(request, PASSDB_RESULT_PASSWORD_MISMATCH);
		return;
	}
	if (password_crypto_hmac(sec->digest, sec->server_key, sec->key_size, auth_message,
				 strlen(auth_message), signature, &size, &error) < 0) {
		auth_request_log_error(request, scram->mech_log, "%s", error);
		auth_request_internal_failure(request);
		return;
	}
	final = str_new(pool_temp, 64);
	str_append(final, "v=");
	base64_encode(signature, size, final);
	auth_request_success(request, str_data(final), str_len(final));
}

static void mech_scram_continue(struct auth_request *request, const unsigned char *data,
				size_t size)
{
	struct scram_request *scram = request->mech_data;
	const char *input = t_strndup(data, size);

	if (memchr(data, '\0', size) != NULL) {
		scram_fail(request, "Invalid input (NUL)");
		return;
	}
	switch (scram->state) {
	case SCRAM_STATE_CLIENT_FIRST:
		scram_client_first(request, input);
		return;
	case SCRAM_STATE_CLIENT_FINAL:
		scram_client_final(request, input);
		return;
	case SCRAM_STATE_LOOKUP:
		break;
	}
	scram_fail(request, "Unexpected input");
}

static void mech_scram_initial(struct auth_request *request, const unsigned char *data,
			       size_t size, bool has_data, const char *hash, const char *log)
{
	struct scram_request *scram = p_new(request->pool, struct scram_request, 1);

	scram->hash = hash;
	scram->mech_log = log;
	request->mech_data = scram;
	if (!has_data || size == 0) {
		auth_request_continue(request, "", 0);
		return;
	}
	mech_scram_continue(request, data, size);
}

static void mech_scram_sha1_initial(struct auth_request *request, const unsigned char *data,
				    size_t size, bool has_data)
{
	mech_scram_initial(request, data, size, has_data, "SHA-1", "scram-sha-1");
}

static void mech_scram_sha256_initial(struct auth_request *request, const unsigned char *data,
				      size_t size, bool has_data)
{
	mech_scram_initial(request, data, size, has_data, "SHA-256", "scram-sha-256");
}

const struct mech_module mech_scram_sha1 = {
	.name = "SCRAM-SHA-1",
	.flags = MECH_SEC_MUTUAL_AUTH,
	.passdb_need = MECH_PASSDB_NEED_SCRAM_SHA1,
	.auth_initial = mech_scram_sha1_initial,
	.auth_continue = mech_scram_continue,
};

const struct mech_module mech_scram_sha256 = {
	.name = "SCRAM-SHA-256",
	.flags = MECH_SEC_MUTUAL_AUTH,
	.passdb_need = MECH_PASSDB_NEED_SCRAM_SHA256,
	.auth_initial = mech_scram_sha256_initial,
	.auth_continue = mech_scram_continue,
};

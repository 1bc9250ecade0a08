/* Unit tests: the SASL mechanisms against the RFC vectors (RFC 4616 PLAIN,
   RFC 2195 CRAM-MD5, RFC 5802 SCRAM-SHA-1, RFC 7677 SCRAM-SHA-256) and a
   wrong password for each, and user name normalisation. The passdb is a
   static one, so everything completes synchronously. */
#include "test-common.h"
#include "base64.h"
#include "hex.h"
#include "password-scheme.h"
#include "password-crypto.h"
#include "settings.h"
#include "mech.h"
#include "auth-request.h"

extern const char *mech_scram_test_server_nonce;

static struct {
	bool finished, continued;
	enum passdb_result result;
	string_t *data;
} out;

static void t_reply_continue(struct auth_request *request, const void *data, size_t size)
{
	out.continued = true;
	str_truncate(out.data, 0);
	str_append_data(out.data, data, size);
}

static void t_finished(struct auth_request *request, enum passdb_result result,
		       const void *data, size_t size)
{
	out.finished = true;
	out.result = result;
	str_truncate(out.data, 0);
	str_append_data(out.data, data, size);
}

static const struct auth_request_handler t_handler = {
	.reply_continue = t_reply_continue,
	.finished = t_finished,
};

/* the trees and auth objects live until the program ends */
static ARRAY(void *) keep_alive;

static void keep(void *ptr)
{
	if (!array_is_created(&keep_alive))
		i_array_init(&keep_alive, 16);
	array_push(&keep_alive, &ptr);
}

static struct auth *make_auth(const char *config)
{
	ARRAY_TYPE(settings_error) errors;
	struct config_tree *tree = config_tree_create();
	const struct auth_settings *set;
	struct auth *auth;
	const char *error;

	p_array_init(&errors, test_pool, 4);
	settings_parse_string(tree, config, "test", NULL, &errors);
	i_assert(array_count(&errors) == 0);
	if (auth_settings_read(tree, test_pool, &set, &error) < 0)
		i_panic("%s", error);
	if (auth_init(pool_alloconly_create("test auth", 4096), set, &auth, &error) < 0)
		i_panic("%s", error);
	keep(tree);
	keep(auth);
	return auth;
}

static struct auth_request *start(struct auth *auth, const char *mech_name, const char *resp)
{
	const struct mech_module *mech = auth_find_mech(auth, mech_name);
	struct auth_request *request;

	i_assert(mech != NULL);
	memset(&out, 0, sizeof(out));
	out.data = str_new(test_pool, 128);
	request = auth_request_new(auth, mech);
	request->handler = &t_handler;
	request->service = "imap";
	mech->auth_initial(request, (const unsigned char *)resp, resp == NULL ? 0 : strlen(resp),
			   resp != NULL);
	return request;
}

static void step(struct auth_request *request, const char *data, size_t size)
{
	out.continued = false;
	request->mech->auth_continue(request, (const unsigned char *)data, size);
}

static void test_plain(void)
{
	struct auth *auth = make_auth("auth_mechanisms = plain login\n"
				      "passdb {\n driver = static\n args = password=tanstaaf\n}\n");
	struct auth_request *request;

	test_begin("PLAIN (RFC 4616) and LOGIN");
	request = start(auth, "PLAIN", NULL);
	test_assert(out.continued && str_len(out.data) == 0);
	step(request, "\0Tim\0tanstaaf", 13);
	test_assert(out.finished && out.result == PASSDB_RESULT_OK);
	test_assert_strcmp(request->user, "tim"); /* %Lu */
	auth_request_unref(&request);
	request = start(auth, "PLAIN", NULL);
	step(request, "\0tim\0wrong", 10);
	test_assert(out.finished && out.result == PASSDB_RESULT_PASSWORD_MISMATCH);
	auth_request_unref(&request);
	/* authzid of another user, and no second NUL */
	request = start(auth, "PLAIN", NULL);
	step(request, "bob\0tim\0tanstaaf", 16);
	test_assert(out.finished && out.result != PASSDB_RESULT_OK);
	auth_request_unref(&request);
	request = start(auth, "PLAIN", NULL);
	step(request, "\0timtanstaaf", 12);
	test_assert(out.finished && out.result != PASSDB_RESULT_OK);
	auth_request_unref(&request);

	request = start(auth, "LOGIN", NULL);
	test_assert_strcmp(str_c(out.data), "Username:");
	step(request, "tim", 3);
	test_assert(out.continued);
	test_assert_strcmp(str_c(out.data), "Password:");
	step(request, "tanstaaf", 8);
	test_assert(out.finished && out.result == PASSDB_RESULT_OK);
	auth_request_unref(&request);
	request = start(auth, "LOGIN", NULL);
	step(request, "tim", 3);
	step(request, "nope", 4);
	test_assert(out.finished && out.result == PASSDB_RESULT_PASSWORD_MISMATCH);
	auth_request_unref(&request);
	test_end();
}

static void test_cram_md5(void)
{
	/* RFC 2195: the example's password and response */
	struct auth *auth = make_auth("auth_mechanisms = cram-md5\n"
				      "passdb {\n driver = static\n"
				      " args = password=tanstaaftanstaaf\n}\n");
	unsigned char secret[PASSWORD_CRAM_MD5_SECRET_SIZE], digest[16];
	const char *rfc_challenge = "<1896.697170952@postoffice.reston.mci.net>";
	struct auth_request *request;
	string_t *resp;

	test_begin("CRAM-MD5 (RFC 2195)");
	password_cram_md5_secret("tanstaaftanstaaf", 16, secret);
	password_cram_md5_hmac(secret, rfc_challenge, strlen(rfc_challenge), digest);
	test_assert_strcmp(hex_encode_pool(test_pool, digest, 16),
			   "b913a602c7eda7a495b4e6e7334d3890");
	/* the mechanism with its own challenge */
	request = start(auth, "CRAM-MD5", NULL);
	test_assert(out.continued && str_c(out.data)[0] == '<');
	password_cram_md5_hmac(secret, str_data(out.data), str_len(out.data), digest);
	resp = str_new(test_pool, 64);
	str_append(resp, "tim ");
	hex_encode(digest, 16, resp);
	step(request, str_c(resp), str_len(resp));
	test_assert(out.finished && out.result == PASSDB_RESULT_OK);
	auth_request_unref(&request);
	request = start(auth, "CRAM-MD5", NULL);
	step(request, "tim b913a602c7eda7a495b4e6e7334d3890", 36);
	test_assert(out.finished && out.result == PASSDB_RESULT_PASSWORD_MISMATCH);
	auth_request_unref(&request);
	request = start(auth, "CRAM-MD5", NULL);
	step(request, "tim", 3);
	test_assert(out.finished && out.result != PASSDB_RESULT_OK);
	auth_request_unref(&request);
	test_end();
}

static void scram_vector(const char *hash, const char *mech, const char *salt_b64,
			 const char *cnonce, const char *snonce, const char *client_final,
			 const char *server_final, const char *bad_final)
{
	struct password_scram_secrets secrets;
	buffer_t *salt = buffer_create_dynamic(test_pool, 32);
	struct auth_request *request;
	const char *error, *stored, *first;
	struct auth *auth;

	test_assert(base64_decode(salt_b64, strlen(salt_b64), salt, &error) == 0);
	test_assert(password_scram_secrets_compute("pencil", 6, hash, 4096, salt->data,
						   salt->used, test_pool, &secrets, &error) == 0);
	stored = t_strdup_printf("{SCRAM-%s}%s", hash,
				 password_scram_secrets_format(test_pool, &secrets));
	auth = make_auth(t_strdup_printf("auth_mechanisms = %s\nauth_username_format =\n"
					 "passdb {\n driver = static\n args = password=%s\n}\n",
					 mech, stored));
	mech_scram_test_server_nonce = snonce;
	first = t_strdup_printf("n,,n=user,r=%s", cnonce);
	request = start(auth, mech, first);
	test_assert(out.continued);
	test_assert_strcmp(str_c(out.data), t_strdup_printf("r=%s%s,s=%s,i=4096", cnonce, snonce,
							    salt_b64));
	step(request, client_final, strlen(client_final));
	test_assert(out.finished && out.result == PASSDB_RESULT_OK);
	test_assert_strcmp(str_c(out.data), server_final);
	auth_request_unref(&request);

	request = start(auth, mech, first);
	step(request, bad_final, strlen(bad_final));
	test_assert(out.finished && out.result == PASSDB_RESULT_PASSWORD_MISMATCH);
	auth_request_unref(&request);
	/* channel binding requested, bad GS2 header, missing nonce */
	request = start(auth, mech, "p=tls-unique,,n=user,r=abc");
	test_assert(out.finished && out.result != PASSDB_RESULT_OK);
	auth_request_unref(&request);
	request = start(auth, mech, "x,,n=user,r=abc");
	test_assert(out.finished && out.result != PASSDB_RESULT_OK);
	auth_request_unref(&request);
	request = start(auth, mech, "n,,n=user");
	test_assert(out.finished && out.result != PASSDB_RESULT_OK);
	auth_request_unref(&request);
	mech_scram_test_server_nonce = NULL;
}

static void test_scram(void)
{
	test_begin("SCRAM-SHA-1 (RFC 5802)");
	scram_vector("SHA-1", "SCRAM-SHA-1", "QSXCR+Q6sek8bf92", "fyko+d2lbbFgONRv9qkxdawL",
		     "3rfcNHYJY1ZVvWVs7j",
		     "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
		     "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		     "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
		     "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
		     "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Tt=");
	test_end();
	test_begin("SCRAM-SHA-256 (RFC 7677)");
	scram_vector("SHA-256", "SCRAM-SHA-256", "W22ZaJ0SNY7soEsUEjb6gQ==",
		     "rOprNGfwEbeRWgbNEkqO", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
		     "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		     "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		     "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
		     "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		     "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVR=");
	test_end();
}

static void test_username(void)
{
	struct auth *auth;
	struct auth_request *request;
	const char *error;

	test_begin("auth_username_format, realms, chars, translation");
	auth = make_auth("auth_default_realm = example.com\nauth_username_translation = +@\n"
			 "passdb {\n driver = static\n args = nopassword\n}\n");
	request = auth_request_new(auth, NULL);
	test_assert(auth_request_set_username(request, "John", &error) == 0);
	test_assert_strcmp(request->user, "john@example.com");
	test_assert(auth_request_set_username(request, "Mary+Example.ORG", &error) == 0);
	test_assert_strcmp(request->user, "mary@example.org");
	test_assert(auth_request_set_username(request, "x, rip=203.0.113.98", &error) < 0);
	test_assert(strstr(error, "0x2c") != NULL && strstr(error, ", rip=") == NULL);
	test_assert(auth_request_set_username(request, "", &error) < 0);
	auth_request_unref(&request);

	auth = make_auth("auth_username_format = %Ln\nauth_username_chars =\n"
			 "passdb {\n driver = static\n args = nopassword\n}\n");
	request = auth_request_new(auth, NULL);
	test_assert(auth_request_set_username(request, "Tim@Example.com", &error) == 0);
	test_assert_strcmp(request->user, "tim");
	test_assert(auth_request_set_username(request, "a b,c", &error) == 0);
	auth_request_unref(&request);

	auth = make_auth("auth_username_format = %{nosuchvar}\n"
			 "passdb {\n driver = static\n args = nopassword\n}\n");
	request = auth_request_new(auth, NULL);
	test_assert(auth_request_set_username(request, "tim", &error) < 0);
	auth_request_unref(&request);
	/* log strings cannot carry field separators */
	test_assert_strcmp(auth_log_str("x, rip=1.2.3.4\n(<a>)"), "x??rip?1.2.3.4???a??");
	test_end();
}

static void test_startup_checks(void)
{
	ARRAY_TYPE(settings_error) errors;
	struct config_tree *tree = config_tree_create();
	const struct auth_settings *set;
	struct auth *auth;
	const char *error;

	test_begin("mechanism the passdb scheme cannot serve");
	p_array_init(&errors, test_pool, 4);
	settings_parse_string(tree, "auth_mechanisms = plain cram-md5\n"
			      "passdb {\n driver = passwd-file\n"
			      " args = scheme=SHA512-CRYPT /nonexistent\n}\n", "test", NULL,
			      &errors);
	test_assert(auth_settings_read(tree, test_pool, &set, &error) == 0);
	pool_t pool = pool_alloconly_create("t", 1024);
	test_assert(auth_init(pool, set, &auth, &error) < 0);
	test_assert(strstr(error, "CRAM-MD5") != NULL && strstr(error, "SHA512-CRYPT") != NULL);
	keep(pool);
	keep(tree);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_plain,
		test_cram_md5,
		test_scram,
		test_username,
		test_startup_checks,
		NULL,
	};
	return test_run(tests);
}

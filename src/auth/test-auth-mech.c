/* Unit tests: the SASL mechanisms against the RFC vectors (RFC 4616 PLAIN,
   RFC 2195 CRAM-MD5, RFC 5802 SCRAM-SHA-1, RFC 7677 SCRAM-SHA-256) and a
   wrong password for each, and user name normalisation. The passdb is a
   static one, so everything completes synchronously. */
#include "test-common.h"
#include "base64.h"
#include "hex.h"
#include "md5.h"
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

/* The value of key="..." in a DIGEST-MD5 challenge (no escapes in ours). */
static const char *dmd5_attr(const char *challenge, const char *key)
{
	const char *p = strstr(challenge, t_strdup_printf("%s=\"", key)), *end;

	if (p == NULL)
		return NULL;
	p += strlen(key) + 2;
	end = strchr(p, '"');
	return end == NULL ? NULL : t_strndup(p, (size_t)(end - p));
}

static const char *md5_hex(const void *data, size_t size)
{
	unsigned char digest[MD5_RESULTLEN];

	md5_get_digest(data, size, digest);
	return hex_encode_pool(pool_temp, digest, sizeof(digest));
}

/* RFC 2831 2.1.2.1 with qop=auth and no authzid: the client's response
   (with *rspauth_r, what the server must answer) */
static const char *dmd5_response(const char *challenge, const char *user, const char *password,
				 const char **rspauth_r)
{
	const char *nonce = dmd5_attr(challenge, "nonce"), *realm = dmd5_attr(challenge, "realm");
	const char *cnonce = "OA6MHXh6VqTrRk", *uri = "imap/elwood.innosoft.com", *prefix;
	unsigned char urp[MD5_RESULTLEN];
	buffer_t *a1 = buffer_create_dynamic(pool_temp, 128);
	string_t *str = str_new(pool_temp, 256);

	md5_get_digest(t_strdup_printf("%s:%s:%s", user, realm, password),
		       strlen(user) + strlen(realm) + strlen(password) + 2, urp);
	buffer_append(a1, urp, sizeof(urp));
	str_printfa(str, ":%s:%s", nonce, cnonce);
	buffer_append(a1, str_c(str), str_len(str));
	prefix = t_strdup_printf("%s:%s:00000001:%s:auth:", md5_hex(a1->data, a1->used), nonce,
				 cnonce);
	const char *a2 = t_strdup_printf("AUTHENTICATE:%s", uri);
	const char *a2s = t_strdup_printf(":%s", uri);
	const char *resp = p_strconcat(pool_temp, prefix, md5_hex(a2, strlen(a2)), NULL);
	const char *rsp = p_strconcat(pool_temp, prefix, md5_hex(a2s, strlen(a2s)), NULL);

	*rspauth_r = p_strconcat(pool_temp, "rspauth=", md5_hex(rsp, strlen(rsp)), NULL);
	return t_strdup_printf("username=\"%s\",realm=\"%s\",nonce=\"%s\",cnonce=\"%s\","
			       "nc=00000001,qop=auth,digest-uri=\"%s\",response=%s,charset=utf-8",
			       user, realm, nonce, cnonce, uri, md5_hex(resp, strlen(resp)));
}

static void test_digest_md5(void)
{
	struct auth *auth = make_auth("auth_mechanisms = digest-md5\n"
				      "passdb {\n driver = static\n args = password=Circle\n}\n");
	const char *challenge, *response, *rspauth;
	struct auth_request *request;

	test_begin("DIGEST-MD5 through libsasl2");
	test_assert(auth_find_mech(auth, "DIGEST-MD5") != NULL);
	request = start(auth, "DIGEST-MD5", NULL);
	test_assert(out.continued && !out.finished);
	challenge = t_strdup(str_c(out.data));
	test_assert(dmd5_attr(challenge, "nonce") != NULL && dmd5_attr(challenge, "realm") != NULL);
	test_assert(strstr(challenge, "algorithm=md5-sess") != NULL);
	test_assert_strcmp(dmd5_attr(challenge, "qop"), "auth");
	response = dmd5_response(challenge, "Chris", "Circle", &rspauth);
	step(request, response, strlen(response));
	/* rspauth as a challenge, then success on the empty answer */
	test_assert(out.continued && !out.finished);
	test_assert_strcmp(str_c(out.data), rspauth);
	step(request, "", 0);
	test_assert(out.finished && out.result == PASSDB_RESULT_OK);
	test_assert_strcmp(request->user, "chris"); /* %Lu */
	auth_request_unref(&request);

	/* wrong password */
	request = start(auth, "DIGEST-MD5", NULL);
	response = dmd5_response(str_c(out.data), "chris", "circle", &rspauth);
	step(request, response, strlen(response));
	test_assert(out.finished && out.result == PASSDB_RESULT_PASSWORD_MISMATCH);
	auth_request_unref(&request);

	/* malformed digest-responses */
	static const char *const bad[] = {
		"", "x", "username=", "username=\"chris\"", ",,,,", "username=\"a\",realm=\"b\","
		"realm=\"c\"", "nc=zz", "=\"\"", "username=\"chris\",nonce=\"x\",cnonce=\"y\","
		"nc=00000001,qop=auth,digest-uri=\"imap/x\",response=00",
		"username=\"chris\",maxbuf=1",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		request = start(auth, "DIGEST-MD5", NULL);
		step(request, bad[i], strlen(bad[i]));
		test_assert_idx(out.finished && out.result != PASSDB_RESULT_OK, i);
		auth_request_unref(&request);
	}
	/* a NUL byte in the user name */
	request = start(auth, "DIGEST-MD5", NULL);
	response = dmd5_response(str_c(out.data), "chr", "Circle", &rspauth);
	string_t *with_nul = str_new(test_pool, 256);
	str_append_data(with_nul, response, 13);
	str_append_c(with_nul, '\0');
	str_append(with_nul, response + 13);
	step(request, str_c(with_nul), str_len(with_nul));
	test_assert(out.finished && out.result != PASSDB_RESULT_OK);
	auth_request_unref(&request);
	/* a user name longer than libsasl2's buffer: a plain failure */
	request = start(auth, "DIGEST-MD5", NULL);
	string_t *long_user = str_new(test_pool, 3000);
	for (unsigned int i = 0; i < 2000; i++)
		str_append_c(long_user, 'a');
	response = dmd5_response(str_c(out.data), str_c(long_user), "Circle", &rspauth);
	step(request, response, strlen(response));
	test_assert(out.finished && out.result == PASSDB_RESULT_USER_UNKNOWN);
	auth_request_unref(&request);
	/* abandoned half-way: freeing the request disposes of libsasl2's state */
	request = start(auth, "DIGEST-MD5", NULL);
	auth_request_unref(&request);

	/* ANONYMOUS from libsasl2: no password, the user is
	   auth_anonymous_username */
	auth = make_auth("auth_mechanisms = plain anonymous\nauth_anonymous_username = guest\n"
			 "passdb {\n driver = static\n args = password=Circle\n}\n");
	const struct mech_module *anon = auth_find_mech(auth, "ANONYMOUS");
	test_assert(anon != NULL && (anon->flags & MECH_SEC_ANONYMOUS) != 0 &&
		    (anon->flags & MECH_SEC_PLAINTEXT) == 0);
	request = start(auth, "ANONYMOUS", "trace@example.com");
	test_assert(out.finished && out.result == PASSDB_RESULT_OK);
	test_assert_strcmp(request->user, "guest");
	auth_request_unref(&request);

	/* a one-way hash cannot serve it */
	auth = make_auth("auth_mechanisms = digest-md5\n"
			 "passdb {\n driver = static\n args = password={SHA256}"
			 "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=\n}\n");
	request = start(auth, "DIGEST-MD5", NULL);
	response = dmd5_response(str_c(out.data), "chris", "secret", &rspauth);
	step(request, response, strlen(response));
	test_assert(out.finished && out.result == PASSDB_RESULT_SCHEME_NOT_AVAILABLE);
	auth_request_unref(&request);
	test_end();
}

static void test_cyrus_startup(void)
{
	ARRAY_TYPE(settings_error) errors;
	const struct auth_settings *set;
	struct auth *auth;
	const char *error;
	pool_t pool;

	test_begin("libsasl2 mechanisms at start-up");
	static const struct {
		const char *config, *error;
	} cases[] = {
		/* pam verifies in workers */
		{ "auth_mechanisms = plain digest-md5\npassdb {\n driver = pam\n}\n",
		  "passdb pam checks passwords in auth workers" },
		/* a one-way default scheme */
		{ "auth_mechanisms = digest-md5\npassdb {\n driver = static\n args = "
		  "scheme=SHA512-CRYPT password=x\n}\n",
		  "DIGEST-MD5 needs the password in PLAIN scheme" },
		{ "auth_mechanisms = plain x-nosuch\npassdb {\n driver = static\n}\n",
		  "unknown mechanism 'x-nosuch'" },
		/* pam limited to other mechanisms; a known one without plugin */
		{ "auth_mechanisms = plain digest-md5 gssapi\npassdb {\n driver = pam\n"
		  " mechanisms = plain\n}\npassdb {\n driver = static\n args = password=x\n}\n",
		  NULL },
	};
	for (unsigned int i = 0; i < N_ELEMENTS(cases); i++) {
		struct config_tree *tree = config_tree_create();

		p_array_init(&errors, test_pool, 4);
		settings_parse_string(tree, cases[i].config, "test", NULL, &errors);
		test_assert_idx(array_count(&errors) == 0, i);
		test_assert_idx(auth_settings_read(tree, test_pool, &set, &error) == 0, i);
		pool = pool_alloconly_create("t", 1024);
		if (cases[i].error == NULL) {
			test_assert_idx(auth_init(pool, set, &auth, &error) == 0, i);
			test_assert_idx(auth_find_mech(auth, "DIGEST-MD5") != NULL, i);
			test_assert_idx(auth_find_mech(auth, "GSSAPI") == NULL, i);
		} else {
			test_assert_idx(auth_init(pool, set, &auth, &error) < 0, i);
			test_assert_idx(strstr(error, cases[i].error) != NULL, i);
		}
		keep(pool);
		keep(tree);
	}
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
		test_digest_md5,
		test_cyrus_startup,
		NULL,
	};
	return test_run(tests);
}

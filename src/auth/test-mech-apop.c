/* Unit tests: the APOP mechanism (RFC 1939 section 7) and its digest in
   lib-password: the RFC's vector, a good and a wrong digest, timestamps
   that this auth process did not issue (other pid, other connection,
   before start-up, malformed), malformed initial responses, and passdbs
   that cannot give the plaintext. The passdb is a static one, so
   everything completes synchronously. */
#include "test-common.h"
#include "hex.h"
#include "md5.h"
#include "password-scheme.h"
#include "settings.h"
#include "mech.h"
#include "auth-request.h"

#include <time.h>
#include <unistd.h>

#define TEST_CUID 7

static struct {
	bool finished, continued;
	enum passdb_result result;
} out;

static void t_reply_continue(struct auth_request *request ATTR_UNUSED,
			     const void *data ATTR_UNUSED, size_t size ATTR_UNUSED)
{
	out.continued = true;
}

static void t_finished(struct auth_request *request ATTR_UNUSED, enum passdb_result result,
		       const void *data ATTR_UNUSED, size_t size ATTR_UNUSED)
{
	out.finished = true;
	out.result = result;
}

static const struct auth_request_handler t_handler = {
	.reply_continue = t_reply_continue,
	.finished = t_finished,
};

static ARRAY(void *) keep_alive;

static void keep(void *ptr)
{
	if (!array_is_created(&keep_alive))
		i_array_init(&keep_alive, 16);
	array_push(&keep_alive, &ptr);
}

static int try_make_auth(const char *config, struct auth **auth_r, const char **error_r)
{
	ARRAY_TYPE(settings_error) errors;
	struct config_tree *tree = config_tree_create();
	const struct auth_settings *set;
	const char *error;
	pool_t pool = pool_alloconly_create("test auth", 4096);

	keep(tree);
	keep(pool);
	p_array_init(&errors, test_pool, 4);
	settings_parse_string(tree, config, "test", NULL, &errors);
	i_assert(array_count(&errors) == 0);
	if (auth_settings_read(tree, test_pool, &set, &error) < 0)
		i_panic("%s", error);
	return auth_init(pool, set, auth_r, error_r);
}

static struct auth *make_auth(const char *password)
{
	struct auth *auth;
	const char *error;

	if (try_make_auth(t_strdup_printf("auth_mechanisms = plain apop\n"
					  "passdb {\n driver = static\n args = password=%s\n}\n",
					  password), &auth, &error) < 0)
		i_panic("%s", error);
	keep(auth);
	return auth;
}

static const char *our_challenge(time_t when)
{
	return t_strdup_printf("<%x.%x.%lx.c2FsdA==@mail.example.com>", (unsigned int)auth_pid,
			       TEST_CUID, (unsigned long)when);
}

/* "challenge NUL user NUL digest" as pop3-login sends it */
static buffer_t *apop_data(const char *challenge, const char *user, const char *password)
{
	buffer_t *buf = buffer_create_dynamic(test_pool, 128);
	unsigned char digest[MD5_RESULTLEN];
	struct md5_context ctx;

	md5_init(&ctx);
	md5_update(&ctx, challenge, strlen(challenge));
	md5_update(&ctx, password, strlen(password));
	md5_final(&ctx, digest);
	buffer_append(buf, challenge, strlen(challenge) + 1);
	buffer_append(buf, user, strlen(user) + 1);
	buffer_append(buf, digest, sizeof(digest));
	return buf;
}

static enum passdb_result run(struct auth *auth, const void *data, size_t size, bool has_data)
{
	const struct mech_module *mech = auth_find_mech(auth, "APOP");
	struct auth_request *request;

	i_assert(mech != NULL);
	memset(&out, 0, sizeof(out));
	request = auth_request_new(auth, mech);
	request->handler = &t_handler;
	request->service = "pop3";
	request->connect_uid = TEST_CUID;
	mech->auth_initial(request, data, size, has_data);
	test_assert(out.finished && !out.continued);
	if (out.finished && out.result == PASSDB_RESULT_OK)
		test_assert_strcmp(request->user, "tim");
	auth_request_unref(&request);
	return out.result;
}

static enum passdb_result run_buf(struct auth *auth, const buffer_t *buf)
{
	return run(auth, buf->data, buf->used, true);
}

static void test_apop_digest(void)
{
	unsigned char digest[PASSWORD_APOP_DIGEST_SIZE];
	const char *ts = "<1896.697170952@dbc.mtview.ca.us>", *error;

	test_begin("APOP digest (RFC 1939 example)");
	test_assert(password_get_apop_digest("{PLAIN}tanstaaf", NULL, ts, digest, &error) == 1);
	test_assert_strcmp(hex_encode_pool(test_pool, digest, sizeof(digest)),
			   "c4c9334bac560ecc979e58001b3e22fb");
	/* bare data in the default scheme, and the encodings of PLAIN */
	test_assert(password_get_apop_digest("tanstaaf", "CLEAR", ts, digest, &error) == 1);
	test_assert_strcmp(hex_encode_pool(test_pool, digest, sizeof(digest)),
			   "c4c9334bac560ecc979e58001b3e22fb");
	test_assert(password_get_apop_digest("{PLAIN.HEX}74616e7374616166", NULL, ts, digest,
					     &error) == 1);
	test_assert_strcmp(hex_encode_pool(test_pool, digest, sizeof(digest)),
			   "c4c9334bac560ecc979e58001b3e22fb");
	/* one-way hashes cannot serve it; garbage is an error */
	test_assert(password_get_apop_digest("{SHA}tBQ3G4Jz3D8kfkx+Afm2JQ2fKcU=", NULL, ts, digest,
					     &error) == 0);
	test_assert(strstr(error, "SHA") != NULL);
	test_assert(password_get_apop_digest("{NOSUCH}x", NULL, ts, digest, &error) < 0);
	test_assert(password_get_apop_digest("{PLAIN.HEX}zz", NULL, ts, digest, &error) < 0);
	test_end();
}

static void test_apop_mech(void)
{
	struct auth *auth = make_auth("tanstaaf");
	const char *ch = our_challenge(time(NULL));
	string_t *flags = str_new(test_pool, 64);
	buffer_t *buf;

	test_begin("APOP mechanism");
	/* private: never advertised to SASL clients */
	mech_append_flags(flags, mech_module_find("APOP")->flags);
	test_assert(strstr(str_c(flags), "\tprivate") != NULL);
	test_assert(strstr(str_c(flags), "plaintext") == NULL);

	test_assert(run_buf(auth, apop_data(ch, "tim", "tanstaaf")) == PASSDB_RESULT_OK);
	test_assert(run_buf(auth, apop_data(ch, "Tim", "tanstaaf")) == PASSDB_RESULT_OK);
	test_assert(run_buf(auth, apop_data(ch, "tim", "wrong")) ==
		    PASSDB_RESULT_PASSWORD_MISMATCH);
	/* timestamps this process did not issue for this connection */
	const char *other_pid = t_strdup_printf("<%x.%x.%lx.x@h>", (unsigned int)auth_pid + 1,
						TEST_CUID, (unsigned long)time(NULL));
	const char *other_cuid = t_strdup_printf("<%x.%x.%lx.x@h>", (unsigned int)auth_pid,
						 TEST_CUID + 1, (unsigned long)time(NULL));
	const char *malformed[] = {
		other_pid, other_cuid, our_challenge(auth_start_time - 1),
		"<1896.697170952@dbc.mtview.ca.us>",
		t_strdup_printf("<%x.%x.%lx.x@h", (unsigned int)auth_pid, TEST_CUID,
				(unsigned long)time(NULL)),
		t_strdup_printf("<%x.%x.%lx.xh>", (unsigned int)auth_pid, TEST_CUID,
				(unsigned long)time(NULL)),
		t_strdup_printf("<%x..%x.%lx.x@h>", (unsigned int)auth_pid, TEST_CUID,
				(unsigned long)time(NULL)),
		t_strdup_printf("< %x.%x.%lx.x@h>", (unsigned int)auth_pid, TEST_CUID,
				(unsigned long)time(NULL)),
		t_strdup_printf("<%x.%x.%lx.x y@h>", (unsigned int)auth_pid, TEST_CUID,
				(unsigned long)time(NULL)),
		t_strdup_printf("<00000000000000000%x.%x.%lx.x@h>", (unsigned int)auth_pid,
				TEST_CUID, (unsigned long)time(NULL)),
		"", "<>",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(malformed); i++) {
		test_assert_idx(run_buf(auth, apop_data(malformed[i], "tim", "tanstaaf")) ==
				PASSDB_RESULT_PASSWORD_MISMATCH, i);
	}
	/* malformed data: no response, too short/long a digest, missing NULs */
	test_assert(run(auth, NULL, 0, false) != PASSDB_RESULT_OK);
	test_assert(run(auth, "", 0, true) != PASSDB_RESULT_OK);
	buf = apop_data(ch, "tim", "tanstaaf");
	test_assert(run(auth, buf->data, buf->used - 1, true) != PASSDB_RESULT_OK);
	buffer_append_c(buf, 'x');
	test_assert(run_buf(auth, buf) != PASSDB_RESULT_OK);
	test_assert(run(auth, ch, strlen(ch), true) != PASSDB_RESULT_OK);
	buf = buffer_create_dynamic(test_pool, 64);
	buffer_append(buf, ch, strlen(ch) + 1);
	buffer_append(buf, "tim", 3);
	buffer_append(buf, "0123456789abcdef", 16);
	test_assert(run_buf(auth, buf) != PASSDB_RESULT_OK);
	/* a bad user name */
	test_assert(run_buf(auth, apop_data(ch, "", "tanstaaf")) != PASSDB_RESULT_OK);
	/* every byte of the digest matters */
	buf = apop_data(ch, "tim", "tanstaaf");
	for (size_t i = buf->used - 16; i < buf->used; i++) {
		((unsigned char *)buf->data)[i] ^= 0x01;
		test_assert_idx(run_buf(auth, buf) == PASSDB_RESULT_PASSWORD_MISMATCH, i);
		((unsigned char *)buf->data)[i] ^= 0x01;
	}
	test_assert(run_buf(auth, buf) == PASSDB_RESULT_OK);
	test_end();
}

static void test_apop_schemes(void)
{
	struct auth *auth;
	const char *stored, *error;

	test_begin("APOP needs a PLAIN passdb");
	/* an entry in a one-way scheme cannot serve APOP */
	test_assert(password_generate("tanstaaf", "SHA512-CRYPT", "tim", test_pool, &stored,
				      &error) == 0);
	auth = make_auth(stored);
	test_assert(run_buf(auth, apop_data(our_challenge(time(NULL)), "tim", "tanstaaf")) ==
		    PASSDB_RESULT_SCHEME_NOT_AVAILABLE);
	auth = make_auth("{CLEAR}tanstaaf");
	test_assert(run_buf(auth, apop_data(our_challenge(time(NULL)), "tim", "tanstaaf")) ==
		    PASSDB_RESULT_OK);
	/* refused at start-up when the passdb says so, as CRAM-MD5 is */
	test_assert(try_make_auth("auth_mechanisms = plain apop\n"
				  "passdb {\n driver = passwd-file\n"
				  " args = scheme=SHA512-CRYPT /nonexistent\n}\n", &auth,
				  &error) < 0);
	test_assert(strstr(error, "APOP") != NULL && strstr(error, "SHA512-CRYPT") != NULL &&
		    strstr(error, "PLAIN") != NULL);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_apop_digest,
		test_apop_mech,
		test_apop_schemes,
		NULL,
	};
	auth_pid = getpid();
	auth_start_time = time(NULL) - 60;
	return test_run(tests);
}

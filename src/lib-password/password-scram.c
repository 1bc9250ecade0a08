#include "lib.h"
#include "base64.h"
#include "password-crypto.h"
#include "password-scheme-private.h"

#include <strings.h>

struct password_scram_hash {
	const char *name;
	const char *digest;
	size_t key_size;
};

static const struct password_scram_hash password_scram_hashes[] = {
	{ "SHA-1", "SHA1", 20 },
	{ "SHA-256", "SHA256", 32 },
};

static const struct password_scram_hash *password_scram_hash_find(const char *name)
{
	for (unsigned int i = 0; i < N_ELEMENTS(password_scram_hashes); i++) {
		if (strcasecmp(password_scram_hashes[i].name, name) == 0)
			return &password_scram_hashes[i];
	}
	return NULL;
}

/* SaltedPassword, then ClientKey/StoredKey and ServerKey (RFC 5802 3). */
static int password_scram_derive(const struct password_scram_hash *hash, const void *plaintext,
				 size_t size, const unsigned char *salt, size_t salt_size,
				 unsigned int iterations, struct password_scram_secrets *secrets,
				 const char **error_r)
{
	unsigned char salted[PASSWORD_SCRAM_MAX_KEY_SIZE];
	unsigned char client_key[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	size_t client_key_size, stored_key_size, server_key_size;
	int ret = -1;

	if (password_crypto_pbkdf2(hash->digest, plaintext, size, salt, salt_size, iterations,
				   salted, hash->key_size, error_r) == 0 &&
	    password_crypto_hmac(hash->digest, salted, hash->key_size, "Client Key", 10,
				 client_key, &client_key_size, error_r) == 0 &&
	    password_crypto_digest(hash->digest, client_key, client_key_size, NULL, 0,
				   secrets->stored_key, &stored_key_size, error_r) == 0 &&
	    password_crypto_hmac(hash->digest, salted, hash->key_size, "Server Key", 10,
				 secrets->server_key, &server_key_size, error_r) == 0) {
		i_assert(stored_key_size == hash->key_size && server_key_size == hash->key_size);
		ret = 0;
	}
	explicit_bzero(salted, sizeof(salted));
	explicit_bzero(client_key, sizeof(client_key));
	return ret;
}

static void password_scram_secrets_init(struct password_scram_secrets *secrets,
					const struct password_scram_hash *hash,
					unsigned int iterations)
{
	memset(secrets, 0, sizeof(*secrets));
	secrets->hash = hash->name;
	secrets->digest = hash->digest;
	secrets->iterations = iterations;
	secrets->key_size = hash->key_size;
}

int password_scram_secrets_compute(const void *plaintext, size_t size, const char *hash_name,
				   unsigned int iterations, const void *salt, size_t salt_size,
				   pool_t pool, struct password_scram_secrets *secrets_r,
				   const char **error_r)
{
	const struct password_scram_hash *hash = password_scram_hash_find(hash_name);
	unsigned char *salt_copy;
	const char *error;

	if (hash == NULL) {
		*error_r = "Unknown SCRAM hash (expected SHA-1 or SHA-256)";
		return -1;
	}
	if (iterations < PASSWORD_SCRAM_DEFAULT_ITERATIONS ||
	    iterations > PASSWORD_MAX_ITERATIONS) {
		*error_r = password_error("SCRAM-%s: iteration count is not in %u..%u", hash->name,
					  PASSWORD_SCRAM_DEFAULT_ITERATIONS,
					  PASSWORD_MAX_ITERATIONS);
		return -1;
	}
	if (salt_size == 0) {
		*error_r = password_error("SCRAM-%s: the salt is empty", hash->name);
		return -1;
	}
	password_scram_secrets_init(secrets_r, hash, iterations);
	salt_copy = p_malloc(pool, salt_size);
	memcpy(salt_copy, salt, salt_size);
	secrets_r->salt = salt_copy;
	secrets_r->salt_size = salt_size;
	if (password_scram_derive(hash, plaintext, size, salt_copy, salt_size, iterations,
				  secrets_r, &error) < 0) {
		*error_r = password_error("SCRAM-%s: %s", hash->name, error);
		return -1;
	}
	return 0;
}

const char *password_scram_secrets_format(pool_t pool,
					  const struct password_scram_secrets *secrets)
{
	string_t *str = str_new(pool, 128);

	str_printfa(str, "%u,", secrets->iterations);
	base64_encode(secrets->salt, secrets->salt_size, str);
	str_append_c(str, ',');
	base64_encode(secrets->stored_key, secrets->key_size, str);
	str_append_c(str, ',');
	base64_encode(secrets->server_key, secrets->key_size, str);
	return str_c(str);
}

/* Decodes the base64 field [start, end) into a key of exactly key_size. */
static int password_scram_decode_key(const char *start, const char *end, size_t key_size,
				     unsigned char *key_r)
{
	buffer_t *buf = buffer_create_bounded(pool_system, key_size, key_size);
	const char *error;
	int ret = 0;

	if (base64_decode(start, (size_t)(end - start), buf, &error) < 0 || buf->used != key_size)
		ret = -1;
	else
		memcpy(key_r, buf->data, key_size);
	buffer_free(&buf);
	return ret;
}

int password_scram_secrets_parse(const struct password_scheme *scheme, const char *text,
				 pool_t pool, struct password_scram_secrets *secrets_r,
				 const char **error_r)
{
	const struct password_scram_hash *hash = password_scram_hash_find(scheme->param);
	const char *fields[4], *end;
	char digits[11];
	unsigned int iterations, i;
	buffer_t *salt;
	size_t len;

	i_assert(hash != NULL);
	/* iterations,salt,StoredKey,ServerKey */
	fields[0] = text;
	for (i = 1; i < N_ELEMENTS(fields); i++) {
		if ((end = strchr(fields[i - 1], ',')) == NULL)
			break;
		fields[i] = end + 1;
	}
	if (i < N_ELEMENTS(fields) || strchr(fields[3], ',') != NULL) {
		*error_r = password_scheme_error(
			scheme, "stored secrets are not iterations,salt,StoredKey,ServerKey");
		return -1;
	}
	len = (size_t)(fields[1] - 1 - fields[0]);
	if (len == 0 || len >= sizeof(digits)) {
		iterations = 0;
	} else {
		memcpy(digits, fields[0], len);
		digits[len] = '\0';
		if (str_to_uint(digits, &iterations) < 0)
			iterations = 0;
	}
	if (iterations < PASSWORD_SCRAM_DEFAULT_ITERATIONS ||
	    iterations > PASSWORD_MAX_ITERATIONS) {
		*error_r = password_scheme_error(scheme,
						 "stored iteration count is not a number in %u..%u",
						 PASSWORD_SCRAM_DEFAULT_ITERATIONS,
						 PASSWORD_MAX_ITERATIONS);
		return -1;
	}
	password_scram_secrets_init(secrets_r, hash, iterations);

	len = (size_t)(fields[2] - 1 - fields[1]);
	salt = buffer_create_dynamic(pool, len);
	if (len == 0 || base64_decode(fields[1], len, salt, error_r) < 0) {
		*error_r = password_scheme_error(scheme, "stored salt is empty or not base64");
		return -1;
	}
	secrets_r->salt = salt->data;
	secrets_r->salt_size = salt->used;

	if (password_scram_decode_key(fields[2], fields[3] - 1, hash->key_size,
				      secrets_r->stored_key) < 0) {
		*error_r = password_scheme_error(
			scheme, "stored StoredKey is not %zu bytes of base64", hash->key_size);
		return -1;
	}
	if (password_scram_decode_key(fields[3], fields[3] + strlen(fields[3]), hash->key_size,
				      secrets_r->server_key) < 0) {
		*error_r = password_scheme_error(
			scheme, "stored ServerKey is not %zu bytes of base64", hash->key_size);
		return -1;
	}
	return 0;
}

int password_scram_verify(const struct password_scheme *scheme, const char *plaintext,
			  const unsigned char *raw, size_t size, const char **error_r)
{
	struct password_scram_secrets stored, computed;
	pool_t pool;
	int ret;

	if (password_scheme_raw_string(scheme, raw, size, error_r) < 0)
		return -1;
	pool = pool_alloconly_create("scram verify", 256);
	if (password_scram_secrets_parse(scheme, (const char *)raw, pool, &stored, error_r) < 0) {
		ret = -1;
	} else if (password_scram_secrets_compute(plaintext, strlen(plaintext), scheme->param,
						  stored.iterations, stored.salt, stored.salt_size,
						  pool, &computed, error_r) < 0) {
		ret = -1;
	} else {
		ret = mem_equals_timing_safe(computed.stored_key, stored.stored_key,
					     stored.key_size) ?
			      1 :
			      0;
	}
	explicit_bzero(&computed, sizeof(computed));
	pool_unref(&pool);
	return ret;
}

int password_scram_generate(const struct password_scheme *scheme, const char *plaintext,
			    unsigned int rounds, buffer_t *dest, const char **error_r)
{
	struct password_scram_secrets secrets;
	unsigned char salt[PASSWORD_SCRAM_SALT_SIZE];
	const char *error;
	pool_t pool;
	int ret = 0;

	pool = pool_alloconly_create("scram generate", 256);
	if (password_crypto_random(salt, sizeof(salt), &error) < 0) {
		*error_r = password_scheme_error(scheme, "%s", error);
		ret = -1;
	} else if (password_scram_secrets_compute(plaintext, strlen(plaintext), scheme->param,
						  rounds, salt, sizeof(salt), pool, &secrets,
						  error_r) < 0) {
		ret = -1;
	} else {
		const char *text = password_scram_secrets_format(pool, &secrets);

		buffer_append(dest, text, strlen(text));
	}
	explicit_bzero(&secrets, sizeof(secrets));
	pool_unref(&pool);
	return ret;
}

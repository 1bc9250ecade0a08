#include "lib.h"
#include "base64.h"
#include "hex.h"
#include "password-crypto.h"
#include "password-scheme-private.h"

#define MD5_DIGEST_SIZE 16
/* Dovecot's salt size for SSHA/SMD5 and friends. Verification takes any
   salt length, so this is only what we write. */
#define PASSWORD_DIGEST_SALT_SIZE 4

/* digest(plaintext || salt) compared with expected; salt may be empty. */
static int password_digest_check(const struct password_scheme *scheme, const char *digest,
				 const char *plaintext, const unsigned char *salt,
				 size_t salt_size, const unsigned char *expected,
				 size_t expected_size, const char **error_r)
{
	unsigned char out[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	size_t out_size;
	const char *error;

	if (password_crypto_digest(digest, plaintext, strlen(plaintext), salt, salt_size, out,
				   &out_size, &error) < 0) {
		*error_r = password_scheme_error(scheme, "%s", error);
		return -1;
	}
	return password_crypto_equals(out, out_size, expected, expected_size) ? 1 : 0;
}

int password_digest_verify(const struct password_scheme *scheme, const char *plaintext,
			   const unsigned char *raw, size_t size, const char **error_r)
{
	/* the size was checked against the table when decoding */
	return password_digest_check(scheme, scheme->param, plaintext, NULL, 0, raw, size,
				     error_r);
}

int password_digest_generate(const struct password_scheme *scheme, const char *plaintext,
			     unsigned int rounds, buffer_t *dest, const char **error_r)
{
	unsigned char out[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	size_t out_size;
	const char *error;

	if (password_crypto_digest(scheme->param, plaintext, strlen(plaintext), NULL, 0, out,
				   &out_size, &error) < 0) {
		*error_r = password_scheme_error(scheme, "%s", error);
		return -1;
	}
	buffer_append(dest, out, out_size);
	return 0;
}

int password_digest_salted_verify(const struct password_scheme *scheme, const char *plaintext,
				  const unsigned char *raw, size_t size, const char **error_r)
{
	size_t digest_size = password_crypto_digest_size(scheme->param);

	if (digest_size == 0) {
		*error_r = password_scheme_error(scheme, "digest not available in libcrypto");
		return -1;
	}
	/* the stored form is digest || salt, and an empty salt is no salt */
	if (size <= digest_size) {
		*error_r = password_scheme_error(scheme, "stored hash is too short");
		return -1;
	}
	return password_digest_check(scheme, scheme->param, plaintext, raw + digest_size,
				     size - digest_size, raw, digest_size, error_r);
}

int password_digest_salted_generate(const struct password_scheme *scheme, const char *plaintext,
				    unsigned int rounds, buffer_t *dest, const char **error_r)
{
	unsigned char salt[PASSWORD_DIGEST_SALT_SIZE], out[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	size_t out_size;
	const char *error;

	if (password_crypto_random(salt, sizeof(salt), &error) < 0 ||
	    password_crypto_digest(scheme->param, plaintext, strlen(plaintext), salt, sizeof(salt),
				   out, &out_size, &error) < 0) {
		*error_r = password_scheme_error(scheme, "%s", error);
		return -1;
	}
	buffer_append(dest, out, out_size);
	buffer_append(dest, salt, sizeof(salt));
	return 0;
}

int password_digest_md5_verify(const struct password_scheme *scheme, const char *plaintext,
			       const unsigned char *raw, size_t size, const char **error_r)
{
	const char *text = (const char *)raw, *error;
	buffer_t *md5;
	int ret;

	if (password_scheme_raw_string(scheme, raw, size, error_r) < 0)
		return -1;
	if (str_begins(text, "$1$", NULL))
		return password_crypt_md5_verify(scheme, plaintext, raw, size, error_r);

	/* otherwise PLAIN-MD5, in hex or base64 */
	md5 = buffer_create_bounded(pool_system, MD5_DIGEST_SIZE, MD5_DIGEST_SIZE);
	if ((hex_decode(text, size, md5, &error) < 0 &&
	     base64_decode(text, size, md5, &error) < 0) ||
	    md5->used != MD5_DIGEST_SIZE) {
		*error_r = password_scheme_error(scheme,
						 "stored hash is neither MD5-CRYPT nor PLAIN-MD5");
		ret = -1;
	} else {
		ret = password_digest_check(scheme, "MD5", plaintext, NULL, 0, md5->data,
					    md5->used, error_r);
	}
	buffer_free(&md5);
	return ret;
}

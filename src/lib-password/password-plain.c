#include "lib.h"
#include "password-crypto.h"
#include "password-scheme-private.h"

int password_plain_verify(const struct password_scheme *scheme, const char *plaintext,
			  const unsigned char *raw, size_t size, const char **error_r)
{
	unsigned char given[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	unsigned char stored[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	size_t given_size, stored_size;
	const char *error;
	int ret;

	/* comparing digests keeps the time independent of both lengths */
	if (password_crypto_digest("SHA256", plaintext, strlen(plaintext), NULL, 0, given,
				   &given_size, &error) < 0 ||
	    password_crypto_digest("SHA256", raw, size, NULL, 0, stored, &stored_size,
				   &error) < 0) {
		*error_r = password_scheme_error(scheme, "%s", error);
		ret = -1;
	} else {
		ret = password_crypto_equals(given, given_size, stored, stored_size) ? 1 : 0;
	}
	explicit_bzero(given, sizeof(given));
	explicit_bzero(stored, sizeof(stored));
	return ret;
}

int password_plain_generate(const struct password_scheme *scheme, const char *plaintext,
			    unsigned int rounds, buffer_t *dest, const char **error_r)
{
	buffer_append(dest, plaintext, strlen(plaintext));
	return 0;
}

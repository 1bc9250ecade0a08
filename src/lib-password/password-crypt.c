#include "lib.h"
#include "password-crypto.h"
#include "password-scheme-private.h"

#include <crypt.h>

/* More than any libxcrypt method needs; the extra bytes are ignored. */
#define PASSWORD_CRYPT_RANDOM_SIZE 16

static int password_crypt_check(const struct password_scheme *scheme, const char *plaintext,
				const char *hash, const char **error_r)
{
	struct crypt_data *data;
	const char *result;
	size_t len = strlen(hash);
	int ret;

	if (len == 0) {
		*error_r = password_scheme_error(scheme, "stored hash is empty");
		return -1;
	}
	/* '!' and '*' lock an account in shadow files: never a match, and
	   not an error either */
	if (hash[0] == '!' || hash[0] == '*')
		return 0;

	/* struct crypt_data is ~32 KiB: too big for a worker's stack */
	data = i_new(struct crypt_data, 1);
	result = crypt_r(plaintext, hash, data);
	if (result == NULL || result[0] == '*') {
		*error_r = password_scheme_error(scheme,
						 "stored hash is not in a format crypt(3) knows");
		ret = -1;
	} else if (strlen(result) != len) {
		/* crypt(3) re-creates the full hash from the setting at the
		   start of the stored one, so a different length means the
		   stored hash was cut or padded */
		*error_r = password_scheme_error(scheme, "stored hash is truncated or malformed");
		ret = -1;
	} else {
		ret = mem_equals_timing_safe(result, hash, len) ? 1 : 0;
	}
	explicit_bzero(data, sizeof(*data));
	i_free(data);
	return ret;
}

int password_crypt_verify(const struct password_scheme *scheme, const char *plaintext,
			  const unsigned char *raw, size_t size, const char **error_r)
{
	if (password_scheme_raw_string(scheme, raw, size, error_r) < 0)
		return -1;
	return password_crypt_check(scheme, plaintext, (const char *)raw, error_r);
}

int password_crypt_md5_verify(const struct password_scheme *scheme, const char *plaintext,
			      const unsigned char *raw, size_t size, const char **error_r)
{
	const char *hash = (const char *)raw;

	if (password_scheme_raw_string(scheme, raw, size, error_r) < 0)
		return -1;
	if (hash[0] != '\0' && hash[0] != '!' && hash[0] != '*' &&
	    !str_begins(hash, "$1$", NULL)) {
		*error_r = password_scheme_error(scheme, "stored hash is not a $1$ hash");
		return -1;
	}
	return password_crypt_check(scheme, plaintext, hash, error_r);
}

int password_crypt_generate(const struct password_scheme *scheme, const char *plaintext,
			    unsigned int rounds, buffer_t *dest, const char **error_r)
{
	unsigned char random[PASSWORD_CRYPT_RANDOM_SIZE];
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *data;
	const char *result, *error;
	int ret = 0;

	if (password_crypto_random(random, sizeof(random), &error) < 0) {
		*error_r = password_scheme_error(scheme, "%s", error);
		return -1;
	}
	if (crypt_gensalt_rn(scheme->param, rounds, (const char *)random, sizeof(random), setting,
			     sizeof(setting)) == NULL) {
		*error_r = password_scheme_error(scheme, "crypt_gensalt() failed: %s",
						 strerror(errno));
		return -1;
	}
	data = i_new(struct crypt_data, 1);
	result = crypt_r(plaintext, setting, data);
	if (result == NULL || result[0] == '*') {
		*error_r = password_scheme_error(scheme, "crypt() failed");
		ret = -1;
	} else {
		buffer_append(dest, result, strlen(result));
	}
	explicit_bzero(data, sizeof(*data));
	i_free(data);
	return ret;
}

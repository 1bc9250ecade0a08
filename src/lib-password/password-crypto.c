#include "lib.h"
#include "password-crypto.h"

#include <limits.h>
#include <sys/random.h>
#include <openssl/evp.h>

size_t password_crypto_digest_size(const char *digest)
{
	EVP_MD *md = EVP_MD_fetch(NULL, digest, NULL);
	int size;

	if (md == NULL)
		return 0;
	size = EVP_MD_get_size(md);
	EVP_MD_free(md);
	return size > 0 ? (size_t)size : 0;
}

int password_crypto_digest(const char *digest, const void *data, size_t size,
			   const void *suffix, size_t suffix_size, unsigned char *out,
			   size_t *out_size_r, const char **error_r)
{
	EVP_MD *md = EVP_MD_fetch(NULL, digest, NULL);
	EVP_MD_CTX *ctx;
	unsigned int out_size = 0;
	int ret = -1;

	if (md == NULL) {
		*error_r = "digest not available in libcrypto";
		return -1;
	}
	i_assert(EVP_MD_get_size(md) <= PASSWORD_CRYPTO_MAX_DIGEST_SIZE);
	ctx = EVP_MD_CTX_new();
	if (ctx != NULL && EVP_DigestInit_ex2(ctx, md, NULL) == 1 &&
	    EVP_DigestUpdate(ctx, data, size) == 1 &&
	    (suffix_size == 0 || EVP_DigestUpdate(ctx, suffix, suffix_size) == 1) &&
	    EVP_DigestFinal_ex(ctx, out, &out_size) == 1) {
		*out_size_r = out_size;
		ret = 0;
	} else {
		*error_r = "digest computation failed in libcrypto";
	}
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return ret;
}

int password_crypto_hmac(const char *digest, const void *key, size_t key_size, const void *data,
			 size_t size, unsigned char *out, size_t *out_size_r, const char **error_r)
{
	size_t out_size = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, digest, NULL, key, key_size, data, size, out,
		      PASSWORD_CRYPTO_MAX_DIGEST_SIZE, &out_size) == NULL) {
		*error_r = "HMAC computation failed in libcrypto";
		return -1;
	}
	*out_size_r = out_size;
	return 0;
}

int password_crypto_pbkdf2(const char *digest, const void *password, size_t password_size,
			   const void *salt, size_t salt_size, unsigned int iterations,
			   unsigned char *out, size_t out_size, const char **error_r)
{
	EVP_MD *md;
	int ret;

	if (password_size > INT_MAX || salt_size > INT_MAX || out_size > INT_MAX ||
	    iterations == 0 || iterations > INT_MAX) {
		*error_r = "PBKDF2 parameters out of range";
		return -1;
	}
	md = EVP_MD_fetch(NULL, digest, NULL);
	if (md == NULL) {
		*error_r = "digest not available in libcrypto";
		return -1;
	}
	ret = PKCS5_PBKDF2_HMAC(password, (int)password_size, salt, (int)salt_size,
				(int)iterations, md, (int)out_size, out);
	EVP_MD_free(md);
	if (ret != 1) {
		*error_r = "PBKDF2 computation failed in libcrypto";
		return -1;
	}
	return 0;
}

int password_crypto_random(void *buf, size_t size, const char **error_r)
{
	unsigned char *p = buf;

	while (size > 0) {
		ssize_t ret = getrandom(p, size, 0);

		if (ret < 0) {
			if (errno == EINTR)
				continue;
			*error_r = "getrandom() failed";
			return -1;
		}
		p += ret;
		size -= (size_t)ret;
	}
	return 0;
}

bool password_crypto_equals(const void *a, size_t a_size, const void *b, size_t b_size)
{
	if (a_size != b_size)
		return false;
	return mem_equals_timing_safe(a, b, a_size);
}

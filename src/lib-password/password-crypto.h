#ifndef PASSWORD_CRYPTO_H
#define PASSWORD_CRYPTO_H

/* Hash, HMAC, PBKDF2 and random bytes over OpenSSL libcrypto (EVP API only),
   for the password schemes and for the SASL mechanisms that work on the same
   secrets (SCRAM signatures, CRAM-MD5).

   Digest names are OpenSSL's: "MD5", "SHA1", "SHA256", "SHA512". Outputs go
   to caller buffers of at least PASSWORD_CRYPTO_MAX_DIGEST_SIZE bytes. The
   functions fail (-1 with a static *error_r) only when libcrypto cannot
   provide the algorithm, e.g. MD5 under a FIPS-only configuration. */

#define PASSWORD_CRYPTO_MAX_DIGEST_SIZE 64

/* Size of the digest in bytes, or 0 when libcrypto does not know it. */
size_t password_crypto_digest_size(const char *digest);

/* out = digest(data || suffix); suffix may be NULL with suffix_size 0. The
   two parts exist so that salted schemes need no copy of the password. */
int password_crypto_digest(const char *digest, const void *data, size_t size,
			   const void *suffix, size_t suffix_size, unsigned char *out,
			   size_t *out_size_r, const char **error_r);

/* out = HMAC-digest(key, data). */
int password_crypto_hmac(const char *digest, const void *key, size_t key_size, const void *data,
			 size_t size, unsigned char *out, size_t *out_size_r, const char **error_r);

/* PBKDF2-HMAC-digest (RFC 8018) of out_size bytes. iterations must be at
   least 1; the password and salt must each fit in an int. */
int password_crypto_pbkdf2(const char *digest, const void *password, size_t password_size,
			   const void *salt, size_t salt_size, unsigned int iterations,
			   unsigned char *out, size_t out_size, const char **error_r);

/* Fills buf with size bytes from the kernel's CSPRNG (getrandom()). */
int password_crypto_random(void *buf, size_t size, const char **error_r);

/* Constant-time equality of two byte strings. Only the sizes, which are
   public for every stored hash, can influence the time taken. */
bool password_crypto_equals(const void *a, size_t a_size, const void *b, size_t b_size);

#endif

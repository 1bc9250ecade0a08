#include "lib.h"
#include "md5.h"
#include "password-scheme-private.h"

/* HMAC-MD5 (RFC 2104) split at the point Dovecot stores: the MD5 states
   after the first block of each of the two hashes. EVP does not expose a
   hash's internal state, hence our own MD5 here. */
#define HMAC_MD5_BLOCK_SIZE 64

static void password_cram_md5_put_state(const struct md5_context *ctx, unsigned char *out)
{
	for (unsigned int i = 0; i < 16; i++)
		out[i] = (unsigned char)(ctx->state[i / 4] >> ((i % 4) * 8));
}

static void password_cram_md5_load_state(struct md5_context *ctx, const unsigned char *in)
{
	md5_init(ctx);
	for (unsigned int i = 0; i < 4; i++) {
		ctx->state[i] = (uint32_t)in[i * 4] | ((uint32_t)in[i * 4 + 1] << 8) |
				((uint32_t)in[i * 4 + 2] << 16) | ((uint32_t)in[i * 4 + 3] << 24);
	}
	/* one key block has been hashed */
	ctx->size = HMAC_MD5_BLOCK_SIZE;
}

static void password_cram_md5_pad_state(const unsigned char *key, unsigned char pad,
					unsigned char *out)
{
	unsigned char block[HMAC_MD5_BLOCK_SIZE];
	struct md5_context ctx;

	for (unsigned int i = 0; i < HMAC_MD5_BLOCK_SIZE; i++)
		block[i] = key[i] ^ pad;
	md5_init(&ctx);
	md5_update(&ctx, block, sizeof(block));
	password_cram_md5_put_state(&ctx, out);
	explicit_bzero(block, sizeof(block));
	explicit_bzero(&ctx, sizeof(ctx));
}

void password_cram_md5_secret(const void *plaintext, size_t size,
			      unsigned char secret_r[PASSWORD_CRAM_MD5_SECRET_SIZE])
{
	unsigned char key[HMAC_MD5_BLOCK_SIZE];

	memset(key, 0, sizeof(key));
	/* RFC 2104: a key longer than a block is replaced by its hash */
	if (size > HMAC_MD5_BLOCK_SIZE)
		md5_get_digest(plaintext, size, key);
	else if (size > 0)
		memcpy(key, plaintext, size);
	password_cram_md5_pad_state(key, 0x5c, secret_r);
	password_cram_md5_pad_state(key, 0x36, secret_r + 16);
	explicit_bzero(key, sizeof(key));
}

void password_cram_md5_hmac(const unsigned char secret[PASSWORD_CRAM_MD5_SECRET_SIZE],
			    const void *data, size_t size,
			    unsigned char digest_r[PASSWORD_CRAM_MD5_DIGEST_SIZE])
{
	unsigned char inner[MD5_RESULTLEN];
	struct md5_context ctx;

	password_cram_md5_load_state(&ctx, secret + 16);
	md5_update(&ctx, data, size);
	md5_final(&ctx, inner);
	password_cram_md5_load_state(&ctx, secret);
	md5_update(&ctx, inner, sizeof(inner));
	md5_final(&ctx, digest_r);
	explicit_bzero(inner, sizeof(inner));
}

int password_cram_md5_verify(const struct password_scheme *scheme, const char *plaintext,
			     const unsigned char *raw, size_t size, const char **error_r)
{
	unsigned char secret[PASSWORD_CRAM_MD5_SECRET_SIZE];
	int ret;

	password_cram_md5_secret(plaintext, strlen(plaintext), secret);
	ret = mem_equals_timing_safe(secret, raw, sizeof(secret)) ? 1 : 0;
	explicit_bzero(secret, sizeof(secret));
	return ret;
}

int password_cram_md5_generate(const struct password_scheme *scheme, const char *plaintext,
			       unsigned int rounds, buffer_t *dest, const char **error_r)
{
	unsigned char secret[PASSWORD_CRAM_MD5_SECRET_SIZE];

	password_cram_md5_secret(plaintext, strlen(plaintext), secret);
	buffer_append(dest, secret, sizeof(secret));
	explicit_bzero(secret, sizeof(secret));
	return 0;
}

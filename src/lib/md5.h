#ifndef MD5_H
#define MD5_H

/* MD5 (RFC 1321). Broken as a cryptographic hash: use it only where a
   protocol or a compatible format demands it (the %M and %N variable
   modifiers, APOP, CRAM-MD5, old password schemes), never for new
   integrity checks. */

#define MD5_RESULTLEN 16

struct md5_context {
	uint32_t state[4];
	uint64_t size;          /* bytes hashed so far */
	unsigned char block[64]; /* the partial block not yet processed */
};

void md5_init(struct md5_context *ctx);
void md5_update(struct md5_context *ctx, const void *data, size_t size);
/* Writes the digest; ctx must be initialised again before reuse. */
void md5_final(struct md5_context *ctx, unsigned char digest[MD5_RESULTLEN]);
/* One-shot: digest of size bytes at data. */
void md5_get_digest(const void *data, size_t size, unsigned char digest[MD5_RESULTLEN]);

#endif

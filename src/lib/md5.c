#include "lib.h"
#include "md5.h"

/* floor(abs(sin(i + 1)) * 2^32), RFC 1321 section 3.4 */
static const uint32_t md5_sines[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee,
	0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
	0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05,
	0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039,
	0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* rotation amounts, four per round */
static const unsigned char md5_shifts[4][4] = {
	{ 7, 12, 17, 22 },
	{ 5, 9, 14, 20 },
	{ 4, 11, 16, 23 },
	{ 6, 10, 15, 21 },
};

static uint32_t md5_rotl(uint32_t x, unsigned int n)
{
	return (x << n) | (x >> (32 - n));
}

static void md5_block(struct md5_context *ctx, const unsigned char *block)
{
	uint32_t words[16], a, b, c, d, f, tmp;
	unsigned int i, g;

	/* the message words are little-endian whatever the host is */
	for (i = 0; i < 16; i++) {
		words[i] = (uint32_t)block[i * 4] | ((uint32_t)block[i * 4 + 1] << 8) |
			   ((uint32_t)block[i * 4 + 2] << 16) | ((uint32_t)block[i * 4 + 3] << 24);
	}
	a = ctx->state[0];
	b = ctx->state[1];
	c = ctx->state[2];
	d = ctx->state[3];
	for (i = 0; i < 64; i++) {
		switch (i / 16) {
		case 0:
			f = (b & c) | (~b & d);
			g = i;
			break;
		case 1:
			f = (b & d) | (c & ~d);
			g = (5 * i + 1) % 16;
			break;
		case 2:
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
			break;
		default:
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
			break;
		}
		tmp = d;
		d = c;
		c = b;
		b = b + md5_rotl(a + f + md5_sines[i] + words[g], md5_shifts[i / 16][i % 4]);
		a = tmp;
	}
	ctx->state[0] += a;
	ctx->state[1] += b;
	ctx->state[2] += c;
	ctx->state[3] += d;
}

void md5_init(struct md5_context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->state[0] = 0x67452301;
	ctx->state[1] = 0xefcdab89;
	ctx->state[2] = 0x98badcfe;
	ctx->state[3] = 0x10325476;
}

void md5_update(struct md5_context *ctx, const void *data, size_t size)
{
	const unsigned char *p = data;
	size_t used = (size_t)(ctx->size % 64);

	ctx->size += size;
	if (used > 0) {
		size_t n = MIN(size, 64 - used);

		memcpy(ctx->block + used, p, n);
		p += n;
		size -= n;
		if (used + n < 64)
			return;
		md5_block(ctx, ctx->block);
	}
	for (; size >= 64; p += 64, size -= 64)
		md5_block(ctx, p);
	if (size > 0)
		memcpy(ctx->block, p, size);
}

void md5_final(struct md5_context *ctx, unsigned char digest[MD5_RESULTLEN])
{
	uint64_t bits = ctx->size * 8;
	size_t used = (size_t)(ctx->size % 64);
	unsigned int i;

	/* pad with 0x80 and zeros to 56 bytes mod 64, then the bit count */
	ctx->block[used++] = 0x80;
	if (used > 56) {
		memset(ctx->block + used, 0, 64 - used);
		md5_block(ctx, ctx->block);
		used = 0;
	}
	memset(ctx->block + used, 0, 56 - used);
	for (i = 0; i < 8; i++)
		ctx->block[56 + i] = (unsigned char)(bits >> (i * 8));
	md5_block(ctx, ctx->block);

	for (i = 0; i < 16; i++)
		digest[i] = (unsigned char)(ctx->state[i / 4] >> ((i % 4) * 8));
	memset(ctx, 0, sizeof(*ctx));
}

void md5_get_digest(const void *data, size_t size, unsigned char digest[MD5_RESULTLEN])
{
	struct md5_context ctx;

	md5_init(&ctx);
	md5_update(&ctx, data, size);
	md5_final(&ctx, digest);
}

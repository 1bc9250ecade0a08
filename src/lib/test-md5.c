#include "test-common.h"
#include "hex.h"
#include "md5.h"

static const char *test_md5_hex(const void *data, size_t size)
{
	unsigned char digest[MD5_RESULTLEN];

	md5_get_digest(data, size, digest);
	return hex_encode_pool(test_pool, digest, sizeof(digest));
}

static void test_md5_rfc1321(void)
{
	/* RFC 1321 appendix A.5 */
	static const struct {
		const char *input, *digest;
	} vectors[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890"
		  "1234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};

	test_begin("md5 RFC 1321 vectors");
	for (unsigned int i = 0; i < N_ELEMENTS(vectors); i++)
		test_assert_strcmp(test_md5_hex(vectors[i].input, strlen(vectors[i].input)),
				   vectors[i].digest);
	test_end();
}

static void test_md5_chunked(void)
{
	struct md5_context ctx;
	unsigned char data[200], digest1[MD5_RESULTLEN], digest2[MD5_RESULTLEN];

	test_begin("md5 in pieces");
	for (unsigned int i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7);
	/* lengths around the 56- and 64-byte padding boundaries */
	for (size_t len = 0; len < sizeof(data); len++) {
		md5_get_digest(data, len, digest1);
		md5_init(&ctx);
		for (size_t i = 0; i < len; i++)
			md5_update(&ctx, data + i, 1);
		md5_final(&ctx, digest2);
		test_assert_idx(memcmp(digest1, digest2, MD5_RESULTLEN) == 0, len);

		md5_init(&ctx);
		md5_update(&ctx, data, len / 3);
		md5_update(&ctx, data + len / 3, 0);
		md5_update(&ctx, data + len / 3, len - len / 3);
		md5_final(&ctx, digest2);
		test_assert_idx(memcmp(digest1, digest2, MD5_RESULTLEN) == 0, len);
	}
	/* a million 'a's */
	memset(data, 'a', sizeof(data));
	md5_init(&ctx);
	for (unsigned int i = 0; i < 5000; i++)
		md5_update(&ctx, data, 200);
	md5_final(&ctx, digest1);
	test_assert_strcmp(hex_encode_pool(test_pool, digest1, MD5_RESULTLEN),
			   "7707d6ae4e027c70eea2a935c2296f21");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_md5_rfc1321,
		test_md5_chunked,
		NULL,
	};
	return test_run(tests);
}

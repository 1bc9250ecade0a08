/* COMPRESS=DEFLATE streams: round trips through a pipe, input that arrives
   a byte at a time, output larger than the reader's buffer (pending), a
   sync flush that makes each batch readable on its own, and malformed
   input. */
#include "lib.h"
#include "test-common.h"
#include "deflate-stream.h"

#include <fcntl.h>
#include <zlib.h>

static void set_nonblock(int fd)
{
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Everything the input has now, in reads of at most chunk bytes. */
static void read_all(struct deflate_input *in, size_t chunk, buffer_t *dest)
{
	unsigned char buf[65536];
	ssize_t ret;

	do {
		while ((ret = deflate_input_read(in, buf, chunk)) > 0)
			buffer_append(dest, buf, (size_t)ret);
	} while (ret > 0 || deflate_input_has_pending(in));
}

static void test_round_trip(void)
{
	struct deflate_output *out = deflate_output_create(6);
	buffer_t *comp = buffer_create_dynamic(pool_system, 1024);
	buffer_t *plain = buffer_create_dynamic(pool_system, 1024);
	buffer_t *want = buffer_create_dynamic(pool_system, 1024);
	int fds[2];

	test_begin("deflate: round trip, batches readable after each sync flush");
	test_assert(out != NULL && pipe(fds) == 0);
	set_nonblock(fds[0]);
	struct deflate_input *in = deflate_input_create(fds[0], NULL, 0);
	for (unsigned int batch = 0; batch < 3; batch++) {
		buffer_reset(comp);
		/* many small sends, one flush: as a corked IMAP command */
		for (unsigned int i = 0; i < 2000; i++) {
			const char *line = t_strdup_printf("* %u FETCH (FLAGS (\\Seen))\r\n", i);

			test_assert(deflate_output_filter(out, line, strlen(line), false, comp) == 0);
			buffer_append(want, line, strlen(line));
		}
		test_assert(deflate_output_filter(out, NULL, 0, true, comp) == 0);
		test_assert(write(fds[1], comp->data, comp->used) == (ssize_t)comp->used);
		/* small reads: the inflater has more than fits each time */
		read_all(in, 100, plain);
		test_assert_idx(plain->used == want->used &&
				memcmp(plain->data, want->data, want->used) == 0, batch);
	}
	/* nothing more: EAGAIN */
	unsigned char b[16];
	test_assert(deflate_input_read(in, b, sizeof(b)) < 0 && errno == EAGAIN);
	close(fds[1]);
	test_assert(deflate_input_read(in, b, sizeof(b)) == 0);
	deflate_input_destroy(&in);
	deflate_output_destroy(&out);
	close(fds[0]);
	buffer_free(&comp);
	buffer_free(&plain);
	buffer_free(&want);
	test_end();
}

static void test_bytewise_and_initial(void)
{
	struct deflate_output *out = deflate_output_create(9);
	buffer_t *comp = buffer_create_dynamic(pool_system, 256);
	buffer_t *plain = buffer_create_dynamic(pool_system, 256);
	const char *text = "a1 NOOP\r\na2 SELECT INBOX\r\na3 LOGOUT\r\n";
	int fds[2];

	test_begin("deflate: input a byte at a time, after pipelined bytes");
	test_assert(deflate_output_filter(out, text, strlen(text), true, comp) == 0);
	test_assert(pipe(fds) == 0);
	set_nonblock(fds[0]);
	/* the first 3 bytes came with the COMPRESS command's line */
	struct deflate_input *in = deflate_input_create(fds[0], comp->data, 3);
	for (size_t i = 3; i < comp->used; i++) {
		test_assert(write(fds[1], (const unsigned char *)comp->data + i, 1) == 1);
		read_all(in, 7, plain);
	}
	test_assert(plain->used == strlen(text) && memcmp(plain->data, text, plain->used) == 0);
	deflate_input_destroy(&in);
	deflate_output_destroy(&out);
	close(fds[0]);
	close(fds[1]);
	buffer_free(&comp);
	buffer_free(&plain);
	test_end();
}

static void test_malformed(void)
{
	static const unsigned char garbage[] = { 0xff, 0xff, 0xff, 0x00, 0x12, 0x34 };
	unsigned char buf[64];
	int fds[2];

	test_begin("deflate: malformed input fails with EIO and stays failed");
	test_assert(pipe(fds) == 0);
	set_nonblock(fds[0]);
	struct deflate_input *in = deflate_input_create(fds[0], garbage, sizeof(garbage));
	errno = 0;
	test_assert(deflate_input_read(in, buf, sizeof(buf)) < 0 && errno == EIO);
	test_assert(!deflate_input_has_pending(in));
	test_assert(deflate_input_read(in, buf, sizeof(buf)) < 0 && errno == EIO);
	deflate_input_destroy(&in);

	/* a stream the client ended, then more bytes: EOF, not garbage */
	z_stream zs;
	unsigned char comp[128];
	memset(&zs, 0, sizeof(zs));
	test_assert(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	zs.next_in = (Bytef *)"x\r\n";
	zs.avail_in = 3;
	zs.next_out = comp;
	zs.avail_out = sizeof(comp);
	test_assert(deflate(&zs, Z_FINISH) == Z_STREAM_END);
	size_t n = sizeof(comp) - zs.avail_out;
	(void)deflateEnd(&zs);
	comp[n++] = 'J';
	in = deflate_input_create(fds[0], comp, n);
	test_assert(deflate_input_read(in, buf, sizeof(buf)) == 3 && memcmp(buf, "x\r\n", 3) == 0);
	test_assert(deflate_input_read(in, buf, sizeof(buf)) == 0);
	deflate_input_destroy(&in);
	close(fds[0]);
	close(fds[1]);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_round_trip, test_bytewise_and_initial, test_malformed, NULL,
	};
	return test_run(tests);
}

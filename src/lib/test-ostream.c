#include "test-common.h"
#include "ioloop.h"
#include "net.h"
#include "ostream.h"

#include <signal.h>
#include <sys/socket.h>

/* A producer that wants to send total bytes in 1000-byte pieces, stopping
   whenever the stream is full; a slow reader reads 3000 bytes per tick. */
struct producer {
	struct ostream *os;
	struct ioloop *ioloop;
	size_t total, sent, received, max_used;
	int read_fd;
	struct timeout *to;
	bool corrupt;
};

static void produce(void *context)
{
	struct producer *p = context;
	char chunk[1000];

	while (p->sent < p->total && !ostream_is_full(p->os)) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (char)((p->sent + i) % 251);
		test_assert(ostream_send(p->os, chunk, sizeof(chunk)) == 0);
		p->sent += sizeof(chunk);
		p->max_used = MAX(p->max_used, ostream_get_buffer_used(p->os));
	}
}

static void slow_read(void *context)
{
	struct producer *p = context;
	unsigned char buf[3000];
	ssize_t ret = read(p->read_fd, buf, sizeof(buf));

	for (ssize_t i = 0; i < ret; i++) {
		if (buf[i] != (p->received + (size_t)i) % 251)
			p->corrupt = true;
	}
	if (ret > 0)
		p->received += (size_t)ret;
	if (p->received == p->total)
		io_loop_stop(p->ioloop);
}

static void test_ostream_backpressure(void)
{
	struct producer p;
	int sv[2];

	test_begin("ostream back-pressure with a slow reader");
	memset(&p, 0, sizeof(p));
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	fd_set_nonblock(sv[0], true);
	fd_set_nonblock(sv[1], true);
	int small = 4096;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	p.ioloop = io_loop_create();
	p.total = 2000000; /* a multiple of the 1000-byte pieces */
	p.read_fd = sv[1];
	p.os = ostream_create_fd(sv[0], 16384);
	ostream_set_flush_callback(p.os, produce, &p);
	produce(&p);
	p.to = timeout_add(1, slow_read, &p);
	io_loop_run(p.ioloop);
	test_assert(p.received == p.total);
	test_assert(!p.corrupt);
	/* never much more than the limit plus one piece */
	test_assert_cmp(p.max_used, <=, 16384 + 1000);
	test_assert(ostream_get_bytes_written(p.os) == p.total);
	timeout_remove(&p.to);
	ostream_destroy(&p.os);
	io_loop_destroy(&p.ioloop);
	close(sv[0]);
	close(sv[1]);
	test_end();
}

static void test_ostream_cork_and_error(void)
{
	int sv[2];
	char buf[64];

	test_begin("ostream cork, peer gone");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	fd_set_nonblock(sv[0], true);
	struct ostream *os = ostream_create_fd(sv[0], 1024);
	ostream_cork(os);
	test_assert(ostream_send_str(os, "a1 ") == 0);
	test_assert(ostream_send_str(os, "OK\r\n") == 0);
	test_assert(ostream_get_buffer_used(os) == 7);
	ostream_uncork(os);
	test_assert(ostream_get_buffer_used(os) == 0);
	test_assert(read(sv[1], buf, sizeof(buf)) == 7 && memcmp(buf, "a1 OK\r\n", 7) == 0);
	close(sv[1]);
	signal(SIGPIPE, SIG_IGN);
	test_assert(ostream_send_str(os, "x") < 0);
	test_assert(ostream_is_failed(os));
	test_assert(ostream_get_error(os) != NULL);
	test_assert(ostream_send_str(os, "y") < 0);
	ostream_destroy(&os);
	close(sv[0]);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_ostream_backpressure, test_ostream_cork_and_error, NULL,
	};
	return test_run(tests);
}

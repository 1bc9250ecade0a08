#include "test-common.h"
#include "ioloop.h"
#include "net.h"
#include "fdpass.h"

#include <stdio.h>

#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>

static struct ioloop *ioloop;
static unsigned int ticks, once_count;
static struct timeout *to_repeat;
static struct io *io_read;
static int pipe_fds[2];
static char got_byte;
static int got_signal;
static pid_t child_pid;
static int child_status = -1;

static void repeat_cb(void *context)
{
	if (++ticks == 3)
		timeout_remove(&to_repeat);
}

static void once_cb(void *context)
{
	once_count++;
}

static void read_cb(void *context)
{
	test_assert(read(pipe_fds[0], &got_byte, 1) == 1);
	io_remove(&io_read);
}

static void signal_cb(int signo, void *context)
{
	got_signal = signo;
}

static void child_cb(pid_t pid, int status, void *context)
{
	test_assert(pid == child_pid);
	child_status = status;
}

static void stop_cb(void *context)
{
	if ((ticks == 3 && once_count == 1 && got_byte == 'x' && got_signal == SIGUSR1 &&
	     child_status != -1) ||
	    ioloop_time > *(time_t *)context)
		io_loop_stop(ioloop);
}

static void test_ioloop(void)
{
	struct timeout *to_once, *to_stop;
	struct io_signal *sig;
	struct io_child *child;
	time_t deadline;

	test_begin("ioloop io, timeouts, signals, children");
	ioloop = io_loop_create();
	to_repeat = timeout_add(10, repeat_cb, NULL);
	to_once = timeout_add_once(5, once_cb, NULL);
	(void)to_once; /* freed after it fires */
	test_assert(pipe(pipe_fds) == 0);
	io_read = io_add(pipe_fds[0], IO_READ, read_cb, NULL);
	test_assert(write(pipe_fds[1], "x", 1) == 1);
	sig = io_signal_add(SIGUSR1, signal_cb, NULL);
	child_pid = fork();
	if (child_pid == 0)
		_exit(7);
	child = io_child_add(child_pid, child_cb, NULL);
	kill(getpid(), SIGUSR1);
	deadline = ioloop_time + 5;
	to_stop = timeout_add(20, stop_cb, &deadline);
	io_loop_run(ioloop);
	test_assert(ticks == 3);
	test_assert(once_count == 1);
	test_assert(got_byte == 'x');
	test_assert(got_signal == SIGUSR1);
	test_assert(WIFEXITED(child_status) && WEXITSTATUS(child_status) == 7);
	timeout_remove(&to_stop);
	io_signal_remove(&sig);
	io_child_remove(&child);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	io_loop_destroy(&ioloop);
	test_end();
}

static struct io_context *ctx_a, *ctx_b;
static struct io *io_ctx_a;
static int ctx_pipe[2];
static unsigned int ctx_checks;
static bool ctx_freed_ok;

static void ctx_b_cb(void *context)
{
	test_assert_strcmp(log_get_prefix(), "b: ");
	test_assert(io_context_current() == ctx_b);
	ctx_checks++;
	/* drop the last outside reference from inside: the timeout's own
	   reference keeps it alive until the callback returns */
	io_context_unref(&ctx_b);
	test_assert_strcmp(log_get_prefix(), "b: ");
	ctx_freed_ok = true;
}

static void ctx_a_cb(void *context)
{
	char c;

	test_assert_strcmp(log_get_prefix(), "a: ");
	test_assert(read(ctx_pipe[0], &c, 1) == 1);
	/* an io added from a context's callback inherits it; one added after
	   switching to none does not */
	(void)io_context_switch(NULL);
	test_assert_strcmp(log_get_prefix(), "proc: ");
	(void)io_context_switch(ctx_a);
	io_remove(&io_ctx_a);
	ctx_checks++;
}

static void ctx_stop_cb(void *context)
{
	test_assert(io_context_current() == NULL);
	test_assert_strcmp(log_get_prefix(), "proc: ");
	io_loop_stop(ioloop);
}

static void test_io_context(void)
{
	struct timeout *to_stop;
	char saved[256];

	test_begin("ioloop contexts switch the log prefix per callback");
	snprintf(saved, sizeof(saved), "%s", log_get_prefix());
	log_set_prefix("proc: ");
	ioloop = io_loop_create();
	ctx_a = io_context_create("a: ");
	ctx_b = io_context_create("x: ");
	io_context_set_log_prefix(ctx_b, "b: ");
	test_assert(pipe(ctx_pipe) == 0);
	test_assert(io_context_switch(ctx_a) == NULL);
	test_assert_strcmp(log_get_prefix(), "a: ");
	io_ctx_a = io_add(ctx_pipe[0], IO_READ, ctx_a_cb, NULL);
	test_assert(io_context_switch(ctx_b) == ctx_a);
	(void)timeout_add_once(5, ctx_b_cb, NULL);
	test_assert(io_context_switch(NULL) == ctx_b);
	test_assert_strcmp(log_get_prefix(), "proc: ");
	to_stop = timeout_add_once(50, ctx_stop_cb, NULL);
	(void)to_stop;
	test_assert(write(ctx_pipe[1], "y", 1) == 1);
	io_loop_run(ioloop);
	test_assert(ctx_checks == 2);
	test_assert(ctx_freed_ok && ctx_b == NULL);
	io_context_unref(&ctx_a);
	close(ctx_pipe[0]);
	close(ctx_pipe[1]);
	io_loop_destroy(&ioloop);
	log_set_prefix(saved);
	test_end();
}

static void test_fdpass(void)
{
	int sv[2], pfd[2], fd;
	char buf[32];

	test_begin("fd passing with data");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	test_assert(pipe(pfd) == 0);
	test_assert(fd_send(sv[0], pfd[1], "hello", 5) == 5);
	test_assert(fd_read(sv[1], buf, sizeof(buf), &fd) == 5);
	test_assert(fd >= 0 && fd != pfd[1]);
	test_assert(write(fd, "z", 1) == 1);
	test_assert(read(pfd[0], buf, 1) == 1 && buf[0] == 'z');
	close(fd);
	/* no fd attached */
	test_assert(fd_send(sv[0], -1, "x", 1) == 1);
	test_assert(fd_read(sv[1], buf, sizeof(buf), &fd) == 1 && fd == -1);
	/* EOF */
	close(sv[0]);
	test_assert(fd_read(sv[1], buf, sizeof(buf), &fd) == 0);
	close(sv[1]);
	close(pfd[0]);
	close(pfd[1]);
	test_end();
}

static void test_net(void)
{
	struct ip_addr ip, net_ip;
	unsigned int bits, port;
	const char *error;

	test_begin("net addresses and ranges");
	test_assert(net_addr2ip("127.0.0.1", &ip) == 0 && ip.family == AF_INET);
	test_assert(net_addr2ip("[::1]", &ip) == 0 && ip.family == AF_INET6);
	test_assert(net_addr2ip("1.2.3", &ip) < 0);
	test_assert(net_addr2ip("", &ip) < 0);
	test_assert(net_parse_range("10.0.0.0/8", &net_ip, &bits) == 0 && bits == 8);
	test_assert(net_addr2ip("10.9.8.7", &ip) == 0 && net_is_in_network(&ip, &net_ip, bits));
	test_assert(net_addr2ip("11.0.0.1", &ip) == 0 && !net_is_in_network(&ip, &net_ip, bits));
	test_assert(net_addr2ip("::ffff:10.1.1.1", &ip) == 0 &&
		    net_is_in_network(&ip, &net_ip, bits));
	test_assert(net_parse_range("10.0.0.0/33", &net_ip, &bits) < 0);
	test_assert(net_parse_range("2001:db8::/32", &net_ip, &bits) == 0);
	test_assert(net_addr2ip("2001:db8:1::5", &ip) == 0 && net_is_in_network(&ip, &net_ip, bits));
	test_assert(net_addr2ip("2001:db9::5", &ip) == 0 && !net_is_in_network(&ip, &net_ip, bits));
	test_assert_strcmp(net_ip2addr(test_pool, &ip), "2001:db9::5");
	test_end();

	test_begin("net listen, connect, accept");
	int lfd = net_listen_tcp("127.0.0.1", 0, false, 16, &error);
	test_assert(lfd >= 0);
	test_assert(net_getsockname(lfd, &ip, &port) == 0 && port != 0);
	int cfd = net_connect_tcp(&ip, port);
	test_assert(cfd >= 0);
	struct ip_addr rip;
	int afd = -1;
	for (int i = 0; i < 100 && afd < 0; i++) {
		afd = net_accept(lfd, &rip, NULL);
		if (afd < 0)
			usleep(1000);
	}
	test_assert(afd >= 0);
	test_assert_strcmp(net_ip2addr(test_pool, &rip), "127.0.0.1");
	/* responses are not held back by Nagle until the client's delayed ACK */
	int nodelay = 0;
	socklen_t optlen = sizeof(nodelay);
	test_assert(getsockopt(afd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &optlen) == 0 &&
		    nodelay == 1);
	close(afd);
	close(cfd);
	close(lfd);
	const char *path = p_strdup_printf(test_pool, "%s/sock", test_tmpdir());
	int ufd = net_listen_unix(path, 16, &error);
	test_assert(ufd >= 0);
	/* a live socket is not replaced */
	test_assert(net_listen_unix(path, 16, &error) == -1);
	close(ufd);
	/* a stale one is */
	ufd = net_listen_unix(path, 16, &error);
	test_assert(ufd >= 0);
	close(ufd);
	test_assert(net_listen_tcp("bogus", 0, false, 16, &error) == -1);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_ioloop, test_io_context, test_fdpass, test_net, NULL,
	};
	return test_run(tests);
}

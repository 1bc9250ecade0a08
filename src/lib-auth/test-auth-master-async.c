/* The asynchronous auth-master REQUEST client against a scripted fake auth
   server in a child process: pipelined requests answered out of order,
   peek, unknown ids, aborts, a malformed answer and a timeout. */
#include "test-common.h"
#include "ioloop.h"
#include "net.h"
#include "auth-master-client.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#define COOKIE_HEX "000102030405060708090a0b0c0d0e0f"

static struct ioloop *ioloop;
static unsigned char cookie[16];

struct answer {
	unsigned int calls;
	int ret;
	char *user, *fields, *error;
};

static void answer_cb(int ret, const char *username, const char *const *fields,
		      const char *error, void *context)
{
	struct answer *a = context;

	a->calls++;
	a->ret = ret;
	a->user = username == NULL ? NULL : i_strdup(username);
	a->fields = fields == NULL ? NULL : i_strdup(p_strarray_join(pool_temp, fields, "|"));
	a->error = error == NULL ? NULL : i_strdup(error);
}

static void answer_free(struct answer *a)
{
	i_free(a->user);
	i_free(a->fields);
	i_free(a->error);
}

static struct timeout *to_stop;

static void stop_cb(void *context ATTR_UNUSED)
{
	timeout_remove(&to_stop);
	io_loop_stop(ioloop);
}

/* Runs the loop for msecs. */
static void run_loop(unsigned int msecs)
{
	to_stop = timeout_add_once(msecs, stop_cb, NULL);
	io_loop_run(ioloop);
	timeout_remove(&to_stop);
}

/* ---- the fake server (child process); exits 0 when all went as
   scripted ---- */

static const char *srv_line(int fd)
{
	static char line[1024];
	size_t len = 0;
	char c;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 5000) <= 0 || read(fd, &c, 1) != 1)
			exit(10);
		if (c == '\n')
			break;
		if (len + 1 >= sizeof(line))
			exit(11);
		line[len++] = c;
	}
	line[len] = '\0';
	return line;
}

static void srv_write(int fd, const char *text)
{
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		exit(12);
}

static void srv_expect(int fd, const char *expected)
{
	if (strcmp(srv_line(fd), expected) != 0)
		exit(13);
}

static int srv_accept(int lfd)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int fd;

	if (poll(&pfd, 1, 5000) <= 0 || (fd = net_accept(lfd, NULL, NULL)) < 0)
		exit(14);
	fd_set_nonblock(fd, false);
	srv_write(fd, "VERSION\t1\t0\nSPID\t99\n");
	if (strncmp(srv_line(fd), "VERSION\t1\t", 10) != 0)
		exit(15);
	return fd;
}

static void ATTR_NORETURN fake_server(int lfd)
{
	const char *req = t_strdup_printf("\t%ld\t7\t" COOKIE_HEX, (long)getppid());
	int fd = srv_accept(lfd);

	/* three pipelined requests, the first a peek */
	srv_expect(fd, t_strdup_printf("REQUEST\t1%s\tpeek", req));
	srv_expect(fd, t_strdup_printf("REQUEST\t2%s", req));
	srv_expect(fd, t_strdup_printf("REQUEST\t3%s", req));
	srv_write(fd, "USER\t3\tcarol\tuid=1003\thome=/h/c\n"
		      "NOTFOUND\t2\n"
		      "USER\t99\tghost\n"
		      "FAIL\t1\treason=db down\n");
	/* an aborted request's answer is dropped */
	srv_expect(fd, t_strdup_printf("REQUEST\t4%s", req));
	srv_write(fd, "USER\t4\tdave\n");
	srv_expect(fd, t_strdup_printf("REQUEST\t5%s", req));
	srv_write(fd, "USER\t5\n");
	srv_expect(fd, t_strdup_printf("REQUEST\t6%s", req));
	srv_write(fd, "nonsense\n");
	/* the client closes after the malformed line */
	char c;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 5000) <= 0 || read(fd, &c, 1) != 0)
		exit(16);
	close(fd);

	/* a second connection that never answers */
	fd = srv_accept(lfd);
	srv_expect(fd, t_strdup_printf("REQUEST\t1%s", req));
	/* until the client gives up and closes */
	pfd.fd = fd;
	(void)poll(&pfd, 1, 5000);
	exit(0);
}

static void test_auth_master_async(void)
{
	const char *path = p_strdup_printf(test_pool, "%s/auth-master", test_tmpdir()), *error;
	struct answer a[7];
	struct auth_master_async *conn;
	unsigned int id;
	int lfd, status;
	pid_t pid;

	test_begin("auth-master async REQUEST: pipelining, peek, abort, errors, timeout");
	memset(a, 0, sizeof(a));
	for (unsigned int i = 0; i < sizeof(cookie); i++)
		cookie[i] = (unsigned char)i;
	lfd = net_listen_unix(path, 16, &error);
	test_assert(lfd >= 0);
	pid = fork();
	if (pid == 0)
		fake_server(lfd);
	ioloop = io_loop_create();
	test_assert(auth_master_async_connect(path, 2000, &conn, &error) == 0);
	test_assert(auth_master_async_is_connected(conn));
	(void)auth_master_async_request(conn, getpid(), 7, cookie, sizeof(cookie), true,
					test_pool, answer_cb, &a[1]);
	(void)auth_master_async_request(conn, getpid(), 7, cookie, sizeof(cookie), false,
					test_pool, answer_cb, &a[2]);
	(void)auth_master_async_request(conn, getpid(), 7, cookie, sizeof(cookie), false,
					test_pool, answer_cb, &a[3]);
	/* never from inside the call */
	test_assert(a[1].calls == 0 && a[2].calls == 0 && a[3].calls == 0);
	while (a[1].calls == 0)
		run_loop(200);
	test_assert(a[3].calls == 1 && a[3].ret == 1);
	test_assert_strcmp(a[3].user, "carol");
	test_assert_strcmp(a[3].fields, "uid=1003|home=/h/c");
	test_assert(a[2].calls == 1 && a[2].ret == 0);
	test_assert(a[1].calls == 1 && a[1].ret == -1);
	test_assert_strcmp(a[1].error, "db down");

	id = auth_master_async_request(conn, getpid(), 7, cookie, sizeof(cookie), false,
				       test_pool, answer_cb, &a[4]);
	auth_master_async_abort(conn, id);
	/* a reply line without the user name is malformed: failure */
	(void)auth_master_async_request(conn, getpid(), 7, cookie, sizeof(cookie), false,
					test_pool, answer_cb, &a[5]);
	while (a[5].calls == 0)
		run_loop(200);
	test_assert(a[4].calls == 0);
	test_assert(a[5].ret == -1);
	/* an answer that is no answer at all ends the connection; the request
	   fails from the loop */
	(void)auth_master_async_request(conn, getpid(), 7, cookie, sizeof(cookie), false,
					test_pool, answer_cb, &a[6]);
	while (a[6].calls == 0)
		run_loop(200);
	test_assert(a[6].ret == -1 && strstr(a[6].error, "malformed") != NULL);
	test_assert(!auth_master_async_is_connected(conn));
	/* later requests fail the same way, still from the loop */
	memset(&a[0], 0, sizeof(a[0]));
	(void)auth_master_async_request(conn, getpid(), 7, cookie, sizeof(cookie), false,
					test_pool, answer_cb, &a[0]);
	test_assert(a[0].calls == 0);
	run_loop(50);
	test_assert(a[0].calls == 1 && a[0].ret == -1);
	auth_master_async_destroy(&conn);
	for (unsigned int i = 0; i < N_ELEMENTS(a); i++)
		answer_free(&a[i]);

	/* no answer: the timeout given at connect */
	memset(a, 0, sizeof(a));
	test_assert(auth_master_async_connect(path, 300, &conn, &error) == 0);
	(void)auth_master_async_request(conn, getpid(), 7, cookie, sizeof(cookie), false,
					test_pool, answer_cb, &a[0]);
	run_loop(1000);
	test_assert(a[0].calls == 1 && a[0].ret == -1 &&
		    strstr(a[0].error, "Timeout") != NULL);
	answer_free(&a[0]);
	auth_master_async_destroy(&conn);

	test_assert(waitpid(pid, &status, 0) == pid);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(lfd);
	io_loop_destroy(&ioloop);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_auth_master_async,
		NULL,
	};
	return test_run(tests);
}

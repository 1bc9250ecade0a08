/* The hand-off: request checks, answers, and a real fd pass. */
#include "test-common.h"
#include "ioloop.h"
#include "net.h"
#include "login-handoff-client.h"
#include "login-handoff-server.h"
#include "anvil-client.h"

#include <sys/socket.h>

static struct ioloop *ioloop;

static void test_handoff_parse_reply(void)
{
	enum login_handoff_result result;
	const char *reason;
	pid_t pid;

	test_begin("hand-off answers");
	test_assert(login_handoff_parse_reply("OK\t1234", &result, &pid, &reason) == 0);
	test_assert(result == LOGIN_HANDOFF_OK && pid == 1234 && reason == NULL);
	test_assert(login_handoff_parse_reply("FAIL\ttemp\tauth down", &result, &pid,
					      &reason) == 0);
	test_assert(result == LOGIN_HANDOFF_TEMP_FAIL);
	test_assert_strcmp(reason, "auth down");
	test_assert(login_handoff_parse_reply("FAIL\tperm\tuid 0", &result, &pid, &reason) == 0);
	test_assert(result == LOGIN_HANDOFF_PERM_FAIL);
	test_assert(login_handoff_parse_reply("FAIL\tretry\tother uid", &result, &pid,
					      &reason) == 0);
	test_assert(result == LOGIN_HANDOFF_RETRY);
	test_assert_strcmp(reason, "other uid");
	test_assert(login_handoff_parse_reply("FAIL\tRETRY\tx", &result, &pid, &reason) < 0);
	test_assert(login_handoff_parse_reply("OK", &result, &pid, &reason) < 0);
	test_assert(login_handoff_parse_reply("OK\t0", &result, &pid, &reason) < 0);
	test_assert(login_handoff_parse_reply("OK\t12x", &result, &pid, &reason) < 0);
	test_assert(login_handoff_parse_reply("OK\t1\t2", &result, &pid, &reason) < 0);
	test_assert(login_handoff_parse_reply("FAIL\tmaybe\tx", &result, &pid, &reason) < 0);
	test_assert(login_handoff_parse_reply("FAIL\ttemp", &result, &pid, &reason) < 0);
	test_assert(login_handoff_parse_reply("", &result, &pid, &reason) < 0);
	test_end();
}

static void fill_request(struct login_handoff_request *req)
{
	memset(req, 0, sizeof(*req));
	req->version = LOGIN_HANDOFF_VERSION;
	req->size = sizeof(*req);
	req->auth_pid = 10;
	req->auth_cuid = 2;
	req->auth_id = 3;
	req->flags = LOGIN_HANDOFF_FLAG_TLS | LOGIN_HANDOFF_FLAG_SECURED;
	strcpy(req->session_id, "abcdef");
	strcpy(req->tag, "a2");
}

static void test_handoff_request_check(void)
{
	struct login_handoff_request req, out;
	unsigned char buf[sizeof(req) + 8];
	const char *error;

	test_begin("hand-off request checks");
	fill_request(&req);
	test_assert(login_handoff_request_check(&req, sizeof(req), &out, &error) == 0);
	test_assert_strcmp(out.tag, "a2");
	test_assert(login_handoff_request_check(&req, sizeof(req) - 1, &out, &error) < 0);

	req.version = 2;
	test_assert(login_handoff_request_check(&req, sizeof(req), &out, &error) < 0);
	fill_request(&req);
	req.size++;
	test_assert(login_handoff_request_check(&req, sizeof(req), &out, &error) < 0);
	fill_request(&req);
	req.client_input_size = 8;
	test_assert(login_handoff_request_check(&req, sizeof(req), &out, &error) < 0);
	req.size = sizeof(req) + 8;
	memcpy(buf, &req, sizeof(req));
	memcpy(buf + sizeof(req), "a3 NOOP\n", 8);
	test_assert(login_handoff_request_check(buf, sizeof(buf), &out, &error) == 0);
	req.client_input_size = LOGIN_HANDOFF_MAX_INPUT + 1;
	req.size = sizeof(req) + req.client_input_size;
	test_assert(login_handoff_request_check(&req, sizeof(req), &out, &error) < 0);
	fill_request(&req);
	memset(req.tag, 'x', sizeof(req.tag));
	test_assert(login_handoff_request_check(&req, sizeof(req), &out, &error) < 0);
	fill_request(&req);
	memset(req.session_id, 'x', sizeof(req.session_id));
	test_assert(login_handoff_request_check(&req, sizeof(req), &out, &error) < 0);
	fill_request(&req);
	req.flags |= 0x100;
	test_assert(login_handoff_request_check(&req, sizeof(req), &out, &error) < 0);
	fill_request(&req);
	req.auth_id = 0;
	test_assert(login_handoff_request_check(&req, sizeof(req), &out, &error) < 0);
	test_end();
}

struct handoff_result {
	int calls;
	enum login_handoff_result result;
	pid_t pid;
};

static void handoff_cb(enum login_handoff_result result, pid_t pid,
		       const char *reason ATTR_UNUSED, void *context)
{
	struct handoff_result *res = context;

	res->calls++;
	res->result = result;
	res->pid = pid;
	io_loop_stop(ioloop);
}

static void stop_cb(void *context ATTR_UNUSED)
{
	io_loop_stop(ioloop);
}

static void test_handoff_fd_pass(void)
{
	const char *path = p_strdup_printf(test_pool, "%s/imap", test_tmpdir());
	struct login_handoff_request req;
	struct login_handoff_client client;
	struct login_handoff *handoff;
	struct handoff_result res = { 0 };
	struct timeout *to;
	const char *error;
	int listen_fd, conn_fd, pair[2];
	char buf[16];

	test_begin("hand-off: request and client fd through a unix socket");
	listen_fd = net_listen_unix(path, 4, &error);
	test_assert(listen_fd >= 0);
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
	fill_request(&req);
	req.remote.family = AF_INET;
	req.remote.port = 50000;
	memcpy(req.remote.addr, "\xc0\x00\x02\x07", 4);
	test_assert(login_handoff_start(path, &req, "a3 NOOP\r\n", 9, pair[1], handoff_cb, &res,
					&handoff, &error) == 0);
	test_assert(req.size == sizeof(req) + 9);

	fd_set_nonblock(listen_fd, false);
	conn_fd = net_accept(listen_fd, NULL, NULL);
	test_assert(conn_fd >= 0);
	test_assert(login_handoff_server_read(conn_fd, test_pool, &client, &error) == 0);
	test_assert(client.req.auth_id == 3 && client.req.auth_pid == 10);
	test_assert(client.req.client_input_size == 9);
	test_assert(memcmp(client.input, "a3 NOOP\r\n", 9) == 0);
	test_assert(client.login_pid == getpid());
	test_assert_strcmp(net_ip2addr(test_pool, &client.remote_ip), "192.0.2.7");
	test_assert(client.remote_port == 50000);
	/* the passed fd is the same socket: what we write, the pair sees */
	test_assert(write(client.client_fd, "hello", 5) == 5);
	test_assert(read(pair[0], buf, sizeof(buf)) == 5);
	close(client.client_fd);

	login_handoff_server_reply(conn_fd, true, false, NULL);
	to = timeout_add_once(2000, stop_cb, NULL);
	io_loop_run(ioloop);
	timeout_remove(&to);
	test_assert(res.calls == 1 && res.result == LOGIN_HANDOFF_OK && res.pid == getpid());

	/* a FAIL answer */
	fill_request(&req);
	memset(&res, 0, sizeof(res));
	if (login_handoff_start(path, &req, NULL, 0, pair[1], handoff_cb, &res, &handoff,
				&error) < 0)
		test_assert_strcmp(error, "");
	close(conn_fd);
	conn_fd = net_accept(listen_fd, NULL, NULL);
	test_assert(login_handoff_server_read(conn_fd, test_pool, &client, &error) == 0);
	close(client.client_fd);
	login_handoff_server_reply(conn_fd, false, false, "uid 0 refused\nforged");
	to = timeout_add_once(2000, stop_cb, NULL);
	io_loop_run(ioloop);
	timeout_remove(&to);
	test_assert(res.calls == 1 && res.result == LOGIN_HANDOFF_PERM_FAIL);

	/* no answer but a closed connection: temporary failure */
	memset(&res, 0, sizeof(res));
	if (login_handoff_start(path, &req, NULL, 0, pair[1], handoff_cb, &res, &handoff,
				&error) < 0)
		test_assert_strcmp(error, "");
	close(conn_fd);
	conn_fd = net_accept(listen_fd, NULL, NULL);
	close(conn_fd);
	to = timeout_add_once(2000, stop_cb, NULL);
	io_loop_run(ioloop);
	timeout_remove(&to);
	test_assert(res.calls == 1 && res.result == LOGIN_HANDOFF_TEMP_FAIL);

	close(pair[0]);
	close(pair[1]);
	close(listen_fd);
	test_end();
}

static void test_handoff_server_no_fd(void)
{
	struct login_handoff_request req;
	struct login_handoff_client client;
	const char *error;
	int pair[2];

	test_begin("hand-off server: a request without fd is refused");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
	fill_request(&req);
	test_assert(write(pair[1], &req, sizeof(req)) == (ssize_t)sizeof(req));
	test_assert(login_handoff_server_read(pair[0], test_pool, &client, &error) < 0);
	close(pair[0]);
	close(pair[1]);
	test_end();
}

static void test_anvil_field(void)
{
	test_begin("anvil client field sanitizing");
	test_assert_strcmp(anvil_client_field(test_pool, "jo\thn\n"), "jo?hn?");
	test_assert(strlen(anvil_client_field(test_pool, t_strdup_printf("%0300d", 1))) == 255);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_handoff_parse_reply,
		test_handoff_request_check,
		test_handoff_fd_pass,
		test_handoff_server_no_fd,
		test_anvil_field,
		NULL
	};
	int ret;

	log_init_stderr("test-login-handoff: ");
	ioloop = io_loop_create();
	ret = test_run(tests);
	io_loop_destroy(&ioloop);
	return ret;
}

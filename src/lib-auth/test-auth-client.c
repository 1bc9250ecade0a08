/* auth-client against a scripted fake auth server on a socketpair. */
#include "test-common.h"
#include "ioloop.h"
#include "auth-client.h"

#include <poll.h>
#include <sys/socket.h>

#define HANDSHAKE                                                                                  \
	"VERSION\t1\t2\n"                                                                          \
	"MECH\tPLAIN\tplaintext\n"                                                                 \
	"MECH\tLOGIN\tplaintext\n"                                                                 \
	"MECH\tCRAM-MD5\tdictionary\tactive\n"                                                     \
	"SPID\t4242\n"                                                                             \
	"CUID\t7\n"                                                                                \
	"COOKIE\t000102030405060708090a0b0c0d0e0f\n"                                               \
	"DONE\n"

struct result {
	unsigned int calls;
	enum auth_request_status status;
	char *data;
	char *args;
	bool stop;
	struct auth_client_request *req;
	/* answer a CONTINUE with this */
	const char *cont_reply;
};

static struct ioloop *ioloop;
static struct timeout *to_stop;
static int connect_calls, disconnect_calls;

static void stop_cb(void *context ATTR_UNUSED)
{
	timeout_remove(&to_stop);
	io_loop_stop(ioloop);
}

/* Runs the loop until something stops it or msecs pass. */
static void run_loop(unsigned int msecs)
{
	to_stop = timeout_add_once(msecs, stop_cb, NULL);
	io_loop_run(ioloop);
	timeout_remove(&to_stop);
}

static void connect_cb(struct auth_client *client ATTR_UNUSED, bool connected,
		       void *context ATTR_UNUSED)
{
	if (connected)
		connect_calls++;
	else
		disconnect_calls++;
	io_loop_stop(ioloop);
}

static void request_cb(struct auth_client_request *request, enum auth_request_status status,
		       const char *data, const char *const *args, void *context)
{
	struct result *res = context;

	res->calls++;
	res->status = status;
	i_free(res->data);
	i_free(res->args);
	res->data = data == NULL ? NULL : i_strdup(data);
	res->args = i_strdup(p_strarray_join(pool_temp, args, "|"));
	if (status == AUTH_REQUEST_STATUS_CONTINUE && res->cont_reply != NULL)
		auth_client_request_continue(request, res->cont_reply);
	if (status != AUTH_REQUEST_STATUS_CONTINUE)
		res->req = NULL;
	io_loop_stop(ioloop);
}

static void result_free(struct result *res)
{
	i_free(res->data);
	i_free(res->args);
}

static void server_write(int fd, const char *text)
{
	size_t len = strlen(text);

	test_assert(write(fd, text, len) == (ssize_t)len);
}

/* Reads what the client sent until a LF arrives (or 2 s pass). */
static const char *server_read_line(int fd)
{
	string_t *str = str_new(test_pool, 128);
	char c;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 2000) <= 0)
			return NULL;
		if (read(fd, &c, 1) != 1)
			return NULL;
		if (c == '\n')
			return str_c(str);
		str_append_c(str, c);
	}
}

static bool peer_closed(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[256];

	while (poll(&pfd, 1, 2000) > 0) {
		ssize_t ret = read(fd, buf, sizeof(buf));

		/* unread input makes the close a reset */
		if (ret == 0 || (ret < 0 && errno == ECONNRESET))
			return true;
		if (ret < 0)
			return false;
	}
	return false;
}

static struct auth_client *connected_client(int fds[2])
{
	struct auth_client *client;

	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
	client = auth_client_init_fd(fds[0], 1234);
	auth_client_set_connect_callback(client, connect_cb, NULL);
	test_assert_strcmp(server_read_line(fds[1]), "VERSION\t1\t2");
	test_assert_strcmp(server_read_line(fds[1]), "CPID\t1234");
	server_write(fds[1], HANDSHAKE);
	connect_calls = disconnect_calls = 0;
	run_loop(2000);
	test_assert(auth_client_is_connected(client));
	test_assert(connect_calls == 1);
	return client;
}

static void test_auth_client_handshake(void)
{
	static const unsigned char cookie[16] = { 0, 1, 2, 3, 4, 5, 6, 7,
						  8, 9, 10, 11, 12, 13, 14, 15 };
	struct auth_client *client;
	const struct auth_mech_desc *mechs;
	unsigned int count;
	int fds[2];

	test_begin("auth client handshake");
	client = connected_client(fds);
	mechs = auth_client_get_mechs(client, &count);
	test_assert(count == 3);
	test_assert_strcmp(mechs[0].name, "PLAIN");
	test_assert(mechs[0].flags == AUTH_CLIENT_MECH_PLAINTEXT);
	test_assert(mechs[2].flags == (AUTH_CLIENT_MECH_DICTIONARY | AUTH_CLIENT_MECH_ACTIVE));
	test_assert(auth_client_find_mech(client, "cram-md5") == &mechs[2]);
	test_assert(auth_client_find_mech(client, "SCRAM-SHA-1") == NULL);
	test_assert(auth_client_get_server_pid(client) == 4242);
	test_assert(auth_client_get_connect_id(client) == 7);
	test_assert(memcmp(auth_client_get_cookie(client), cookie, 16) == 0);
	auth_client_deinit(&client);
	close(fds[1]);
	test_end();
}

/* The server's handshake split in two at every byte. */
static void test_auth_client_handshake_split(void)
{
	size_t len = strlen(HANDSHAKE);

	test_begin("auth client handshake split at every byte");
	for (size_t i = 1; i < len; i++) {
		struct auth_client *client;
		int fds[2];

		test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
		client = auth_client_init_fd(fds[0], 99);
		auth_client_set_connect_callback(client, connect_cb, NULL);
		connect_calls = 0;
		test_assert(write(fds[1], HANDSHAKE, i) == (ssize_t)i);
		run_loop(5);
		test_assert_idx(!auth_client_is_connected(client), i);
		test_assert(write(fds[1], HANDSHAKE + i, len - i) == (ssize_t)(len - i));
		run_loop(2000);
		test_assert_idx(auth_client_is_connected(client) && connect_calls == 1, i);
		auth_client_deinit(&client);
		close(fds[1]);
		pool_temp_clear();
	}
	test_end();
}

static void test_auth_client_plain_ok(void)
{
	struct auth_request_info info;
	struct result res;
	struct auth_client *client;
	int fds[2];

	test_begin("auth client AUTH with initial response, OK");
	client = connected_client(fds);
	memset(&res, 0, sizeof(res));
	memset(&info, 0, sizeof(info));
	info.mech = "PLAIN";
	info.service = "imap";
	info.session_id = "AbCd";
	info.secured = true;
	test_assert(net_addr2ip("127.0.0.1", &info.local_ip) == 0);
	test_assert(net_addr2ip("192.0.2.7", &info.remote_ip) == 0);
	info.local_port = 143;
	info.remote_port = 50000;
	info.initial_resp = "\0john\0secret";
	info.initial_resp_size = 12;
	res.req = auth_client_request_new(client, &info, request_cb, &res);
	test_assert(auth_client_request_get_id(res.req) == 1);
	test_assert_strcmp(server_read_line(fds[1]),
			   "AUTH\t1\tPLAIN\tservice=imap\tsecured\tlip=127.0.0.1\trip=192.0.2.7"
			   "\tlport=143\trport=50000\tsession=AbCd\tresp=AGpvaG4Ac2VjcmV0");
	/* the callback never runs inside request_new */
	test_assert(res.calls == 0);
	server_write(fds[1], "OK\t1\tuser=john\tx=a\001tb\n");
	run_loop(2000);
	test_assert(res.calls == 1);
	test_assert(res.status == AUTH_REQUEST_STATUS_OK);
	test_assert_strcmp(res.args, "user=john|x=a\tb");
	result_free(&res);
	auth_client_deinit(&client);
	close(fds[1]);
	test_end();
}

static void test_auth_client_continue_fail(void)
{
	struct auth_request_info info;
	struct result res, res2;
	struct auth_client *client;
	int fds[2];

	test_begin("auth client CONT round trips, FAIL, temporary FAIL");
	client = connected_client(fds);
	memset(&res, 0, sizeof(res));
	memset(&res2, 0, sizeof(res2));
	memset(&info, 0, sizeof(info));
	info.mech = "LOGIN";
	info.service = "pop3";
	res.cont_reply = "am9obg==";
	res.req = auth_client_request_new(client, &info, request_cb, &res);
	test_assert_strcmp(server_read_line(fds[1]), "AUTH\t1\tLOGIN\tservice=pop3");
	server_write(fds[1], "CONT\t1\tVXNlcm5hbWU6\n");
	run_loop(2000);
	test_assert(res.calls == 1 && res.status == AUTH_REQUEST_STATUS_CONTINUE);
	test_assert_strcmp(res.data, "VXNlcm5hbWU6");
	test_assert_strcmp(server_read_line(fds[1]), "CONT\t1\tam9obg==");
	server_write(fds[1], "FAIL\t1\tuser=john\treason=Password mismatch\n");
	run_loop(2000);
	test_assert(res.calls == 2 && res.status == AUTH_REQUEST_STATUS_FAIL);
	test_assert_strcmp(res.args, "user=john|reason=Password mismatch");

	/* temporary failure: Dovecot 2.3 sends both forms */
	info.mech = "PLAIN";
	info.initial_resp = "";
	info.initial_resp_size = 0;
	res2.req = auth_client_request_new(client, &info, request_cb, &res2);
	test_assert_strcmp(server_read_line(fds[1]), "AUTH\t2\tPLAIN\tservice=pop3\tresp=");
	server_write(fds[1], "FAIL\t2\tcode=temp_fail\ttemp\n");
	run_loop(2000);
	test_assert(res2.calls == 1 && res2.status == AUTH_REQUEST_STATUS_TEMP_FAIL);
	result_free(&res);
	result_free(&res2);
	auth_client_deinit(&client);
	close(fds[1]);
	test_end();
}

static void test_auth_client_abort(void)
{
	struct auth_request_info info;
	struct result res, res2;
	struct auth_client *client;
	int fds[2];

	test_begin("auth client: answers for aborted requests are ignored");
	client = connected_client(fds);
	memset(&res, 0, sizeof(res));
	memset(&res2, 0, sizeof(res2));
	memset(&info, 0, sizeof(info));
	info.mech = "PLAIN";
	info.service = "imap";
	res.req = auth_client_request_new(client, &info, request_cb, &res);
	res2.req = auth_client_request_new(client, &info, request_cb, &res2);
	auth_client_request_abort(&res.req);
	test_assert(res.req == NULL);
	server_write(fds[1], "FAIL\t1\nOK\t2\tuser=x\n");
	run_loop(2000);
	test_assert(res.calls == 0);
	test_assert(res2.calls == 1 && res2.status == AUTH_REQUEST_STATUS_OK);
	test_assert(auth_client_is_connected(client));
	result_free(&res2);
	auth_client_deinit(&client);
	close(fds[1]);
	test_end();
}

/* A broken server: each case must end the connection and fail what is
   pending with INTERNAL_FAIL. */
static void test_auth_client_broken_server(void)
{
	static const char *const replies[] = {
		"OK\t9\tuser=x\n",      /* id never sent */
		"BOGUS\t1\n",           /* unknown command */
		"OK\tabc\n",            /* bad id */
		"CONT\t1\n",            /* CONT without data */
		"\n",                   /* empty line */
	};

	test_begin("auth client: broken server replies");
	for (unsigned int i = 0; i < N_ELEMENTS(replies); i++) {
		struct auth_request_info info;
		struct result res;
		struct auth_client *client;
		int fds[2];

		client = connected_client(fds);
		memset(&res, 0, sizeof(res));
		memset(&info, 0, sizeof(info));
		info.mech = "PLAIN";
		info.service = "imap";
		res.req = auth_client_request_new(client, &info, request_cb, &res);
		server_write(fds[1], replies[i]);
		run_loop(2000);
		test_assert_idx(res.calls == 1 &&
				res.status == AUTH_REQUEST_STATUS_INTERNAL_FAIL, i);
		test_assert_idx(!auth_client_is_connected(client), i);
		test_assert_idx(disconnect_calls == 1, i);
		test_assert_idx(peer_closed(fds[1]), i);
		result_free(&res);
		auth_client_deinit(&client);
		close(fds[1]);
		pool_temp_clear();
	}
	test_end();
}

static void test_auth_client_bad_handshake(void)
{
	static const char *const handshakes[] = {
		"VERSION\t2\t0\n",                            /* wrong major */
		"MECH\tPLAIN\n",                              /* no VERSION first */
		"VERSION\t1\t2\nSPID\t1\nCUID\t1\nDONE\n",    /* no COOKIE */
		"VERSION\t1\t2\nCOOKIE\t0011\n",              /* short cookie */
		"VERSION\t1\t2\nCOOKIE\t000102030405060708090a0b0c0d0eZZ\n",
		"VERSION\t1\t2\nSPID\tx\n",
		"VERSION\t1\t2\nHELLO\n",
	};

	test_begin("auth client: bad handshakes");
	for (unsigned int i = 0; i < N_ELEMENTS(handshakes); i++) {
		struct auth_client *client;
		int fds[2];

		test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
		client = auth_client_init_fd(fds[0], 1);
		auth_client_set_connect_callback(client, connect_cb, NULL);
		connect_calls = 0;
		server_write(fds[1], handshakes[i]);
		run_loop(50);
		test_assert_idx(!auth_client_is_connected(client) && connect_calls == 0, i);
		test_assert_idx(peer_closed(fds[1]), i);
		auth_client_deinit(&client);
		close(fds[1]);
		pool_temp_clear();
	}
	test_end();
}

static void test_auth_client_long_line(void)
{
	struct auth_client *client;
	string_t *str = str_new(test_pool, AUTH_CLIENT_MAX_LINE_LENGTH + 64);
	int fds[2];

	test_begin("auth client: over-long line closes the connection");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
	client = auth_client_init_fd(fds[0], 1);
	str_append(str, "VERSION\t1\t2\nMECH\t");
	for (unsigned int i = 0; i < AUTH_CLIENT_MAX_LINE_LENGTH + 10; i++)
		str_append_c(str, 'A');
	str_append_c(str, '\n');
	server_write(fds[1], str_c(str));
	run_loop(100);
	test_assert(!auth_client_is_connected(client));
	test_assert(peer_closed(fds[1]));
	auth_client_deinit(&client);
	close(fds[1]);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_auth_client_handshake,
		test_auth_client_handshake_split,
		test_auth_client_plain_ok,
		test_auth_client_continue_fail,
		test_auth_client_abort,
		test_auth_client_broken_server,
		test_auth_client_bad_handshake,
		test_auth_client_long_line,
		NULL
	};
	int ret;

	log_init_stderr("test-auth-client: ");
	ioloop = io_loop_create();
	ret = test_run(tests);
	io_loop_destroy(&ioloop);
	return ret;
}

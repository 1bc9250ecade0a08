/* Login log lines: Dovecot's shapes, and client strings that must not
   forge fields. */
#include "test-common.h"
#include "login-client.h"

static struct login_settings set = {
	.login_log_format_elements =
		"user=<%u> method=%m rip=%r lip=%l mpid=%e %c session=<%{session}>",
	.login_log_format = "%$: %s",
};

static void test_login_log_shapes(void)
{
	struct login_log_fields f;

	test_begin("login log lines");
	memset(&f, 0, sizeof(f));
	f.user = "john@example.com";
	f.mech = "PLAIN";
	f.remote_ip = "198.51.100.25";
	f.local_ip = "203.0.113.10";
	f.mail_pid = 12345;
	f.conn_state = "TLS";
	f.session = "AbCdEfGhIj==";
	test_assert_strcmp(login_log_format_line(&set, &f, "Login"),
			   "Login: user=<john@example.com>, method=PLAIN, rip=198.51.100.25, "
			   "lip=203.0.113.10, mpid=12345, TLS, session=<AbCdEfGhIj==>");
	f.mail_pid = 0;
	test_assert_strcmp(login_log_format_line(
				   &set, &f, "Disconnected (auth failed, 1 attempts in 2 secs)"),
			   "Disconnected (auth failed, 1 attempts in 2 secs): "
			   "user=<john@example.com>, method=PLAIN, rip=198.51.100.25, "
			   "lip=203.0.113.10, TLS, session=<AbCdEfGhIj==>");
	/* no user and no method: user=<> stays, method goes; no %c */
	f.user = NULL;
	f.mech = NULL;
	f.conn_state = "";
	test_assert_strcmp(login_log_format_line(&set, &f,
						 "Disconnected (no auth attempts in 0 secs)"),
			   "Disconnected (no auth attempts in 0 secs): user=<>, "
			   "rip=198.51.100.25, lip=203.0.113.10, session=<AbCdEfGhIj==>");
	test_end();
}

static void test_login_log_forgery(void)
{
	struct login_log_fields f;
	const char *line;

	test_begin("login log lines: client strings cannot forge fields");
	memset(&f, 0, sizeof(f));
	f.remote_ip = "192.0.2.1";
	f.local_ip = "192.0.2.2";
	f.session = "s";
	f.user = "x, rip=203.0.113.98";
	line = login_log_format_line(&set, &f, "Disconnected");
	test_assert(strstr(line, "rip=203.0.113.98") != NULL);
	test_assert(strstr(line, ", rip=203.0.113.98") == NULL);
	test_assert_strcmp(line, "Disconnected: user=<x? rip=203.0.113.98>, rip=192.0.2.1, "
				 "lip=192.0.2.2, session=<s>");
	f.user = "x>, rip=203.0.113.98, y<";
	line = login_log_format_line(&set, &f, "Disconnected");
	test_assert_strcmp(line, "Disconnected: user=<x?? rip=203.0.113.98? y?>, "
				 "rip=192.0.2.1, lip=192.0.2.2, session=<s>");
	f.user = "a\nb\tc";
	line = login_log_format_line(&set, &f, "Disconnected");
	test_assert(strchr(line, '\n') == NULL && strchr(line, '\t') == NULL);
	f.user = t_strdup_printf("%0200d", 7);
	line = login_log_format_line(&set, &f, "Disconnected");
	test_assert(strlen(line) < 200);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_login_log_shapes,
		test_login_log_forgery,
		NULL
	};

	return test_run(tests);
}

/* Unit tests: the protocol line parsers with good and malformed input. */
#include "test-common.h"
#include "auth-fields.h"
#include "auth-client-protocol.h"

static const char *const *split(const char *line)
{
	const char *const *args = auth_fields_split_line(test_pool, line);

	i_assert(args != NULL);
	return args;
}

static void test_version_cpid(void)
{
	unsigned int major, minor;
	const char *error;
	pid_t pid;

	test_begin("VERSION and CPID");
	test_assert(auth_protocol_parse_version(split("1\t2"), &major, &minor, &error) == 0 &&
		    major == 1 && minor == 2);
	test_assert(auth_protocol_parse_version(split("1"), &major, &minor, &error) < 0);
	test_assert(auth_protocol_parse_version(split("x\t1"), &major, &minor, &error) < 0);
	test_assert(auth_protocol_parse_version(split("-1\t1"), &major, &minor, &error) < 0);
	test_assert(auth_protocol_parse_cpid(split("4242"), &pid, &error) == 0 && pid == 4242);
	test_assert(auth_protocol_parse_cpid(split("0"), &pid, &error) < 0);
	test_assert(auth_protocol_parse_cpid(split("12a"), &pid, &error) < 0);
	test_assert(auth_protocol_parse_cpid(split("1\t2"), &pid, &error) < 0);
	test_assert(auth_protocol_parse_cpid(split("99999999999"), &pid, &error) < 0);
	test_end();
}

static void test_auth(void)
{
	struct auth_client_auth_cmd cmd;
	const char *error;

	test_begin("AUTH");
	test_assert(auth_protocol_parse_auth(test_pool,
		split("5\tPLAIN\tservice=smtp\tnologin\tlip=127.0.0.1\tsecured\tresp=AGEAYg==\t"
		      "after=ignored"), &cmd, &error) == 0);
	test_assert(cmd.id == 5);
	test_assert_strcmp(cmd.mech, "PLAIN");
	test_assert_strcmp(cmd.resp, "AGEAYg==");
	test_assert(str_array_length(cmd.params) == 4);
	test_assert_strcmp(cmd.params[3], "secured");
	/* no resp= at all vs an empty one */
	test_assert(auth_protocol_parse_auth(test_pool, split("1\tLOGIN\tservice=imap"), &cmd,
					     &error) == 0 && cmd.resp == NULL);
	test_assert(auth_protocol_parse_auth(test_pool, split("1\tLOGIN\tservice=imap\tresp="),
					     &cmd, &error) == 0 && cmd.resp != NULL &&
		    cmd.resp[0] == '\0');
	/* malformed */
	test_assert(auth_protocol_parse_auth(test_pool, split(""), &cmd, &error) < 0);
	test_assert(auth_protocol_parse_auth(test_pool, split("1"), &cmd, &error) < 0);
	test_assert(auth_protocol_parse_auth(test_pool, split("x\tPLAIN\tservice=imap"), &cmd,
					     &error) < 0);
	test_assert(auth_protocol_parse_auth(test_pool, split("4294967296\tPLAIN\tservice=imap"),
					     &cmd, &error) < 0);
	test_assert(auth_protocol_parse_auth(test_pool, split("1\t\tservice=imap"), &cmd,
					     &error) < 0);
	test_assert(auth_protocol_parse_auth(test_pool, split("1\tPLAIN"), &cmd, &error) < 0);
	test_assert(auth_protocol_parse_auth(test_pool, split("1\tPLAIN\tservice="), &cmd,
					     &error) < 0);
	/* service after resp= does not count */
	test_assert(auth_protocol_parse_auth(test_pool, split("1\tPLAIN\tresp=\tservice=imap"),
					     &cmd, &error) < 0);
	test_end();
}

static void test_cont(void)
{
	unsigned int id;
	const char *data, *error;

	test_begin("CONT");
	test_assert(auth_protocol_parse_cont(split("3\tdGVzdA=="), &id, &data, &error) == 0 &&
		    id == 3);
	test_assert_strcmp(data, "dGVzdA==");
	test_assert(auth_protocol_parse_cont(split("3\t"), &id, &data, &error) == 0);
	test_assert(auth_protocol_parse_cont(split("3"), &id, &data, &error) < 0);
	test_assert(auth_protocol_parse_cont(split("a\tb"), &id, &data, &error) < 0);
	test_assert(auth_protocol_parse_cont(split("3\ta\tb"), &id, &data, &error) < 0);
	test_end();
}

static void test_master(void)
{
	unsigned char cookie[16];
	unsigned int id, client_id;
	const char *user, *error;
	const char *const *params;
	pid_t pid;

	test_begin("master REQUEST/USER");
	test_assert(auth_protocol_parse_request(
			    split("1\t4242\t7\t000102030405060708090a0b0c0d0e0F"), &id, &pid,
			    &client_id, cookie, &error) == 0);
	test_assert(id == 1 && pid == 4242 && client_id == 7 && cookie[1] == 1 &&
		    cookie[15] == 15);
	test_assert(auth_protocol_parse_request(split("1\t4242\t7\t0001"), &id, &pid, &client_id,
						cookie, &error) < 0);
	test_assert(auth_protocol_parse_request(
			    split("1\t4242\t7\tzz0102030405060708090a0b0c0d0e0f"), &id, &pid,
			    &client_id, cookie, &error) < 0);
	test_assert(auth_protocol_parse_request(
			    split("1\t0\t7\t000102030405060708090a0b0c0d0e0f"), &id, &pid,
			    &client_id, cookie, &error) < 0);
	test_assert(auth_protocol_parse_request(split("1\t4242"), &id, &pid, &client_id, cookie,
						&error) < 0);
	test_assert(auth_protocol_parse_lookup(split("9\tjohn\tservice=lmtp\trip=1.2.3.4"), &id,
					       &user, &params, &error) == 0);
	test_assert(id == 9 && strcmp(user, "john") == 0 && str_array_length(params) == 2);
	test_assert(auth_protocol_parse_lookup(split("9\tjohn"), &id, &user, &params, &error) <
		    0);
	test_assert(auth_protocol_parse_lookup(split("9\t\tservice=x"), &id, &user, &params,
					       &error) < 0);
	test_assert(auth_protocol_parse_lookup(split("x\tjohn\tservice=x"), &id, &user, &params,
					       &error) < 0);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_version_cpid,
		test_auth,
		test_cont,
		test_master,
		NULL,
	};
	return test_run(tests);
}

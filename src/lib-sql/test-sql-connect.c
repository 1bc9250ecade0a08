#include "test-common.h"
#include "sql-connect.h"
#include "sql-settings.h"
#include "sql-api.h"

#include <stdio.h>
#include <sys/stat.h>

static void test_sql_connect_valid(void)
{
	struct sql_connect_settings set;
	const char *error = NULL;

	test_begin("sql connect string: valid");
	test_assert(sql_connect_parse(test_pool,
				      "host=localhost dbname=mail user=roost password=secret",
				      &set, &error) == 0);
	test_assert(set.host_count == 1);
	test_assert_strcmp(set.hosts[0], "localhost");
	test_assert(set.hosts[1] == NULL);
	test_assert_strcmp(set.dbname, "mail");
	test_assert_strcmp(set.user, "roost");
	test_assert_strcmp(set.password, "secret");
	test_assert(set.port == 0);
	test_assert(set.connect_timeout == SQL_CONNECT_DEFAULT_CONNECT_TIMEOUT_SECS);
	test_assert(set.ssl_ca == NULL && set.option_file == NULL);

	/* failover hosts, a socket, quoting, tabs and every other key */
	test_assert(sql_connect_parse(test_pool,
				      "  host=db1 host=/run/mysqld/mysqld.sock\thost='db 3' port=3307 "
				      "password=\"p a\\\"ss\" user='it''s' ssl_ca=/ca.pem "
				      "ssl_ca_path=/certs ssl_cert=/c.pem ssl_key=/k.pem "
				      "ssl_cipher=HIGH ssl_verify_server_cert=yes option_file=/my.cnf "
				      "option_group=roost client_flags=2048 connect_timeout=1 "
				      "read_timeout=7 write_timeout=8 dbname=\"\" ",
				      &set, &error) < 0);
	/* 'it''s' is not SQL quoting here: text after the closing quote */
	test_assert(strstr(error, "user") != NULL);
	test_assert(sql_connect_parse(test_pool,
				      "  host=db1 host=/run/mysqld/mysqld.sock\thost='db 3' port=3307 "
				      "password=\"p a\\\"ss\" user='it\\'s' ssl_ca=/ca.pem "
				      "ssl_ca_path=/certs ssl_cert=/c.pem ssl_key=/k.pem "
				      "ssl_cipher=HIGH ssl_verify_server_cert=yes option_file=/my.cnf "
				      "option_group=roost client_flags=2048 connect_timeout=1 "
				      "read_timeout=7 write_timeout=8 dbname=\"\" ",
				      &set, &error) == 0);
	test_assert(set.host_count == 3);
	test_assert_strcmp(set.hosts[0], "db1");
	test_assert_strcmp(set.hosts[1], "/run/mysqld/mysqld.sock");
	test_assert(sql_connect_host_is_socket(set.hosts[1]));
	test_assert(!sql_connect_host_is_socket(set.hosts[0]));
	test_assert_strcmp(set.hosts[2], "db 3");
	test_assert(set.port == 3307);
	test_assert_strcmp(set.password, "p a\"ss");
	test_assert_strcmp(set.user, "it's");
	test_assert_strcmp(set.ssl_ca, "/ca.pem");
	test_assert_strcmp(set.ssl_ca_path, "/certs");
	test_assert_strcmp(set.ssl_cert, "/c.pem");
	test_assert_strcmp(set.ssl_key, "/k.pem");
	test_assert_strcmp(set.ssl_cipher, "HIGH");
	test_assert(set.ssl_verify_server_cert);
	test_assert_strcmp(set.option_file, "/my.cnf");
	test_assert_strcmp(set.option_group, "roost");
	test_assert(set.client_flags == 2048);
	test_assert(set.connect_timeout == 1 && set.read_timeout == 7 && set.write_timeout == 8);
	test_assert_strcmp(set.dbname, "");
	test_end();
}

static void test_sql_connect_invalid(void)
{
	static const struct {
		const char *in, *error_part;
	} cases[] = {
		{ "", "no host" },
		{ "   ", "no host" },
		{ "dbname=mail", "no host" },
		{ "host", "has no value" },
		{ "host=db dbname", "'dbname' has no value" },
		{ "=x host=db", "without a key" },
		{ "host=db hots=db2", "unknown key 'hots'" },
		{ "host=db port=abc", "port: expected a port number" },
		{ "host=db port=0", "port: expected a port number" },
		{ "host=db port=65536", "port: expected a port number" },
		{ "host=db port=-1", "port: expected a port number" },
		{ "host=db connect_timeout=5s", "connect_timeout: expected a number" },
		{ "host=db client_flags=", "client_flags: expected a number" },
		{ "host=db ssl_verify_server_cert=maybe", "expected yes or no" },
		{ "host=db user=a user=b", "user: given twice" },
		{ "host=db password=\"unterminated", "password: missing closing quote" },
		{ "host=db password='x", "password: missing closing quote" },
		{ "host=db password=\"x\"y", "password: text after a closing quote" },
		{ "host=db password=ab\"c", "quotes are allowed only around a whole value" },
		{ "host= dbname=x", "host: empty value" },
		{ "host=\"\"", "host: empty value" },
		{ "host=db password=\"a\\", "missing closing quote" },
	};
	struct sql_connect_settings set;
	const char *error;

	test_begin("sql connect string: malformed");
	for (unsigned int i = 0; i < N_ELEMENTS(cases); i++) {
		error = NULL;
		test_assert_idx(sql_connect_parse(test_pool, cases[i].in, &set, &error) < 0, i);
		test_assert_idx(error != NULL && strstr(error, cases[i].error_part) != NULL, i);
		if (error != NULL && strstr(error, cases[i].error_part) == NULL)
			printf("    %s: %s\n", cases[i].in, error);
	}
	/* a password never shows in an error */
	test_assert(sql_connect_parse(test_pool, "host=db password=\"s3cr3t", &set, &error) < 0);
	test_assert(strstr(error, "s3cr3t") == NULL);
	/* every prefix of a valid string parses or fails cleanly */
	const char *full = "host=db password=\"a b\" port=1 user='x'";
	for (size_t len = 0; len <= strlen(full); len++) {
		const char *prefix = t_strndup(full, len);

		(void)sql_connect_parse(test_pool, prefix, &set, &error);
	}
	test_end();
}

static const char *test_write(const char *name, const char *text)
{
	const char *path = t_strdup_printf("%s/%s", test_tmpdir(), name);
	FILE *f = fopen(path, "w");

	if (f == NULL)
		i_fatal("fopen(%s) failed: %m", path);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_sql_settings_file(void)
{
	const struct sql_settings *set;
	const char *path, *error;

	test_begin("sql settings file");
	path = test_write("good.conf",
			  "driver = mysql\n"
			  "connect = host=127.0.0.1 dbname=mail user=u password=p\n"
			  "password_query = SELECT email AS user, password FROM virtual_users "
			  "WHERE email='%u'\n");
	test_assert(sql_settings_read_file(path, test_pool, &set, &error) == 0);
	test_assert_strcmp(set->driver, "mysql");
	test_assert_strcmp(set->default_pass_scheme, "MD5");
	test_assert(strstr(set->password_query, "'%u'") != NULL);
	test_assert(strstr(set->user_query, "%n") != NULL);

	path = test_write("pgsql.conf", "# comment\ndriver = pgsql\nconnect = host=db\n");
	test_assert(sql_settings_read_file(path, test_pool, &set, &error) < 0);
	test_assert(strstr(error, t_strdup_printf("%s:2: ", path)) != NULL);
	test_assert(strstr(error, "pgsql") != NULL && strstr(error, "mysql") != NULL);

	path = test_write("connect.conf", "driver = mysql\n\nconnect = host=db port=x\n");
	test_assert(sql_settings_read_file(path, test_pool, &set, &error) < 0);
	test_assert(strstr(error, t_strdup_printf("%s:3: ", path)) != NULL);
	test_assert(strstr(error, "port") != NULL);

	path = test_write("typo.conf", "driver = mysql\nconect = host=db\n");
	test_assert(sql_settings_read_file(path, test_pool, &set, &error) < 0);
	test_assert(strstr(error, t_strdup_printf("%s:2: ", path)) != NULL);

	path = test_write("nodriver.conf", "connect = host=db\n");
	test_assert(sql_settings_read_file(path, test_pool, &set, &error) < 0);
	test_assert(strstr(error, "driver is not set") != NULL);

	test_assert(sql_settings_read_file("/nonexistent/sql.conf", test_pool, &set,
					   &error) < 0);
	test_end();
}

static void test_sql_escape(void)
{
	struct sql_connect_settings set;
	struct sql_db *db;
	const char *error;

	test_begin("sql escape without a connection");
	test_assert(sql_connect_parse(test_pool, "host=/nonexistent/socket", &set, &error) == 0);
	db = sql_db_create(&set);
	test_assert_strcmp(sql_escape_string(db, "x' OR '1'='1"), "x\\' OR \\'1\\'=\\'1");
	test_assert_strcmp(sql_escape_string(db, "a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
	test_assert_strcmp(sql_escape_string(db, "plain"), "plain");
	/* a server that is not there: an error naming the host, no crash */
	test_assert(sql_db_connect(db, &error) < 0);
	test_assert(strstr(error, "/nonexistent/socket") != NULL);
	sql_db_destroy(&db);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_sql_connect_valid,
		test_sql_connect_invalid,
		test_sql_settings_file,
		test_sql_escape,
		NULL,
	};
	return test_run(tests);
}

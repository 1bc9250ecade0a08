/* Unit tests: passwd-file lines and the re-read on change. */
#include "test-common.h"
#include "db-passwd-file.h"

#include <stdio.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

static void test_parse_line(void)
{
	struct passwd_file_user u;
	const char *error;

	test_begin("passwd-file lines");
	test_assert(db_passwd_file_parse_line(test_pool,
		"john@example.com:{SHA512-CRYPT}$6$x$y:1000:1000:John:/home/john:/bin/sh:"
		"userdb_quota_rule=*:storage=1G nologin", &u, &error) == 1);
	test_assert_strcmp(u.name, "john@example.com");
	test_assert_strcmp(u.password, "{SHA512-CRYPT}$6$x$y");
	test_assert_strcmp(u.uid, "1000");
	test_assert_strcmp(u.home, "/home/john");
	test_assert_strcmp(u.shell, "/bin/sh");
	test_assert(str_array_length(u.extra_fields) == 2);
	test_assert_strcmp(u.extra_fields[0], "userdb_quota_rule=*:storage=1G");
	test_assert_strcmp(u.extra_fields[1], "nologin");
	/* too few fields are tolerated, empty ones are NULL */
	test_assert(db_passwd_file_parse_line(test_pool, "bob:{PLAIN}pw", &u, &error) == 1);
	test_assert_strcmp(u.password, "{PLAIN}pw");
	test_assert(u.uid == NULL && u.home == NULL && u.extra_fields[0] == NULL);
	test_assert(db_passwd_file_parse_line(test_pool, "nopw", &u, &error) == 1);
	test_assert(u.password == NULL);
	test_assert(db_passwd_file_parse_line(test_pool, "x::::::", &u, &error) == 1);
	test_assert(u.password == NULL && u.gid == NULL);
	/* skipped and broken lines */
	test_assert(db_passwd_file_parse_line(test_pool, "", &u, &error) == 0);
	test_assert(db_passwd_file_parse_line(test_pool, "  # comment", &u, &error) == 0);
	test_assert(db_passwd_file_parse_line(test_pool, ":pw:1:1", &u, &error) < 0);
	test_end();
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	i_assert(f != NULL);
	fputs(text, f);
	fclose(f);
}

static void test_lookup_reread(void)
{
	const char *path = t_strdup_printf("%s/users", test_tmpdir());
	const struct passwd_file_user *u;
	struct db_passwd_file *db;
	const char *error;
	struct timespec ts[2];

	test_begin("passwd-file lookup and re-read");
	db = db_passwd_file_create(path);
	test_assert(db_passwd_file_lookup(db, "a", &u, &error) < 0); /* missing: temporary */
	write_file(path, "a:{PLAIN}1\r\nb:{PLAIN}2\n:broken\n");
	test_assert(db_passwd_file_lookup(db, "b", &u, &error) == 1);
	test_assert_strcmp(u->password, "{PLAIN}2");
	test_assert(db_passwd_file_lookup(db, "a", &u, &error) == 1);
	test_assert_strcmp(u->password, "{PLAIN}1");
	test_assert(db_passwd_file_lookup(db, "c", &u, &error) == 0);
	write_file(path, "c:{PLAIN}3\n");
	/* a different mtime even within the same second */
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) + 10;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	test_assert(utimensat(AT_FDCWD, path, ts, 0) == 0);
	test_assert(db_passwd_file_lookup(db, "c", &u, &error) == 1);
	test_assert(db_passwd_file_lookup(db, "a", &u, &error) == 0);
	test_assert(unlink(path) == 0 && mkdir(path, 0700) == 0);
	test_assert(db_passwd_file_lookup(db, "c", &u, &error) < 0);
	test_assert(strstr(error, "directory") != NULL);
	test_assert(rmdir(path) == 0);
	db_passwd_file_destroy(&db);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_parse_line,
		test_lookup_reread,
		NULL,
	};
	return test_run(tests);
}

#include "test-common.h"
#include "file-dotlock.h"
#include "file-lock.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static void test_dotlock_basic(void)
{
	const char *path = t_strdup_printf("%s/file", test_tmpdir()), *error;
	struct dotlock_settings set = { .timeout = 0, .stale_timeout = 120, .mode = 0600,
					.gid = (gid_t)-1 };
	struct dotlock *lock, *lock2;

	test_begin("dotlock: exclusive, replace");
	test_assert(file_dotlock_create(path, &set, &lock, &error) == 1);
	struct stat st;
	test_assert(stat(t_strdup_printf("%s.lock", path), &st) == 0);
	test_assert((st.st_mode & 0777) == 0600);
	/* held by a live process (us): the second try times out */
	test_assert(file_dotlock_create(path, &set, &lock2, &error) == 0);
	int fd = file_dotlock_get_fd(lock);
	test_assert(write(fd, "new\n", 4) == 4);
	test_assert(file_dotlock_replace(&lock, true, &error) == 0);
	test_assert(lock == NULL);
	char buf[16] = { 0 };
	fd = open(path, O_RDONLY);
	test_assert(read(fd, buf, sizeof(buf)) == 4 && strcmp(buf, "new\n") == 0);
	close(fd);
	test_assert(stat(t_strdup_printf("%s.lock", path), &st) < 0 && errno == ENOENT);
	test_assert(file_dotlock_create(path, &set, &lock, &error) == 1);
	file_dotlock_delete(&lock);
	test_assert(stat(t_strdup_printf("%s.lock", path), &st) < 0);
	test_end();
}

static void test_dotlock_stale(void)
{
	const char *path = t_strdup_printf("%s/stale", test_tmpdir()), *error;
	struct dotlock_settings set = { .timeout = 2, .stale_timeout = 120, .mode = 0600,
					.gid = (gid_t)-1 };
	struct dotlock *lock;

	test_begin("dotlock: a lock of a dead process is stale");
	pid_t pid = fork();
	if (pid == 0) {
		if (file_dotlock_create(path, &set, &lock, &error) != 1)
			_exit(1);
		_exit(0); /* dies holding it */
	}
	int status;
	waitpid(pid, &status, 0);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct stat st;
	test_assert(stat(t_strdup_printf("%s.lock", path), &st) == 0);
	test_assert(file_dotlock_create(path, &set, &lock, &error) == 1);
	file_dotlock_delete(&lock);

	/* an old lock whose owner cannot be checked is stale by mtime */
	const char *lock_path = t_strdup_printf("%s.lock", path);
	int fd = open(lock_path, O_CREAT | O_WRONLY, 0600);
	test_assert(write(fd, "1:otherhost", 11) == 11);
	close(fd);
	struct timespec times[2] = { { time(NULL) - 500, 0 }, { time(NULL) - 500, 0 } };
	test_assert(utimensat(AT_FDCWD, lock_path, times, 0) == 0);
	test_assert(file_dotlock_create(path, &set, &lock, &error) == 1);
	file_dotlock_delete(&lock);
	test_end();
}

static void test_file_lock(void)
{
	const char *path = t_strdup_printf("%s/lockfile", test_tmpdir()), *error;
	struct file_lock *lock1, *lock2;

	test_begin("file_lock: fcntl locks exclude two handles of one process");
	for (enum file_lock_method m = FILE_LOCK_METHOD_FCNTL; m <= FILE_LOCK_METHOD_DOTLOCK;
	     m++) {
		test_assert_idx(file_lock_take(path, m, 0600, (gid_t)-1, 0, &lock1, &error) == 1,
				m);
		test_assert_idx(file_lock_take(path, m, 0600, (gid_t)-1, 0, &lock2, &error) == 0,
				m);
		file_lock_release(&lock1);
		test_assert_idx(file_lock_take(path, m, 0600, (gid_t)-1, 0, &lock2, &error) == 1,
				m);
		file_lock_release(&lock2);
	}
	enum file_lock_method m;
	test_assert(file_lock_method_parse("flock", &m) == 0 && m == FILE_LOCK_METHOD_FLOCK);
	test_assert(file_lock_method_parse("lockf", &m) < 0);
	test_end();
}

/* A holder killed while writing the new contents (the case that used to
   leave a lock without its owner, stale only after stale_timeout) leaves
   a lock that is taken over at once; the protected file is untouched. */
static void test_dotlock_killed_holder(void)
{
	const char *path = t_strdup_printf("%s/killed", test_tmpdir()), *error;
	struct dotlock_settings set = { .timeout = 2, .stale_timeout = 120, .mode = 0600,
					.gid = (gid_t)-1 };
	struct dotlock *lock;
	int status;

	test_begin("dotlock: a holder killed while writing is stale at once");
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	test_assert(fd >= 0 && write(fd, "old\n", 4) == 4);
	close(fd);
	pid_t pid = fork();
	if (pid == 0) {
		if (file_dotlock_create(path, &set, &lock, &error) != 1)
			_exit(1);
		int lfd = file_dotlock_get_fd(lock);
		if (lfd < 0 || write(lfd, "partial", 7) != 7)
			_exit(1);
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	test_assert(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
	time_t start = time(NULL);
	test_assert(file_dotlock_create(path, &set, &lock, &error) == 1);
	test_assert(time(NULL) - start <= 1);
	char buf[16] = { 0 };
	fd = open(path, O_RDONLY);
	test_assert(read(fd, buf, sizeof(buf)) == 4 && strcmp(buf, "old\n") == 0);
	close(fd);
	fd = file_dotlock_get_fd(lock);
	test_assert(write(fd, "new\n", 4) == 4);
	test_assert(file_dotlock_replace(&lock, false, &error) == 0);
	fd = open(path, O_RDONLY);
	test_assert(read(fd, buf, sizeof(buf)) == 4 && strcmp(buf, "new\n") == 0);
	close(fd);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_dotlock_basic,
		test_dotlock_stale,
		test_dotlock_killed_holder,
		test_file_lock,
		NULL,
	};
	log_init_stderr("test-file-dotlock");
	return test_run(tests);
}

/* Exclusive locks for index files: fcntl, flock or dotlock. */

#include "lib.h"
#include "file-lock.h"
#include "file-dotlock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

struct file_lock {
	enum file_lock_method method;
	int fd;
	struct dotlock *dotlock;
};

int file_lock_method_parse(const char *name, enum file_lock_method *method_r)
{
	if (strcmp(name, "fcntl") == 0)
		*method_r = FILE_LOCK_METHOD_FCNTL;
	else if (strcmp(name, "flock") == 0)
		*method_r = FILE_LOCK_METHOD_FLOCK;
	else if (strcmp(name, "dotlock") == 0)
		*method_r = FILE_LOCK_METHOD_DOTLOCK;
	else
		return -1;
	return 0;
}

void file_lock_set_perms(int fd, const char *path, mode_t mode, gid_t gid)
{
	if (fchmod(fd, mode) < 0)
		i_error("fchmod(%s, 0%o) failed: %m", path, (unsigned int)mode);
	if (gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) < 0)
		i_error("fchown(%s, -1, %ld) failed: %m", path, (long)gid);
}

static int lock_fd(int fd, enum file_lock_method method, bool wait)
{
	if (method == FILE_LOCK_METHOD_FLOCK)
		return flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
	/* open file description locks: two mailbox handles of one process
	   exclude each other too, and they conflict with classic fcntl locks
	   held by other processes */
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	return fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
}

int file_lock_take(const char *lock_path, enum file_lock_method method, mode_t mode,
		   gid_t gid, unsigned int timeout_secs, struct file_lock **lock_r,
		   const char **error_r)
{
	struct file_lock *lock;

	if (method == FILE_LOCK_METHOD_DOTLOCK) {
		struct dotlock_settings set = {
			.timeout = timeout_secs, .stale_timeout = 120, .mode = mode, .gid = gid,
		};
		struct dotlock *dotlock;
		int ret = file_dotlock_create(lock_path, &set, &dotlock, error_r);
		if (ret <= 0)
			return ret;
		lock = i_new(struct file_lock, 1);
		lock->method = method;
		lock->fd = -1;
		lock->dotlock = dotlock;
		*lock_r = lock;
		return 1;
	}

	int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		*error_r = t_strdup_printf("open(%s) failed: %s", lock_path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 07777) != mode)
		file_lock_set_perms(fd, lock_path, mode, gid);

	/* poll instead of blocking: no signals, and a bounded wait */
	unsigned int delay_ms = 1;
	time_t deadline = time(NULL) + timeout_secs;
	int ret;
	while ((ret = lock_fd(fd, method, false)) < 0 &&
	       (errno == EAGAIN || errno == EACCES || errno == EWOULDBLOCK) &&
	       time(NULL) < deadline) {
		struct timespec ts = { 0, (long)delay_ms * 1000000L };
		nanosleep(&ts, NULL);
		if (delay_ms < 50)
			delay_ms *= 2;
	}
	if (ret < 0) {
		if (errno == EAGAIN || errno == EACCES || errno == EWOULDBLOCK) {
			i_close_fd(&fd);
			return 0;
		}
		*error_r = t_strdup_printf("%s(%s) failed: %s",
					   method == FILE_LOCK_METHOD_FLOCK ? "flock" : "fcntl",
					   lock_path, strerror(errno));
		i_close_fd(&fd);
		return -1;
	}
	lock = i_new(struct file_lock, 1);
	lock->method = method;
	lock->fd = fd;
	*lock_r = lock;
	return 1;
}

void file_lock_release(struct file_lock **_lock)
{
	struct file_lock *lock = *_lock;

	if (lock == NULL)
		return;
	*_lock = NULL;
	if (lock->dotlock != NULL)
		file_dotlock_delete(&lock->dotlock);
	/* closing the fd releases fcntl and flock locks */
	i_close_fd(&lock->fd);
	i_free(lock);
}

/* Dot-locks compatible with Dovecot's file-dotlock.c: the same file name,
   the same "<pid>:<host>" contents and the same staleness rules, so that
   Roost and Dovecot processes exclude each other on one Maildir. */

#include "lib.h"
#include "file-dotlock.h"
#include "file-lock.h"

#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

struct dotlock {
	char *path;
	char *lock_path;
	/* the new contents of path: "<lock_path>.tmp", created on demand,
	   so the lock file itself always names its owner */
	char *data_path;
	int data_fd;
	mode_t mode;
	gid_t gid;
	dev_t dev;
	ino_t ino;
};

static const char *my_hostname(void)
{
	static char host[256];

	if (host[0] == '\0') {
		if (gethostname(host, sizeof(host) - 1) < 0)
			strcpy(host, "localhost");
		host[sizeof(host) - 1] = '\0';
	}
	return host;
}

/* Whether the lock at lock_path is stale: its owner on this host is dead,
   or it has not changed for stale_timeout seconds. */
static bool dotlock_is_stale(const char *lock_path, unsigned int stale_timeout)
{
	char buf[512];
	struct stat st;
	ssize_t ret;
	int fd;

	fd = open(lock_path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT; /* gone already: just retry */
	ret = read(fd, buf, sizeof(buf) - 1);
	if (fstat(fd, &st) < 0)
		st.st_mtime = time(NULL);
	i_close_fd(&fd);
	if (ret > 0) {
		buf[ret] = '\0';
		char *colon = strchr(buf, ':');
		char *nl = strchr(buf, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (colon != NULL) {
			*colon = '\0';
			unsigned int pid;
			if (str_to_uint(buf, &pid) == 0 && pid > 0 &&
			    strcmp(colon + 1, my_hostname()) == 0 &&
			    kill((pid_t)pid, 0) < 0 && errno == ESRCH)
				return true;
		}
	}
	if (stale_timeout > 0 && st.st_mtime + (time_t)stale_timeout < time(NULL))
		return true;
	return false;
}

static void dotlock_sleep(unsigned int *delay_ms)
{
	struct timespec ts = { 0, (long)*delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	if (*delay_ms < 100)
		*delay_ms *= 2;
}

/* Creates lock_path atomically with "<pid>:<host>" in it (written to a
   private file first, then link()ed, as Dovecot's default dot-locks do): a
   lock file never exists without its owner, so a holder killed at any
   point leaves a lock that the next process recognises as stale at once.
   Returns 1 with the lock's st, 0 when it exists, -1 on error. */
static int dotlock_try_create(const char *lock_path, const struct dotlock_settings *set,
			      struct stat *st_r, const char **error_r)
{
	const char *owner = t_strdup_printf("%ld:%s", (long)getpid(), my_hostname());
	const char *tmp_path = t_strdup_printf("%s.%s.%ld", lock_path, my_hostname(),
					       (long)getpid());
	size_t len = strlen(owner);

	int fd = open(tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, set->mode);
	if (fd < 0) {
		int saved = errno;
		*error_r = t_strdup_printf("open(%s) failed: %s", tmp_path, strerror(saved));
		errno = saved;
		return -1;
	}
	file_lock_set_perms(fd, tmp_path, set->mode, set->gid);
	if (write(fd, owner, len) != (ssize_t)len || fstat(fd, st_r) < 0) {
		*error_r = t_strdup_printf("write(%s) failed: %s", tmp_path, strerror(errno));
		i_close_fd(&fd);
		(void)unlink(tmp_path);
		return -1;
	}
	i_close_fd(&fd);
	int ret = link(tmp_path, lock_path);
	int saved = errno;
	(void)unlink(tmp_path);
	if (ret == 0)
		return 1;
	if (saved == EEXIST)
		return 0;
	*error_r = t_strdup_printf("link(%s, %s) failed: %s", tmp_path, lock_path,
				   strerror(saved));
	errno = saved;
	return -1;
}

int file_dotlock_create(const char *path, const struct dotlock_settings *set,
			struct dotlock **dotlock_r, const char **error_r)
{
	const char *lock_path = t_strdup_printf("%s.lock", path);
	unsigned int delay_ms = 2;
	time_t deadline = time(NULL) + set->timeout;
	struct stat st;
	int ret;

	while ((ret = dotlock_try_create(lock_path, set, &st, error_r)) == 0) {
		if (dotlock_is_stale(lock_path, set->stale_timeout)) {
			if (unlink(lock_path) < 0 && errno != ENOENT) {
				*error_r = t_strdup_printf("unlink(%s) of a stale lock failed: %s",
							   lock_path, strerror(errno));
				return -1;
			}
			continue;
		}
		if (time(NULL) >= deadline) {
			errno = EAGAIN;
			return 0;
		}
		dotlock_sleep(&delay_ms);
	}
	if (ret < 0)
		return -1;
	struct dotlock *dotlock = i_new(struct dotlock, 1);
	dotlock->path = i_strdup(path);
	dotlock->lock_path = i_strdup(lock_path);
	dotlock->data_path = i_strdup_printf("%s.tmp", lock_path);
	dotlock->data_fd = -1;
	dotlock->dev = st.st_dev;
	dotlock->ino = st.st_ino;
	dotlock->mode = set->mode;
	dotlock->gid = set->gid;
	*dotlock_r = dotlock;
	return 1;
}

int file_dotlock_get_fd(struct dotlock *dotlock)
{
	/* the caller writes new contents from the start */
	if (dotlock->data_fd == -1) {
		dotlock->data_fd = open(dotlock->data_path, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW |
					O_CLOEXEC, dotlock->mode);
		if (dotlock->data_fd < 0)
			i_error("open(%s) failed: %m", dotlock->data_path);
		else
			file_lock_set_perms(dotlock->data_fd, dotlock->data_path, dotlock->mode,
					    dotlock->gid);
	} else if (ftruncate(dotlock->data_fd, 0) < 0 || lseek(dotlock->data_fd, 0, SEEK_SET) < 0) {
		i_error("ftruncate(%s) failed: %m", dotlock->data_path);
	}
	return dotlock->data_fd;
}

const char *file_dotlock_get_lock_path(struct dotlock *dotlock)
{
	return dotlock->data_path;
}

static void dotlock_free(struct dotlock **_dotlock)
{
	struct dotlock *dotlock = *_dotlock;

	*_dotlock = NULL;
	i_close_fd(&dotlock->data_fd);
	i_free(dotlock->path);
	i_free(dotlock->lock_path);
	i_free(dotlock->data_path);
	i_free(dotlock);
}

int file_dotlock_replace(struct dotlock **_dotlock, bool do_fsync, const char **error_r)
{
	struct dotlock *dotlock = *_dotlock;
	int ret = 0;

	if (dotlock->data_fd == -1) {
		*error_r = t_strdup_printf("%s: no new contents were written", dotlock->path);
		ret = -1;
	} else if (do_fsync && fdatasync(dotlock->data_fd) < 0) {
		*error_r = t_strdup_printf("fdatasync(%s) failed: %s", dotlock->data_path,
					   strerror(errno));
		ret = -1;
	} else if (rename(dotlock->data_path, dotlock->path) < 0) {
		*error_r = t_strdup_printf("rename(%s, %s) failed: %s", dotlock->data_path,
					   dotlock->path, strerror(errno));
		ret = -1;
	}
	if (ret < 0 && dotlock->data_fd != -1)
		(void)unlink(dotlock->data_path);
	/* releases the lock */
	file_dotlock_delete(_dotlock);
	return ret;
}

void file_dotlock_delete(struct dotlock **_dotlock)
{
	struct dotlock *dotlock = *_dotlock;
	struct stat st;

	/* only remove the file if it is still the one we created: a process
	   that judged us stale may have taken over */
	if (stat(dotlock->lock_path, &st) == 0 && st.st_ino == dotlock->ino &&
	    st.st_dev == dotlock->dev) {
		if (unlink(dotlock->lock_path) < 0 && errno != ENOENT)
			i_error("unlink(%s) failed: %m", dotlock->lock_path);
	}
	dotlock_free(_dotlock);
}

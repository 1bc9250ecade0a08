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
	int fd;
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

int file_dotlock_create(const char *path, const struct dotlock_settings *set,
			struct dotlock **dotlock_r, const char **error_r)
{
	const char *lock_path = t_strdup_printf("%s.lock", path);
	unsigned int delay_ms = 2;
	time_t deadline = time(NULL) + set->timeout;
	int fd;

	for (;;) {
		fd = open(lock_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			  set->mode);
		if (fd >= 0)
			break;
		if (errno != EEXIST) {
			int saved = errno;
			*error_r = t_strdup_printf("open(%s) failed: %s", lock_path,
						   strerror(saved));
			errno = saved;
			return -1;
		}
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
	file_lock_set_perms(fd, lock_path, set->mode, set->gid);

	const char *owner = t_strdup_printf("%ld:%s", (long)getpid(), my_hostname());
	size_t len = strlen(owner);
	struct stat st;
	if (write(fd, owner, len) != (ssize_t)len || fstat(fd, &st) < 0) {
		*error_r = t_strdup_printf("write(%s) failed: %s", lock_path, strerror(errno));
		(void)unlink(lock_path);
		i_close_fd(&fd);
		return -1;
	}
	struct dotlock *dotlock = i_new(struct dotlock, 1);
	dotlock->path = i_strdup(path);
	dotlock->lock_path = i_strdup(lock_path);
	dotlock->fd = fd;
	dotlock->dev = st.st_dev;
	dotlock->ino = st.st_ino;
	*dotlock_r = dotlock;
	return 1;
}

int file_dotlock_get_fd(struct dotlock *dotlock)
{
	/* the caller writes new contents from the start */
	if (ftruncate(dotlock->fd, 0) < 0 || lseek(dotlock->fd, 0, SEEK_SET) < 0)
		i_error("ftruncate(%s) failed: %m", dotlock->lock_path);
	return dotlock->fd;
}

const char *file_dotlock_get_lock_path(struct dotlock *dotlock)
{
	return dotlock->lock_path;
}

static void dotlock_free(struct dotlock **_dotlock)
{
	struct dotlock *dotlock = *_dotlock;

	*_dotlock = NULL;
	i_close_fd(&dotlock->fd);
	i_free(dotlock->path);
	i_free(dotlock->lock_path);
	i_free(dotlock);
}

int file_dotlock_replace(struct dotlock **_dotlock, bool do_fsync, const char **error_r)
{
	struct dotlock *dotlock = *_dotlock;
	int ret = 0;

	if (do_fsync && fdatasync(dotlock->fd) < 0) {
		*error_r = t_strdup_printf("fdatasync(%s) failed: %s", dotlock->lock_path,
					   strerror(errno));
		(void)unlink(dotlock->lock_path);
		ret = -1;
	} else if (rename(dotlock->lock_path, dotlock->path) < 0) {
		*error_r = t_strdup_printf("rename(%s, %s) failed: %s", dotlock->lock_path,
					   dotlock->path, strerror(errno));
		(void)unlink(dotlock->lock_path);
		ret = -1;
	}
	dotlock_free(_dotlock);
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

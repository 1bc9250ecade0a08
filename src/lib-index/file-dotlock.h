#ifndef FILE_DOTLOCK_H
#define FILE_DOTLOCK_H

/* Dovecot-compatible dot-locks: the lock for "path" is the file
   "path.lock", created with O_CREAT|O_EXCL. It holds "<pid>:<hostname>"
   so that a lock left behind by a process that died on this host is
   recognised as stale at once; any lock whose file has not changed for
   stale_timeout seconds is stale too (Dovecot's dovecot-uidlist.lock is
   stale after 2 minutes). A stale lock is removed and taken over.

   The lock file is created with its owner already in it (a private file
   link()ed to "path.lock"), and always keeps it: the new version of the
   file it protects is written into file_dotlock_get_fd() ("path.lock.tmp")
   and file_dotlock_replace() renames that over "path" and then removes the
   lock, so readers see the old or the new file, never a partial one, and a
   holder killed at any point leaves a lock that is stale at once. */

#include <sys/types.h>

struct dotlock;

struct dotlock_settings {
	/* give up after this many seconds (0: try once) */
	unsigned int timeout;
	/* a lock unchanged for this long is stale (0: only dead pids) */
	unsigned int stale_timeout;
	/* mode and group of the lock file (gid (gid_t)-1: keep the default) */
	mode_t mode;
	gid_t gid;
};

/* Returns 1 with *dotlock_r, 0 when the lock is still held by another
   process after the timeout, -1 with *error_r on an error (e.g. the
   directory does not exist: errno is then ENOENT). */
int file_dotlock_create(const char *path, const struct dotlock_settings *set,
			struct dotlock **dotlock_r, const char **error_r);
/* A file for the new contents (created, or emptied, on each call), or -1
   with the error logged. */
int file_dotlock_get_fd(struct dotlock *dotlock);
/* The path of the new contents' file (for error messages). */
const char *file_dotlock_get_lock_path(struct dotlock *dotlock);
/* Optionally fsyncs the new contents, renames them to the protected path
   and removes the lock. Frees the dotlock either way. Returns 0 or -1 with *error_r. */
int file_dotlock_replace(struct dotlock **dotlock, bool do_fsync, const char **error_r);
/* Removes the lock (if it is still ours) and frees it. */
void file_dotlock_delete(struct dotlock **dotlock);

#endif

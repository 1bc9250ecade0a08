#ifndef FILE_LOCK_H
#define FILE_LOCK_H

/* Exclusive locks for Roost's own index files, with the methods of
   Dovecot's lock_method setting: fcntl (POSIX record lock, also over NFS),
   flock, or dotlock (see file-dotlock.h). The lock is taken on
   lock_path: for fcntl and flock that file is created and kept (its
   contents do not matter), for dotlock "lock_path.lock" is created and
   removed. */

#include <sys/types.h>

enum file_lock_method {
	FILE_LOCK_METHOD_FCNTL,
	FILE_LOCK_METHOD_FLOCK,
	FILE_LOCK_METHOD_DOTLOCK,
};

struct file_lock;

/* "fcntl", "flock", "dotlock". Returns 0, or -1 for an unknown name. */
int file_lock_method_parse(const char *name, enum file_lock_method *method_r);

/* Waits at most timeout_secs (0: try once). Returns 1 with *lock_r,
   0 on timeout, -1 with *error_r. */
int file_lock_take(const char *lock_path, enum file_lock_method method, mode_t mode,
		   gid_t gid, unsigned int timeout_secs, struct file_lock **lock_r,
		   const char **error_r);
/* Releases the lock and sets *lock to NULL. */
void file_lock_release(struct file_lock **lock);

/* Applies the mode and (when gid is not (gid_t)-1) the group to a file
   this process just created. Errors are logged, not returned: the file is
   still usable by its owner. */
void file_lock_set_perms(int fd, const char *path, mode_t mode, gid_t gid);

#endif

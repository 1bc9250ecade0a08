#ifndef PATH_H
#define PATH_H

/* Building file system paths from names that may come from a client or a
   user database (mailbox names, user names in mail_location), without
   letting them escape the directory they belong in. */

/* Longest name component and whole path accepted (Linux NAME_MAX and
   PATH_MAX, including the terminating NUL for the path). */
#define PATH_COMPONENT_MAX_LEN 255
#define PATH_MAX_LEN 4095

/* Checks that name is usable as one directory entry name: not empty, not
   "." or "..", no '/', no control characters (0x01-0x1f, 0x7f) and at most
   PATH_COMPONENT_MAX_LEN bytes. Bytes >= 0x80 are allowed (UTF-8 names).
   Returns 0, or -1 with *error_r (a static string). */
int path_normalize_component(const char *name, const char **error_r);

/* Joins base and rel into *path_r (allocated from pool) with one '/'
   between them; base is trusted and used as it is ("" gives rel itself),
   rel is not: it must be relative and every '/'-separated component of it
   must pass path_normalize_component(), so "", "/x", "a//b", "a/", "./a",
   "a/../b" are all refused. The result must fit in PATH_MAX_LEN. Returns
   0, or -1 with *error_r (a static string) and *path_r unset. */
int path_join_safe(pool_t pool, const char *base, const char *rel, const char **path_r,
		   const char **error_r);

/* The directory part of path, as POSIX dirname() computes it but without
   touching path: "/a/b" -> "/a", "a/b/" -> "a", "a" -> ".", "/a" -> "/",
   "/" -> "/", "" -> ".". Allocated from pool. */
const char *path_get_dir(pool_t pool, const char *path);

#endif

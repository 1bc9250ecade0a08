#ifndef DB_PASSWD_FILE_H
#define DB_PASSWD_FILE_H

/* Dovecot's passwd-file: one user per line,
     user:password:uid:gid:gecos:home:shell:extra_fields
   where extra_fields are space-separated key=value pairs (userdb_ keys are
   userdb fields, the rest passdb extra fields). Lines with fewer fields
   are fine (a user with only a password has no userdb fields); empty
   lines and lines starting with '#' are skipped. The file is re-read when
   its mtime, ctime, size or inode changes. */

#include <sys/stat.h>

struct passwd_file_user {
	const char *name;
	const char *password; /* NULL: the field is missing or empty */
	const char *uid, *gid, *gecos, *home, *shell; /* NULL when empty */
	const char *const *extra_fields; /* "key=value" or "key", never NULL */
};

struct db_passwd_file;

/* Parses one line. Returns 1 with *user_r filled (strings from pool), 0 for
   a line to skip, -1 with *error_r for a malformed line (no user name). */
int db_passwd_file_parse_line(pool_t pool, const char *line, struct passwd_file_user *user_r,
			      const char **error_r);

struct db_passwd_file *db_passwd_file_create(const char *path);
void db_passwd_file_destroy(struct db_passwd_file **db);
const char *db_passwd_file_get_path(const struct db_passwd_file *db);

/* Looks name up, re-reading the file first if it changed. Returns 1 with
   *user_r (valid until the next call), 0 when not found, -1 when the file
   cannot be read (a temporary failure; *error_r says why). */
int db_passwd_file_lookup(struct db_passwd_file *db, const char *name,
			  const struct passwd_file_user **user_r, const char **error_r);

/* Every user name (for LIST). Returns 0 or -1 like lookup. */
int db_passwd_file_iterate(struct db_passwd_file *db, pool_t pool,
			   ARRAY_TYPE(const_string) *users, const char **error_r);

/* A db per expanded path, shared by passdb and userdb instances. */
struct db_passwd_file *db_passwd_file_get(const char *path);

#endif

/* passwd-file parsing and caching. The whole file is kept in memory and
   re-read when stat() says it changed, so edits apply without a reload. */
#include "lib.h"
#include "db-passwd-file.h"

#include <fcntl.h>

/* a passwd-file larger than this is refused (temporary failure) */
#define PASSWD_FILE_MAX_SIZE (64 * 1024 * 1024)

struct db_passwd_file {
	char *path;
	pool_t pool; /* the parsed users; recreated on every re-read */
	ARRAY(struct passwd_file_user) users;
	struct stat st;
	bool loaded;
};

static const char *field_or_null(pool_t pool, const char *const *fields, unsigned int idx,
				 unsigned int count)
{
	if (idx >= count || fields[idx][0] == '\0')
		return NULL;
	return p_strdup(pool, fields[idx]);
}

int db_passwd_file_parse_line(pool_t pool, const char *line, struct passwd_file_user *user_r,
			      const char **error_r)
{
	static const char *const no_fields[] = { NULL };
	const char **fields;
	unsigned int count;

	memset(user_r, 0, sizeof(*user_r));
	user_r->extra_fields = no_fields;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return 0;
	fields = p_strsplit(pool_temp, line, ":");
	count = str_array_length(fields);
	if (fields[0][0] == '\0') {
		*error_r = "line has no user name";
		return -1;
	}
	user_r->name = p_strdup(pool, fields[0]);
	user_r->password = field_or_null(pool, fields, 1, count);
	user_r->uid = field_or_null(pool, fields, 2, count);
	user_r->gid = field_or_null(pool, fields, 3, count);
	user_r->gecos = field_or_null(pool, fields, 4, count);
	user_r->home = field_or_null(pool, fields, 5, count);
	user_r->shell = field_or_null(pool, fields, 6, count);
	if (count > 7) {
		/* the extra fields may contain ':' themselves */
		const char *extra = p_strarray_join(pool_temp, fields + 7, ":");

		user_r->extra_fields = p_strsplit_spaces(pool, extra, " ");
	}
	return 1;
}

struct db_passwd_file *db_passwd_file_create(const char *path)
{
	struct db_passwd_file *db = i_new(struct db_passwd_file, 1);

	db->path = i_strdup(path);
	return db;
}

void db_passwd_file_destroy(struct db_passwd_file **_db)
{
	struct db_passwd_file *db = *_db;

	*_db = NULL;
	if (db->pool != NULL)
		pool_unref(&db->pool);
	i_free(db->path);
	i_free(db);
}

const char *db_passwd_file_get_path(const struct db_passwd_file *db)
{
	return db->path;
}

static int db_passwd_file_read(struct db_passwd_file *db, const struct stat *st,
			       const char **error_r)
{
	string_t *data;
	char buf[8192];
	ssize_t ret;
	unsigned int lineno = 0;
	int fd;

	fd = open(db->path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		*error_r = t_strdup_printf("open(%s) failed: %m", db->path);
		return -1;
	}
	data = str_new(pool_temp, (size_t)st->st_size + 1);
	while ((ret = read(fd, buf, sizeof(buf))) > 0) {
		if (str_len(data) + (size_t)ret > PASSWD_FILE_MAX_SIZE) {
			close(fd);
			*error_r = t_strdup_printf("%s is too large", db->path);
			return -1;
		}
		str_append_data(data, buf, (size_t)ret);
	}
	if (ret < 0) {
		*error_r = t_strdup_printf("read(%s) failed: %m", db->path);
		close(fd);
		return -1;
	}
	close(fd);

	if (db->pool != NULL)
		pool_unref(&db->pool);
	db->pool = pool_alloconly_create("passwd-file", str_len(data) * 2 + 1024);
	p_array_init(&db->users, db->pool, 64);
	const char **lines = p_strsplit(pool_temp, str_c(data), "\n");

	for (unsigned int i = 0; lines[i] != NULL; i++) {
		struct passwd_file_user user;
		const char *line = lines[i], *error;
		size_t len = strlen(line);
		int r;

		lineno++;
		if (len > 0 && line[len - 1] == '\r')
			line = t_strndup(line, len - 1);
		r = db_passwd_file_parse_line(db->pool, line, &user, &error);
		if (r < 0)
			i_warning("passwd-file %s:%u: %s: ignored", db->path, lineno, error);
		else if (r > 0)
			array_push(&db->users, &user);
	}
	db->st = *st;
	db->loaded = true;
	return 0;
}

static int db_passwd_file_refresh(struct db_passwd_file *db, const char **error_r)
{
	struct stat st;

	if (stat(db->path, &st) < 0) {
		*error_r = t_strdup_printf("stat(%s) failed: %m", db->path);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		*error_r = t_strdup_printf("%s is a directory", db->path);
		return -1;
	}
	/* ctime too: a chmod that makes the file unreadable must show */
	if (db->loaded && st.st_mtim.tv_sec == db->st.st_mtim.tv_sec &&
	    st.st_ctim.tv_sec == db->st.st_ctim.tv_sec &&
	    st.st_ctim.tv_nsec == db->st.st_ctim.tv_nsec &&
	    st.st_mtim.tv_nsec == db->st.st_mtim.tv_nsec && st.st_size == db->st.st_size &&
	    st.st_ino == db->st.st_ino)
		return 0;
	return db_passwd_file_read(db, &st, error_r);
}

int db_passwd_file_lookup(struct db_passwd_file *db, const char *name,
			  const struct passwd_file_user **user_r, const char **error_r)
{
	if (db_passwd_file_refresh(db, error_r) < 0)
		return -1;
	array_foreach(&db->users, user) {
		if (strcmp(user->name, name) == 0) {
			*user_r = user;
			return 1;
		}
	}
	return 0;
}

int db_passwd_file_iterate(struct db_passwd_file *db, pool_t pool,
			   ARRAY_TYPE(const_string) *users, const char **error_r)
{
	if (db_passwd_file_refresh(db, error_r) < 0)
		return -1;
	array_foreach(&db->users, user) {
		const char *name = p_strdup(pool, user->name);

		array_push(users, &name);
	}
	return 0;
}

static ARRAY(struct db_passwd_file *) all_dbs;

struct db_passwd_file *db_passwd_file_get(const char *path)
{
	struct db_passwd_file *db;

	if (!array_is_created(&all_dbs))
		i_array_init(&all_dbs, 4);
	array_foreach_elem(&all_dbs, db) {
		if (strcmp(db->path, path) == 0)
			return db;
	}
	db = db_passwd_file_create(path);
	array_push(&all_dbs, &db);
	return db;
}

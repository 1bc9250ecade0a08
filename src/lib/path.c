#include "lib.h"
#include "path.h"

static int path_check_component(const char *name, size_t len, const char **error_r)
{
	if (len == 0) {
		*error_r = "empty path component";
		return -1;
	}
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
		*error_r = "'.' and '..' path components are not allowed";
		return -1;
	}
	if (len > PATH_COMPONENT_MAX_LEN) {
		*error_r = "path component too long";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/') {
			*error_r = "'/' is not allowed in a name";
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			*error_r = "control character in path";
			return -1;
		}
	}
	return 0;
}

int path_normalize_component(const char *name, const char **error_r)
{
	return path_check_component(name, strlen(name), error_r);
}

int path_join_safe(pool_t pool, const char *base, const char *rel, const char **path_r,
		   const char **error_r)
{
	size_t base_len = strlen(base), rel_len = strlen(rel);
	const char *p, *slash;
	bool need_slash = base_len > 0 && base[base_len - 1] != '/';

	if (rel[0] == '/') {
		*error_r = "absolute path not allowed";
		return -1;
	}
	for (p = rel;; p = slash + 1) {
		slash = strchr(p, '/');
		size_t len = slash == NULL ? strlen(p) : (size_t)(slash - p);

		if (path_check_component(p, len, error_r) < 0)
			return -1;
		if (slash == NULL)
			break;
	}
	if (base_len + (need_slash ? 1 : 0) + rel_len > PATH_MAX_LEN) {
		*error_r = "path too long";
		return -1;
	}
	*path_r = p_strconcat(pool, base, need_slash ? "/" : "", rel, NULL);
	return 0;
}

const char *path_get_dir(pool_t pool, const char *path)
{
	size_t len = strlen(path);

	/* trailing slashes do not make a component */
	while (len > 1 && path[len - 1] == '/')
		len--;
	while (len > 0 && path[len - 1] != '/')
		len--;
	if (len == 0)
		return p_strdup(pool, ".");
	/* drop the separator(s) before the last component, keeping a lone root */
	while (len > 1 && path[len - 1] == '/')
		len--;
	return p_strndup(pool, path, len);
}

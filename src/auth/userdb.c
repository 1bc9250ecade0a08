/* userdb driver registry and uid/gid resolution. */
#include "lib.h"
#include "userdb.h"

#include <grp.h>
#include <pwd.h>

static const struct userdb_module_interface *const userdb_interfaces[] = {
	&userdb_passwd_file,
	&userdb_static,
	&userdb_passwd,
	&userdb_sql,
	&userdb_prefetch,
};

const struct userdb_module_interface *userdb_interface_find(const char *driver)
{
	for (unsigned int i = 0; i < N_ELEMENTS(userdb_interfaces); i++) {
		if (strcmp(userdb_interfaces[i]->name, driver) == 0)
			return userdb_interfaces[i];
	}
	return NULL;
}

int userdb_resolve_uid(const char *value, const char **uid_r, const char **error_r)
{
	struct passwd *pw;

	if (str_is_numeric(value) || strchr(value, '%') != NULL) {
		*uid_r = value;
		return 0;
	}
	errno = 0;
	pw = getpwnam(value);
	if (pw == NULL) {
		*error_r = errno == 0 ? t_strdup_printf("unknown user %s", value) :
					t_strdup_printf("getpwnam(%s) failed: %m", value);
		return -1;
	}
	*uid_r = t_strdup_printf("%lu", (unsigned long)pw->pw_uid);
	return 0;
}

int userdb_resolve_gid(const char *value, const char **gid_r, const char **error_r)
{
	struct group *gr;

	if (str_is_numeric(value) || strchr(value, '%') != NULL) {
		*gid_r = value;
		return 0;
	}
	errno = 0;
	gr = getgrnam(value);
	if (gr == NULL) {
		*error_r = errno == 0 ? t_strdup_printf("unknown group %s", value) :
					t_strdup_printf("getgrnam(%s) failed: %m", value);
		return -1;
	}
	*gid_r = t_strdup_printf("%lu", (unsigned long)gr->gr_gid);
	return 0;
}

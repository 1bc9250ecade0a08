#include "lib.h"
#include "restrict-access.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>

int restrict_access_lookup_user(const char *user, uid_t *uid_r, gid_t *gid_r,
				const char **error_r)
{
	struct passwd *pw;
	unsigned int num;

	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL && str_to_uint(user, &num) == 0)
		pw = getpwuid((uid_t)num);
	if (pw == NULL) {
		*error_r = errno != 0 ?
			t_strdup_printf("getpwnam(%s) failed: %m", user) :
			t_strdup_printf("user '%s' does not exist", user);
		return -1;
	}
	*uid_r = pw->pw_uid;
	if (gid_r != NULL)
		*gid_r = pw->pw_gid;
	return 0;
}

int restrict_access_lookup_group(const char *group, gid_t *gid_r, const char **error_r)
{
	struct group *gr;
	unsigned int num;

	errno = 0;
	gr = getgrnam(group);
	if (gr == NULL && str_to_uint(group, &num) == 0) {
		*gid_r = (gid_t)num;
		return 0;
	}
	if (gr == NULL) {
		*error_r = errno != 0 ?
			t_strdup_printf("getgrnam(%s) failed: %m", group) :
			t_strdup_printf("group '%s' does not exist", group);
		return -1;
	}
	*gid_r = gr->gr_gid;
	return 0;
}

static int check_valid_ids(const struct restrict_access_settings *set, const char **error_r)
{
	if (set->refuse_root && (set->uid == 0 || set->uid == (uid_t)-1)) {
		*error_r = "refusing to run as root (uid 0): set mail_uid or the userdb uid";
		return -1;
	}
	if (set->uid != (uid_t)-1 &&
	    ((set->first_valid_uid != 0 && set->uid < set->first_valid_uid) ||
	     (set->last_valid_uid != 0 && set->uid > set->last_valid_uid))) {
		*error_r = t_strdup_printf(
			"uid %u is outside first_valid_uid..last_valid_uid (%u..%u)",
			(unsigned int)set->uid, (unsigned int)set->first_valid_uid,
			(unsigned int)set->last_valid_uid);
		return -1;
	}
	if (set->gid != (gid_t)-1 &&
	    ((set->first_valid_gid != 0 && set->gid < set->first_valid_gid) ||
	     (set->last_valid_gid != 0 && set->gid > set->last_valid_gid))) {
		*error_r = t_strdup_printf(
			"gid %u is outside first_valid_gid..last_valid_gid (%u..%u)",
			(unsigned int)set->gid, (unsigned int)set->first_valid_gid,
			(unsigned int)set->last_valid_gid);
		return -1;
	}
	return 0;
}

int restrict_access(const struct restrict_access_settings *set, const char **error_r)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (check_valid_ids(set, error_r) < 0)
		return -1;
	if (set->chroot_dir != NULL && set->chroot_dir[0] != '\0') {
		if (chdir(set->chroot_dir) < 0 || chroot(set->chroot_dir) < 0 || chdir("/") < 0) {
			*error_r = t_strdup_printf("chroot(%s) failed: %m",
						   set->chroot_dir);
			return -1;
		}
	}
	if (set->gid != (gid_t)-1) {
		/* supplementary groups first, while we still may change them */
		if (geteuid() == 0 &&
		    setgroups(set->extra_gids_count, set->extra_gids_count == 0 ? NULL :
							      set->extra_gids) < 0) {
			*error_r = t_strdup_printf("setgroups() failed: %m");
			return -1;
		}
		if (setresgid(set->gid, set->gid, set->gid) < 0) {
			*error_r = t_strdup_printf("setresgid(%u) failed: %m",
						   (unsigned int)set->gid);
			return -1;
		}
	}
	if (set->uid != (uid_t)-1) {
		if (setresuid(set->uid, set->uid, set->uid) < 0) {
			*error_r = t_strdup_printf("setresuid(%u) failed: %m",
						   (unsigned int)set->uid);
			return -1;
		}
	}
	/* verify: all three ids changed and root cannot come back */
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0) {
		*error_r = t_strdup_printf("getresuid() failed: %m");
		return -1;
	}
	if (set->uid != (uid_t)-1 && (ruid != set->uid || euid != set->uid || suid != set->uid)) {
		*error_r = "privilege drop did not change every uid";
		return -1;
	}
	if (set->gid != (gid_t)-1 && (rgid != set->gid || egid != set->gid || sgid != set->gid)) {
		*error_r = "privilege drop did not change every gid";
		return -1;
	}
	if (set->uid != (uid_t)-1 && set->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		*error_r = "privilege drop failed: root could be regained";
		return -1;
	}
	return 0;
}

void restrict_access_set_env(const struct restrict_access_settings *set)
{
	char buf[64];

	if (set->uid != (uid_t)-1) {
		snprintf(buf, sizeof(buf), "%u", (unsigned int)set->uid);
		setenv("ROOST_DROP_UID", buf, 1);
	}
	if (set->gid != (gid_t)-1) {
		snprintf(buf, sizeof(buf), "%u", (unsigned int)set->gid);
		setenv("ROOST_DROP_GID", buf, 1);
	}
	if (set->extra_gids_count > 0) {
		string_t *str = str_new(pool_system, 64);

		for (unsigned int i = 0; i < set->extra_gids_count; i++)
			str_printfa(str, "%s%u", i == 0 ? "" : ",", (unsigned int)set->extra_gids[i]);
		setenv("ROOST_DROP_GIDS", str_c(str), 1);
		str_free(&str);
	}
	if (set->chroot_dir != NULL && set->chroot_dir[0] != '\0')
		setenv("ROOST_DROP_CHROOT", set->chroot_dir, 1);
	if (set->user != NULL)
		setenv("ROOST_DROP_USER", set->user, 1);
	if (set->refuse_root)
		setenv("ROOST_DROP_REFUSE_ROOT", "1", 1);
}

bool restrict_access_have_env(void)
{
	return getenv("ROOST_DROP_UID") != NULL || getenv("ROOST_DROP_GID") != NULL ||
	       getenv("ROOST_DROP_CHROOT") != NULL;
}

int restrict_access_by_env(const char **error_r)
{
	struct restrict_access_settings set;
	const char *value;
	unsigned int num;
	gid_t gids[64];

	memset(&set, 0, sizeof(set));
	set.uid = (uid_t)-1;
	set.gid = (gid_t)-1;
	if ((value = getenv("ROOST_DROP_UID")) != NULL) {
		if (str_to_uint(value, &num) < 0) {
			*error_r = "invalid ROOST_DROP_UID";
			return -1;
		}
		set.uid = (uid_t)num;
	}
	if ((value = getenv("ROOST_DROP_GID")) != NULL) {
		if (str_to_uint(value, &num) < 0) {
			*error_r = "invalid ROOST_DROP_GID";
			return -1;
		}
		set.gid = (gid_t)num;
	}
	if ((value = getenv("ROOST_DROP_GIDS")) != NULL) {
		pool_t pool = pool_alloconly_create("drop gids", 256);
		const char **list = p_strsplit(pool, value, ",");

		for (unsigned int i = 0; list[i] != NULL; i++) {
			if (set.extra_gids_count == N_ELEMENTS(gids) ||
			    str_to_uint(list[i], &num) < 0) {
				pool_unref(&pool);
				*error_r = "invalid ROOST_DROP_GIDS";
				return -1;
			}
			gids[set.extra_gids_count++] = (gid_t)num;
		}
		pool_unref(&pool);
		set.extra_gids = gids;
	}
	set.chroot_dir = getenv("ROOST_DROP_CHROOT");
	set.user = getenv("ROOST_DROP_USER");
	set.refuse_root = getenv("ROOST_DROP_REFUSE_ROOT") != NULL;
	if (restrict_access(&set, error_r) < 0)
		return -1;
	unsetenv("ROOST_DROP_UID");
	unsetenv("ROOST_DROP_GID");
	unsetenv("ROOST_DROP_GIDS");
	unsetenv("ROOST_DROP_CHROOT");
	unsetenv("ROOST_DROP_REFUSE_ROOT");
	return 0;
}

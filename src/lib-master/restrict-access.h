#ifndef RESTRICT_ACCESS_H
#define RESTRICT_ACCESS_H

/* The one privilege drop of Roost. Every process that runs with less than
   root goes through restrict_access(): chroot (when set), then
   setgroups(), setresgid(), setresuid(), and finally checks that the
   process can no longer become root or regain the old ids. Any failure is
   an error: the caller must exit, never continue privileged. */

struct restrict_access_settings {
	uid_t uid;           /* (uid_t)-1: keep */
	gid_t gid;           /* (gid_t)-1: keep */
	const char *user;    /* for initgroups-style messages, may be NULL */
	const gid_t *extra_gids;
	unsigned int extra_gids_count;
	const char *chroot_dir; /* NULL or "": no chroot */
	/* the first/last_valid_uid/gid limits; 0 = none */
	uid_t first_valid_uid, last_valid_uid;
	gid_t first_valid_gid, last_valid_gid;
	/* refuse uid 0 as the target (post-login processes) */
	bool refuse_root;
};

/* Returns 0, or -1 with *error_r. */
int restrict_access(const struct restrict_access_settings *set, const char **error_r);

/* Environment transport: the master sets ROOST_DROP_UID, ROOST_DROP_GID,
   ROOST_DROP_GIDS, ROOST_DROP_CHROOT, ROOST_DROP_USER for the process,
   which calls restrict_access_by_env() once it has read its secrets. */
void restrict_access_set_env(const struct restrict_access_settings *set);
/* Returns 0 (also when there is nothing to drop), or -1 with *error_r. */
int restrict_access_by_env(const char **error_r);
/* Whether the environment asks for a drop. */
bool restrict_access_have_env(void);

/* Resolves a user/group name or number. Return 0 or -1 with *error_r. */
int restrict_access_lookup_user(const char *user, uid_t *uid_r, gid_t *gid_r,
				const char **error_r);
int restrict_access_lookup_group(const char *group, gid_t *gid_r, const char **error_r);

#endif

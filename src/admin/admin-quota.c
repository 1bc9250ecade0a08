/* roostadm quota get / quota recalc (doveadm's): the user's quota usage
   and limits, as the mail processes compute them. Looks the user up in
   the userdb (auth-userdb), drops to the user's uid/gid (never writes
   into a Maildir as root), sets up the mail user with the quota plugin
   and asks it. */
#include "lib.h"
#include "str.h"
#include "strfuncs.h"
#include "settings.h"
#include "restrict-access.h"
#include "auth-master-client.h"
#include "mail-storage-settings.h"
#include "mail-storage-hooks.h"
#include "mail-user.h"
#include "quota.h"
#include "admin-auth.h"
#include "admin-quota.h"

#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#define EX_NOUSER 67
#define EX_TEMPFAIL 75

struct admin_quota_settings {
	const char *const *mail_plugins;
	const char *const *plugin;
	const char *mail_uid, *mail_gid;
};

static const struct setting_def admin_quota_defs[] = {
	{ .type = SET_LIST, .key = "mail_plugins",
	  .offset = offsetof(struct admin_quota_settings, mail_plugins), .default_value = "",
	  .flags = SET_FLAG_FILTERABLE },
	{ .type = SET_FREE_FORM, .key = "plugin",
	  .offset = offsetof(struct admin_quota_settings, plugin) },
	{ .type = SET_STR, .key = "mail_uid",
	  .offset = offsetof(struct admin_quota_settings, mail_uid), .default_value = "",
	  .flags = SET_FLAG_FILTERABLE },
	{ .type = SET_STR, .key = "mail_gid",
	  .offset = offsetof(struct admin_quota_settings, mail_gid), .default_value = "",
	  .flags = SET_FLAG_FILTERABLE },
	{ .key = NULL },
};

static const struct setting_table admin_quota_table = {
	.name = "root",
	.defs = admin_quota_defs,
	.struct_size = sizeof(struct admin_quota_settings),
	.name_offset = SETTING_NO_FIELD,
};

static const char *field_value(const char *const *fields, const char *key)
{
	size_t len = strlen(key);

	for (; fields != NULL && *fields != NULL; fields++) {
		if (strncmp(*fields, key, len) == 0 && (*fields)[len] == '=')
			return *fields + len + 1;
	}
	return NULL;
}

/* Drops to the user's ids when running as root. */
static int quota_drop_privileges(const struct admin_quota_settings *set,
				 const char *const *fields, const char *username)
{
	struct restrict_access_settings rset;
	const char *uid_str = field_value(fields, "uid"), *gid_str = field_value(fields, "gid");
	const char *error;
	unsigned int num;
	gid_t user_gid = (gid_t)-1;

	if (geteuid() != 0)
		return 0;
	memset(&rset, 0, sizeof(rset));
	rset.user = username;
	rset.refuse_root = true;
	if (uid_str == NULL || uid_str[0] == '\0')
		uid_str = set->mail_uid;
	if (gid_str == NULL || gid_str[0] == '\0')
		gid_str = set->mail_gid;
	if (str_to_uint(uid_str, &num) == 0)
		rset.uid = (uid_t)num;
	else if (uid_str[0] == '\0' ||
		 restrict_access_lookup_user(uid_str, &rset.uid, &user_gid, &error) < 0) {
		i_error("user %s: no usable uid (%s)", username, uid_str);
		return -1;
	}
	if (gid_str[0] == '\0')
		rset.gid = user_gid;
	else if (str_to_uint(gid_str, &num) == 0)
		rset.gid = (gid_t)num;
	else if (restrict_access_lookup_group(gid_str, &rset.gid, &error) < 0) {
		i_error("user %s: %s", username, error);
		return -1;
	}
	if (rset.gid == (gid_t)-1) {
		i_error("user %s: no gid", username);
		return -1;
	}
	if (restrict_access(&rset, &error) < 0) {
		i_error("user %s: %s", username, error);
		return -1;
	}
	return 0;
}

static void quota_print_row(const char *name, const char *type, uint64_t value,
			    uint64_t limit)
{
	const char *limit_str = limit == 0 ? "-" : t_strdup_printf("%" PRIu64, limit);
	uint64_t percent = limit == 0 ? 0 : value * 100 / limit;

	printf("%-10s %-7s %5" PRIu64 " %5s %27" PRIu64 "\n", name, type, value, limit_str,
	       percent);
}

static int quota_run(struct admin_context *ctx, const char *username, bool recalc)
{
	const struct config_tree *tree = admin_config(ctx);
	struct settings_filter filter = { .protocol = "doveadm" };
	const struct mail_storage_settings *storage_set;
	const struct admin_quota_settings *set;
	struct auth_master_user_info info = { .service = "doveadm" };
	struct auth_master_client *master;
	const char *const *fields, *real_user, *error;
	struct quota_plugin_settings qset;
	struct mail_user *user;
	struct quota_usage usage;
	void *setp;
	int ret;

	if (settings_to_struct(tree, tree->root, &admin_quota_table, &filter, pool_temp, &setp,
			       &error) < 0) {
		i_error("settings: %s", error);
		return EX_TEMPFAIL;
	}
	set = setp;
	if (settings_to_struct(tree, tree->root, &mail_storage_setting_table, &filter, pool_temp,
			       &setp, &error) < 0) {
		i_error("settings: %s", error);
		return EX_TEMPFAIL;
	}
	master = auth_master_client_create(
		t_strdup_printf("%s/auth-userdb", admin_base_dir(ctx)), 0);
	ret = auth_master_user_lookup(master, username, &info, pool_temp, &real_user, &fields,
				      &error);
	auth_master_client_destroy(&master);
	if (ret <= 0) {
		if (ret == 0)
			i_error("userdb lookup: user %s doesn't exist", username);
		else
			i_error("userdb lookup for %s failed: %s", username, error);
		return ret == 0 ? EX_NOUSER : EX_TEMPFAIL;
	}
	if (quota_drop_privileges(set, fields, real_user) < 0)
		return EX_TEMPFAIL;
	storage_set = mail_storage_settings_apply_userdb(setp, fields, pool_temp);
	const char *home = field_value(fields, "home");
	if (mail_user_create(storage_set, real_user, home == NULL || home[0] == '\0' ? NULL : home,
			     &user, &error) < 0) {
		i_error("user %s: %s", real_user, error);
		return EX_TEMPFAIL;
	}
	/* doveadm loads the quota plugin whatever mail_plugins says */
	mail_storage_plugin_settings_set(set->plugin);
	quota_plugin_settings_from_config(tree, pool_temp, &qset);
	quota_plugin_init(&qset);
	mail_user_plugins_init(user, fields);
	ret = 0;
	if (quota_user_root_name(user) == NULL) {
		i_error("user %s: no quota (plugin { quota } is not set)", real_user);
		ret = EX_TEMPFAIL;
	} else if (recalc) {
		if (quota_user_recalculate(user, &error) < 0) {
			i_error("quota recalc for %s failed: %s", real_user, error);
			ret = EX_TEMPFAIL;
		}
	} else if (quota_user_get_usage(user, NULL, &usage, &error) < 0) {
		i_error("quota for %s: %s", real_user, error);
		ret = EX_TEMPFAIL;
	} else {
		printf("%-10s %-7s %5s %5s %27s\n", "Quota name", "Type", "Value", "Limit", "%");
		quota_print_row(usage.root_name, "STORAGE", (usage.bytes + 1023) / 1024,
				usage.bytes_limit / 1024);
		quota_print_row(usage.root_name, "MESSAGE", usage.count, usage.count_limit);
	}
	mail_user_free(&user);
	quota_plugin_deinit();
	mail_storage_plugin_settings_set(NULL);
	return ret;
}

static int quota_cmd(struct admin_context *ctx, int argc, char *argv[], bool recalc)
{
	const char *username = NULL;
	int c;

	optind = 1;
	while ((c = getopt(argc + 1, argv - 1, "+u:")) != -1) {
		if (c != 'u') {
			i_error("Usage: roostadm quota %s -u <user>", recalc ? "recalc" : "get");
			return FATAL_DEFAULT;
		}
		username = optarg;
	}
	if (username == NULL || optind != argc + 1) {
		i_error("Usage: roostadm quota %s -u <user>", recalc ? "recalc" : "get");
		return FATAL_DEFAULT;
	}
	return quota_run(ctx, username, recalc);
}

int cmd_quota_get(struct admin_context *ctx, int argc, char *argv[])
{
	return quota_cmd(ctx, argc, argv, false);
}

int cmd_quota_recalc(struct admin_context *ctx, int argc, char *argv[])
{
	return quota_cmd(ctx, argc, argv, true);
}

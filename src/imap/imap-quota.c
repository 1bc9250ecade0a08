/* IMAP QUOTA (RFC 9208 / RFC 2087) as Dovecot 2.3's imap_quota: GETQUOTAROOT,
   GETQUOTA, and SETQUOTA refused (only an admin changes quota). Offered
   when imap_quota is in mail_plugins; usage from lib-storage's quota. */

#include "lib.h"
#include "str.h"
#include "imap-arg.h"
#include "imap-quote.h"
#include "mail-user.h"
#include "mail-storage-hooks.h"
#include "imap-settings.h"
#include "quota.h"
#include "imap-client.h"
#include "imap-commands.h"
#include "imap-quota.h"

#include <inttypes.h>

static bool quota_initialized;

void imap_plugins_init(const struct imap_settings *set, const struct config_tree *tree)
{
	mail_storage_plugin_settings_set(set->plugin);
	if (quota_plugin_wanted(set->mail_plugins, "quota")) {
		struct quota_plugin_settings qset;

		quota_plugin_settings_from_config(tree, pool_temp, &qset);
		quota_plugin_init(&qset);
		quota_initialized = true;
	}
}

void imap_plugins_deinit(void)
{
	if (quota_initialized)
		quota_plugin_deinit();
	quota_initialized = false;
	mail_storage_plugin_settings_set(NULL);
}

bool imap_quota_enabled(const struct client *client)
{
	return quota_plugin_wanted(client->set->mail_plugins, "imap_quota");
}

/* Without imap_quota the commands do not exist, as in Dovecot. */
static bool quota_command_unknown(struct client *client)
{
	if (imap_quota_enabled(client))
		return false;
	client_send_bad(client, t_strdup_printf("Error in IMAP command %s: Unknown command.",
						client->cmd_name));
	return true;
}

static bool quota_missing_args(struct client *client)
{
	client_send_bad(client, t_strdup_printf("Error in IMAP command %s: Missing arguments.",
						client->cmd_name));
	return true;
}

/* "* QUOTA <root> (STORAGE <used KiB> <limit KiB> MESSAGE <n> <limit>)",
   the resources that have a limit; used KiB rounded up, as Dovecot. */
static int quota_reply(struct client *client, const char *root)
{
	struct quota_usage usage;
	const char *error;
	string_t *str = str_new(pool_temp, 128);

	if (quota_user_get_usage(client->user, NULL, &usage, &error) < 0) {
		i_error("quota: %s", error);
		return -1;
	}
	str_append(str, "* QUOTA ");
	imap_append_astring(str, root);
	str_append(str, " (");
	if (usage.bytes_limit != 0)
		str_printfa(str, "STORAGE %" PRIu64 " %" PRIu64, (usage.bytes + 1023) / 1024,
			    usage.bytes_limit / 1024);
	if (usage.count_limit != 0)
		str_printfa(str, "%sMESSAGE %" PRIu64 " %" PRIu64, usage.bytes_limit != 0 ? " " : "",
			    usage.count, usage.count_limit);
	str_append_c(str, ')');
	client_send_line(client, str_c(str));
	return 0;
}

/* The single mailbox or quota root argument; false when answered. */
static bool quota_parse_name(struct client *client, const struct imap_arg *args,
			     const char **name_r)
{
	if (quota_command_unknown(client))
		return false;
	if (imap_arg_is_eol(args)) {
		(void)quota_missing_args(client);
		return false;
	}
	if (!imap_arg_get_astring(args, name_r) || !imap_arg_is_eol(args + 1)) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %s: Invalid arguments.",
							client->cmd_name));
		return false;
	}
	return true;
}

static bool cmd_getquotaroot(struct client *client, const struct imap_arg *args)
{
	const char *name, *root;
	string_t *str;

	if (!quota_parse_name(client, args, &name))
		return true;
	if (client_mailbox_name(client, name) == NULL) {
		client_send_tagline(client, "NO Mailbox doesn't exist: invalid name");
		return true;
	}
	root = quota_user_root_name(client->user);
	str = str_new(pool_temp, 128);
	str_append(str, "* QUOTAROOT ");
	imap_append_astring(str, name);
	if (root != NULL) {
		str_append_c(str, ' ');
		imap_append_astring(str, root);
	}
	client_send_line(client, str_c(str));
	if (root != NULL && quota_reply(client, root) < 0) {
		client_send_tagline(client, "NO Internal quota calculation error.");
		return true;
	}
	client_send_tagline(client, "OK Getquotaroot completed.");
	return true;
}

static bool cmd_getquota(struct client *client, const struct imap_arg *args)
{
	const char *name, *root;

	if (!quota_parse_name(client, args, &name))
		return true;
	root = quota_user_root_name(client->user);
	if (root == NULL || strcmp(root, name) != 0) {
		client_send_tagline(client, "NO Quota root doesn't exist.");
		return true;
	}
	if (quota_reply(client, root) < 0) {
		client_send_tagline(client, "NO Internal quota calculation error.");
		return true;
	}
	client_send_tagline(client, "OK Getquota completed.");
	return true;
}

static bool cmd_setquota(struct client *client, const struct imap_arg *args)
{
	const struct imap_arg *list;
	const char *name;
	unsigned int count;

	if (quota_command_unknown(client))
		return true;
	if (imap_arg_is_eol(args) || imap_arg_is_eol(args + 1))
		return quota_missing_args(client);
	if (!imap_arg_get_astring(args, &name) || !imap_arg_get_list(args + 1, &list, &count)) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %s: Invalid arguments.",
							client->cmd_name));
		return true;
	}
	/* Dovecot: quota changes are for the admin (quota_admin ACL right) */
	client_send_tagline(client, "NO Quota can be changed only by admin.");
	return true;
}

const struct imap_command imap_quota_commands[] = {
	{ "GETQUOTA", cmd_getquota, 0 },
	{ "GETQUOTAROOT", cmd_getquotaroot, 0 },
	{ "SETQUOTA", cmd_setquota, 0 },
	{ NULL, NULL, 0 },
};

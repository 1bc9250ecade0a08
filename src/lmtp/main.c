/* lmtp: local delivery over LMTP (RFC 2033) for Postfix and other MTAs.

   What it does: accepts LMTP connections on the listeners of `service
   lmtp` (the built-in unix_listener lmtp, and whatever the admin adds:
   Postfix's private/dovecot-lmtp socket, inet_listener lmtp on port 24),
   looks every recipient up in the auth service's userdb (auth-userdb
   socket), and saves each message durably into the recipients' mailboxes
   through lib-storage before it answers 250 per recipient.

   Privileges: runs as root (the built-in service has no user, and the
   master's drop is skipped with MASTER_SERVICE_FLAG_NO_DROP) so that it can
   deliver for several users; each delivery runs with the recipient's
   effective uid/gid (lmtp-delivery.c), never creating files as root in a
   user's mail directory. With `service lmtp { user = vmail }` the master
   drops it and it serves that uid's users only.

   Sockets: the listeners passed by the master; the auth-userdb socket in
   base_dir (one connection, reused).

   Plugins: mail_plugins are loaded (dlopen) from mail_plugin_dir at start,
   before the first connection; they run inside this process with the
   mail user's ids during deliveries (mail-storage-hooks.h).

   Untrusted input: everything the LMTP peer sends: command lines (bounded
   by the line reader), addresses and parameters (lib-smtp's parser), the
   message body (streamed to a spool file, bounded by lmtp_max_mail_size),
   XCLIENT (only from login_trusted_networks). */
#include "lib.h"
#include "master-service.h"
#include "auth-master-client.h"
#include "mail-storage-settings.h"
#include "lmtp-settings.h"
#include "lmtp-client.h"
#include "lmtp-delivery.h"

#include <stdio.h>
#include <sys/stat.h>

static struct master_service *service;
static struct lmtp_globals globals;

static void client_destroyed(void)
{
	master_service_client_connection_destroyed(service);
}

static void client_connected(struct master_service_connection *conn)
{
	struct lmtp_client_info info;

	memset(&info, 0, sizeof(info));
	info.is_unix = conn->is_unix;
	info.remote_ip = conn->remote_ip;
	info.local_ip = conn->local_ip;
	info.remote_port = conn->remote_port;
	info.local_port = conn->local_port;
	(void)lmtp_client_create(&globals, conn->fd, &info);
	conn->accepted = true;
}

static const char *lmtp_hostname(pool_t pool, const struct lmtp_settings *set)
{
	char name[256];

	if (set->hostname[0] != '\0')
		return set->hostname;
	if (gethostname(name, sizeof(name) - 1) < 0)
		return "localhost";
	name[sizeof(name) - 1] = '\0';
	return p_strdup(pool, name);
}

int main(int argc, char *argv[])
{
	const struct config_tree *tree;
	struct settings_filter filter;
	const char *error;
	void *setp, *storage_setp;
	pool_t pool;

	service = master_service_init("lmtp", MASTER_SERVICE_FLAG_NO_DROP, &argc, &argv);
	tree = master_service_get_config(service);
	if (tree == NULL)
		i_fatal("no configuration (use -c FILE when running standalone)");
	pool = pool_alloconly_create("lmtp", 4096);
	memset(&filter, 0, sizeof(filter));
	filter.protocol = "lmtp";
	if (settings_to_struct(tree, tree->root, &lmtp_setting_table, &filter, pool, &setp,
			       &error) < 0)
		i_fatal("settings: %s", error);
	if (settings_to_struct(tree, tree->root, &mail_storage_setting_table, &filter, pool,
			       &storage_setp, &error) < 0)
		i_fatal("settings: %s", error);
	globals.set = setp;
	globals.storage_set = storage_setp;
	globals.hostname = lmtp_hostname(pool, globals.set);
	globals.client_destroyed = client_destroyed;
	globals.auth = auth_master_client_create(
		t_strdup_printf("%s/auth-userdb", globals.set->base_dir),
		AUTH_MASTER_DEFAULT_TIMEOUT_MSECS);
	/* as Dovecot's lmtp: a plugin that cannot be loaded stops the process
	   before it greets anyone (the MTA retries later) */
	if (lmtp_delivery_plugins_load(globals.set, tree, &error) < 0)
		i_fatal("%s", error);
	/* deliveries create files with explicit modes; nothing group/world-writable */
	umask(0077);
	master_service_init_finish(service);
	master_service_run(service, client_connected);
	auth_master_client_destroy(&globals.auth);
	lmtp_delivery_plugins_unload();
	master_service_deinit(&service);
	pool_unref(&pool);
	return 0;
}

/* imap: the post-login IMAP process.

   What it does: takes one hand-off from imap-login on its unix listener
   (login/imap), redeems the login at auth-master, becomes the mail user
   (userdb uid/gid or mail_uid/mail_gid, first/last_valid_uid/gid, never
   root), registers the session at anvil, answers the login process, and
   serves the IMAP session (imap-client.c) on the user's mailboxes. The
   tagged OK of the client's LOGIN/AUTHENTICATE is sent from here, with the
   post-login capabilities, as Dovecot's imap does.

   Privileges: started as root (the built-in service has no user), so that
   it can become any mail user; it drops for good before it reads a single
   byte from the client or touches mail.

   Untrusted input: the hand-off request comes from a login process, which
   handled untrusted input: it is checked strictly (login-handoff-server.h);
   the client's commands go through the bounded reader and the IMAP parser
   of imap-client.c. */
#include "lib.h"
#include "master-service.h"
#include "anvil-client.h"
#include "login-handoff-server.h"

#include "mail-storage-settings.h"
#include "mail-user.h"
#include "imap-client.h"
#include "imap-settings.h"

#define POSTLOGIN_SERVICE "imap"

static struct master_service *service;
static const struct login_handoff_settings *set;
static struct anvil_client *anvil;
static const struct mail_storage_settings *storage_set;
static const struct imap_settings *imap_set;
static pool_t pool;

static void client_destroyed(struct client *client, void *context)
{
	struct client **clientp = context;

	(void)client;
	client_destroy(clientp);
	i_free(clientp);
	master_service_client_connection_destroyed(service);
}

static void client_connected(struct master_service_connection *conn)
{
	struct login_handoff_client hclient;
	struct login_handoff_user user;
	struct mail_user *mail_user;
	struct client **clientp;
	const char *error;

	if (login_handoff_server_accept(conn->fd, set, pool, &hclient, &user) < 0)
		return;
	/* the hand-off connection has done its job; the client is ours */
	conn->accepted = true;
	close(conn->fd);
	login_handoff_session_started(set, anvil, POSTLOGIN_SERVICE, &hclient, &user, pool);
	const struct mail_storage_settings *user_set =
		mail_storage_settings_apply_userdb(storage_set, user.fields, pool);

	if (mail_user_create(user_set, user.username, user.home[0] == '\0' ? NULL : user.home,
			     &mail_user, &error) < 0) {
		i_error("%s", error);
		const char *reply = t_strdup_printf(
			"* BYE Internal error occurred. Refer to server log for more "
			"information.\r\n");
		if (write(hclient.client_fd, reply, strlen(reply)) < 0) {
			/* the client is gone anyway */
		}
		close(hclient.client_fd);
		master_service_client_connection_destroyed(service);
		return;
	}
	clientp = i_new(struct client *, 1);
	*clientp = client_create(hclient.client_fd, hclient.client_fd, mail_user, imap_set);
	if (!client_add_pipelined_input(*clientp, hclient.input, hclient.req.client_input_size))
		i_error("pipelined input after login does not fit the line buffer; dropped");
	client_set_destroy_callback(*clientp, client_destroyed, clientp);
	client_start(*clientp, t_strdup_printf("%s OK [CAPABILITY %s] Logged in",
					       hclient.req.tag, client_capability(*clientp)));
}

int main(int argc, char *argv[])
{
	const struct config_tree *config;
	struct settings_filter filter;
	const char *error;
	void *setp;

	service = master_service_init(POSTLOGIN_SERVICE, MASTER_SERVICE_FLAG_NO_DROP, &argc, &argv);
	pool = pool_alloconly_create("imap", 4096);
	login_handoff_service_init(service, POSTLOGIN_SERVICE, pool, &set, &anvil);
	memset(&filter, 0, sizeof(filter));
	filter.protocol = POSTLOGIN_SERVICE;
	config = master_service_get_config(service);
	if (settings_to_struct(config, config->root, &mail_storage_setting_table, &filter, pool,
			       &setp, &error) < 0)
		i_fatal("settings: %s", error);
	storage_set = setp;
	if (settings_to_struct(config, config->root, &imap_setting_table, &filter, pool, &setp,
			       &error) < 0)
		i_fatal("settings: %s", error);
	imap_set = setp;
	master_service_init_finish(service);
	master_service_run(service, client_connected);
	anvil_client_deinit(&anvil);
	master_service_deinit(&service);
	pool_unref(&pool);
	return 0;
}

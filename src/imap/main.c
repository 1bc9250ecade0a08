/* imap: the post-login IMAP process.

   What it does: takes hand-offs from imap-login on its unix listener
   (login/imap) and serves each as an IMAP session (imap-client.c) on the
   user's mailboxes. One process serves up to client_limit sessions, all of
   one uid/gid: the first login makes the process that user's uid/gid for
   good, a login of another uid is left to another process
   (src/lib-login/postlogin-service.h: redeem at auth-master, uid/gid from
   the userdb or mail_uid/mail_gid, first/last_valid_uid/gid, never root;
   anvil registration, kicks). With client_limit = 1 (Dovecot's default)
   every session has its own process. The tagged OK of the client's
   LOGIN/AUTHENTICATE is sent from here, with the post-login capabilities,
   as Dovecot's imap does. SIGTERM ends every session with
   "* BYE Server shutting down.".

   Privileges: started as root (the built-in service has no user), so that
   it can become any mail user; it drops for good at its first hand-off,
   before it reads a single byte from a client or touches mail.

   Untrusted input: hand-off requests come from login processes, which
   handled untrusted input: they are checked strictly
   (login-handoff-server.h), and the uid comes from auth, never from the
   login process; the clients' commands go through the bounded reader and
   the IMAP parser of imap-client.c. */
#include "lib.h"
#include "master-service.h"
#include "postlogin-service.h"

#include "mail-storage-settings.h"
#include "mail-user.h"
#include "imap-client.h"
#include "imap-quota.h"
#include "mail-storage-hooks.h"
#include "imap-settings.h"

#define POSTLOGIN_SERVICE "imap"
#define IMAP_SHUTDOWN_MSG "Server shutting down."

static struct master_service *service;
static struct postlogin_service *postlogin;
static const struct mail_storage_settings *storage_set;
static const struct imap_settings *imap_set;
static pool_t pool;

static void client_destroyed(struct client *client, void *context)
{
	struct postlogin_session *session = context;

	client_destroy(&client);
	session->context = NULL;
	postlogin_session_end(&session);
}

static void imap_session_start(struct postlogin_session *session)
{
	const struct mail_storage_settings *user_set =
		mail_storage_settings_apply_userdb(storage_set, session->user.fields,
						   session->pool);
	const struct login_handoff_client *hclient = &session->client;
	struct mail_user *mail_user;
	struct client *client;
	const char *error;

	if (mail_user_create(user_set, session->user.username,
			     session->user.home[0] == '\0' ? NULL : session->user.home,
			     &mail_user, &error) < 0) {
		static const char reply[] = "* BYE Internal error occurred. Refer to server log "
					    "for more information.\r\n";

		i_error("%s", error);
		if (write(hclient->client_fd, reply, sizeof(reply) - 1) < 0) {
			/* the client is gone anyway */
		}
		close(hclient->client_fd);
		postlogin_session_end(&session);
		return;
	}
	mail_user_plugins_init(mail_user, session->user.fields);
	client = client_create(hclient->client_fd, hclient->client_fd, mail_user, imap_set);
	client->session_id = p_strdup(client->pool, session->session_id);
	if (!client_add_pipelined_input(client, hclient->input, hclient->req.client_input_size))
		i_error("pipelined input after login does not fit the line buffer; dropped");
	client_set_destroy_callback(client, client_destroyed, session);
	session->context = client;
	client_start(client, t_strdup_printf("%s OK [CAPABILITY %s] Logged in",
					     hclient->req.tag, client_capability(client)));
}

/* Dovecot's doveadm kick and shutdown both say "Server shutting down." to
   the client; the log tells them apart. */
static void imap_session_kick(struct postlogin_session *session)
{
	if (session->context != NULL)
		client_kick(session->context, IMAP_SHUTDOWN_MSG, "Kicked by admin");
}

static void imap_session_shutdown(struct postlogin_session *session)
{
	if (session->context != NULL)
		client_kick(session->context, IMAP_SHUTDOWN_MSG, IMAP_SHUTDOWN_MSG);
}

static const struct postlogin_callbacks imap_callbacks = {
	.session_start = imap_session_start,
	.session_kick = imap_session_kick,
	.session_shutdown = imap_session_shutdown,
};

static void client_connected(struct master_service_connection *conn)
{
	postlogin_service_connection(postlogin, conn);
}

int main(int argc, char *argv[])
{
	const struct config_tree *config;
	struct settings_filter filter;
	const char *error;
	void *setp;

	service = master_service_init(POSTLOGIN_SERVICE, MASTER_SERVICE_FLAG_NO_DROP, &argc, &argv);
	pool = pool_alloconly_create("imap", 4096);
	postlogin = postlogin_service_init(service, POSTLOGIN_SERVICE, &imap_callbacks);
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
	imap_plugins_init(imap_set, config);
	master_service_init_finish(service);
	master_service_run(service, client_connected);
	postlogin_service_deinit(&postlogin);
	imap_plugins_deinit();
	master_service_deinit(&service);
	pool_unref(&pool);
	return 0;
}

/* pop3: the post-login POP3 process.

   What it does: takes hand-offs from pop3-login on its unix listener
   (login/pop3) and serves each as a POP3 session
   (src/pop3/pop3-client.c) on the user's INBOX. One process serves up to
   client_limit sessions, all of one uid/gid, like imap
   (src/lib-login/postlogin-service.h: redeem at auth-master, uid/gid from
   the userdb or mail_uid/mail_gid, first/last_valid_uid/gid, never root;
   anvil registration, kicks). With client_limit = 1 (Dovecot's default)
   every session has its own process. SIGTERM ends every session with
   "-ERR [SYS/TEMP] Server shutting down.".

   Privileges: started as root (the built-in service has no user), so that
   it can become any mail user; it drops for good at its first hand-off,
   before it reads a single byte from a client or touches mail.

   Untrusted input: hand-off requests come from login processes, which
   handled untrusted input: they are checked strictly
   (login-handoff-server.h), and the uid comes from auth, never from the
   login process; the clients' commands go through the bounded reader of
   pop3-client.c. */
#include "lib.h"
#include "master-service.h"
#include "postlogin-service.h"

#include "mail-storage-settings.h"
#include "mail-user.h"
#include "mail-storage-hooks.h"
#include "quota.h"
#include "pop3-client.h"
#include "pop3-settings.h"

#define POSTLOGIN_SERVICE "pop3"

static struct master_service *service;
static struct postlogin_service *postlogin;
static const struct mail_storage_settings *storage_set;
static const struct pop3_settings *pop3_set;
static pool_t pool;

struct pop3_session {
	struct postlogin_session *session;
	struct pop3_client *client;
	struct mail_user *user;
	int fd;
};

static void client_destroyed(void *context)
{
	struct pop3_session *psession = context;
	struct postlogin_session *session = psession->session;

	mail_user_free(&psession->user);
	i_close_fd(&psession->fd);
	i_free(psession);
	session->context = NULL;
	postlogin_session_end(&session);
}

static void pop3_session_start(struct postlogin_session *session)
{
	const struct login_handoff_client *hclient = &session->client;
	const struct mail_storage_settings *user_set =
		mail_storage_settings_apply_userdb(storage_set, session->user.fields,
						   session->pool);
	struct pop3_client_params params;
	struct pop3_session *psession;
	struct mail_user *mail_user;
	const char *error;

	if (mail_user_create(user_set, session->user.username,
			     session->user.home[0] == '\0' ? NULL : session->user.home,
			     &mail_user, &error) < 0) {
		static const char reply[] = "-ERR [SYS/TEMP] Internal error occurred. "
					    "Refer to server log for more information.\r\n";

		i_error("%s", error);
		if (write(hclient->client_fd, reply, sizeof(reply) - 1) < 0) {
			/* the client is gone anyway */
		}
		close(hclient->client_fd);
		postlogin_session_end(&session);
		return;
	}
	mail_user_plugins_init(mail_user, session->user.fields);
	psession = i_new(struct pop3_session, 1);
	psession->session = session;
	psession->user = mail_user;
	psession->fd = hclient->client_fd;
	memset(&params, 0, sizeof(params));
	params.fd_in = hclient->client_fd;
	params.fd_out = hclient->client_fd;
	params.input = hclient->input;
	params.input_size = hclient->req.client_input_size;
	params.session_id = session->session_id;
	params.set = pop3_set;
	params.user = mail_user;
	params.destroyed = client_destroyed;
	params.context = psession;
	session->context = psession;
	psession->client = pop3_client_create(&params);
}

static void pop3_session_kick(struct postlogin_session *session)
{
	struct pop3_session *psession = session->context;

	if (psession != NULL)
		pop3_client_kick(psession->client, "Kicked by admin");
}

static void pop3_session_shutdown(struct postlogin_session *session)
{
	struct pop3_session *psession = session->context;

	if (psession != NULL)
		pop3_client_kick(psession->client, "Server shutting down.");
}

static const struct postlogin_callbacks pop3_callbacks = {
	.session_start = pop3_session_start,
	.session_kick = pop3_session_kick,
	.session_shutdown = pop3_session_shutdown,
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
	pool = pool_alloconly_create("pop3", 4096);
	postlogin = postlogin_service_init(service, POSTLOGIN_SERVICE, &pop3_callbacks);
	memset(&filter, 0, sizeof(filter));
	filter.protocol = POSTLOGIN_SERVICE;
	config = master_service_get_config(service);
	if (settings_to_struct(config, config->root, &mail_storage_setting_table, &filter, pool,
			       &setp, &error) < 0)
		i_fatal("settings: %s", error);
	storage_set = setp;
	if (settings_to_struct(config, config->root, &pop3_setting_table, &filter, pool, &setp,
			       &error) < 0)
		i_fatal("settings: %s", error);
	pop3_set = setp;
	/* the quota plugin keeps maildirsize right when POP3 deletes */
	mail_storage_plugin_settings_set(pop3_set->plugin);
	bool quota = quota_plugin_wanted(pop3_set->mail_plugins, "quota");
	if (quota) {
		struct quota_plugin_settings qset;

		quota_plugin_settings_from_config(config, pool, &qset);
		quota_plugin_init(&qset);
	}
	master_service_init_finish(service);
	master_service_run(service, client_connected);
	postlogin_service_deinit(&postlogin);
	if (quota)
		quota_plugin_deinit();
	master_service_deinit(&service);
	pool_unref(&pool);
	return 0;
}

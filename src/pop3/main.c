/* pop3: the post-login POP3 process.

   What it does: takes one hand-off from pop3-login on its unix listener
   (login/pop3), redeems the login at auth-master, becomes the mail user
   (userdb uid/gid or mail_uid/mail_gid, first/last_valid_uid/gid, never
   root), registers the session at anvil, answers the login process, and
   serves the POP3 session (src/pop3/pop3-client.c) on the user's INBOX.

   Privileges: started as root (the built-in service has no user), so that
   it can become any mail user; it drops for good before it reads a single
   byte from the client or touches mail.

   Untrusted input: the hand-off request comes from a login process, which
   handled untrusted input: it is checked strictly (login-handoff-server.h);
   the client's commands go through the bounded reader of pop3-client.c. */
#include "lib.h"
#include "master-service.h"
#include "anvil-client.h"
#include "login-handoff-server.h"

#include "mail-storage-settings.h"
#include "mail-user.h"
#include "pop3-client.h"
#include "pop3-settings.h"

#define POSTLOGIN_SERVICE "pop3"

static struct master_service *service;
static const struct login_handoff_settings *set;
static struct anvil_client *anvil;
static const struct mail_storage_settings *storage_set;
static const struct pop3_settings *pop3_set;
static pool_t pool;

struct pop3_session {
	struct mail_user *user;
	int fd;
};

static void client_destroyed(void *context)
{
	struct pop3_session *session = context;

	mail_user_free(&session->user);
	i_close_fd(&session->fd);
	i_free(session);
	master_service_client_connection_destroyed(service);
}

static void client_connected(struct master_service_connection *conn)
{
	struct login_handoff_client client;
	struct login_handoff_user user;
	struct pop3_client_params params;
	struct mail_user *mail_user;
	const char *error;

	if (login_handoff_server_accept(conn->fd, set, pool, &client, &user) < 0)
		return;
	/* the hand-off connection has done its job; the client is ours */
	conn->accepted = true;
	close(conn->fd);
	login_handoff_session_started(set, anvil, POSTLOGIN_SERVICE, &client, &user, pool);
	const struct mail_storage_settings *user_set =
		mail_storage_settings_apply_userdb(storage_set, user.fields, pool);

	if (mail_user_create(user_set, user.username, user.home[0] == '\0' ? NULL : user.home,
			     &mail_user, &error) < 0) {
		i_error("%s", error);
		const char *reply = "-ERR [SYS/TEMP] Internal error occurred. "
				    "Refer to server log for more information.\r\n";
		if (write(client.client_fd, reply, strlen(reply)) < 0) {
			/* the client is gone anyway */
		}
		close(client.client_fd);
		master_service_client_connection_destroyed(service);
		return;
	}
	struct pop3_session *session = i_new(struct pop3_session, 1);

	session->user = mail_user;
	session->fd = client.client_fd;
	memset(&params, 0, sizeof(params));
	params.fd_in = client.client_fd;
	params.fd_out = client.client_fd;
	params.input = client.input;
	params.input_size = client.req.client_input_size;
	params.session_id = p_strdup(pool, client.req.session_id);
	params.set = pop3_set;
	params.user = mail_user;
	params.destroyed = client_destroyed;
	params.context = session;
	(void)pop3_client_create(&params);
}

int main(int argc, char *argv[])
{
	const struct config_tree *config;
	struct settings_filter filter;
	const char *error;
	void *setp;

	service = master_service_init(POSTLOGIN_SERVICE, MASTER_SERVICE_FLAG_NO_DROP, &argc, &argv);
	pool = pool_alloconly_create("pop3", 4096);
	login_handoff_service_init(service, POSTLOGIN_SERVICE, pool, &set, &anvil);
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
	master_service_init_finish(service);
	master_service_run(service, client_connected);
	anvil_client_deinit(&anvil);
	master_service_deinit(&service);
	pool_unref(&pool);
	return 0;
}

/* pop3: the post-login POP3 process -- for now only the end of the login
   path. The POP3 issue replaces this file with the real server.

   What it does: takes one hand-off from pop3-login on its unix listener
   (login/pop3), redeems the login at auth-master, becomes the mail user
   (userdb uid/gid or mail_uid/mail_gid, first/last_valid_uid/gid, never
   root), registers the session at anvil, answers the login process, then
   tells the client honestly that there is no POP3 service yet and closes.

   Privileges: started as root (the built-in service has no user), so that
   it can become any mail user; it drops for good before it writes a
   single byte to the client.

   Untrusted input: the hand-off request comes from a login process, which
   handled untrusted input: it is checked strictly (login-handoff-server.h);
   the client's own bytes are not read at all yet. */
#include "lib.h"
#include "master-service.h"
#include "anvil-interface.h"
#include "anvil-client.h"
#include "login-handoff-server.h"

#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>

#define POSTLOGIN_SERVICE "pop3"
/* how long the stub waits for the client to close after its goodbye */
#define CLIENT_CLOSE_WAIT_MSECS 10000

static struct master_service *service;
static const struct login_handoff_settings *set;
static struct anvil_client *anvil;
static pool_t pool;

static void write_all(int fd, const char *text)
{
	size_t len = strlen(text);

	fd_set_nonblock(fd, false);
	if (write(fd, text, len) != (ssize_t)len)
		i_error("write(client) failed: %m");
}

/* Sends our FIN, then waits (bounded) for the client to close, so that
   the session is visible (ps, anvil) while the client is still there. */
static void close_client(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[1024];

	(void)shutdown(fd, SHUT_WR);
	while (poll(&pfd, 1, CLIENT_CLOSE_WAIT_MSECS) > 0) {
		if (read(fd, buf, sizeof(buf)) <= 0)
			break;
	}
	close(fd);
}

static void client_connected(struct master_service_connection *conn)
{
	struct login_handoff_client client;
	struct login_handoff_user user;
	const char *ip;

	/* the hand-off connection itself is closed by the skeleton */
	if (login_handoff_server_accept(conn->fd, set, pool, &client, &user) < 0)
		return;
	log_set_prefix(login_handoff_log_prefix(set, POSTLOGIN_SERVICE, user.username,
						client.req.session_id, pool));
	i_info("Logged in: uid=%u, gid=%u, home=%s", (unsigned int)user.uid,
	       (unsigned int)user.gid, user.home);
	ip = net_ip2addr(pool_temp, &client.remote_ip);
	if (anvil != NULL) {
		anvil_client_cmd(anvil, t_strdup_printf(
			"CONNECT\t%ld\t%s\t%s\t%s", (long)getpid(), POSTLOGIN_SERVICE,
			anvil_client_field(pool_temp, user.username), ip[0] == '\0' ? "-" : ip));
	}
	/* the login succeeded: answer the command, then be honest */
	write_all(client.client_fd,
		  "+OK Logged in.\r\n-ERR Roost has no POP3 service yet.\r\n");
	i_info("Disconnected: no POP3 service yet");
	close_client(client.client_fd);
	client.client_fd = -1;
	master_service_stop(service);
}

int main(int argc, char *argv[])
{
	const struct config_tree *config;
	struct settings_filter filter;
	const char *error;
	void *setp;

	service = master_service_init(POSTLOGIN_SERVICE, MASTER_SERVICE_FLAG_NO_DROP, &argc, &argv);
	if (master_service_get_config(service) == NULL)
		i_fatal("no configuration (use -c FILE when running standalone)");
	pool = pool_alloconly_create("pop3", 4096);
	memset(&filter, 0, sizeof(filter));
	filter.protocol = POSTLOGIN_SERVICE;
	config = master_service_get_config(service);
	if (settings_to_struct(config, config->root, &login_handoff_setting_table, &filter, pool,
			       &setp, &error) < 0)
		i_fatal("settings: %s", error);
	set = setp;
	/* anvil's socket is root's: connect before becoming the user */
	if (anvil_client_connect(t_strdup_printf("%s/%s", set->base_dir, ANVIL_SOCKET_NAME),
				 &anvil, &error) < 0) {
		i_warning("anvil: %s", error);
		anvil = NULL;
	}
	master_service_init_finish(service);
	master_service_run(service, client_connected);
	anvil_client_deinit(&anvil);
	master_service_deinit(&service);
	pool_unref(&pool);
	return 0;
}

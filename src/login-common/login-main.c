/* The process skeleton shared by imap-login and pop3-login (login_main()).

   Start-up order matters for privilege separation: everything that needs
   root or files is done before master_service_init_finish() drops to the
   login user and chroots to base_dir/login: the TLS context (the key came
   with the configuration from the master) and the connection to anvil's
   penalty socket (mode 0600). After the drop the process opens nothing but
   the sockets in its chroot: "login" (auth) and the post-login service
   sockets ("imap", "pop3"). Without a chroot (the master runs
   unprivileged) it changes to base_dir/login so the same relative paths
   work. */
#include "lib.h"
#include "ioloop.h"
#include "master-service.h"
#include "auth-client.h"
#include "anvil-interface.h"
#include "anvil-client.h"
#include "tls-context.h"
#include "login-common.h"

#include <stdlib.h>

/* the auth client socket inside the login directory */
#define LOGIN_AUTH_SOCKET "login"

struct login_globals login_globals;

static void auth_connect_cb(struct auth_client *client ATTR_UNUSED, bool connected,
			    void *context ATTR_UNUSED)
{
	if (connected)
		login_clients_auth_ready();
}

static void login_tls_init(const struct login_settings *set)
{
	struct settings_filter filter;
	const char *error;

	if (strcmp(set->ssl, "no") == 0)
		return;
	memset(&filter, 0, sizeof(filter));
	filter.protocol = login_globals.binary->protocol;
	if (tls_context_create(login_globals.config, &filter, &login_globals.tls_ctx,
			       &error) < 0) {
		/* the master checked the settings: without a certificate TLS
		   is simply not offered (plaintext-only set-ups) */
		if (strcmp(set->ssl, "required") == 0)
			i_fatal("TLS: %s", error);
		i_debug("TLS not available: %s", error);
		login_globals.tls_ctx = NULL;
	}
}

int login_main(const struct login_binary *binary, int argc, char *argv[])
{
	struct settings_filter filter;
	const struct login_settings *set;
	const char *error, *path;
	bool chrooted;
	pool_t pool;
	void *setp;

	login_globals.binary = binary;
	login_globals.service = master_service_init(binary->process_name, 0, &argc, &argv);
	login_globals.config = master_service_get_config(login_globals.service);
	if (login_globals.config == NULL)
		i_fatal("no configuration (use -c FILE when running standalone)");
	pool = pool_alloconly_create("login settings", 1024);
	memset(&filter, 0, sizeof(filter));
	filter.protocol = binary->protocol;
	if (settings_to_struct(login_globals.config, login_globals.config->root,
			       &login_setting_table, &filter, pool, &setp, &error) < 0)
		i_fatal("settings: %s", error);
	set = setp;
	if (set->auth_debug)
		log_set_debug(true);

	login_tls_init(set);
	path = t_strdup_printf("%s/%s", set->base_dir, ANVIL_PENALTY_SOCKET_NAME);
	if (anvil_client_connect(path, &login_globals.anvil, &error) < 0) {
		i_warning("anvil: %s: login penalties are not shared", error);
		login_globals.anvil = NULL;
	}

	chrooted = getenv("ROOST_DROP_CHROOT") != NULL && getenv("ROOST_DROP_CHROOT")[0] != '\0';
	master_service_init_finish(login_globals.service);
	if (!chrooted) {
		path = t_strdup_printf("%s/login", set->base_dir);
		if (chdir(path) < 0)
			i_fatal("chdir(%s) failed: %m", path);
	}

	login_globals.auth = auth_client_init(LOGIN_AUTH_SOCKET, getpid());
	auth_client_set_connect_callback(login_globals.auth, auth_connect_cb, NULL);

	master_service_run(login_globals.service, login_client_create);

	auth_client_deinit(&login_globals.auth);
	anvil_client_deinit(&login_globals.anvil);
	if (login_globals.tls_ctx != NULL)
		tls_context_unref(&login_globals.tls_ctx);
	master_service_deinit(&login_globals.service);
	pool_unref(&pool);
	return 0;
}

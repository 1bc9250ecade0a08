/* auth: the authentication service (Dovecot's auth process).

   What it does: verifies credentials for login processes and for Postfix
   (SASL client protocol 1.x on login/login, auth-login, auth-client and
   any admin-added listener such as /var/spool/postfix/private/auth),
   answers userdb/passdb lookups and redeems successful logins for
   post-login processes, lmtp and roostadm (master protocol on auth-master
   and, userdb lookups only, auth-userdb).

   Privileges: started by the master, it drops to default_internal_user in
   master_service_init_finish() after it has read the configuration. Its
   drivers only read passwd-files the admin made readable to that user.

   Run as `auth -w` it is an auth worker (service auth-worker, usually
   root): it serves one connection from the auth process, running the work
   that blocks -- slow password hashes, PAM, getpwnam(), SQL queries -- so
   the auth process's event loop never waits on it. The SQL connection
   files (passdb/userdb sql args) are read by auth at start-up while still
   root, and by each worker (root by default) when it first needs them.

   Untrusted input: everything on the client listeners (login processes
   relay what remote users type; Postfix does too). Lines are bounded
   (AUTH_CLIENT_MAX_LINE_LENGTH), parsed strictly, and every client string
   that reaches the log is sanitised. */
#include "lib.h"
#include "master-service.h"
#include "auth-settings.h"
#include "auth.h"
#include "auth-client-connection.h"
#include "auth-master-connection.h"
#include "auth-worker-server.h"
#include "auth-worker-client.h"

#include <stdio.h>
#include <time.h>



static bool str_ends_with_name(const char *path, const char *name)
{
	const char *base = strrchr(path, '/');

	base = base == NULL ? path : base + 1;
	return strcmp(base, name) == 0;
}

static void client_connected(struct master_service_connection *conn)
{
	const char *name = conn->listener_name;

	if (str_ends_with_name(name, "auth-master"))
		auth_master_connection_create(conn, false);
	else if (str_ends_with_name(name, "auth-userdb"))
		auth_master_connection_create(conn, true);
	else
		auth_client_connection_create(conn);
}

static void worker_connected(struct master_service_connection *conn)
{
	auth_worker_client_create(conn);
}

int main(int argc, char *argv[])
{
	const struct auth_settings *set;
	const char *error;
	pool_t pool;
	bool worker = false;

	auth_master_service = master_service_init("auth", 0, &argc, &argv);
	if (argc > 0 && strcmp(argv[0], "-w") == 0)
		worker = true;
	auth_pid = getpid();
	auth_start_time = time(NULL);
	pool = pool_alloconly_create("auth settings", 8192);
	if (master_service_get_config(auth_master_service) == NULL)
		i_fatal("No configuration (run auth from the master, or give -c FILE)");
	if (auth_settings_read(master_service_get_config(auth_master_service), pool, &set,
			       &error) < 0)
		i_fatal("Invalid settings: %s", error);
	if (set->auth_debug)
		log_set_debug(true);
	if (worker) {
		log_set_prefix("auth-worker: ");
		(void)auth_init_worker(pool, set, &global_auth);
		master_service_init_finish(auth_master_service);
		master_service_run(auth_master_service, worker_connected);
		auth_deinit(&global_auth);
		master_service_deinit(&auth_master_service);
		pool_unref(&pool);
		return 0;
	}

	/* resolve users and groups while /etc is still what the admin sees */
	if (auth_init(pool, set, &global_auth, &error) < 0)
		i_fatal("%s", error);
	auth_worker_server_init(t_strdup_printf("%s/auth-worker", set->base_dir),
				set->auth_worker_max_count);
	master_service_init_finish(auth_master_service);

	master_service_run(auth_master_service, client_connected);

	auth_client_connections_destroy_all();
	auth_master_connections_destroy_all();
	auth_worker_server_deinit();
	auth_deinit(&global_auth);
	master_service_deinit(&auth_master_service);
	pool_unref(&pool);
	return 0;
}

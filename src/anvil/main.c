/* anvil: the counters every Roost process shares.

   What it does: keeps the list of logged-in sessions (user, service, pid,
   IP; for mail_max_userip_connections and `roostadm who`) and the recent
   authentication failures per IP (the login penalty). Protocol:
   src/lib-login/anvil-interface.h.

   Privileges: started by the master, drops to default_internal_user and
   is chrooted to base_dir/empty; it opens no files.

   Sockets: the unix listeners "anvil" and "anvil-auth-penalty" (mode 0600,
   so only processes still running as root can connect: login processes
   and post-login processes connect before they drop privileges; roostadm
   as root).

   Untrusted input: none from the network; its peers are Roost's own
   processes, and a malformed line from one is logged and ends that
   connection only. One process (process_limit = 1), so the counters are
   global. */
#include "lib.h"
#include "master-service.h"
#include "anvil-state.h"
#include "anvil-connection.h"

static struct master_service *service;
static struct anvil_state *state;

static void connection_ended(void *context ATTR_UNUSED)
{
	master_service_client_connection_destroyed(service);
}

static void client_connected(struct master_service_connection *conn)
{
	(void)anvil_connection_create(conn->fd, state, connection_ended, NULL);
	conn->accepted = true;
}

int main(int argc, char *argv[])
{
	service = master_service_init("anvil", MASTER_SERVICE_FLAG_STANDALONE_OK, &argc, &argv);
	master_service_init_finish(service);
	state = anvil_state_create();
	anvil_state_set_notify(state, anvil_connection_notify, NULL);
	master_service_run(service, client_connected);
	/* connections still open end with the process */
	master_service_deinit(&service);
	return 0;
}

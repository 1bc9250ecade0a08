#ifndef MASTER_SERVICE_H
#define MASTER_SERVICE_H

/* The skeleton every process started by the master runs on (and that the
   same binaries use standalone, e.g. "imap" on stdin/stdout in tests).

   It owns: the log setup (child line protocol to the master), the config
   (read from MASTER_CONFIG_FD, or from -c FILE standalone), the listener
   fds and accepting on them within client_limit/service_count, the status
   updates the master uses to decide when to start more processes, the
   dead-pipe that tells it to stop, and the one privilege drop. */

#include "net.h"
#include "settings.h"

struct master_service;

struct master_service_connection {
	int fd;
	int listen_fd;
	const char *listener_name; /* "imaps", "login/imap", ... */
	bool ssl;     /* the listener has ssl = yes */
	bool is_unix;
	struct ip_addr remote_ip, local_ip;
	unsigned int remote_port, local_port;
	/* set by the callback when it keeps the fd (else it is closed) */
	bool accepted;
};

typedef void master_service_connection_callback_t(struct master_service_connection *conn);
typedef void master_service_stop_callback_t(void *context);

/* how long a stopping process waits for its clients after SIGTERM */
#define MASTER_SERVICE_STOP_GRACE_MSECS 5000

enum master_service_flags {
	/* the process keeps running without listeners (e.g. a log or anvil
	   process) */
	MASTER_SERVICE_FLAG_STANDALONE_OK = 0x01,
	/* do not drop privileges in init_finish (the service drops them itself
	   later, e.g. per user) */
	MASTER_SERVICE_FLAG_NO_DROP = 0x02,
};

/* Parses -c FILE and -D (debug) from argv (stops at the first unknown
   option; see master_service_get_optind()). Sets up logging with the
   service name as the log prefix. On a fatal error (bad config) it exits:
   this runs from main(). */
struct master_service *master_service_init(const char *name, enum master_service_flags flags,
					   int *argc, char **argv[]);
const char *master_service_get_name(const struct master_service *service);
bool master_service_is_standalone(const struct master_service *service);

/* The configuration as the master validated it. */
const struct config_tree *master_service_get_config(const struct master_service *service);

/* Drops privileges as the master asked (unless NO_DROP) and starts
   accepting. Call after reading secrets (TLS keys). */
void master_service_init_finish(struct master_service *service);

/* Runs the ioloop until master_service_stop() or until the service has no
   reason to live (dead pipe EOF / service_count reached, and no clients). */
void master_service_run(struct master_service *service,
			master_service_connection_callback_t *callback);
void master_service_stop(struct master_service *service);
/* On SIGTERM, instead of leaving the loop at once: stop accepting, call
   callback (which ends the process's clients, e.g. with "* BYE Server
   shutting down."), and leave the loop when the last client is gone or
   after MASTER_SERVICE_STOP_GRACE_MSECS. */
void master_service_set_stop_callback(struct master_service *service,
				      master_service_stop_callback_t *callback, void *context);
/* A connection handed to the callback with accepted = true has ended. */
void master_service_client_connection_destroyed(struct master_service *service);
/* Stop accepting new clients (e.g. shutting down); running ones go on. */
void master_service_stop_new_connections(struct master_service *service);
unsigned int master_service_get_client_limit(const struct master_service *service);
void master_service_deinit(struct master_service **service);

#endif

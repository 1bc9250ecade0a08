#ifndef AUTH_WORKER_SERVER_H
#define AUTH_WORKER_SERVER_H

/* The auth process's side of the worker protocol (auth-worker-protocol.h):
   a pool of at most auth_worker_max_count connections to base_dir/
   auth-worker (the master starts a worker process per connection), a
   queue, and deadlines so every request is answered. */

#include "auth-request.h"

/* status: "ok", "mismatch", ...; args: the fields after it (NULL-terminated,
   valid during the call). "item" for each ITEM line before the RESULT. On timeout or a lost worker, status is
   "internal" with a reason in args[0]. */
typedef void auth_worker_callback_t(const char *status, const char *const *args, void *context);
typedef void auth_worker_verify_callback_t(enum passdb_result result, const char *error,
					   void *context);

void auth_worker_server_init(const char *socket_path, unsigned int max_count);
void auth_worker_server_deinit(void);

/* Sends "CMD TAB <id> TAB args..." where request_args is the part after
   the id, fields already escaped and joined with TABs. */
void auth_worker_call(const char *cmd, const char *request_args, auth_worker_callback_t *callback,
		      void *context);

/* VERIFY in a worker. */
void auth_worker_verify(const char *user, const char *password, const char *stored,
			const char *default_scheme, auth_worker_verify_callback_t *callback,
			void *context);

/* Maps a worker status to a passdb result. */
enum passdb_result auth_worker_status_to_result(const char *status);

#endif

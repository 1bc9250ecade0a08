#ifndef AUTH_MASTER_CLIENT_H
#define AUTH_MASTER_CLIENT_H

/* The client half of the auth master/userdb protocol
   (auth-master-interface.h), for post-login processes, lmtp and roostadm.

   Calls are synchronous: each sends one request and waits (poll(), never
   longer than the timeout given at creation) for its answer. That suits
   its users, which do one lookup before they start serving (Dovecot's
   auth-master client works the same way); an event-loop process must not
   call it from a loop callback that has other clients to serve.

   The connection is opened on the first request and kept; after an error
   it is closed and the next request reconnects. Strings returned through
   *_r come from the pool given to the call; error strings from pool_temp. */

#include "net.h"

#define AUTH_MASTER_DEFAULT_TIMEOUT_MSECS 10000

struct auth_master_client;

/* Optional request parameters (all may be left zero / NULL). */
struct auth_master_user_info {
	const char *service; /* NULL: "roostadm" is not assumed: must be set */
	struct ip_addr local_ip, remote_ip;
	unsigned int local_port, remote_port;
	const char *session_id;
	bool debug;
};

/* socket_path: base_dir/auth-master or base_dir/auth-userdb. Does not
   connect yet. */
struct auth_master_client *auth_master_client_create(const char *socket_path,
						     unsigned int timeout_msecs);
void auth_master_client_destroy(struct auth_master_client **client);

/* USER: userdb lookup. Returns 1 with the (possibly changed) user name and
   the userdb fields ("key=value", NULL-terminated), 0 when the user does
   not exist, -1 on failure (*error_r: auth's reason, or the I/O error). */
int auth_master_user_lookup(struct auth_master_client *client, const char *user,
			    const struct auth_master_user_info *info, pool_t pool,
			    const char **username_r, const char *const **fields_r,
			    const char **error_r);

/* PASS: passdb lookup without a password check (auth-master only).
   Returns like auth_master_user_lookup(); the fields include "user=". */
int auth_master_pass_lookup(struct auth_master_client *client, const char *user,
			    const struct auth_master_user_info *info, pool_t pool,
			    const char *const **fields_r, const char **error_r);

/* REQUEST: redeems a successful login of the client-protocol connection of
   process client_pid, request client_id, with that connection's cookie
   (auth-master only). Returns like auth_master_user_lookup(). */
int auth_master_request(struct auth_master_client *client, pid_t client_pid,
			unsigned int client_id, const unsigned char *cookie, size_t cookie_size,
			pool_t pool, const char **username_r, const char *const **fields_r,
			const char **error_r);

/* LIST: the users the userdbs can enumerate, optionally only those
   matching user_mask (wildcards '*' and '?'). Returns 0 with a
   NULL-terminated list, or -1. */
int auth_master_user_list(struct auth_master_client *client, const char *user_mask,
			  const struct auth_master_user_info *info, pool_t pool,
			  const char *const **users_r, const char **error_r);

/* The asynchronous REQUEST, for a post-login process that serves many
   clients from its event loop: one connection, opened (and its handshake
   done, synchronously) by auth_master_async_connect() while the process
   may still open the socket, then kept; requests are pipelined and
   answered from the ioloop. After the connection is lost, requests fail
   (the caller decides what a process that cannot redeem logins does). */
struct auth_master_async;

/* ret: 1 found (username, fields from the request's pool), 0 not found
   (forged or expired login), -1 failure (error). */
typedef void auth_master_async_callback_t(int ret, const char *username,
					  const char *const *fields, const char *error,
					  void *context);

int auth_master_async_connect(const char *socket_path, unsigned int timeout_msecs,
			      struct auth_master_async **conn_r, const char **error_r);
/* Pending requests are dropped without their callbacks. */
void auth_master_async_destroy(struct auth_master_async **conn);
bool auth_master_async_is_connected(const struct auth_master_async *conn);
/* REQUEST (peek: without redeeming, see auth-master-interface.h). The
   callback runs from the ioloop, never from here; it gets the answer or a
   failure after the timeout given at connect. Returns an id for
   auth_master_async_abort(). */
unsigned int auth_master_async_request(struct auth_master_async *conn, pid_t client_pid,
				       unsigned int client_id, const unsigned char *cookie,
				       size_t cookie_size, bool peek, pool_t pool,
				       auth_master_async_callback_t *callback, void *context);
/* Forgets request id: its callback is not called. */
void auth_master_async_abort(struct auth_master_async *conn, unsigned int id);

/* Parses one answer line of USER/PASS/REQUEST for request id: returns 1
   (found: *username_r, *fields_r), 0 (NOTFOUND), -1 (FAIL, *error_r the
   reason) or -2 (the line is malformed or for another id). Pure; exposed
   for tests. */
int auth_master_parse_reply(const char *line, unsigned int id, pool_t pool,
			    const char **username_r, const char *const **fields_r,
			    const char **error_r);

#endif

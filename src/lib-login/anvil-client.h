#ifndef ANVIL_CLIENT_H
#define ANVIL_CLIENT_H

/* Client of the anvil protocol (anvil-interface.h).

   Event-loop processes (login) use the asynchronous queries; tools and
   start-up code (roostadm, a post-login process before it serves) may use
   anvil_client_query_sync(), which waits at most timeout_msecs. Losing the
   connection is not fatal for the caller: pending callbacks get NULL and
   later commands are dropped (the counters are advisory). */

struct anvil_client;

/* reply: the answer line, or NULL when anvil is gone. */
typedef void anvil_query_callback_t(const char *reply, void *context);

/* Connects (a blocking connect on a unix socket, which is immediate) and
   sends VERSION. Returns 0, or -1 with *error_r. */
int anvil_client_connect(const char *path, struct anvil_client **client_r,
			 const char **error_r);
void anvil_client_deinit(struct anvil_client **client);
bool anvil_client_is_connected(const struct anvil_client *client);

/* A post-login process (which owns sessions) gets anvil's unsolicited
   "KICK TAB <user>" lines (anvil-interface.h): callback(user, context) runs
   from the ioloop for each. Starts reading at once. */
typedef void anvil_kick_callback_t(const char *user, void *context);
void anvil_client_set_kick_callback(struct anvil_client *client,
				    anvil_kick_callback_t *callback, void *context);

/* A command without a reply (CONNECT, DISCONNECT, PENALTY-INC). cmd is the
   line without LF, fields already made safe with anvil_client_field(). */
void anvil_client_cmd(struct anvil_client *client, const char *cmd);
/* A one-line query (LOOKUP, PENALTY-GET); the callback runs from the
   ioloop, never from here. */
void anvil_client_query(struct anvil_client *client, const char *query,
			anvil_query_callback_t *callback, void *context);
/* Sends query and reads reply lines until an empty line (multi_line) or
   the first line. Returns 0 with the lines (NULL-terminated, from pool),
   or -1 with *error_r. Only when no asynchronous query is pending. */
int anvil_client_query_sync(struct anvil_client *client, const char *query, bool multi_line,
			    unsigned int timeout_msecs, pool_t pool,
			    const char *const **lines_r, const char **error_r);

/* A copy of value that is safe as one anvil field: control bytes
   become '?', and it is cut to ANVIL_MAX_FIELD_LENGTH. */
const char *anvil_client_field(pool_t pool, const char *value);

#endif

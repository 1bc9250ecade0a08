#ifndef AUTH_CLIENT_CONNECTION_H
#define AUTH_CLIENT_CONNECTION_H

/* The server side of the client protocol 1.x (auth-client-interface.h) on
   one connection from a login process or Postfix. */

struct master_service_connection;
struct auth_request;

void auth_client_connection_create(struct master_service_connection *conn);
/* For the master's REQUEST: the successful, not yet redeemed request id of
   the connection of process pid whose cookie matches. Removes it from the
   connection (a login is redeemed once) and returns it with a reference
   the caller drops. NULL when there is none (*error_r says why, for the
   log). */
struct auth_request *auth_client_connection_take_request(pid_t pid, unsigned int id,
							 const unsigned char *cookie,
							 const char **error_r);
/* The same request, left in place (still redeemable): for REQUEST's peek.
   The connection keeps its reference; use the result at once. */
struct auth_request *auth_client_connection_peek_request(pid_t pid, unsigned int id,
							 const unsigned char *cookie,
							 const char **error_r);
void auth_client_connections_destroy_all(void);

#endif

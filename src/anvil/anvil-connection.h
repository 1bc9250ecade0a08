#ifndef ANVIL_CONNECTION_H
#define ANVIL_CONNECTION_H

/* One client connection of anvil: reads the protocol of anvil-interface.h
   with the bounded line reader and applies it to the shared state. */

struct anvil_state;
struct anvil_connection;

typedef void anvil_connection_destroy_callback_t(void *context);

/* Takes over fd. destroy_callback runs once when the connection ends. */
struct anvil_connection *anvil_connection_create(int fd, struct anvil_state *state,
						 anvil_connection_destroy_callback_t *callback,
						 void *context);
void anvil_connection_destroy(struct anvil_connection **conn);

/* The anvil_state notify function of the daemon: writes "KICK TAB user"
   to the owner, which is an anvil_connection. */
void anvil_connection_notify(const void *owner, const char *user, void *context);

/* Parses and applies one line (without LF). Appends any reply (with its
   LF) to reply. Returns 0, or -1 with *error_r: a peer bug, the
   connection must be closed. Pure apart from the state; for tests. */
int anvil_connection_line(struct anvil_state *state, const void *owner, bool *version_seen,
			  const char *line, time_t now, string_t *reply, const char **error_r);

#endif

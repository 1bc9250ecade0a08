#ifndef AUTH_OUTPUT_H
#define AUTH_OUTPUT_H

/* Non-blocking line output for the auth service's connections: writes at
   once when the socket takes it, keeps the rest (bounded) and flushes it
   when the socket is writable. A peer that stops reading and lets more
   than AUTH_OUTPUT_MAX_BUFFER pile up is cut off by its owner. */

#define AUTH_OUTPUT_MAX_BUFFER (1024 * 1024)

struct auth_output;

struct auth_output *auth_output_create(int fd);
void auth_output_destroy(struct auth_output **output);
/* Sends data as is. Returns 0, or -1 when the peer is gone or does not
   read (the owner should disconnect it). */
int auth_output_send(struct auth_output *output, const void *data, size_t size);
int auth_output_send_str(struct auth_output *output, const string_t *str);

#endif

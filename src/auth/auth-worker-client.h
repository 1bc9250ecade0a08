#ifndef AUTH_WORKER_CLIENT_H
#define AUTH_WORKER_CLIENT_H

/* The worker process (`auth -w`): serves the auth process's connection,
   one blocking request at a time (auth-worker-protocol.h). */

struct master_service_connection;

void auth_worker_client_create(struct master_service_connection *conn);

/* Handles one request line (without LF) and returns the reply line
   (without LF), or NULL when the line is malformed. Pure apart from the
   work it does (hashing, PAM, getpwnam); exposed for tests. */
const char *auth_worker_handle_line(const char *line);
/* "RESULT\t<id>\t<status>[\t<escaped text>]": a request's reply line. */
const char *auth_worker_reply(unsigned int id, const char *status, const char *text);

#endif

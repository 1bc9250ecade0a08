#ifndef AUTH_MASTER_CONNECTION_H
#define AUTH_MASTER_CONNECTION_H

/* The server side of the master/userdb protocol (auth-master-interface.h).
   userdb_only connections (the auth-userdb listener, mode 0666) may only
   look users up and list them. */

struct master_service_connection;

void auth_master_connection_create(struct master_service_connection *conn, bool userdb_only);
void auth_master_connections_destroy_all(void);

#endif

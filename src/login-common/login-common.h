#ifndef LOGIN_COMMON_H
#define LOGIN_COMMON_H

/* Process-wide state of a login process (inside login-common only). */

#include "login-client.h"

struct master_service;
struct master_service_connection;
struct config_tree;
struct auth_client;
struct anvil_client;
struct tls_context;

struct login_globals {
	const struct login_binary *binary;
	struct master_service *service;
	const struct config_tree *config;
	struct auth_client *auth;
	struct anvil_client *anvil; /* NULL: no penalty bookkeeping */
	struct tls_context *tls_ctx; /* NULL: TLS not available */
	struct login_client *clients; /* linked list */
};
extern struct login_globals login_globals;

/* A new connection from master_service_run(). */
void login_client_create(struct master_service_connection *conn);
/* The auth connection became ready: greet the clients that waited. */
void login_clients_auth_ready(void);

#endif

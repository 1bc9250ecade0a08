#ifndef POSTLOGIN_SERVICE_H
#define POSTLOGIN_SERVICE_H

/* The skeleton of a post-login process (imap, pop3) that serves many
   sessions of ONE uid/gid at once, on top of master-service.

   A process starts as root. Its first hand-off is redeemed at auth-master
   (REQUEST) and the process becomes that user's uid/gid for good
   (login_handoff_server_become()). From then on every hand-off is first
   peeked at (REQUEST with "peek": auth answers the userdb fields without
   redeeming the login). Same uid and gid: the login is redeemed and served
   here. Another uid or gid: the process stops accepting at once (its
   listeners close and the master is told it has no free slot, so it starts
   another process when needed), leaves the login untouched and answers the
   login process "FAIL retry", which hands it off again to another process.
   The uid always comes from auth, never from the login process.

   Every hand-off and auth answer is handled from the event loop, so a slow
   auth lookup or a stuck login process never stalls the sessions already
   served. Each session has its own io_context (ioloop.h) with its log
   prefix (mail_log_prefix), its anvil registration (CONNECT/DISCONNECT,
   for mail_max_userip_connections and roostadm who) and answers anvil's
   KICK for its user. SIGTERM ends every session through the shutdown
   callback before the process exits. */

#include "net.h"
#include "login-handoff-server.h"

struct master_service;
struct master_service_connection;
struct postlogin_service;

struct postlogin_session {
	struct postlogin_service *service;
	struct postlogin_session *prev, *next;
	pool_t pool;
	/* the session's log prefix; current in all its callbacks */
	struct io_context *ioctx;

	/* from the login process */
	struct login_handoff_client client;
	/* from auth (username, userdb fields) and resolved (uid, gid, home) */
	struct login_handoff_user user;
	const char *session_id;

	/* the protocol's client, set by session_start */
	void *context;
	bool ended;
};

struct postlogin_callbacks {
	/* The session is ready: the process runs as the user, the session's
	   io_context is current, session->client.client_fd is the client's
	   socket (now the callee's), client.input/req.client_input_size its
	   pipelined input, client.req.tag the IMAP tag of the login. On
	   failure the callee ends the session itself. */
	void (*session_start)(struct postlogin_session *session);
	/* anvil KICK: the admin wants the session gone; the callee tells the
	   client and ends the session (later, from its own callbacks, is
	   fine). Runs with the session's io_context current. */
	void (*session_kick)(struct postlogin_session *session);
	/* SIGTERM: the same, with the shutdown text. */
	void (*session_shutdown)(struct postlogin_session *session);
};

/* Start-up, from main() while still root: the hand-off settings (filtered
   by protocol), the anvil and auth-master connections. Exits with
   i_fatal() on a configuration error. */
struct postlogin_service *postlogin_service_init(struct master_service *master,
						 const char *protocol,
						 const struct postlogin_callbacks *callbacks);
void postlogin_service_deinit(struct postlogin_service **service);
const struct login_handoff_settings *
postlogin_service_get_settings(const struct postlogin_service *service);

/* The master_service connection callback: takes the hand-off connection. */
void postlogin_service_connection(struct postlogin_service *service,
				  struct master_service_connection *conn);

/* The session is over (its client is closed): DISCONNECT at anvil, the
   master's slot freed. Safe from the session's own callbacks. */
void postlogin_session_end(struct postlogin_session **session);

#endif

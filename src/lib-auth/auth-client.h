#ifndef AUTH_CLIENT_H
#define AUTH_CLIENT_H

/* The client half of Dovecot's authentication protocol 1.x, as login
   processes (imap-login, pop3-login) speak it to the auth service's client
   listener ("login" inside the login chroot).

   Wire (one command per LF-terminated line, fields separated by TAB,
   values tab-escaped with \001 as Dovecot does):
     S: VERSION 1 <minor>   MECH <name> [flags...] (any number)
        SPID <pid>  CUID <id>  COOKIE <32 hex>  DONE
     C: VERSION 1 2         CPID <pid>
     C: AUTH <id> <mech> service=<s> [secured] [no-penalty] lip= rip= lport=
        rport= session= [resp=<base64>]
     C: CONT <id> <base64>
     S: CONT <id> <base64>  |  OK <id> user=<u> [k=v...]  |
        FAIL <id> [reason=<text>] [temp|code=temp_fail] [user=<u>]

   A server that sends a different major version, a line over
   AUTH_CLIENT_MAX_LINE_LENGTH, an unknown command after the handshake, or
   an answer for a request id we do not have is a broken peer: the
   connection is closed, every pending request fails with
   AUTH_REQUEST_STATUS_INTERNAL_FAIL, and the client reconnects after a
   second.

   Everything runs in the caller's ioloop; nothing blocks. Callbacks are
   never called from inside the function that the caller called
   (auth_client_request_new() etc.), so a caller may free its own objects
   in them, but must not call auth_client_deinit() from a callback. */

#include "net.h"
#include "auth-client-interface.h"

struct auth_client;
struct auth_client_request;

enum auth_mech_flags {
	AUTH_CLIENT_MECH_PLAINTEXT = 0x01, /* sends the password in the clear */
	AUTH_CLIENT_MECH_DICTIONARY = 0x02,
	AUTH_CLIENT_MECH_ACTIVE = 0x04,
	AUTH_CLIENT_MECH_FORWARD_SECRECY = 0x08,
	AUTH_CLIENT_MECH_MUTUAL_AUTH = 0x10,
	AUTH_CLIENT_MECH_ANONYMOUS = 0x20,
	AUTH_CLIENT_MECH_PRIVATE = 0x40, /* not to be advertised */
};

struct auth_mech_desc {
	const char *name; /* upper case */
	unsigned int flags; /* enum auth_mech_flags */
};

enum auth_request_status {
	/* the server wants more: data is its challenge (base64) */
	AUTH_REQUEST_STATUS_CONTINUE,
	/* authenticated: args holds the OK fields ("user=...", ...) */
	AUTH_REQUEST_STATUS_OK,
	/* the credentials were refused (args: FAIL fields) */
	AUTH_REQUEST_STATUS_FAIL,
	/* the auth service could not decide now (FAIL with temp or
	   code=temp_fail) */
	AUTH_REQUEST_STATUS_TEMP_FAIL,
	/* we lost the auth service or it misbehaved */
	AUTH_REQUEST_STATUS_INTERNAL_FAIL,
};

struct auth_request_info {
	const char *mech;    /* e.g. "PLAIN" */
	const char *service; /* "imap", "pop3" */
	const char *session_id; /* may be NULL */
	struct ip_addr local_ip, remote_ip;
	unsigned int local_port, remote_port;
	bool secured;
	bool no_penalty;
	/* initial response (SASL-IR); NULL = none. An empty initial
	   response is initial_resp != NULL with initial_resp_size 0 ("="). */
	const void *initial_resp;
	size_t initial_resp_size;
};

/* status: see enum. data: CONTINUE's base64 challenge ("" when empty),
   else NULL. args: NULL-terminated unescaped fields after the id (OK and
   the FAIL kinds; an empty list for INTERNAL_FAIL). The request is freed
   after any status but CONTINUE returns. */
typedef void auth_request_callback_t(struct auth_client_request *request,
				     enum auth_request_status status, const char *data,
				     const char *const *args, void *context);
/* Called when the handshake completes (connected = true) and when the
   connection is lost (false). */
typedef void auth_connect_callback_t(struct auth_client *client, bool connected,
				     void *context);

/* Connects to the auth service's client socket at path (relative paths
   are relative to the working directory, which is the login chroot).
   Failure to connect is not an error here: the client retries every
   second; auth_client_is_connected() tells when it is ready. client_pid
   is sent as CPID (normally getpid()). */
struct auth_client *auth_client_init(const char *path, pid_t client_pid);
/* The same over an already connected socket (tests); no reconnects. */
struct auth_client *auth_client_init_fd(int fd, pid_t client_pid);
/* Fails the pending requests silently (their callbacks are not called). */
void auth_client_deinit(struct auth_client **client);

void auth_client_set_connect_callback(struct auth_client *client,
				      auth_connect_callback_t *callback, void *context);
/* Whether the handshake finished and requests may be sent. */
bool auth_client_is_connected(const struct auth_client *client);
/* Mechanisms the server offered (valid until disconnect). */
const struct auth_mech_desc *auth_client_get_mechs(const struct auth_client *client,
						   unsigned int *count_r);
/* Case-insensitive lookup; NULL when the server does not offer it. */
const struct auth_mech_desc *auth_client_find_mech(const struct auth_client *client,
						   const char *name);
/* From the handshake: SPID, CUID and the 16-byte COOKIE. */
pid_t auth_client_get_server_pid(const struct auth_client *client);
unsigned int auth_client_get_connect_id(const struct auth_client *client);
const unsigned char *auth_client_get_cookie(const struct auth_client *client);

/* Starts an authentication. Must be connected. The callback is called
   from the ioloop, never from here. */
struct auth_client_request *auth_client_request_new(struct auth_client *client,
						    const struct auth_request_info *info,
						    auth_request_callback_t *callback,
						    void *context);
/* Answers a CONTINUE challenge with base64 data ("" for empty). */
void auth_client_request_continue(struct auth_client_request *request, const char *data_base64);
/* Forget the request: its callback is never called. Sets *request = NULL. */
void auth_client_request_abort(struct auth_client_request **request);
unsigned int auth_client_request_get_id(const struct auth_client_request *request);

#endif

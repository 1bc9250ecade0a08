#ifndef LOGIN_CLIENT_H
#define LOGIN_CLIENT_H

/* A pre-authentication client of a login process (shared by imap-login
   and pop3-login). login-common owns the connection (plain or TLS), the
   bounded line reader, the output, the idle timeout, the authentication
   against the auth service, the login penalty, the hand-off to the
   post-login process and the log lines; the protocol only parses its
   commands and words the answers (struct login_binary).

   Life: connect -> [TLS handshake] -> wait for auth -> greeting -> commands
   -> auth -> hand-off -> "Login:" logged -> (TLS: proxy until the
   post-login side closes) -> destroyed. Every other end is logged as
   "Disconnected (...)", "Aborted login (...)", etc. with Dovecot's
   reasons and the login_log_format_elements fields. */

#include "net.h"
#include "line-reader.h"
#include "login-settings.h"

struct login_client;
struct tls_context;

enum login_auth_result {
	/* the credentials were refused: NO [AUTHENTICATIONFAILED] */
	LOGIN_AUTH_RESULT_FAILED,
	/* auth could not decide now: NO [UNAVAILABLE] */
	LOGIN_AUTH_RESULT_TEMPFAIL,
	/* plaintext mechanism on an insecure connection */
	LOGIN_AUTH_RESULT_PLAINTEXT_DISABLED,
	/* the mechanism is not offered */
	LOGIN_AUTH_RESULT_MECH_UNSUPPORTED,
	/* the client answered "*" to a challenge */
	LOGIN_AUTH_RESULT_ABORTED,
	/* bad base64 from the client */
	LOGIN_AUTH_RESULT_INVALID_BASE64,
	/* the hand-off or the auth service failed: our fault */
	LOGIN_AUTH_RESULT_INTERNAL_FAILURE,
};

/* Texts as Dovecot words them */
#define LOGIN_AUTH_FAILED_MSG "Authentication failed."
#define LOGIN_AUTH_TEMP_FAILED_MSG "Temporary authentication failure."
#define LOGIN_PLAINTEXT_DISABLED_MSG                                                               \
	"Plaintext authentication disallowed on non-secure (SSL/TLS) connections."
#define LOGIN_PLAINTEXT_EXPOSED_MSG                                                                \
	"Plaintext authentication not allowed without SSL/TLS, but your client did it "          \
	"anyway. If anyone was listening, the password was exposed."
#define LOGIN_INTERNAL_FAILURE_MSG                                                                 \
	"Internal login failure. Refer to server log for more information."

struct login_binary {
	const char *process_name; /* "imap-login" */
	const char *protocol;     /* "imap": auth service name, settings filter */
	const char *handoff_socket; /* "imap", relative to base_dir/login */

	/* allocate the protocol's state (returned), called once */
	void *(*client_create)(struct login_client *client);
	void (*client_destroy)(struct login_client *client);
	/* the connection is ready (TLS done, auth connected) */
	void (*send_greeting)(struct login_client *client);
	/* read lines from login_client_get_reader() until it has no complete
	   line, the client is destroyed, or login_client_input_paused() */
	void (*input)(struct login_client *client);
	/* a SASL challenge (base64, "" when empty) */
	void (*auth_send_challenge)(struct login_client *client, const char *data);
	/* the end of a failed authentication attempt (text as above) */
	void (*auth_result)(struct login_client *client, enum login_auth_result result,
			    const char *text);
	/* the login is over for a reason the client should be told, e.g.
	   "Disconnected for inactivity." (may be NULL) */
	void (*notify_disconnect)(struct login_client *client, const char *text);
};

/* ---- process ---- */

/* Runs a login process: settings, TLS, anvil and auth connections, the
   privilege drop, then serves connections. Returns the exit code. */
int login_main(const struct login_binary *binary, int argc, char *argv[]);

/* ---- per client ---- */

void *login_client_get_context(struct login_client *client);
const struct login_settings *login_client_get_settings(const struct login_client *client);
struct line_reader *login_client_get_reader(struct login_client *client);
bool login_client_is_destroyed(const struct login_client *client);
/* TLS in use (implicit or after STARTTLS) */
bool login_client_is_tls(const struct login_client *client);
/* STARTTLS/STLS can be offered now: TLS configured and not yet on */
bool login_client_starttls_available(const struct login_client *client);
/* TLS, local == remote IP, or login_trusted_networks */
bool login_client_is_secured(const struct login_client *client);
/* plaintext mechanisms may be used now */
bool login_client_plaintext_allowed(const struct login_client *client);
/* The SASL mechanisms to advertise now (upper case, space-separated,
   plaintext ones only when allowed), "" when none. */
const char *login_client_get_mechs(struct login_client *client);
bool login_client_input_paused(const struct login_client *client);

/* Queues "line\r\n" to the client. */
void login_client_send_line(struct login_client *client, const char *line);
/* Counts a bad command; after LOGIN_CLIENT_MAX_BAD_COMMANDS it tells the
   client (notify_disconnect) and ends the connection. Returns false when
   the client was destroyed. */
bool login_client_bad_command(struct login_client *client);
/* After the answer to STARTTLS/STLS was queued: switch to TLS once it is
   written. Input pipelined after the command is thrown away. */
void login_client_starttls(struct login_client *client);

/* Sets the name logged as user=<> (LOGIN/USER give it before auth). */
void login_client_set_user(struct login_client *client, const char *user);
/* IMAP: the tag the post-login process will answer. */
void login_client_set_tag(struct login_client *client, const char *tag);
/* Starts SASL: mech as the client named it, initial response in base64
   (NULL: none; "=" or "": empty). The outcome comes through the binary's
   callbacks; input is paused until then. */
void login_client_auth_begin(struct login_client *client, const char *mech,
			     const char *initial_resp_base64);
/* Starts a private mechanism (one the auth service lists as "private",
   e.g. pop3-login's APOP) with raw initial response data; otherwise as
   login_client_auth_begin(). */
void login_client_auth_begin_private(struct login_client *client, const char *mech,
				     const void *data, size_t size);
/* Whether the auth service offers mech now (private ones included); if
   so, its pid (SPID) and the id of our connection to it (CUID), which an
   APOP timestamp carries. They change when the auth connection is made
   again. */
bool login_client_auth_mech_connect_id(struct login_client *client, const char *mech,
				       pid_t *server_pid_r, unsigned int *connect_uid_r);
/* LOGIN / USER+PASS: PLAIN with user and password. On an insecure
   connection this fails with PLAINTEXT_DISABLED (IMAP first sends its
   [ALERT] itself: the password already crossed the wire). */
void login_client_auth_plain(struct login_client *client, const char *user,
			     const char *password);
/* The client's answer to a challenge: base64, or "*" to abort. */
void login_client_auth_respond(struct login_client *client, const char *line);
/* Whether a SASL exchange waits for the client's next line. */
bool login_client_auth_waiting_response(const struct login_client *client);

/* Ends the client, logging reason with the disconnect details, e.g.
   login_client_destroy(c, "Aborted login") logs
   "Aborted login (no auth attempts in 0 secs): user=<>, rip=..." */
void login_client_destroy(struct login_client *client, const char *reason);

/* ---- log lines (exposed for tests) ---- */

struct login_log_fields {
	const char *user, *mech, *local_ip, *remote_ip, *session;
	const char *conn_state; /* %c: "TLS", "secured", "TLS handshaking", "" */
	unsigned int local_port, remote_port;
	pid_t mail_pid; /* 0: none */
	pid_t login_pid;
	const char *protocol;
	const char *ssl_security;
};
/* Formats msg with login_log_format and the login_log_format_elements,
   as Dovecot does: elements whose variables are all empty are left out
   (except those with the user name); client strings are sanitized so
   that they cannot forge a field. */
const char *login_log_format_line(const struct login_settings *set,
				  const struct login_log_fields *fields, const char *msg);
/* A client string made safe for user=<...>: control bytes, '<', '>' and
   ',' become '?', cut at 80 bytes. */
const char *login_log_escape(pool_t pool, const char *str);

#endif

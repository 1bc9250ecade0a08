#ifndef LOGIN_HANDOFF_SERVER_H
#define LOGIN_HANDOFF_SERVER_H

/* The post-login side of the hand-off (login-interface.h), for imap and
   pop3. A post-login process runs as root until a hand-off tells it whom
   to become; then, in this order:

     login_handoff_server_read()     request + client fd from the login process
     login_handoff_server_redeem()   REQUEST at auth-master: user + userdb fields
     login_handoff_server_become()   uid/gid (userdb or mail_uid/mail_gid),
                                     first/last_valid_uid/gid, never root,
                                     restrict_access(), chdir home
     login_handoff_server_reply()    "OK\t<pid>" (or FAIL) to the login process

   The calls are synchronous with bounded waits: the process serves this
   one client and nothing else is waiting in its loop yet. */

#include "net.h"
#include "settings.h"
#include "login-interface.h"

#define LOGIN_HANDOFF_READ_TIMEOUT_MSECS 5000

/* What the post-login side reads from the configuration. */
struct login_handoff_settings {
	const char *base_dir;
	const char *mail_uid, *mail_gid;
	const char *mail_home;
	unsigned int first_valid_uid, last_valid_uid;
	unsigned int first_valid_gid, last_valid_gid;
	const char *mail_log_prefix;
};
extern const struct setting_table login_handoff_setting_table;

struct login_handoff_client {
	struct login_handoff_request req;
	/* pipelined client input (client_input_size bytes) */
	const unsigned char *input;
	int client_fd;
	/* the login process, from the socket's credentials */
	pid_t login_pid;
	struct ip_addr local_ip, remote_ip;
	unsigned int local_port, remote_port;
};

struct login_handoff_user {
	const char *username;
	const char *const *fields; /* userdb "key=value", NULL-terminated */
	uid_t uid;
	gid_t gid;
	const char *home; /* "" when none */
};

/* Reads and checks one request from the login connection fd (strict:
   version, size, NUL-terminated strings, exactly one fd attached).
   Returns 0, or -1 with *error_r (the login process is then answered
   FAIL by the caller). Allocates from pool. */
int login_handoff_server_read(int fd, pool_t pool, struct login_handoff_client *client_r,
			      const char **error_r);
/* Checks a request buffer that was read (size bytes). Pure; for tests. */
int login_handoff_request_check(const void *data, size_t size,
				struct login_handoff_request *req_r, const char **error_r);

/* Redeems the login at auth_master_path. Returns 1 with *user_r (uid/gid
   not resolved yet), 0 when auth does not know the request (a forged or
   stale hand-off), -1 on failure (*temp_r: whether trying later may
   work). */
int login_handoff_server_redeem(const struct login_handoff_client *client,
				const char *auth_master_path, pool_t pool,
				struct login_handoff_user *user_r, const char **error_r);

/* Resolves uid/gid/home from the userdb fields (uid, gid, home) or the
   settings (mail_uid, mail_gid, mail_home with %variables), checks the
   valid ranges and refuses uid 0, then drops privileges for good and
   changes to the home directory when it exists. Returns 0, or -1 with
   *error_r. */
int login_handoff_server_become(const struct login_handoff_settings *set,
				struct login_handoff_user *user, const char **error_r);

/* Answers the login process: "OK\t<pid>" (ok) or "FAIL\t<temp|perm>\t<reason>". */
void login_handoff_server_reply(int fd, bool ok, bool temp, const char *reason);

/* The whole sequence for one hand-off connection fd: read, redeem at
   base_dir/auth-master, become the user, answer the login process. Failures
   are logged and answered FAIL; returns 0 with *client_r and *user_r (the
   process now runs as the user), or -1 (the caller just returns: its
   privileges may be dropped or not, so it must not serve anything). */
int login_handoff_server_accept(int fd, const struct login_handoff_settings *set, pool_t pool,
				struct login_handoff_client *client_r,
				struct login_handoff_user *user_r);

struct anvil_client;
struct master_service;
/* The start of every post-login process, before it drops privileges: its
   hand-off settings (filtered by protocol) and the anvil connection (whose
   socket is root's; *anvil_r is NULL with a warning logged when anvil is
   not there). Exits with i_fatal() on a configuration error: call it from
   main(). */
void login_handoff_service_init(struct master_service *service, const char *protocol,
				pool_t pool, const struct login_handoff_settings **set_r,
				struct anvil_client **anvil_r);

/* What every post-login process does once it is the user: switch the log
   prefix to the user's (mail_log_prefix), log "Logged in: uid=..., gid=...,
   home=...", and register the session at anvil (may be NULL) for
   mail_max_userip_connections and roostadm who. */
void login_handoff_session_started(const struct login_handoff_settings *set,
				   struct anvil_client *anvil, const char *service,
				   const struct login_handoff_client *client,
				   const struct login_handoff_user *user, pool_t pool);

/* The user's log prefix from mail_log_prefix (Dovecot's
   "%s(%u)<%{pid}><%{session}>: "), with the user name sanitized. */
const char *login_handoff_log_prefix(const struct login_handoff_settings *set,
				     const char *service, const char *username,
				     const char *session_id, pool_t pool);

#endif

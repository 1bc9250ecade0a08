#ifndef LOGIN_HANDOFF_SERVER_H
#define LOGIN_HANDOFF_SERVER_H

/* The post-login side of the hand-off (login-interface.h), for imap and
   pop3. A post-login process runs as root until a hand-off tells it whom
   to become; then, in this order:

     login_handoff_server_read()     request + client fd from the login process
     (REQUEST at auth-master: user + userdb fields; postlogin-service.c)
     login_handoff_server_become()   uid/gid (userdb or mail_uid/mail_gid),
                                     first/last_valid_uid/gid, never root,
                                     restrict_access(), chdir home
     login_handoff_server_reply()    "OK\t<pid>" (or FAIL) to the login process

   postlogin-service.h runs this sequence from the event loop for a
   process that serves many clients; the pieces are exposed for it and
   for tests. */

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
/* The same without waiting: fd is readable (the login process sends the
   request in one message right after connecting). */
int login_handoff_server_read_ready(int fd, pool_t pool, struct login_handoff_client *client_r,
				    const char **error_r);
/* Checks a request buffer that was read (size bytes). Pure; for tests. */
int login_handoff_request_check(const void *data, size_t size,
				struct login_handoff_request *req_r, const char **error_r);

/* Resolves uid/gid/home from the userdb fields (uid, gid, home) or the
   settings (mail_uid, mail_gid, mail_home with %variables), checks the
   valid ranges and refuses uid 0, then drops privileges for good and
   changes to the home directory when it exists. Returns 0, or -1 with
   *error_r. */
int login_handoff_server_become(const struct login_handoff_settings *set,
				struct login_handoff_user *user, const char **error_r);
/* The resolving half of become(): sets user->uid, gid and home (from
   pool_temp), changes nothing. Returns 0, or -1 with *error_r. */
int login_handoff_server_resolve(const struct login_handoff_settings *set,
				 struct login_handoff_user *user, const char **error_r);
/* chdir() to user->home when it exists (errors are logged, not fatal). */
void login_handoff_server_chdir_home(const struct login_handoff_user *user);

/* Answers the login process: "OK\t<pid>" (ok) or "FAIL\t<temp|perm>\t<reason>". */
void login_handoff_server_reply(int fd, bool ok, bool temp, const char *reason);
/* The same with any FAIL code ("temp", "perm", "retry"). */
void login_handoff_server_reply_code(int fd, bool ok, const char *code, const char *reason);

/* The user's log prefix from mail_log_prefix (Dovecot's
   "%s(%u)<%{pid}><%{session}>: "), with the user name sanitized. */
const char *login_handoff_log_prefix(const struct login_handoff_settings *set,
				     const char *service, const char *username,
				     const char *session_id, pool_t pool);

#endif

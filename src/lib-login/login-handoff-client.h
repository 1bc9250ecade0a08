#ifndef LOGIN_HANDOFF_CLIENT_H
#define LOGIN_HANDOFF_CLIENT_H

/* The login-process side of the hand-off (login-interface.h): connect to
   the post-login service's socket, send the request with the client fd,
   and wait (from the ioloop) for "OK\t<pid>" or "FAIL\t<code>\t<reason>". */

#include "login-interface.h"

#define LOGIN_HANDOFF_TIMEOUT_MSECS 30000

struct login_handoff;

enum login_handoff_result {
	LOGIN_HANDOFF_OK,
	/* FAIL temp, a timeout, or a broken connection: try again later */
	LOGIN_HANDOFF_TEMP_FAIL,
	/* FAIL perm: this user cannot be served (e.g. uid not allowed) */
	LOGIN_HANDOFF_PERM_FAIL,
	/* FAIL retry: that process serves another uid and left the login
	   untouched: hand it off again (it lands on another process) */
	LOGIN_HANDOFF_RETRY,
};

/* pid: the post-login process (OK only). reason: for the log (never for
   the client), NULL on OK. Runs from the ioloop; the hand-off is freed
   after the callback returns. */
typedef void login_handoff_callback_t(enum login_handoff_result result, pid_t pid,
				      const char *reason, void *context);

/* Sends req (its size and client_input_size are filled in here) followed
   by input_size bytes of input, with client_fd attached. The caller keeps
   its copy of client_fd. Returns 0, or -1 with *error_r when the request
   could not be sent (the callback is then never called). */
int login_handoff_start(const char *socket_path, struct login_handoff_request *req,
			const void *input, size_t input_size, int client_fd,
			login_handoff_callback_t *callback, void *context,
			struct login_handoff **handoff_r, const char **error_r);
/* Stops waiting; the callback is not called. Sets *handoff = NULL. */
void login_handoff_abort(struct login_handoff **handoff);

/* Parses the answer line (without LF). Returns 0 with the result, pid and
   reason, or -1 when the line is malformed. Pure; for tests. */
int login_handoff_parse_reply(const char *line, enum login_handoff_result *result_r,
			      pid_t *pid_r, const char **reason_r);

#endif

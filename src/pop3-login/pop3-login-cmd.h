#ifndef POP3_LOGIN_CMD_H
#define POP3_LOGIN_CMD_H

/* Parses one pre-login POP3 command line (RFC 1939, RFC 2449, RFC 5034).
   No I/O; lines come from the bounded line reader. */

#define POP3_LOGIN_MAX_CMD_NAME 8

struct pop3_login_cmd {
	const char *name; /* upper-cased */
	const char *args; /* after one space ("" when none); may hold spaces */
};

/* Returns 0, or -1 with *error_r (the text for "-ERR"). Allocates from
   pool. A NUL byte, an empty line, or a name that is not 1..8 letters or
   digits is an error. */
int pop3_login_cmd_parse(const char *line, size_t len, pool_t pool,
			 struct pop3_login_cmd *cmd_r, const char **error_r);

#endif

/* Pre-login POP3 command line parser (pop3-login-cmd.h). */
#include "lib.h"
#include "pop3-login-cmd.h"

#include <ctype.h>

int pop3_login_cmd_parse(const char *line, size_t len, pool_t pool,
			 struct pop3_login_cmd *cmd_r, const char **error_r)
{
	size_t i;

	if (memchr(line, '\0', len) != NULL) {
		*error_r = "NUL in command line.";
		return -1;
	}
	if (len == 0) {
		*error_r = "Empty command.";
		return -1;
	}
	for (i = 0; i < len && line[i] != ' '; i++) {
		/* letters and digits: RFC 6856's UTF8 has one */
		if (!isalnum((unsigned char)line[i]) || i >= POP3_LOGIN_MAX_CMD_NAME) {
			*error_r = "Unknown command.";
			return -1;
		}
	}
	if (i == 0) {
		*error_r = "Unknown command.";
		return -1;
	}
	cmd_r->name = str_ucase(p_strndup(pool, line, i));
	if (i == len) {
		cmd_r->args = "";
		return 0;
	}
	/* the arguments are the rest after one space: a password may start
	   with or contain spaces (RFC 1939 PASS) */
	cmd_r->args = p_strndup(pool, line + i + 1, len - i - 1);
	return 0;
}

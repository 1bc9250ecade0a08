#ifndef IMAP_LOGIN_CMD_H
#define IMAP_LOGIN_CMD_H

/* Reads pre-login IMAP commands from a line_reader: lines and literals
   ({n} and {n+}, with limits) through lib-imap's parser. No I/O of its
   own: the reader's read function is the only input (so tests feed it a
   byte at a time) and the caller sends "+ OK" when told to. */

#include "line-reader.h"
#include "imap-arg.h"

#define IMAP_LOGIN_MAX_LITERAL_SIZE 8192
#define IMAP_LOGIN_MAX_ARGS_SIZE 16384
#define IMAP_LOGIN_MAX_ARGS 32

struct imap_login_cmd_reader;

enum imap_login_read_result {
	/* no complete command yet: fill the line reader and call again */
	IMAP_LOGIN_READ_MORE,
	/* a command: *cmd_r is valid until the next call */
	IMAP_LOGIN_READ_COMMAND,
	/* a synchronizing literal: send "+ OK" and call again */
	IMAP_LOGIN_READ_CONTINUE,
	/* a bad command: answer "<tag> BAD <error>"; when *fatal_r the
	   connection must be closed (the client would send data we refuse) */
	IMAP_LOGIN_READ_ERROR,
};

struct imap_login_cmd {
	const char *tag;
	const char *name; /* as sent; compare case-insensitively */
	const struct imap_arg *args; /* the arguments after the name */
};

struct imap_login_cmd_reader *imap_login_cmd_reader_create(void);
void imap_login_cmd_reader_destroy(struct imap_login_cmd_reader **reader);

enum imap_login_read_result imap_login_cmd_read(struct imap_login_cmd_reader *reader,
						struct line_reader *input,
						struct imap_login_cmd *cmd_r, const char **error_r,
						bool *fatal_r);
/* The tag of the command being read ("*" when it has none yet or it is
   not a valid tag), for the BAD answer to an error. */
const char *imap_login_cmd_get_tag(const struct imap_login_cmd_reader *reader);

/* Whether tag is a valid IMAP tag (astring chars except '+'). */
bool imap_login_tag_is_valid(const char *tag);

#endif

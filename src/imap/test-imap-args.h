#ifndef TEST_IMAP_ARGS_H
#define TEST_IMAP_ARGS_H

/* For the imap unit tests: a command line's arguments as the parser gives
   them to a command. */

#include "imap-arg.h"

/* The arguments of line (no tag, no command name), or NULL when it does not
   parse as one complete line. Valid until the next call or
   test_imap_args_deinit(). */
const struct imap_arg *test_parse_imap_args(const char *line);
void test_imap_args_deinit(void);

#endif

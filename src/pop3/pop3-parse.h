#ifndef POP3_PARSE_H
#define POP3_PARSE_H

/* POP3 command-line parsing without I/O (RFC 1939 section 3): a keyword,
   then arguments separated by single spaces. The caller gives one line
   from the bounded line reader (CRLF already removed). Errors are the
   client-safe "-ERR ..." texts Dovecot sends, allocated from pool_temp. */

#include "lib.h"

/* The longest keyword we accept (RFC 1939: 3 or 4 characters; CAPA
   extensions such as "AUTH" too). */
#define POP3_MAX_KEYWORD_LEN 16

/* Splits line into an upper-cased keyword (at most POP3_MAX_KEYWORD_LEN
   letters, copied to name_buf) and *args_r (the rest after one space, ""
   when none). Returns 0, or -1 when the keyword is empty, too long or has
   anything but ASCII letters (the caller answers -ERR Unknown command). */
int pop3_parse_command(const char *line, char name_buf[POP3_MAX_KEYWORD_LEN + 1],
		       const char **args_r);

/* Parses a message number at the start of args. *seq_r is 1-based and
   within 1..count. *rest_r points after the number and the spaces that
   follow. Returns 0, or -1 with *error_r ("-ERR Invalid message number: x",
   "-ERR Message number too large: x", "-ERR Noise after message number: x"
   when something but a space (then_space) or the end of the line follows,
   "-ERR There's no message N."). */
int pop3_parse_msgnum(const char *args, uint32_t count, bool then_space, uint32_t *seq_r,
		      const char **rest_r, const char **error_r);

/* Parses a non-negative line count (TOP's second argument), which must
   end the line. Returns 0 or -1 with *error_r. */
int pop3_parse_lines(const char *args, uint64_t *lines_r, const char **error_r);

#endif

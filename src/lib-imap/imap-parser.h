#ifndef IMAP_PARSER_H
#define IMAP_PARSER_H

/* IMAP command argument parser (RFC 3501 / RFC 9051 syntax). No I/O: the
   caller feeds it the lines it read with line_reader and the literal data
   that follows a "{n}" line, and the parser says what it needs next:

     ret = imap_parser_feed_line(p, line, len);
     IMAP_PARSE_DONE      all arguments are there: imap_parser_get_args()
     IMAP_PARSE_LITERAL   a literal of imap_parser_literal_size() bytes
                          follows; for a synchronizing one ({n}) the server
                          first sends "+ OK"; then feed the bytes with
                          imap_parser_feed_literal() (in any chunking), or
                          call imap_parser_stream_literal() to take them
                          yourself; then feed the next line
     IMAP_PARSE_ERROR     imap_parser_get_error() is the text for BAD;
                          imap_parser_is_fatal() says whether the connection
                          must be dropped (e.g. a literal over the limit that
                          the client will send anyway with LITERAL+)

   Tag and command name are ordinary atoms at the front of the argument
   list; callers take them with imap_parser_read_tag()/_command() helpers
   or from the args. An atom containing '[' runs to the matching ']'
   (spaces and parentheses included), so BODY[HEADER.FIELDS (From To)]<0.10>
   is one atom for FETCH to parse. */

#include "imap-arg.h"

enum imap_parse_result {
	IMAP_PARSE_ERROR = -1,
	IMAP_PARSE_DONE = 0,
	IMAP_PARSE_LITERAL = 1,
};

struct imap_parser_settings {
	/* the largest literal accepted (APPENDLIMIT for streamed ones is the
	   caller's) */
	uint64_t max_literal_size;
	/* total bytes of arguments kept in memory (lines + literals) */
	size_t max_args_size;
	unsigned int max_list_depth;
	unsigned int max_args; /* arguments in all lists together */
};

struct imap_parser *imap_parser_create(const struct imap_parser_settings *set);
void imap_parser_destroy(struct imap_parser **parser);
/* Forget the current command (after DONE or ERROR). */
void imap_parser_reset(struct imap_parser *parser);

enum imap_parse_result imap_parser_feed_line(struct imap_parser *parser, const char *line,
					     size_t len);
/* Feed literal data (at most imap_parser_literal_left() bytes are used).
   Returns IMAP_PARSE_LITERAL while more is wanted, IMAP_PARSE_DONE when the
   literal is complete (feed the next line), or IMAP_PARSE_ERROR. */
enum imap_parse_result imap_parser_feed_literal(struct imap_parser *parser, const void *data,
						size_t size);
uint64_t imap_parser_literal_left(const struct imap_parser *parser);
/* The pending literal's data will not be fed: it becomes an
   IMAP_ARG_LITERAL_SIZE argument and the caller consumes the bytes. Only
   valid right after IMAP_PARSE_LITERAL. */
void imap_parser_stream_literal(struct imap_parser *parser);

uint64_t imap_parser_literal_size(const struct imap_parser *parser);
/* {n} (true) or {n+} (false) */
bool imap_parser_literal_is_sync(const struct imap_parser *parser);

/* The parsed arguments (ending with EOL), valid until reset/destroy. */
const struct imap_arg *imap_parser_get_args(const struct imap_parser *parser);
const char *imap_parser_get_error(const struct imap_parser *parser);
bool imap_parser_is_fatal(const struct imap_parser *parser);

#endif

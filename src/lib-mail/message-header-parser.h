#ifndef MESSAGE_HEADER_PARSER_H
#define MESSAGE_HEADER_PARSER_H

#include "message-size.h"

/* Streaming RFC 5322 header parser.

   The caller feeds the input in chunks of any size (down to one byte) and
   pulls complete header fields out. Nothing is read from anywhere: the
   parser only sees what it is given, so it can be tested split at every
   byte and fuzzed. Parsing never fails: broken headers produce a
   best-effort result, as a mail server has to show every message it
   accepted.

   - Lines may end in CRLF or in a bare LF.
   - Folded fields are unfolded: a line break followed by SP or HTAB is
     removed and the whitespace is kept, as RFC 5322 section 2.2.3 says.
   - The whitespace after the colon is not part of the value; whitespace
     between the name and the colon (obsolete syntax) is not part of the
     name.
   - A line without a colon becomes a field whose name is the whole line
     (without its line end), with an empty value and no_colon set.
   - NUL bytes are kept in values; value_len counts them.
   - The header ends at an empty line (has_eoh) or at end of input.
   - Each byte is looked at a bounded number of times and the value buffer
     grows geometrically, so a 1 MB folded field costs linear time. Values
     longer than max_value_size are cut (truncated is set); offsets and
     sizes still describe the whole raw field.

   Usage:
	ctx = message_header_parser_init(NULL);
	while (read a chunk) {
		message_header_parser_feed(ctx, chunk, size);
		while ((ret = message_header_parser_next(ctx, &field)) ==
		       MESSAGE_HEADER_PARSE_FIELD)
			use(field);
		if (ret == MESSAGE_HEADER_PARSE_DONE)
			break;	// the rest of the chunk is the body
	}
	message_header_parser_feed_eof(ctx);	// if input ended first
	... _next() until DONE ...
	message_header_parser_deinit(&ctx); */

#define MESSAGE_HEADER_DEFAULT_MAX_VALUE_SIZE (16 * 1024 * 1024)

struct message_header_parser_settings {
	/* Longest value kept, in bytes (0 = the default above). */
	size_t max_value_size;
	/* Added to every offset: the header's position in the message. */
	uint64_t start_offset;
};

struct message_header_field {
	/* As in the message, NUL-terminated (a NUL in the name ends it). */
	const char *name;
	size_t name_len;
	/* Unfolded value, NUL-terminated after value_len bytes (it may
	   contain NULs itself). */
	const unsigned char *value;
	size_t value_len;
	/* The same with a LF kept at each fold (where a continuation line
	   starts), like Dovecot's "full_value": what ENVELOPE and
	   BODYSTRUCTURE are made from, so that they come out the same. */
	const unsigned char *full_value;
	size_t full_value_len;

	/* Offset of the field's first byte (start_offset + position in the
	   fed input) and the raw size of the whole field: every line,
	   continuation lines and their line ends included. */
	uint64_t offset;
	uint64_t raw_size;
	/* Number of physical lines (1 + continuation lines). */
	unsigned int lines;

	bool no_colon:1;
	bool truncated:1;
	/* The last line ended at end of input without a LF. */
	bool no_newline:1;
};

enum message_header_parse_result {
	/* All fed input is consumed; feed more (or feed_eof()). */
	MESSAGE_HEADER_PARSE_NEED_MORE = 0,
	/* *field_r is set: valid until the next call of any function here. */
	MESSAGE_HEADER_PARSE_FIELD,
	/* End of header. Returned again on every later call. */
	MESSAGE_HEADER_PARSE_DONE,
};

/* set may be NULL for defaults. The parser allocates from the system pool
   and frees everything at deinit. */
struct message_header_parser_ctx *
message_header_parser_init(const struct message_header_parser_settings *set);
void message_header_parser_deinit(struct message_header_parser_ctx **ctx);
/* Starts over for a new header at start_offset, keeping the buffers. */
void message_header_parser_reset(struct message_header_parser_ctx *ctx, uint64_t start_offset);

/* Gives the next chunk of input. The data is not copied: it must stay
   valid until _next() returns NEED_MORE or DONE. Must not be called while
   a previous chunk is not yet consumed (i.e. before NEED_MORE). */
void message_header_parser_feed(struct message_header_parser_ctx *ctx, const void *data,
				size_t size);
/* Input ended: a pending field is returned and then DONE. */
void message_header_parser_feed_eof(struct message_header_parser_ctx *ctx);

enum message_header_parse_result
message_header_parser_next(struct message_header_parser_ctx *ctx,
			   const struct message_header_field **field_r);

/* After DONE: the part of the last fed chunk that follows the header (the
   start of the body). */
size_t message_header_parser_get_remaining(const struct message_header_parser_ctx *ctx,
					   const unsigned char **data_r);
/* Whether the header ended with an empty line (false: end of input). */
bool message_header_parser_has_eoh(const struct message_header_parser_ctx *ctx);
/* Size of everything consumed so far: after DONE, of the whole header
   including the empty line. */
void message_header_parser_get_size(const struct message_header_parser_ctx *ctx,
				    struct message_size *size_r);

/* Whether a field's name is name (ASCII case-insensitive). */
bool message_header_field_is(const struct message_header_field *field, const char *name);

#endif

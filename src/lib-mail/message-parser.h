#ifndef MESSAGE_PARSER_H
#define MESSAGE_PARSER_H

#include "message-size.h"

struct message_header_field;
struct message_part_data;

/* Streaming MIME structure parser (RFC 2045, 2046).

   It is fed a message in chunks of any size and builds the tree of its
   parts, with the offsets and sizes IMAP needs, while handing out "blocks"
   (header fields and body data) to callers that want the content too. No
   I/O: feeding the same bytes split anywhere gives the same result.

   Parsing never fails; broken input gets a best-effort structure, close to
   what Dovecot 2.3 makes of it:
   - A boundary line is one that starts with "--" + boundary; the rest of
     the line is ignored, and when several open boundaries match the
     longest wins (the innermost one if equal). Boundaries are cut to 80
     characters. The line end before a boundary line belongs to the
     boundary, not to the part before it.
   - A boundary line is recognised in the body and also in a part's header
     (the header then ends there).
   - A multipart without (or before) its boundaries has a preamble only;
     an unterminated multipart runs to its parent's next boundary or to
     the end of the message.
   - multipart/digest parts default to message/rfc822.
   - Parts deeper than max_nested_mime_parts levels (the root is level 1)
     cannot contain parts: a multipart or message/rfc822 there is read as
     application/octet-stream, as Dovecot does. After max_total_mime_parts
     parts, boundaries that would start a new part are body text.
   - NUL bytes are data (parts with them get MESSAGE_PART_FLAG_HAS_NULS).

   Every input byte is looked at a bounded number of times (the longest
   boundary check is 84 bytes per line starting with "--") and nothing is
   allocated per byte: linear time. */

#define MESSAGE_PARSER_DEFAULT_MAX_NESTED_MIME_PARTS 100
#define MESSAGE_PARSER_DEFAULT_MAX_TOTAL_MIME_PARTS 10000
#define MESSAGE_PARSER_BOUNDARY_MAX_LEN 80

enum message_part_flags {
	MESSAGE_PART_FLAG_MULTIPART = 0x01,
	MESSAGE_PART_FLAG_MULTIPART_DIGEST = 0x02,
	MESSAGE_PART_FLAG_MESSAGE_RFC822 = 0x04,
	/* text/... (or no Content-Type) */
	MESSAGE_PART_FLAG_TEXT = 0x08,
	/* The body contains NUL bytes. */
	MESSAGE_PART_FLAG_HAS_NULS = 0x10,
	/* A container type turned into a leaf by the limits. */
	MESSAGE_PART_FLAG_OVERFLOW = 0x20,
	/* A multipart whose closing boundary was never seen. */
	MESSAGE_PART_FLAG_UNTERMINATED = 0x40,
};

struct message_part {
	struct message_part *parent, *next, *children;
	unsigned int children_count;

	/* Offset of the part's header in the message. Its body starts at
	   physical_pos + header_size.physical_size. */
	uint64_t physical_pos;
	/* The header includes the empty line that ends it. For a multipart
	   the body is everything up to the line end before the parent's
	   next boundary; for message/rfc822 it is the whole inner message. */
	struct message_size header_size;
	struct message_size body_size;

	enum message_part_flags flags;
	struct message_part_data *data;
};

struct message_parser_settings {
	/* 0 = the defaults above */
	unsigned int max_nested_mime_parts;
	unsigned int max_total_mime_parts;
	/* passed on to the header parser (0 = its default) */
	size_t max_header_value_size;
	/* Don't parse Date/Subject/From/... into part data (saves time when
	   only the structure is wanted). */
	bool no_envelope;
};

enum message_block_type {
	/* one header field of block->part */
	MESSAGE_BLOCK_HEADER_FIELD,
	/* the end of block->part's header; its data is now complete */
	MESSAGE_BLOCK_HEADER_END,
	/* size (> 0) bytes of block->part's body; for a multipart, its
	   preamble or epilogue. Boundary lines are not returned. */
	MESSAGE_BLOCK_BODY,
};

struct message_block {
	enum message_block_type type;
	struct message_part *part;
	const struct message_header_field *field;
	const unsigned char *data;
	size_t size;
};

enum message_parser_result {
	/* All fed input is consumed: feed more, or feed_eof(). */
	MESSAGE_PARSER_NEED_MORE = 0,
	/* *block_r is set, valid until the next call. */
	MESSAGE_PARSER_BLOCK,
	/* End of message; the tree is complete. */
	MESSAGE_PARSER_DONE,
};

/* The part tree and part data are allocated from part_pool and live as
   long as it does. set may be NULL. */
struct message_parser_ctx *message_parser_init(pool_t part_pool,
					       const struct message_parser_settings *set);
/* Frees the parser and returns the root part (complete if DONE was
   reached, otherwise as far as parsed, with open parts' sizes up to the
   input consumed). */
struct message_part *message_parser_deinit(struct message_parser_ctx **ctx);

/* Gives the next chunk, which must stay valid until next_block() returns
   NEED_MORE. Only allowed after NEED_MORE (or right after init). */
void message_parser_feed(struct message_parser_ctx *ctx, const void *data, size_t size);
void message_parser_feed_eof(struct message_parser_ctx *ctx);
enum message_parser_result message_parser_next_block(struct message_parser_ctx *ctx,
						     struct message_block *block_r);

/* Parses a whole message in memory; returns the root part. */
struct message_part *message_parse_buffer(pool_t part_pool, const void *data, size_t size,
					  const struct message_parser_settings *set);

/* Number of parts in the tree under and including part. */
unsigned int message_part_count(const struct message_part *part);
/* The whole part: header + body. */
void message_part_get_total_size(const struct message_part *part, struct message_size *size_r);

#endif

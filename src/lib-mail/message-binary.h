#ifndef MESSAGE_BINARY_H
#define MESSAGE_BINARY_H

#include "message-cte.h"

struct message_part;

/* IMAP BINARY[section] (RFC 3516): a message section after its
   content-transfer-encodings are undone, as Dovecot 2.3 makes it.

   A section is planned as a list of segments of the stored message, each
   turned into output by its own decoder:
   - COPY: bytes as they are, with every bare LF made CRLF (as BODY[]);
   - DECODE: the body of a quoted-printable or base64 leaf part: line ends
     made CRLF, then decoded;
   - HEADER: the header of such a part, with its Content-Transfer-Encoding
     field replaced by "Content-Transfer-Encoding: binary" at the end.
   A leaf part's section is its decoded body; a multipart's is its body
   with every leaf in it decoded and boundaries kept; a message/rfc822
   part's, and the whole message's (empty path), is the message with its
   header included, converted the same way.

   No I/O: the caller reads the segments' bytes and feeds them. */

enum message_binary_segment_type {
	MESSAGE_BINARY_SEGMENT_COPY,
	MESSAGE_BINARY_SEGMENT_DECODE,
	MESSAGE_BINARY_SEGMENT_HEADER,
};

struct message_binary_segment {
	enum message_binary_segment_type type;
	/* DECODE: quoted-printable or base64 */
	enum message_cte cte;
	/* physical offset in the message, and size */
	uint64_t offset, size;
};
ARRAY_DEFINE_TYPE(message_binary_segment, struct message_binary_segment);

enum message_binary_plan_result {
	/* segments are set (none for an empty part) */
	MESSAGE_BINARY_PLAN_OK = 0,
	/* no such part: the section is empty, as for BODY[] */
	MESSAGE_BINARY_PLAN_NO_PART,
	/* a part in the section has an encoding this cannot undo: IMAP
	   answers NO [UNKNOWN-CTE] */
	MESSAGE_BINARY_PLAN_UNKNOWN_CTE,
};

struct message_binary_plan {
	ARRAY_TYPE(message_binary_segment) segments;
	/* nothing is decoded: the output is the section's virtual size */
	bool copy_only;
	uint64_t copy_only_size;
	/* the output may hold NULs or is decoded binary: IMAP sends it as a
	   literal8 (~{n}), as Dovecot does for every decoded section */
	bool literal8;
};

/* Plans BINARY[path] of the message parsed into root (path_len 0 = the
   whole message). The segments are allocated from pool. */
enum message_binary_plan_result
message_binary_plan(pool_t pool, const struct message_part *root, const unsigned int *path,
		    unsigned int path_len, struct message_binary_plan *plan_r);

/* A header bigger than this is an error for the HEADER decoder. */
#define MESSAGE_BINARY_MAX_HEADER_SIZE (1024 * 1024)

struct message_binary_decoder;

/* Decodes one segment: feed its bytes (split anywhere), then finish. */
struct message_binary_decoder *
message_binary_decoder_create(const struct message_binary_segment *segment);
void message_binary_decoder_destroy(struct message_binary_decoder **dec);
void message_binary_decoder_feed(struct message_binary_decoder *dec, const void *data,
				 size_t size, buffer_t *dest);
void message_binary_decoder_finish(struct message_binary_decoder *dec, buffer_t *dest);
/* Invalid quoted-printable or base64, or a header over the limit:
   Dovecot answers NO [PARSE] for such a section. */
bool message_binary_decoder_had_errors(const struct message_binary_decoder *dec);

/* The header rewrite (for tests and the HEADER decoder): hdr has CRLF
   line ends. */
void message_binary_rewrite_header(const void *hdr, size_t size, buffer_t *dest);

#endif

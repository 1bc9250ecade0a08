#ifndef MESSAGE_SECTION_H
#define MESSAGE_SECTION_H

#include "message-size.h"

struct message_part;

/* IMAP FETCH BODY[section] (RFC 3501 section 6.4.5): which bytes of a
   parsed message a section means. Offsets and sizes are physical (as
   stored); the virtual sizes say how long the text is once every line
   ends in CRLF, which is what the client gets and what a literal's length
   must say. A partial <offset.count> applies to the result and is the
   caller's business. No I/O here: for HEADER.FIELDS the caller reads the
   header bytes (whose range message_section_find() gives) and hands them
   to message_section_filter_header().

   Part numbers: a non-multipart message (or encapsulated message) has
   only part 1, its body; parts of a multipart are numbered from 1; after
   a message/rfc822 part the next number is a part of the encapsulated
   message. HEADER, HEADER.FIELDS[.NOT] and TEXT after a part number mean
   the encapsulated message of that message/rfc822 part; for a part of
   another type they are taken leniently to mean the part itself. MIME is
   the part's own MIME header and needs a part number. */

enum message_section_type {
	/* BODY[] */
	MESSAGE_SECTION_WHOLE = 0,
	/* BODY[1.2]: the body of a part */
	MESSAGE_SECTION_PART,
	MESSAGE_SECTION_HEADER,
	MESSAGE_SECTION_HEADER_FIELDS,
	MESSAGE_SECTION_HEADER_FIELDS_NOT,
	MESSAGE_SECTION_TEXT,
	MESSAGE_SECTION_MIME,
};

struct message_section {
	enum message_section_type type;
	const unsigned int *path;
	unsigned int path_len;
	/* HEADER.FIELDS[.NOT]: the field names (NULL-terminated) */
	const char *const *fields;
};

struct message_section_range {
	uint64_t offset;
	uint64_t size;
};
ARRAY_DEFINE_TYPE(message_section_range, struct message_section_range);

/* Parses the text between "[" and "]": "", "HEADER", "TEXT", "1.2",
   "1.2.MIME", "3.HEADER.FIELDS (From \"To\")", ... (case-insensitive).
   Allocates from pool. Returns 0, or -1 with *error_r (static). */
int message_section_parse(pool_t pool, const char *spec, struct message_section *section_r,
			  const char **error_r);

/* Finds the bytes of section in the message parsed into root: *range_r
   (absolute physical offset and size) and *size_r (its sizes). For
   HEADER.FIELDS[.NOT] this is the whole header to be filtered. Returns
   0, or -1 with *error_r (static) when the part does not exist. */
int message_section_find(const struct message_part *root, const struct message_section *section,
			 struct message_section_range *range_r, struct message_size *size_r,
			 const char **error_r);

/* The part a path of part numbers names (root for an empty path), with
   the numbering rules above, or NULL when there is none. */
const struct message_part *message_section_find_part(const struct message_part *root,
						     const unsigned int *path, unsigned int path_len);

/* For HEADER.FIELDS[.NOT]: hdr is the header's bytes, starting at offset
   hdr_offset of the message. Appends to ranges the ranges of the fields
   to send (whole fields: continuation lines and line ends included), in
   message order. The client then gets an empty line (CRLF) after them,
   and a CRLF after a last field that ended without a line end (only at
   the end of the message). Returns the virtual size of all that, the
   final CRLF included. */
uint64_t message_section_filter_header(const struct message_section *section, const void *hdr,
				       size_t size, uint64_t hdr_offset,
				       ARRAY_TYPE(message_section_range) *ranges);

/* Appends to dest the raw bytes of every field of the header hdr whose
   name is in names (NULL-terminated, any case), in message order: a
   smaller header that message_section_filter_header() filters to the same
   bytes for any HEADER.FIELDS list within names (what the storage caches
   so FETCH need not read the message). */
void message_section_extract_fields(const void *hdr, size_t size, const char *const *names,
				    buffer_t *dest);

#endif

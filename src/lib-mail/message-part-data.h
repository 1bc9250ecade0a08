#ifndef MESSAGE_PART_DATA_H
#define MESSAGE_PART_DATA_H

#include "rfc2231-parser.h"

struct message_header_field;
struct message_address;

/* What the MIME and envelope headers of one message part say, parsed as
   IMAP BODYSTRUCTURE and ENVELOPE need it. Strings are as written in the
   message (case kept, comments and quoting removed), cut at a NUL byte.

   Which header wins when one appears twice follows Dovecot: for the
   Content-* headers the first one; for the envelope's Date, Subject,
   Message-ID and In-Reply-To the last one; address headers are joined. */

#define MESSAGE_PART_DEFAULT_CHARSET "us-ascii"

struct message_part_envelope {
	const char *date, *subject;
	struct message_address *from, *sender, *reply_to;
	struct message_address *to, *cc, *bcc;
	const char *in_reply_to, *message_id;
};

struct message_part_data {
	/* NULL when there was no (parsable) Content-Type header; the
	   default is then text/plain, or message/rfc822 inside
	   multipart/digest. content_subtype is "" when missing. */
	const char *content_type, *content_subtype;
	const struct rfc2231_param *content_type_params;
	unsigned int content_type_params_count;

	const char *content_transfer_encoding;
	const char *content_id;
	const char *content_description;
	const char *content_md5;
	const char *content_disposition;
	const struct rfc2231_param *content_disposition_params;
	unsigned int content_disposition_params_count;
	/* NULL-terminated, or NULL */
	const char *const *content_language;
	const char *content_location;

	/* Set on parts that start a message (the root, and the child of a
	   message/rfc822 part): its envelope. */
	struct message_part_envelope *envelope;

	/* internal: which Content-* headers were seen */
	bool seen_content_type:1;
	bool seen_cte:1;
	bool seen_id:1;
	bool seen_description:1;
	bool seen_md5:1;
	bool seen_disposition:1;
	bool seen_language:1;
	bool seen_location:1;
};

/* Updates data from one header field of a part. Content-* fields fill
   the part data; if parse_envelope is set, the envelope fields fill
   data->envelope (allocated on first use). Everything is allocated from
   pool. */
void message_part_data_parse_field(pool_t pool, struct message_part_data *data,
				   const struct message_header_field *field, bool parse_envelope);

/* The value of content-type parameter key (case-insensitive), or NULL. */
const char *message_part_data_get_param(const struct message_part_data *data, const char *key);

/* Whether the part's type is type/subtype (case-insensitive; subtype NULL
   matches any). A part without Content-Type is text/plain here. */
bool message_part_data_is_type(const struct message_part_data *data, const char *type,
			       const char *subtype);

/* Parses only the envelope fields of a header into env. */
void message_part_envelope_parse_field(pool_t pool, struct message_part_envelope *env,
				       const struct message_header_field *field);

#endif

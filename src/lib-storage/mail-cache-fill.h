#ifndef MAIL_CACHE_FILL_H
#define MAIL_CACHE_FILL_H

/* The one place that turns a message into cached IMAP fields: the small
   interface between the storage and lib-mail's parser. The texts are
   what FETCH sends after the item's name: "(...)". */

struct message_part;

/* Parses data (a whole message) and appends the IMAP ENVELOPE,
   BODYSTRUCTURE and BODY texts. */
void mail_cache_fill_parse(const void *data, size_t size, string_t *envelope,
			   string_t *bodystructure, string_t *body);
/* The same from an already parsed message. */
void mail_cache_fill_envelope(const struct message_part *parts, string_t *dest);
void mail_cache_fill_bodystructure(const struct message_part *parts, bool extended,
				   string_t *dest);
/* ENVELOPE from the message's header alone (up to its empty line). */
void mail_cache_fill_envelope_from_header(const void *hdr, size_t size, string_t *dest);

#endif

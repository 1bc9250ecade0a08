#ifndef MAIL_CACHE_FILL_H
#define MAIL_CACHE_FILL_H

/* The one place that turns a message into cached IMAP fields: the small
   interface between the storage and lib-mail's parser. */

/* Parses data (a whole message) and appends the IMAP ENVELOPE,
   BODYSTRUCTURE and BODY texts (without the outer parentheses' keyword:
   "(...)" as FETCH sends them). */
void mail_cache_fill_parse(const void *data, size_t size, string_t *envelope,
			   string_t *bodystructure, string_t *body);

#endif

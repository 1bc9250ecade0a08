#ifndef MESSAGE_ID_H
#define MESSAGE_ID_H

/* Message-IDs in Message-ID, In-Reply-To and References values, found as
   Dovecot 2.3 finds them (THREAD must link the same messages): the text
   between "<" and ">" when it holds an "@", whitespace removed; when a
   quote or a comment comes first, the id is parsed as RFC 5322 msg-id
   (quoted local part unquoted, comments dropped). Anything else between
   ids (phrases, broken ids without "@") is skipped. Pure, linear. */

/* Returns the next id after *p (a NUL-terminated value) allocated from
   pool and moves *p past it, or NULL when there is none left. */
const char *message_id_get_next(pool_t pool, const char **p);

#endif

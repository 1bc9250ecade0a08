#ifndef IMAP_QUOTE_H
#define IMAP_QUOTE_H

/* Writing IMAP strings: a quoted string when the value allows it, else a
   literal ({n}\r\n...). */

/* "value" or a literal. NULL writes NIL. */
void imap_append_nstring(string_t *dest, const char *value);
void imap_append_string(string_t *dest, const char *value);
/* An atom when value is a valid non-NIL atom, else a string. */
void imap_append_astring(string_t *dest, const char *value);
/* Like imap_append_astring(), but valid UTF-8 may go in a quoted string
   (IMAP4rev2 and UTF8=ACCEPT sessions: RFC 9051 section 4.3). */
void imap_append_astring_utf8(string_t *dest, const char *value);
/* Same, for data with an explicit size (may contain NULs: then a literal). */
void imap_append_string_data(string_t *dest, const void *data, size_t size);

#endif

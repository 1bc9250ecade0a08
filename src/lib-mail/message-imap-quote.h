#ifndef MESSAGE_IMAP_QUOTE_H
#define MESSAGE_IMAP_QUOTE_H

/* IMAP string output (RFC 3501 section 4.3) for the ENVELOPE and
   BODYSTRUCTURE writers, choosing the form exactly as Dovecot 2.3 does so
   that clients see the same bytes:
   - a quoted string when the text has no CR, LF or 8-bit bytes and at
     most 4 characters that need a backslash ('"' and '\');
   - otherwise a literal "{n}\r\n" followed by the bytes. */

/* NULL gives NIL. */
void message_imap_append_nstring(string_t *dest, const char *str);
/* The same with CR and LF removed first (a space is put in where a line
   break was not followed by whitespace). */
void message_imap_append_nstring_nolf(string_t *dest, const char *str);
/* For text shown to humans (Subject, display names): runs of whitespace
   (SP, HTAB, CR, LF) become one space, leading and trailing whitespace
   and NULs are dropped; if anything had to change, or the text has 8-bit
   bytes or quotes, it is sent as a literal, else quoted. Whitespace-only
   text gives "". */
void message_imap_append_string_for_humans(string_t *dest, const unsigned char *src,
					   size_t size);
void message_imap_append_literal(string_t *dest, const void *data, size_t size);

#endif

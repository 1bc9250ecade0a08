#ifndef IMAP_ENVELOPE_H
#define IMAP_ENVELOPE_H

struct message_part_envelope;
struct message_address;

/* IMAP ENVELOPE (RFC 3501 section 7.4.2), written from parsed header data
   exactly as Dovecot 2.3 writes it:

     (date subject from sender reply-to to cc bcc in-reply-to message-id)

   - A missing header is NIL; an empty one is "".
   - Sender and Reply-To default to From when absent (RFC 3501).
   - Subject and display names are "for humans": whitespace runs folded
     to one space, trimmed, and sent as a literal when that changed them
     or when they contain 8-bit bytes or quotes.
   - Other strings: quoted, or a literal when they contain 8-bit bytes,
     CR/LF, or more than 4 characters that need escaping.
   - Address lists: ((name route mailbox host) ...); a group is a
     (NIL NIL "name" NIL) entry, its members, then (NIL NIL NIL NIL).
   Encoded words are sent as they are: decoding is the client's job.

   The text is appended without the surrounding "ENVELOPE (" ")". */

/* env may be NULL: all ten fields are then NIL. */
void imap_envelope_write(string_t *dest, const struct message_part_envelope *env);
/* One address list field: NIL or (...). */
void imap_envelope_write_address(string_t *dest, const struct message_address *addr);

#endif

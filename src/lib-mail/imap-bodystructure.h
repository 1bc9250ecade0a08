#ifndef IMAP_BODYSTRUCTURE_H
#define IMAP_BODYSTRUCTURE_H

struct message_part;

/* IMAP BODY and BODYSTRUCTURE (RFC 3501 sections 7.4.2 and 9,
   "body"), written from a parsed part tree as Dovecot 2.3 writes them.

   Non-multipart part:
     type subtype (params) id description encoding size
       [lines]                          for text/...
       [(envelope) (body) lines]        for message/rfc822
     BODYSTRUCTURE adds: md5 (disposition (params)) (language) location
   Multipart:
     (part)(part)... subtype
     BODYSTRUCTURE adds: (params) (disposition (params)) (language) location

   Details that follow Dovecot: a part without Content-Type is "text"
   "plain" ("charset" "us-ascii"); a text part without a charset
   parameter gets ("charset" "us-ascii") appended to its parameters; a
   missing subtype is ""; a multipart with no parts shows one empty
   text/plain part; sizes are virtual (CRLF) sizes; parameter names and
   values are IMAP strings (quoted or literal), never NIL.

   The text is appended without the surrounding parentheses of the
   top-level body, like the value after "BODYSTRUCTURE " minus its outer
   "(" and ")". imap_bodystructure_write() writes BODYSTRUCTURE when
   extended is set, BODY otherwise. */
void imap_bodystructure_write(string_t *dest, const struct message_part *part, bool extended);

#endif

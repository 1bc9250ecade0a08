#ifndef MUTF7_H
#define MUTF7_H

/* IMAP's modified UTF-7 for mailbox names (RFC 3501 section 5.1.3).

   Printable US-ASCII (0x20-0x7e) stands for itself, except '&' which is
   written "&-". Any other character is written as UTF-16BE in base64 with
   ',' in place of '/', without '=' padding, between '&' and '-'.

   Both directions are strict so that a name has exactly one encoding:
   decoding fails on raw bytes outside 0x20-0x7e, an '&' run that is not
   closed by '-', characters outside the modified base64 alphabet, unused
   bits that are not zero or that make up a whole base64 character, a
   printable ASCII character or U+0000 inside a base64 run, UTF-16
   surrogates that are not a high-low pair, and two base64 runs next to
   each other ("&AOQ-&AOQ-" must be "&AOQA5A-"). Encoding fails on invalid
   UTF-8 (see utf8.h). The function names follow Dovecot's (imap_utf7_*)
   rather than the file name, since that is what the IMAP code looks for. */

/* Appends src (UTF-8) converted to modified UTF-7. Returns 0, or -1 when
   src is not valid UTF-8; dest is then left as it was. */
int imap_utf8_to_utf7(const char *src, string_t *dest);
/* Appends src (modified UTF-7) converted to UTF-8. Returns 0, or -1 when
   src is not canonical modified UTF-7; dest is then left as it was. */
int imap_utf7_to_utf8(const char *src, string_t *dest);
/* Whether imap_utf7_to_utf8() would succeed on src. */
bool imap_utf7_is_valid(const char *src);

#endif

#ifndef BASE64_H
#define BASE64_H

/* Base64 (RFC 4648 section 4) and base64url (section 5).

   Decoding is strict, so that one text has one meaning: a character outside
   the alphabet, '=' anywhere but at the end of the last 4-character group,
   a length that is not a whole number of groups, or unused bits in the last
   character that are not zero are all errors. Only base64_decode_mime()
   relaxes this, and only for whitespace.

   Decoders append to dest. On error they return -1 with *error_r set to a
   static string and leave dest as it was; they also fail (rather than cut
   the output short) when dest is a bounded buffer that fills up. */

/* Length of the padded base64 text for size bytes. */
#define BASE64_ENCODED_SIZE(size) (((size) + 2) / 3 * 4)
/* Most bytes that size characters of base64 can decode to. */
#define BASE64_DECODED_MAX_SIZE(size) (((size) + 3) / 4 * 3)

/* Appends the padded standard base64 encoding of size bytes at src. */
void base64_encode(const void *src, size_t size, string_t *dest);
/* Decodes standard base64 (padding required). Empty input is valid. */
int base64_decode(const void *src, size_t size, buffer_t *dest, const char **error_r);
/* Like base64_decode(), but ignores SP, HTAB, CR and LF anywhere in the
   input (RFC 2045 bodies broken into lines). Everything else stays strict. */
int base64_decode_mime(const void *src, size_t size, buffer_t *dest, const char **error_r);

/* Appends the base64url encoding ('-' and '_' for '+' and '/') without
   '=' padding, the form used in URLs and tokens. */
void base64url_encode(const void *src, size_t size, string_t *dest);
/* Decodes base64url. Padding is optional, but when present it must be
   exactly right; a final group of one character is always an error. */
int base64url_decode(const void *src, size_t size, buffer_t *dest, const char **error_r);

#endif

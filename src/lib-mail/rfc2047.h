#ifndef RFC2047_H
#define RFC2047_H

/* RFC 2047 encoded words in header values ("=?charset?B?...?=" and
   "=?charset?Q?...?="), decoded to UTF-8 for humans and for SEARCH.

   - The charset may carry an RFC 2231 language suffix ("utf-8*en").
   - Whitespace between two adjacent encoded words is removed (RFC 2047
     section 6.2); consecutive words in the same charset are decoded
     together, so a multibyte character split across two words survives.
   - Q: "_" is a space, "=XX" a byte; a broken "=" is kept. B: lenient
     base64 (see message-cte.h).
   - Words with an unknown charset are kept raw, undecoded. Malformed
     words are not words: they stay as text.
   - Text outside encoded words is taken as UTF-8 (RFC 6532); invalid
     bytes, and invalid bytes from decoded words, become U+FFFD.
   - Linear in the input size. */

/* Appends the decoded value to dest. */
void rfc2047_decode_utf8(const void *data, size_t size, string_t *dest);

/* Whether data contains something that looks like an encoded word. */
bool rfc2047_has_encoded_words(const void *data, size_t size);

#endif

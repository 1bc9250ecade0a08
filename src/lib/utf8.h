#ifndef UTF8_H
#define UTF8_H

/* UTF-8 (RFC 3629) checking, decoding and encoding.

   "Valid" is the strict definition: the shortest encoding only (no
   overlongs such as C0 80 for NUL), no UTF-16 surrogates (U+D800..U+DFFF),
   nothing above U+10FFFF, and no sequence cut short. NUL (U+0000) itself is
   a valid character; callers that need C strings check for it. */

#define UTF8_MAX_CHAR_LEN 4

/* Whether chr is a Unicode scalar value: at most U+10FFFF and not a
   surrogate. */
bool utf8_char_is_valid(uint32_t chr);

/* Whether all size bytes at data are valid UTF-8. */
bool utf8_is_valid(const void *data, size_t size);

/* Decodes the character at the start of data, reading at most size bytes.
   Returns its length in bytes (1..4) and sets *chr_r; returns 0 when the
   bytes are a valid but incomplete start of a character (more input may
   complete it; size 0 also returns 0); returns -1 when the bytes can never
   be valid UTF-8. *chr_r is set only when the return value is > 0. */
int utf8_get_char(const void *data, size_t size, uint32_t *chr_r);

/* Appends chr encoded as UTF-8. chr must be valid (utf8_char_is_valid());
   anything else is a bug in the caller, which must check input first. */
void utf8_append_char(string_t *dest, uint32_t chr);

#endif

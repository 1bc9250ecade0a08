#ifndef HEX_H
#define HEX_H

/* Binary <-> hexadecimal text. Output is lowercase; input may use either
   case. Decoding is strict: an odd number of digits or any character that
   is not a hex digit is an error (no "0x" prefix, no whitespace). */

/* Value of one hex digit (0..15), or -1 when c is not a hex digit. */
int hex_digit_value(unsigned char c);

/* Appends 2 * size lowercase hex digits of the bytes at src. */
void hex_encode(const void *src, size_t size, string_t *dest);
/* The same, returned as a new string allocated from pool. */
const char *hex_encode_pool(pool_t pool, const void *src, size_t size);

/* Decodes size hex digits at src and appends size / 2 bytes to dest.
   Returns 0, or -1 with *error_r (a static string) on bad input or when a
   bounded dest is full; on error dest is left as it was. */
int hex_decode(const void *src, size_t size, buffer_t *dest, const char **error_r);

#endif

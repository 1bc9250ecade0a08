#ifndef CHARSET_UTF8_H
#define CHARSET_UTF8_H

/* Conversion of text in a named charset to UTF-8, with iconv(3) from the C
   library (a pure computation: no files are read after iconv has loaded
   its tables).

   Output is always valid UTF-8: bytes that are invalid in the source
   charset become U+FFFD. "us-ascii" is treated as UTF-8, since mislabelled
   8-bit text is common and UTF-8 is its most likely meaning. */

#define CHARSET_UNICODE_REPLACEMENT "\xEF\xBF\xBD"

enum charset_result {
	CHARSET_RET_OK = 1,
	/* Converted, but some input was invalid and replaced. */
	CHARSET_RET_INVALID_INPUT = 0,
	/* The charset is unknown: nothing was appended. */
	CHARSET_RET_UNKNOWN = -1,
};

/* Whether charset names UTF-8 (or its subset us-ascii). */
bool charset_is_utf8(const char *charset);
/* Whether iconv knows charset. */
bool charset_is_known(const char *charset);

/* Appends size bytes of data converted from charset to dest. A trailing
   incomplete character counts as invalid input. */
enum charset_result charset_to_utf8_str(const char *charset, const void *data, size_t size,
					string_t *dest);

/* Appends data to dest with every invalid UTF-8 sequence replaced by
   U+FFFD. Returns true if data was valid. */
bool charset_utf8_append_valid(string_t *dest, const void *data, size_t size);
/* Length of the valid UTF-8 character at data (1..4), 0 if data[0..size)
   is the start of a valid character that is cut short, -1 if invalid. */
int charset_utf8_char_len(const unsigned char *data, size_t size);

/* Streaming conversion, for bodies that arrive in chunks. */
struct charset_translation;

/* Returns NULL if the charset is unknown. */
struct charset_translation *charset_translation_create(const char *charset);
void charset_translation_destroy(struct charset_translation **t);
/* Converts as much as possible of data and appends it to dest. A cut
   multibyte character at the end is held back inside t until the next
   call (or until _finish(), where it becomes U+FFFD). Returns OK or
   INVALID_INPUT. */
enum charset_result charset_translation_add(struct charset_translation *t, const void *data,
					    size_t size, string_t *dest);
enum charset_result charset_translation_finish(struct charset_translation *t, string_t *dest);

#endif

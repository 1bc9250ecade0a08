#ifndef POP3_UIDL_H
#define POP3_UIDL_H

/* UIDL strings from pop3_uidl_format (Dovecot 2.3's variables, so clients
   that move from Dovecot do not download everything again):
     %v %{uidvalidity}  the mailbox's UIDVALIDITY (decimal; %Xv for hex)
     %u %{uid}          the message's IMAP UID
     %m %{md5}          MD5 (hex) of the message's header as stored
     %f %{filename}     the Maildir file name without ":2,<flags>"
     %g %{guid}         the message GUID (for Maildir: the same base name)
   Pure: the caller gets the values (only those the format needs, see
   pop3_uidl_format_needs()). */

#include "lib.h"
#include "str.h"

enum pop3_uidl_keys {
	POP3_UIDL_KEY_UIDVALIDITY = 0x01,
	POP3_UIDL_KEY_UID = 0x02,
	POP3_UIDL_KEY_MD5 = 0x04,
	POP3_UIDL_KEY_FILENAME = 0x08,
	POP3_UIDL_KEY_GUID = 0x10,
};

struct pop3_uidl_values {
	uint32_t uidvalidity;
	uint32_t uid;
	const char *md5_hex;  /* NULL unless POP3_UIDL_KEY_MD5 is needed */
	const char *filename; /* NULL unless FILENAME/GUID is needed */
};

/* Which values the format uses. */
enum pop3_uidl_keys pop3_uidl_format_needs(const char *format);

/* Appends the expanded format to dest. Returns 0, or -1 with *error_r (bad
   syntax, unknown variable, or a result that is not a valid RFC 1939 UIDL:
   1-70 characters 0x21-0x7E). dest is left as it was on error. */
int pop3_uidl_format(string_t *dest, const char *format, const struct pop3_uidl_values *values,
		     const char **error_r);

/* The Maildir base name of a message file name: the part before ':'. */
const char *pop3_uidl_maildir_base(pool_t pool, const char *filename);

/* With pop3_reuse_xuidl: finds the first "X-UIDL:" field in header (the
   message's header bytes, up to the blank line), case-insensitive, and
   returns its value with surrounding white space removed, allocated from
   pool. Returns true when found and the value is a valid UIDL. */
bool pop3_uidl_find_xuidl(const unsigned char *header, size_t size, pool_t pool,
			  const char **value_r);

/* Whether str is a valid UIDL (RFC 1939 section 7). */
bool pop3_uidl_is_valid(const char *str, size_t len);

#endif

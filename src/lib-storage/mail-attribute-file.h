#ifndef MAIL_ATTRIBUTE_FILE_H
#define MAIL_ATTRIBUTE_FILE_H

/* Dovecot 2.3's "file:" dict, which holds mailbox attributes (IMAP
   METADATA) when mail_attribute_dict = file:<path>: alternating lines

     <key>\n<value>\n

   with keys priv/<mailbox guid>/<name> and shared/<mailbox guid>/<name>.
   Keys and values are escaped as Dovecot's str_tabescape() does: 0x01
   becomes 0x01 '1', TAB 0x01 't', CR 0x01 'r', LF 0x01 'n'. Pure: no I/O. */

struct mail_attribute_kv {
	const char *key;
	const char *value;
};
ARRAY_DEFINE_TYPE(mail_attribute_kv, struct mail_attribute_kv);

/* Parses a whole file into *kvs_r (created from pool; a key given twice
   keeps its last value, as Dovecot's reader does; sorted by key). A last line without
   '\n' counts as a line. Returns 0, or -1 with *error_r naming the line:
   a key without a value line, a NUL byte, an empty key, an escape that
   Dovecot never writes (0x01 at the end or before another byte). */
int mail_attribute_file_parse(pool_t pool, const void *data, size_t size,
			      ARRAY_TYPE(mail_attribute_kv) *kvs_r, const char **error_r);
/* Writes kvs (count entries) in the file's format to dest. */
void mail_attribute_file_write(const struct mail_attribute_kv *kvs, unsigned int count,
			       string_t *dest);

#endif

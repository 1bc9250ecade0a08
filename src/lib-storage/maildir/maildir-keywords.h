#ifndef MAILDIR_KEYWORDS_H
#define MAILDIR_KEYWORDS_H

/* Dovecot's dovecot-keywords: one "<n> <keyword>" line per keyword; n is
   the keyword's letter in file names ('a' + n, n < 26). Pure parsing and
   writing. */

#define MAILDIR_KEYWORDS_NAME "dovecot-keywords"

/* Fills names (index n = keyword n, NULL for unused n) from the file.
   Lines that are malformed, have n >= 26 or repeat a name are skipped;
   then -1 is returned with *error_r naming the first one (names still
   holds the good lines). Returns 0 when all lines were fine. */
int maildir_keywords_parse(pool_t pool, const void *data, size_t size,
			   ARRAY_TYPE(const_string) *names, const char **error_r);
void maildir_keywords_write(const ARRAY_TYPE(const_string) *names, string_t *dest);
/* Whether name is a valid IMAP keyword (atom without the characters
   IMAP reserves, not starting with '\\') of at most max_len bytes. */
bool maildir_keyword_is_valid(const char *name, unsigned int max_len);

#endif

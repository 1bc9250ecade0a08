#ifndef SUBSCRIPTION_FILE_H
#define SUBSCRIPTION_FILE_H

/* The "subscriptions" file of Dovecot 2.3. Version 2 (written by 2.3):
   the header "V\t2\n\n", then one mailbox per line, its hierarchy levels
   joined with TAB and each level escaped (\001 -> \0011, TAB -> \001t,
   CR -> \001r, LF -> \001n). The levels are the names as stored on disk
   (modified UTF-7). Version 1 (no header): one name per line as it is,
   levels separated by the list's on-disk separator.

   Roost's API names are UTF-8 with the namespace separator: parsing
   converts to that, writing converts back. Pure functions. */

#define SUBSCRIPTION_FILE_NAME "subscriptions"

/* Appends the subscribed names (UTF-8, levels joined with sep) to names.
   disk_sep is the separator of version-1 files. A line that is not valid
   modified UTF-7 is kept undecoded. Empty lines are skipped. */
void subscription_file_parse(pool_t pool, const void *data, size_t size, char sep,
			     char disk_sep, ARRAY_TYPE(const_string) *names);
/* Writes a version 2 file with names (UTF-8, levels joined with sep). */
void subscription_file_write(const ARRAY_TYPE(const_string) *names, char sep, string_t *dest);

#endif

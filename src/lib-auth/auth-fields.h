#ifndef AUTH_FIELDS_H
#define AUTH_FIELDS_H

/* Field helpers shared by the auth protocols: Dovecot's tab-escaping and
   the "key=value" parameters. Pure functions, no I/O.

   Tab-escaping: \001 is the escape byte; "\0011" is \001, "\001t" TAB,
   "\001r" CR, "\001n" LF and "\0010" a NUL (which unescaping refuses, as
   no field may contain one). Any other byte after \001 stands for itself. */

/* Appends value escaped. */
void auth_fields_append_escaped(string_t *dest, const char *value);
/* Escaped copy from pool. */
const char *auth_fields_escape(pool_t pool, const char *value);
/* Unescaped copy from pool, or NULL when the field holds an escaped NUL or
   ends in a lone \001. */
const char *auth_fields_unescape(pool_t pool, const char *value);

/* Splits a line at TABs and unescapes every field. Returns a
   NULL-terminated array from pool, or NULL when a field cannot be
   unescaped. */
const char *const *auth_fields_split_line(pool_t pool, const char *line);

/* For "key=value" returns true with *value_r pointing after '='; for a
   bare "key" (a flag) returns true with *value_r = "". */
bool auth_fields_match(const char *field, const char *key, const char **value_r);

/* The value of key among NULL-terminated fields, or NULL. */
const char *auth_fields_find(const char *const *fields, const char *key);

#endif

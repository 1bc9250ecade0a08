#ifndef VAR_EXPAND_H
#define VAR_EXPAND_H

/* The one expansion of %variables used by every component (mail_location,
   passdb args, log formats, pop3_uidl_format ...), with Dovecot 2.3's
   syntax. An unknown variable or bad syntax is an error, never an empty
   string, so a misspelt variable in a path cannot silently map every user
   to one directory.

   A variable is '%', then optionally a substring/padding spec, then any
   number of modifiers, then the key:

     %%             a literal '%'
     %u  %$         a one-letter key: any character but NUL, '{', '%', '-',
                    '.', the digits and the modifier letters below
     %{user}        a long key
     %{if;v1;op;v2;then;else}  a conditional, see below

   Keys are looked up in the caller's table first. Long keys the table
   does not have are then tried as built-ins: %{pid}, %{uid} and %{gid}
   (of this process, effective), %{hostname} (without the domain) and
   %{env:NAME} (the environment variable, "" when unset); then, for
   %{name:data}, the caller's function table (var_expand_with_funcs()).

   Modifiers are applied from left to right (%RHu hashes the reversed
   value):
     L / U   ASCII lower / upper case (other bytes are left alone)
     E       a '\' before each '"', '\'' and '\'
     X       the value as a decimal number, written in lowercase hex; a
             value that is not a decimal number is an error
     R       the bytes in reverse order
     N       a 32-bit hash (the first 8 bytes of the MD5 digest read big-
             endian, modulo the width if there is one, lower 32 bits) in hex
     H       the same with the older, weaker string hash (PJW/ELF)
     M       the MD5 digest in hex
     D       "sub.domain.org" as "sub,dc=domain,dc=org" (LDAP)
     T       trailing SP, HTAB, CR and LF removed
   N and H use the width as the modulus and the offset as the number of
   digits to zero-pad to, instead of as a substring: %2.256Nu gives "00" to
   "ff". Dovecot's %N and %H give the same values, so directory hashing
   stays compatible.

   Substring and padding, applied to the final value after the modifiers,
   counted in bytes:
     %3u       the first 3 bytes        %-3u     all but the last 3 bytes
     %2.1u     1 byte from offset 2     %-2.2u   the last 2 bytes
     %2.-1u    from offset 2, all but the last byte
     %04u      left-padded with '0' to 4 bytes, never truncated
     %1.04u    padded to 4, then from offset 1: "1" -> "001"
   A positive offset past the end gives ""; a negative one larger than the
   value starts at the beginning. Zero padding needs a positive width.

   The conditional %{if;value1;op;value2;then;else} expands all five
   fields (variables and nested conditionals work in them; '\' makes the
   next character literal, so "\;", "\%", "\{" and "\}" can be written;
   unescaped braces must balance) and gives
   the expanded then- or else-field. op is one of: == != < <= > >= (signed
   decimal numbers, anything else is an error), eq ne lt le gt ge (byte-
   wise string comparison), * and !* (value2 is a wildcard mask with '*'
   and '?'), ~ and !~ (value2 is a POSIX extended regular expression).
   Conditionals nest up to 8 deep. Modifiers and substrings apply to the
   conditional's result like to any value.

   Error strings returned through *error_r point to static storage that
   stays valid until the next call of a function in this file (processes
   are single-threaded). */

struct var_expand_table {
	char key;             /* one-letter key, or '\0' */
	const char *value;    /* NULL counts as "" */
	const char *long_key; /* for %{long_key}, or NULL */
};

/* %{key:data} handlers, for lookups such as %{userdb:name}. */
struct var_expand_func_table {
	const char *key; /* NULL ends the table */
	/* data is the text after the first ':' ("" when there is none).
	   Returns 1 with *value_r (NULL counts as ""), 0 when the variable is
	   unknown (an error for var_expand), or -1 with *error_r. The value
	   must stay valid until var_expand_with_funcs() returns. */
	int (*func)(const char *data, void *context, const char **value_r,
		    const char **error_r);
};

/* Expands str and appends the result to dest. Returns 0, or -1 with
   *error_r (unknown variable, bad syntax, bad number for X or a numeric
   comparison, bad regular expression); on error dest is left as it was.
   The table ends with an entry whose key is '\0' and long_key is NULL; it
   may be NULL for no variables at all. */
int var_expand(string_t *dest, const char *str, const struct var_expand_table *table,
	       const char **error_r);
/* The same with %{name:data} handlers (func_table may be NULL). */
int var_expand_with_funcs(string_t *dest, const char *str, const struct var_expand_table *table,
			  const struct var_expand_func_table *func_table, void *context,
			  const char **error_r);
/* Returns str escaped for the place it is expanded into (an SQL string
   literal, say); the result must stay valid until the expansion ends
   (pool_temp or the caller's memory). */
typedef const char *var_expand_escape_func_t(const char *str, void *context);
/* The same, with every variable's final value (after modifiers, substring
   and padding) passed through escape; the template's own text is not. A
   conditional's result counts as one value: the variables inside its
   fields are not escaped on their own, so nothing is escaped twice. */
int var_expand_with_escape(string_t *dest, const char *str, const struct var_expand_table *table,
			   const struct var_expand_func_table *func_table, void *context,
			   var_expand_escape_func_t *escape, void *escape_context,
			   const char **error_r);
/* Whether str uses the given variable, by letter (key, unless '\0') or by
   long key (long_key, unless NULL), also inside conditionals. Does not
   expand anything; stops looking at the first syntax error. */
bool var_has_key(const char *str, char key, const char *long_key);

#endif

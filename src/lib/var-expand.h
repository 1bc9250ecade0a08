#ifndef VAR_EXPAND_H
#define VAR_EXPAND_H

/* The one expansion of %variables used by every component (mail_location,
   passdb args, log formats, pop3_uidl_format ...), with Dovecot 2.3's
   syntax:
     %u %n %d %h ...        one-letter keys
     %{user} %{home}        long keys
     %Lu %Uu                lower/upper case modifier
     %Nu                    (not supported: N = number is a width, see below)
     %3u %-3u               first 3 / last 3 characters? no: Dovecot truncates
                            to width N (negative: from the end)
     %08Xu                  zero-padded width, X = hexadecimal of a number
     %%                     a literal %
   An unknown key is an error, not an empty string, so a misspelt variable in
   a path never silently maps every user to one directory. */

struct var_expand_table {
	char key;           /* one-letter key, or '\0' */
	const char *value;  /* NULL counts as "" */
	const char *long_key; /* for %{long_key}, or NULL */
};

/* Expands str into dest. Returns 0, or -1 with *error_r (unknown variable,
   bad syntax). The table ends with an entry whose key and long_key are
   both NULL/'\0'. */
int var_expand(string_t *dest, const char *str, const struct var_expand_table *table,
	       const char **error_r);
/* Whether str contains the given variable (by letter or long key). */
bool var_has_key(const char *str, char key, const char *long_key);

#endif

#ifndef RFC2231_PARSER_H
#define RFC2231_PARSER_H

struct rfc822_parser_context;

/* MIME header parameters (RFC 2045 section 5.1) with RFC 2231 parameter
   value continuations and charset/language marking.

   The result is what IMAP BODYSTRUCTURE shows (and what Dovecot shows):
   - plain parameters first, in their order, as key and unquoted value;
   - then the RFC 2231 ones: "key*0", "key*1", ... are joined into "key",
     or into "key*" when a section is marked extended ("key*0*"), whose
     value then stays in its encoded form "charset'language'%XX..."
     (decode it with rfc2231_decode_value()). Sections are used from 0
     up to the first missing number; a lone "key*" stays "key*".
   Broken parameters (no "=", junk) are skipped up to the next ';'. An
   unquoted value is a MIME token: "name=foo[1].txt" gives "foo" and the
   rest is skipped, as Dovecot does (so BODYSTRUCTURE matches). */

struct rfc2231_param {
	const char *key;
	const char *value;
};

/* Parses parameters from ctx (positioned after the header's main value,
   at the first ';'). Allocates from pool and returns the number of
   parameters, *params_r pointing to them (NULL when 0). */
unsigned int rfc2231_parse(struct rfc822_parser_context *ctx, pool_t pool,
			   const struct rfc2231_param **params_r);

/* Decodes an extended value "charset'language'text-with-%XX" to UTF-8 and
   appends it to dest. A value without the two quotes, or in an unknown
   charset, is appended after %-decoding as UTF-8. If language_r is not
   NULL, it is set to the language (allocated from pool) or NULL. */
void rfc2231_decode_value(pool_t pool, const char *value, string_t *dest,
			  const char **language_r);

/* The value of parameter key (case-insensitive) decoded to UTF-8, looking
   at "key" and at "key*" (RFC 2231). NULL if neither exists. */
const char *rfc2231_get_param_utf8(pool_t pool, const struct rfc2231_param *params,
				   unsigned int count, const char *key);

#endif

#ifndef RFC822_PARSER_H
#define RFC822_PARSER_H

/* Tokenizer for structured header values (RFC 5322 section 3.2, RFC 2045
   section 5.1), used by the address and MIME header parsers. It works on a
   complete, unfolded value: no I/O, no state beyond the position.

   Unless said otherwise the parse functions return 1 when they parsed
   something and more input follows (after skipping whitespace and
   comments), 0 when they parsed something and the input ended, and -1 on a
   syntax error (with the position where parsing stopped). Parsed text is
   appended to str. 8-bit bytes count as atom text (RFC 6532). */

struct rfc822_parser_context {
	const unsigned char *data, *end;
	/* If not NULL, the text of the last comment skipped is put here. */
	string_t *last_comment;
};

void rfc822_parser_init(struct rfc822_parser_context *ctx, const void *data, size_t size,
			string_t *last_comment);

/* Whether c is atext / a MIME token character. */
bool rfc822_is_atext(unsigned char c);
bool rfc822_is_token_char(unsigned char c);

/* Skips a comment; ctx->data must point at '('. */
int rfc822_skip_comment(struct rfc822_parser_context *ctx);
/* Skips whitespace (CR and LF included) and comments. Returns 1 when data
   follows, 0 at end, -1 on an unterminated comment. */
int rfc822_skip_lwsp(struct rfc822_parser_context *ctx);

int rfc822_parse_atom(struct rfc822_parser_context *ctx, string_t *str);
/* atom *("." atom), with CFWS allowed around the dots (obsolete syntax);
   the result has no whitespace. */
int rfc822_parse_dot_atom(struct rfc822_parser_context *ctx, string_t *str);
/* A quoted string (ctx->data at '"'), unquoted and unescaped. */
int rfc822_parse_quoted_string(struct rfc822_parser_context *ctx, string_t *str);
/* phrase = 1*(atom / quoted-string), plus lone dots (obsolete); words are
   joined with one space. Returns -1 if no word was found. */
int rfc822_parse_phrase(struct rfc822_parser_context *ctx, string_t *str);
/* A domain (ctx->data just after '@'): dot-atom or domain literal
   "[...]", which is kept with its brackets. */
int rfc822_parse_domain(struct rfc822_parser_context *ctx, string_t *str);
/* A MIME token (RFC 2045). */
int rfc822_parse_mime_token(struct rfc822_parser_context *ctx, string_t *str);
/* A MIME token or a quoted string (parameter values). */
int rfc822_parse_token_or_quoted(struct rfc822_parser_context *ctx, string_t *str);

#endif

#ifndef SMTP_PARSER_H
#define SMTP_PARSER_H

/* SMTP/LMTP command parsing (RFC 5321, RFC 2033, RFC 6531 for UTF-8
   addresses, RFC 3030 BDAT). No I/O: the LMTP server reads lines with
   line_reader and hands them here. Errors come with the reply the server
   should send (code, enhanced code, text). */

enum smtp_verb {
	SMTP_VERB_UNKNOWN,
	SMTP_VERB_LHLO, SMTP_VERB_HELO, SMTP_VERB_EHLO,
	SMTP_VERB_MAIL, SMTP_VERB_RCPT, SMTP_VERB_DATA, SMTP_VERB_BDAT,
	SMTP_VERB_RSET, SMTP_VERB_NOOP, SMTP_VERB_QUIT, SMTP_VERB_VRFY,
	SMTP_VERB_XCLIENT, SMTP_VERB_STARTTLS, SMTP_VERB_HELP,
};

struct smtp_error {
	unsigned int code;  /* 501 */
	const char *enh;    /* "5.5.4" */
	const char *text;
};

struct smtp_address {
	const char *localpart; /* unquoted; NULL for the null path <> */
	const char *domain;    /* NULL when there is none (LMTP allows "postmaster") */
};

struct smtp_param {
	const char *keyword; /* upper-cased */
	const char *value;   /* NULL when there is no '=' */
};
ARRAY_DEFINE_TYPE(smtp_param, struct smtp_param);

struct smtp_mail_from {
	struct smtp_address path;
	uint64_t size;        /* SIZE=, 0 when absent */
	const char *body;     /* BODY= 7BIT | 8BITMIME | BINARYMIME, or NULL */
	bool smtputf8;
	ARRAY_TYPE(smtp_param) params; /* all parameters, known or not */
};

struct smtp_rcpt_to {
	struct smtp_address path;
	const char *orcpt;   /* ORCPT= value as given (xtext decoded), or NULL */
	const char *notify;
	ARRAY_TYPE(smtp_param) params;
};

/* Splits "VERB args" (verb case-insensitive). *args_r points into line. */
enum smtp_verb smtp_command_parse(const char *line, const char **verb_r, const char **args_r);
const char *smtp_verb_name(enum smtp_verb verb);

/* "FROM:<a@b> SIZE=10 BODY=8BITMIME". Allocates from pool. */
int smtp_parse_mail_from(pool_t pool, const char *args, struct smtp_mail_from *mail_r,
			 struct smtp_error *error_r);
/* "TO:<a@b> ORCPT=rfc822;a@b". An empty path <> is refused. */
int smtp_parse_rcpt_to(pool_t pool, const char *args, struct smtp_rcpt_to *rcpt_r,
		       struct smtp_error *error_r);
/* "BDAT <size> [LAST]" */
int smtp_parse_bdat(const char *args, uint64_t *size_r, bool *last_r,
		    struct smtp_error *error_r);

/* Parses a path's content (no angle brackets): "user@domain",
   "\"quoted user\"@domain", "postmaster". UTF-8 is accepted when utf8 is
   true (SMTPUTF8). Returns 0 or -1 with *error_r. */
int smtp_address_parse(pool_t pool, const char *str, bool utf8, struct smtp_address *address_r,
		       const char **error_r);
/* localpart@domain with quoting where needed, "" for the null path. */
const char *smtp_address_encode(pool_t pool, const struct smtp_address *address);
/* recipient_delimiter: "user+detail" -> "user" and "detail" (first
   delimiter character found; delimiters may list several characters). */
void smtp_address_detail_split(pool_t pool, const char *localpart, const char *delimiters,
			       const char **user_r, const char **detail_r);
/* RFC 3461 xtext decoding ("a+2Bb" -> "a+b"). Returns -1 on bad input. */
int smtp_xtext_decode(pool_t pool, const char *str, const char **result_r);

#endif

#include "lib.h"
#include "utf8.h"
#include "smtp-parser.h"

#include <ctype.h>

static const struct {
	const char *name;
	enum smtp_verb verb;
} verbs[] = {
	{ "LHLO", SMTP_VERB_LHLO }, { "HELO", SMTP_VERB_HELO }, { "EHLO", SMTP_VERB_EHLO },
	{ "MAIL", SMTP_VERB_MAIL }, { "RCPT", SMTP_VERB_RCPT }, { "DATA", SMTP_VERB_DATA },
	{ "BDAT", SMTP_VERB_BDAT }, { "RSET", SMTP_VERB_RSET }, { "NOOP", SMTP_VERB_NOOP },
	{ "QUIT", SMTP_VERB_QUIT }, { "VRFY", SMTP_VERB_VRFY }, { "XCLIENT", SMTP_VERB_XCLIENT },
	{ "STARTTLS", SMTP_VERB_STARTTLS }, { "HELP", SMTP_VERB_HELP },
};

static void set_error(struct smtp_error *error, unsigned int code, const char *enh,
		      const char *text)
{
	error->code = code;
	error->enh = enh;
	error->text = text;
}

enum smtp_verb smtp_command_parse(const char *line, const char **verb_r, const char **args_r)
{
	size_t len = strcspn(line, " ");

	*verb_r = t_strndup(line, len);
	*args_r = line[len] == ' ' ? line + len + 1 : line + len;
	for (unsigned int i = 0; i < N_ELEMENTS(verbs); i++) {
		if (strlen(verbs[i].name) == len && strncasecmp(line, verbs[i].name, len) == 0)
			return verbs[i].verb;
	}
	return SMTP_VERB_UNKNOWN;
}

const char *smtp_verb_name(enum smtp_verb verb)
{
	for (unsigned int i = 0; i < N_ELEMENTS(verbs); i++) {
		if (verbs[i].verb == verb)
			return verbs[i].name;
	}
	return "UNKNOWN";
}

static bool is_atext(unsigned char c, bool utf8)
{
	if (c >= 0x80)
		return utf8;
	return isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool is_domain_char(unsigned char c, bool utf8)
{
	if (c >= 0x80)
		return utf8;
	return isalnum(c) || c == '-' || c == '.' || c == '_';
}

int smtp_address_parse(pool_t pool, const char *str, bool utf8, struct smtp_address *address_r,
		       const char **error_r)
{
	string_t *local = str_new(pool, 64);
	const unsigned char *p = (const unsigned char *)str;

	memset(address_r, 0, sizeof(*address_r));
	/* without SMTPUTF8, 8-bit bytes are refused by the character checks */
	if (utf8 && !utf8_is_valid(str, strlen(str))) {
		*error_r = "Invalid UTF-8 in address";
		return -1;
	}
	/* obsolete source route "@a,@b:" is ignored, as RFC 5321 says */
	if (*p == '@') {
		const char *colon = strchr(str, ':');

		if (colon == NULL) {
			*error_r = "Invalid source route";
			return -1;
		}
		p = (const unsigned char *)colon + 1;
	}
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\0') {
				*error_r = "Unterminated quoted local part";
				return -1;
			}
			if (*p == '\\') {
				p++;
				if (*p < 0x20 || *p == 0x7f) {
					*error_r = "Invalid quoted local part";
					return -1;
				}
			} else if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 && !utf8)) {
				*error_r = "Invalid quoted local part";
				return -1;
			}
			str_append_c(local, (char)*p);
		}
		p++;
	} else {
		const unsigned char *start = p;

		for (; *p != '\0' && *p != '@'; p++) {
			if (*p == '.') {
				if (p == start || p[1] == '.' || p[1] == '@' || p[1] == '\0') {
					*error_r = "Invalid dots in local part";
					return -1;
				}
			} else if (!is_atext(*p, utf8)) {
				*error_r = "Invalid character in local part";
				return -1;
			}
			str_append_c(local, (char)*p);
		}
		if (p == start) {
			*error_r = "Empty local part";
			return -1;
		}
	}
	address_r->localpart = str_c(local);
	if (*p == '\0')
		return 0; /* "postmaster" without a domain */
	if (*p != '@') {
		*error_r = "Invalid character after local part";
		return -1;
	}
	p++;
	const unsigned char *dstart = p;

	if (*p == '[') {
		const char *end = strchr((const char *)p, ']');

		if (end == NULL || end[1] != '\0') {
			*error_r = "Invalid address literal";
			return -1;
		}
		address_r->domain = p_strdup(pool, (const char *)p);
		return 0;
	}
	for (; *p != '\0'; p++) {
		if (!is_domain_char(*p, utf8)) {
			*error_r = "Invalid character in domain";
			return -1;
		}
	}
	if (p == dstart || *dstart == '.' || p[-1] == '.' || strstr((const char *)dstart, "..")) {
		*error_r = "Invalid domain";
		return -1;
	}
	address_r->domain = p_strdup(pool, (const char *)dstart);
	return 0;
}

const char *smtp_address_encode(pool_t pool, const struct smtp_address *address)
{
	string_t *str = str_new(pool, 64);
	const char *lp = address->localpart;
	bool quote = false;

	if (lp == NULL)
		return "";
	for (const unsigned char *p = (const unsigned char *)lp; *p != '\0'; p++) {
		if (!(is_atext(*p, true) || (*p == '.' && p != (const unsigned char *)lp &&
					     p[1] != '\0' && p[1] != '.')))
			quote = true;
	}
	if (lp[0] == '\0')
		quote = true;
	if (quote) {
		str_append_c(str, '"');
		for (const char *p = lp; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				str_append_c(str, '\\');
			str_append_c(str, *p);
		}
		str_append_c(str, '"');
	} else {
		str_append(str, lp);
	}
	if (address->domain != NULL) {
		str_append_c(str, '@');
		str_append(str, address->domain);
	}
	return str_c(str);
}

void smtp_address_detail_split(pool_t pool, const char *localpart, const char *delimiters,
			       const char **user_r, const char **detail_r)
{
	size_t pos = delimiters == NULL || delimiters[0] == '\0' ? strlen(localpart) :
			     strcspn(localpart, delimiters);

	*user_r = p_strndup(pool, localpart, pos);
	*detail_r = localpart[pos] == '\0' ? "" : p_strdup(pool, localpart + pos + 1);
}

int smtp_xtext_decode(pool_t pool, const char *str, const char **result_r)
{
	string_t *dest = str_new(pool, strlen(str) + 1);

	for (const char *p = str; *p != '\0'; p++) {
		if (*p == '+') {
			if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]))
				return -1;
			char hex[3] = { p[1], p[2], '\0' };

			str_append_c(dest, (char)strtoul(hex, NULL, 16));
			p += 2;
		} else if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e || *p == '=') {
			return -1;
		} else {
			str_append_c(dest, *p);
		}
	}
	*result_r = str_c(dest);
	return 0;
}

/* "<path>" at *p, which must follow "FROM:" or "TO:" (spaces tolerated). */
static int parse_path(pool_t pool, const char **p, bool allow_null, bool utf8,
		      struct smtp_address *path_r, const char **error_r)
{
	const char *s = *p, *end;

	while (*s == ' ')
		s++;
	if (*s != '<') {
		*error_r = "Missing '<' in path";
		return -1;
	}
	end = strchr(s, '>');
	if (end == NULL) {
		*error_r = "Missing '>' in path";
		return -1;
	}
	/* a '>' inside a quoted local part */
	if (s[1] == '"') {
		const char *q = s + 2;

		while (*q != '\0' && *q != '"') {
			if (*q == '\\' && q[1] != '\0')
				q++;
			q++;
		}
		end = *q == '"' ? strchr(q, '>') : NULL;
		if (end == NULL) {
			*error_r = "Invalid path";
			return -1;
		}
	}
	const char *inner = p_strndup(pool, s + 1, (size_t)(end - s - 1));

	if (inner[0] == '\0') {
		if (!allow_null) {
			*error_r = "Empty path not allowed";
			return -1;
		}
		memset(path_r, 0, sizeof(*path_r));
	} else if (smtp_address_parse(pool, inner, utf8, path_r, error_r) < 0) {
		return -1;
	}
	*p = end + 1;
	return 0;
}

static int parse_params(pool_t pool, const char *p, ARRAY_TYPE(smtp_param) *params,
			const char **error_r)
{
	const char **words = p_strsplit_spaces(pool, p, " ");

	p_array_init(params, pool, 4);
	for (unsigned int i = 0; words[i] != NULL; i++) {
		struct smtp_param param;
		const char *eq = strchr(words[i], '=');
		size_t klen = eq == NULL ? strlen(words[i]) : (size_t)(eq - words[i]);

		if (klen == 0) {
			*error_r = "Invalid parameter";
			return -1;
		}
		for (size_t j = 0; j < klen; j++) {
			if (!isalnum((unsigned char)words[i][j]) && words[i][j] != '-') {
				*error_r = "Invalid parameter keyword";
				return -1;
			}
		}
		param.keyword = str_ucase(p_strndup(pool, words[i], klen));
		param.value = eq == NULL ? NULL : p_strdup(pool, eq + 1);
		array_push(params, &param);
	}
	return 0;
}

static bool param_has_utf8(const char *args)
{
	const char **words = p_strsplit_spaces(pool_temp, args, " ");

	for (unsigned int i = 0; words[i] != NULL; i++) {
		if (strcasecmp(words[i], "SMTPUTF8") == 0)
			return true;
	}
	return false;
}

int smtp_parse_mail_from(pool_t pool, const char *args, struct smtp_mail_from *mail_r,
			 struct smtp_error *error_r)
{
	const char *p = args, *error;

	memset(mail_r, 0, sizeof(*mail_r));
	if (strncasecmp(p, "FROM:", 5) != 0) {
		set_error(error_r, 501, "5.5.4", "Invalid parameters (expected FROM:<address>)");
		return -1;
	}
	p += 5;
	/* SMTPUTF8 decides whether the path may hold UTF-8 */
	const char *gt = strchr(p, '>');

	mail_r->smtputf8 = gt != NULL && param_has_utf8(gt + 1);
	if (parse_path(pool, &p, true, mail_r->smtputf8, &mail_r->path, &error) < 0 ||
	    parse_params(pool, p, &mail_r->params, &error) < 0) {
		set_error(error_r, 501, "5.5.4", p_strdup_printf(pool, "Invalid FROM: %s", error));
		return -1;
	}
	array_foreach(&mail_r->params, param) {
		if (strcmp(param->keyword, "SIZE") == 0) {
			if (param->value == NULL || str_to_uint64(param->value, &mail_r->size) < 0) {
				set_error(error_r, 501, "5.5.4", "Invalid SIZE parameter");
				return -1;
			}
		} else if (strcmp(param->keyword, "BODY") == 0) {
			if (param->value == NULL ||
			    (strcasecmp(param->value, "7BIT") != 0 &&
			     strcasecmp(param->value, "8BITMIME") != 0 &&
			     strcasecmp(param->value, "BINARYMIME") != 0)) {
				set_error(error_r, 501, "5.5.4", "Invalid BODY parameter");
				return -1;
			}
			mail_r->body = param->value;
		} else if (strcmp(param->keyword, "SMTPUTF8") == 0) {
			if (param->value != NULL) {
				set_error(error_r, 501, "5.5.4", "Invalid SMTPUTF8 parameter");
				return -1;
			}
		}
	}
	return 0;
}

int smtp_parse_rcpt_to(pool_t pool, const char *args, struct smtp_rcpt_to *rcpt_r,
		       struct smtp_error *error_r)
{
	const char *p = args, *error;

	memset(rcpt_r, 0, sizeof(*rcpt_r));
	if (strncasecmp(p, "TO:", 3) != 0) {
		set_error(error_r, 501, "5.5.4", "Invalid parameters (expected TO:<address>)");
		return -1;
	}
	p += 3;
	/* RCPT paths may be UTF-8 when the transaction said SMTPUTF8; the
	   caller checks that; the syntax is accepted here */
	if (parse_path(pool, &p, false, true, &rcpt_r->path, &error) < 0 ||
	    parse_params(pool, p, &rcpt_r->params, &error) < 0) {
		set_error(error_r, 501, "5.5.4", p_strdup_printf(pool, "Invalid TO: %s", error));
		return -1;
	}
	array_foreach(&rcpt_r->params, param) {
		if (strcmp(param->keyword, "ORCPT") == 0) {
			const char *semi = param->value == NULL ? NULL : strchr(param->value, ';');

			if (semi == NULL || smtp_xtext_decode(pool, semi + 1, &rcpt_r->orcpt) < 0) {
				set_error(error_r, 501, "5.5.4", "Invalid ORCPT parameter");
				return -1;
			}
		} else if (strcmp(param->keyword, "NOTIFY") == 0) {
			rcpt_r->notify = param->value;
		}
	}
	return 0;
}

int smtp_parse_bdat(const char *args, uint64_t *size_r, bool *last_r,
		    struct smtp_error *error_r)
{
	const char **words = p_strsplit_spaces(pool_temp, args, " ");

	*last_r = false;
	if (words[0] == NULL || str_to_uint64(words[0], size_r) < 0 ||
	    (words[1] != NULL && (strcasecmp(words[1], "LAST") != 0 || words[2] != NULL))) {
		set_error(error_r, 501, "5.5.4", "Invalid BDAT parameters");
		return -1;
	}
	*last_r = words[1] != NULL;
	return 0;
}

/* Message-ID extraction (see message-id.h). */

#include "lib.h"
#include "message-id.h"
#include "rfc822-parser.h"
#include "str.h"

/* The slow path: "<" [CFWS] (dot-atom / quoted-string) "@" [CFWS]
   dot-atom ">" from start (just after the "<"). Returns the id and sets
   *end_r after the ">", or NULL. */
static const char *msgid_parse(pool_t pool, const char *start, const char *value_end,
			       const char **end_r)
{
	struct rfc822_parser_context parser;
	string_t *id = str_new(pool, 64);
	int ret;

	rfc822_parser_init(&parser, start, (size_t)(value_end - start), NULL);
	if (rfc822_skip_lwsp(&parser) <= 0)
		return NULL;
	if (*parser.data == '"')
		ret = rfc822_parse_quoted_string(&parser, id);
	else
		ret = rfc822_parse_dot_atom(&parser, id);
	if (ret <= 0 || *parser.data != '@')
		return NULL;
	str_append_c(id, '@');
	parser.data++;
	if (rfc822_skip_lwsp(&parser) <= 0 || rfc822_parse_dot_atom(&parser, id) <= 0 ||
	    *parser.data != '>')
		return NULL;
	*end_r = (const char *)parser.data + 1;
	return str_c(id);
}

static const char *strdup_no_lwsp(pool_t pool, const char *start, const char *end)
{
	char *id = p_malloc(pool, (size_t)(end - start) + 1), *dest = id;

	for (; start < end; start++) {
		if (*start != ' ' && *start != '\t' && *start != '\r' && *start != '\n')
			*dest++ = *start;
	}
	*dest = '\0';
	return id;
}

const char *message_id_get_next(pool_t pool, const char **p)
{
	const char *s = *p, *q, *id, *end;
	bool at;

	if (s == NULL)
		return NULL;
	const char *value_end = s + strlen(s);
	for (;;) {
		s = strchr(s, '<');
		if (s == NULL) {
			*p = value_end;
			return NULL;
		}
		s++;
		at = false;
		for (q = s; *q != '\0' && *q != '>' && *q != '"' && *q != '('; q++) {
			if (*q == '@')
				at = true;
		}
		if (*q == '\0') {
			*p = q;
			return NULL;
		}
		if (*q == '>') {
			if (at) {
				*p = q + 1;
				return strdup_no_lwsp(pool, s, q);
			}
			s = q + 1;
			continue;
		}
		/* a quote or a comment: parse it properly */
		id = msgid_parse(pool, s, value_end, &end);
		if (id != NULL) {
			*p = end;
			return id;
		}
	}
}

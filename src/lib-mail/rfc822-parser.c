#include "lib.h"
#include "rfc822-parser.h"

void rfc822_parser_init(struct rfc822_parser_context *ctx, const void *data, size_t size,
			string_t *last_comment)
{
	ctx->data = data;
	ctx->end = ctx->data + size;
	ctx->last_comment = last_comment;
}

bool rfc822_is_atext(unsigned char c)
{
	if (c >= 0x80)
		return true;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

bool rfc822_is_token_char(unsigned char c)
{
	if (c >= 0x80)
		return true;
	if (c <= ' ' || c == 0x7f)
		return false;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

int rfc822_skip_comment(struct rfc822_parser_context *ctx)
{
	unsigned int level = 1;

	i_assert(*ctx->data == '(');
	if (ctx->last_comment != NULL)
		str_truncate(ctx->last_comment, 0);
	ctx->data++;
	const unsigned char *start = ctx->data;

	for (; ctx->data < ctx->end; ctx->data++) {
		switch (*ctx->data) {
		case '(':
			level++;
			break;
		case ')':
			if (--level == 0) {
				if (ctx->last_comment != NULL)
					str_append_data(ctx->last_comment, start,
							(size_t)(ctx->data - start));
				ctx->data++;
				return ctx->data < ctx->end ? 1 : 0;
			}
			break;
		case '\\':
			if (ctx->last_comment != NULL) {
				str_append_data(ctx->last_comment, start,
						(size_t)(ctx->data - start));
				start = ctx->data + 1;
			}
			if (ctx->data + 1 < ctx->end)
				ctx->data++;
			break;
		}
	}
	return -1;
}

int rfc822_skip_lwsp(struct rfc822_parser_context *ctx)
{
	while (ctx->data < ctx->end) {
		unsigned char c = *ctx->data;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			ctx->data++;
		} else if (c == '(') {
			if (rfc822_skip_comment(ctx) < 0)
				return -1;
		} else {
			return 1;
		}
	}
	return 0;
}

int rfc822_parse_atom(struct rfc822_parser_context *ctx, string_t *str)
{
	const unsigned char *start = ctx->data;

	while (ctx->data < ctx->end && rfc822_is_atext(*ctx->data))
		ctx->data++;
	if (ctx->data == start)
		return -1;
	str_append_data(str, start, (size_t)(ctx->data - start));
	return rfc822_skip_lwsp(ctx);
}

int rfc822_parse_dot_atom(struct rfc822_parser_context *ctx, string_t *str)
{
	bool any = false;
	int ret = -1;

	/* lenient: leading, trailing and doubled dots are kept as they are */
	while (ctx->data < ctx->end) {
		if (*ctx->data == '.') {
			str_append_c(str, '.');
			ctx->data++;
			ret = rfc822_skip_lwsp(ctx);
		} else if (rfc822_is_atext(*ctx->data)) {
			ret = rfc822_parse_atom(ctx, str);
		} else {
			break;
		}
		any = true;
		if (ret < 0)
			return -1;
	}
	return any ? (ctx->data < ctx->end ? 1 : 0) : -1;
}

int rfc822_parse_quoted_string(struct rfc822_parser_context *ctx, string_t *str)
{
	i_assert(*ctx->data == '"');
	ctx->data++;
	const unsigned char *start = ctx->data;

	for (; ctx->data < ctx->end; ctx->data++) {
		switch (*ctx->data) {
		case '"':
			str_append_data(str, start, (size_t)(ctx->data - start));
			ctx->data++;
			return rfc822_skip_lwsp(ctx);
		case '\r':
		case '\n':
			/* folding inside the string: drop the line end */
			str_append_data(str, start, (size_t)(ctx->data - start));
			start = ctx->data + 1;
			break;
		case '\\':
			str_append_data(str, start, (size_t)(ctx->data - start));
			if (ctx->data + 1 < ctx->end)
				ctx->data++;
			start = ctx->data;
			break;
		}
	}
	str_append_data(str, start, (size_t)(ctx->data - start));
	return -1;
}

int rfc822_parse_phrase(struct rfc822_parser_context *ctx, string_t *str)
{
	bool first = true;
	int ret = -1;

	for (;;) {
		if (ctx->data >= ctx->end)
			break;
		unsigned char c = *ctx->data;

		if (c != '"' && c != '.' && !rfc822_is_atext(c))
			break;
		if (!first)
			str_append_c(str, ' ');
		first = false;
		if (c == '"') {
			ret = rfc822_parse_quoted_string(ctx, str);
		} else if (c == '.') {
			/* obs-phrase: a lone dot glued to the previous word */
			if (str_len(str) > 0 && str->data[str_len(str) - 1] == ' ')
				str_truncate(str, str_len(str) - 1);
			str_append_c(str, '.');
			ctx->data++;
			ret = rfc822_skip_lwsp(ctx);
		} else {
			ret = rfc822_parse_atom(ctx, str);
		}
		if (ret <= 0)
			return ret;
	}
	return first ? -1 : ret;
}

static int parse_domain_literal(struct rfc822_parser_context *ctx, string_t *str)
{
	const unsigned char *start = ctx->data;

	i_assert(*ctx->data == '[');
	for (ctx->data++; ctx->data < ctx->end; ctx->data++) {
		if (*ctx->data == '\\') {
			if (ctx->data + 1 < ctx->end)
				ctx->data++;
		} else if (*ctx->data == ']') {
			ctx->data++;
			str_append_data(str, start, (size_t)(ctx->data - start));
			return rfc822_skip_lwsp(ctx);
		}
	}
	return -1;
}

int rfc822_parse_domain(struct rfc822_parser_context *ctx, string_t *str)
{
	int ret;

	if ((ret = rfc822_skip_lwsp(ctx)) <= 0)
		return -1;
	if (*ctx->data == '[')
		return parse_domain_literal(ctx, str);
	return rfc822_parse_dot_atom(ctx, str);
}

int rfc822_parse_mime_token(struct rfc822_parser_context *ctx, string_t *str)
{
	const unsigned char *start = ctx->data;

	while (ctx->data < ctx->end && rfc822_is_token_char(*ctx->data))
		ctx->data++;
	if (ctx->data == start)
		return -1;
	str_append_data(str, start, (size_t)(ctx->data - start));
	return rfc822_skip_lwsp(ctx);
}

int rfc822_parse_token_or_quoted(struct rfc822_parser_context *ctx, string_t *str)
{
	if (ctx->data < ctx->end && *ctx->data == '"')
		return rfc822_parse_quoted_string(ctx, str);
	return rfc822_parse_mime_token(ctx, str);
}

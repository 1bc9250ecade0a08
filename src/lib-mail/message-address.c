#include "lib.h"
#include "rfc822-parser.h"
#include "message-address.h"

#include <limits.h>

struct message_address_parser_ctx {
	pool_t pool;
	struct rfc822_parser_context parser;
	enum message_address_parse_flags flags;
	unsigned int max_addresses, count;

	struct message_address *first, *last;
	string_t *str, *comment;
	struct message_address addr;
};

static void add_address(struct message_address_parser_ctx *ctx)
{
	struct message_address *addr = p_new(ctx->pool, struct message_address, 1);

	*addr = ctx->addr;
	if (ctx->last == NULL)
		ctx->first = addr;
	else
		ctx->last->next = addr;
	ctx->last = addr;
	memset(&ctx->addr, 0, sizeof(ctx->addr));
}

static const char *str_take(struct message_address_parser_ctx *ctx, string_t *str)
{
	const char *ret = p_strndup(ctx->pool, str_data(str), str_len(str));

	str_truncate(str, 0);
	return ret;
}

static void add_mailbox(struct message_address_parser_ctx *ctx)
{
	bool fill = (ctx->flags & MESSAGE_ADDRESS_PARSE_FLAG_FILL_MISSING) != 0;

	if (ctx->addr.mailbox == NULL || ctx->addr.mailbox[0] == '\0') {
		ctx->addr.invalid_syntax = true;
		ctx->addr.mailbox = fill ? MESSAGE_ADDRESS_MISSING_MAILBOX : NULL;
	}
	if (ctx->addr.domain == NULL || ctx->addr.domain[0] == '\0') {
		ctx->addr.invalid_syntax = true;
		/* NULL would make it a group marker */
		ctx->addr.domain = fill ? MESSAGE_ADDRESS_MISSING_DOMAIN : "";
	}
	ctx->count++;
	add_address(ctx);
}

/* local-part = word *("." word), CFWS around the dots */
static int parse_local_part(struct message_address_parser_ctx *ctx)
{
	struct rfc822_parser_context *p = &ctx->parser;
	int ret = -1;

	str_truncate(ctx->str, 0);
	while (p->data < p->end) {
		if (*p->data == '"') {
			ret = rfc822_parse_quoted_string(p, ctx->str);
		} else if (*p->data == '.') {
			str_append_c(ctx->str, '.');
			p->data++;
			ret = rfc822_skip_lwsp(p);
		} else if (rfc822_is_atext(*p->data)) {
			ret = rfc822_parse_atom(p, ctx->str);
		} else {
			break;
		}
		if (ret < 0) {
			/* e.g. an unterminated quoted string: no local part */
			str_truncate(ctx->str, 0);
			break;
		}
		if (ret == 0)
			break;
		/* words without a dot between them end the local part */
		if (*p->data != '.' && str_len(ctx->str) > 0 &&
		    ctx->str->data[str_len(ctx->str) - 1] != '.')
			break;
	}
	ctx->addr.mailbox = str_take(ctx, ctx->str);
	return ret < 0 ? -1 : (p->data < p->end ? 1 : 0);
}

/* addr-spec = local-part "@" domain */
static int parse_addr_spec(struct message_address_parser_ctx *ctx)
{
	struct rfc822_parser_context *p = &ctx->parser;
	int ret = 1;

	if (p->data < p->end && *p->data != '@')
		ret = parse_local_part(ctx);
	if (ret > 0 && *p->data == '@') {
		p->data++;
		str_truncate(ctx->str, 0);
		ret = rfc822_skip_lwsp(p);
		if (ret > 0 && (*p->data == '[' || *p->data == '.' || rfc822_is_atext(*p->data)))
			ret = rfc822_parse_domain(p, ctx->str);
		/* else "user@" followed by "," or nothing: the domain is
		   missing, which add_mailbox() notes; parsing goes on */
		ctx->addr.domain = str_take(ctx, ctx->str);
	}
	return ret;
}

/* route = 1#("@" domain) ":" */
static int parse_route(struct message_address_parser_ctx *ctx)
{
	struct rfc822_parser_context *p = &ctx->parser;
	string_t *route = str_new(ctx->pool, 32);
	int ret;

	for (;;) {
		i_assert(*p->data == '@');
		p->data++;
		str_append_c(route, '@');
		if ((ret = rfc822_parse_domain(p, route)) <= 0)
			return -1;
		while (*p->data == ',') {
			p->data++;
			if ((ret = rfc822_skip_lwsp(p)) <= 0)
				return -1;
		}
		if (*p->data != '@')
			break;
		str_append_c(route, ',');
	}
	ctx->addr.route = str_c(route);
	if (*p->data != ':')
		return -1;
	p->data++;
	return rfc822_skip_lwsp(p);
}

/* angle-addr = "<" [route] addr-spec ">" */
static int parse_angle_addr(struct message_address_parser_ctx *ctx)
{
	struct rfc822_parser_context *p = &ctx->parser;
	int ret;

	i_assert(*p->data == '<');
	p->data++;
	if ((ret = rfc822_skip_lwsp(p)) <= 0)
		return -1;
	if (*p->data == '@') {
		if (parse_route(ctx) <= 0)
			return -1;
	}
	if (*p->data == '>') {
		/* <> */
		p->data++;
		return rfc822_skip_lwsp(p);
	}
	if ((ret = parse_addr_spec(ctx)) <= 0)
		return -1;
	if (*p->data != '>')
		return -1;
	p->data++;
	return rfc822_skip_lwsp(p);
}

/* mailbox = name-addr / addr-spec */
static int parse_mailbox(struct message_address_parser_ctx *ctx, bool allow_group)
{
	struct rfc822_parser_context *p = &ctx->parser;
	const unsigned char *start = p->data;
	int ret;

	str_truncate(ctx->str, 0);
	ret = rfc822_parse_phrase(p, ctx->str);
	if (ret > 0 && *p->data == ':' && allow_group)
		return 2;
	if (p->data < p->end && *p->data == '<' && (ret > 0 || p->data == start)) {
		/* an empty display name ("" <a@b>) is no name */
		if (p->data != start && str_len(ctx->str) > 0)
			ctx->addr.name = str_take(ctx, ctx->str);
		ret = parse_angle_addr(ctx);
	} else {
		/* addr-spec, possibly followed by "(Name)" */
		p->data = start;
		str_truncate(ctx->comment, 0);
		ret = parse_addr_spec(ctx);
		if (str_len(ctx->comment) > 0)
			ctx->addr.name = str_take(ctx, ctx->comment);
	}
	if (ret < 0)
		ctx->addr.invalid_syntax = true;
	add_mailbox(ctx);
	return ret;
}

static int parse_group(struct message_address_parser_ctx *ctx)
{
	struct rfc822_parser_context *p = &ctx->parser;
	int ret;

	/* the group name is in ctx->str, p->data at ':' */
	ctx->addr.mailbox = str_take(ctx, ctx->str);
	add_address(ctx);
	p->data++;
	for (;;) {
		if ((ret = rfc822_skip_lwsp(p)) <= 0)
			break;
		if (*p->data == ';') {
			p->data++;
			ret = rfc822_skip_lwsp(p);
			break;
		}
		if (*p->data == ',') {
			p->data++;
			continue;
		}
		if (ctx->count >= ctx->max_addresses) {
			ret = 0;
			break;
		}
		if ((ret = parse_mailbox(ctx, false)) <= 0)
			break;
		if (*p->data != ',' && *p->data != ';') {
			ret = -1;
			break;
		}
	}
	/* group end, also for an unterminated group */
	add_address(ctx);
	return ret;
}

static void parse_address_list(struct message_address_parser_ctx *ctx)
{
	struct rfc822_parser_context *p = &ctx->parser;
	int ret;

	for (;;) {
		if (rfc822_skip_lwsp(p) <= 0)
			break;
		if (*p->data == ',') {
			p->data++;
			continue;
		}
		if (ctx->count >= ctx->max_addresses)
			break;
		ret = parse_mailbox(ctx, true);
		if (ret == 2)
			ret = parse_group(ctx);
		if (ret <= 0 || *p->data != ',')
			break;
	}
}

struct message_address *message_address_parse(pool_t pool, const void *data, size_t size,
					      unsigned int max_addresses,
					      enum message_address_parse_flags flags)
{
	struct message_address_parser_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.pool = pool;
	ctx.flags = flags;
	ctx.max_addresses = max_addresses;
	ctx.str = str_new(pool_system, 128);
	ctx.comment = str_new(pool_system, 64);
	rfc822_parser_init(&ctx.parser, data, size, ctx.comment);
	parse_address_list(&ctx);
	str_free(&ctx.str);
	str_free(&ctx.comment);
	return ctx.first;
}

static bool name_needs_quoting(const char *name)
{
	if (*name == '\0')
		return true;
	for (; *name != '\0'; name++) {
		if (!rfc822_is_atext((unsigned char)*name) && *name != ' ')
			return true;
	}
	return false;
}

static void append_quoted(string_t *str, const char *s)
{
	str_append_c(str, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			str_append_c(str, '\\');
		str_append_c(str, *s);
	}
	str_append_c(str, '"');
}

void message_address_write(string_t *str, const struct message_address *addr)
{
	bool need_sep = false;

	for (; addr != NULL; addr = addr->next) {
		if (message_address_is_group_end(addr)) {
			str_append_c(str, ';');
			need_sep = true;
			continue;
		}
		if (need_sep)
			str_append(str, ", ");
		if (message_address_is_group_start(addr)) {
			if (name_needs_quoting(addr->mailbox))
				append_quoted(str, addr->mailbox);
			else
				str_append(str, addr->mailbox);
			str_append(str, ": ");
			need_sep = false;
			continue;
		}
		bool angle = addr->name != NULL || addr->route != NULL;

		if (addr->name != NULL) {
			if (name_needs_quoting(addr->name))
				append_quoted(str, addr->name);
			else
				str_append(str, addr->name);
			str_append_c(str, ' ');
		}
		if (angle)
			str_append_c(str, '<');
		if (addr->route != NULL) {
			str_append(str, addr->route);
			str_append_c(str, ':');
		}
		if (addr->mailbox != NULL)
			str_append(str, addr->mailbox);
		if (addr->domain != NULL && addr->domain[0] != '\0') {
			str_append_c(str, '@');
			str_append(str, addr->domain);
		}
		if (angle)
			str_append_c(str, '>');
		need_sep = true;
	}
}

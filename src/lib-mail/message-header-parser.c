#include "lib.h"
#include "message-header-parser.h"

#include <strings.h>

#define MESSAGE_HEADER_MIN_NAME_SIZE 1024

enum header_state {
	HEADER_STATE_LINE_START = 0,
	/* a CR at the start of a line: an empty CRLF line, or junk */
	HEADER_STATE_LINE_START_CR,
	HEADER_STATE_NAME,
	HEADER_STATE_VALUE_WS,
	HEADER_STATE_VALUE,
	HEADER_STATE_DONE,
};

struct message_header_parser_ctx {
	struct message_header_parser_settings set;

	const unsigned char *data;
	size_t size, pos;
	bool eof;

	enum header_state state;
	/* a field has been started and its lines so far are consumed */
	bool have_field;
	/* a CR was the last byte seen inside a name or value; it is added
	   only if the next byte is not LF */
	bool pending_cr;
	bool eoh;

	string_t *name;
	/* the value with a LF at each fold */
	string_t *value;
	/* the unfolded value, made for folded fields */
	string_t *unfolded;
	struct message_header_field field;
	uint64_t field_offset;
	unsigned int field_lines;
	bool no_colon, truncated;

	uint64_t offset;
	struct message_size hdr_size;
	bool last_cr;
};

struct message_header_parser_ctx *
message_header_parser_init(const struct message_header_parser_settings *set)
{
	struct message_header_parser_ctx *ctx = i_new(struct message_header_parser_ctx, 1);

	if (set != NULL)
		ctx->set = *set;
	if (ctx->set.max_value_size == 0)
		ctx->set.max_value_size = MESSAGE_HEADER_DEFAULT_MAX_VALUE_SIZE;
	ctx->name = str_new(pool_system, 64);
	ctx->value = str_new(pool_system, 256);
	ctx->unfolded = str_new(pool_system, 256);
	message_header_parser_reset(ctx, ctx->set.start_offset);
	return ctx;
}

void message_header_parser_deinit(struct message_header_parser_ctx **_ctx)
{
	struct message_header_parser_ctx *ctx = *_ctx;

	if (ctx == NULL)
		return;
	*_ctx = NULL;
	str_free(&ctx->name);
	str_free(&ctx->value);
	str_free(&ctx->unfolded);
	i_free(ctx);
}

void message_header_parser_reset(struct message_header_parser_ctx *ctx, uint64_t start_offset)
{
	ctx->set.start_offset = start_offset;
	ctx->data = NULL;
	ctx->size = ctx->pos = 0;
	ctx->eof = false;
	ctx->state = HEADER_STATE_LINE_START;
	ctx->have_field = false;
	ctx->pending_cr = false;
	ctx->eoh = false;
	ctx->offset = start_offset;
	memset(&ctx->hdr_size, 0, sizeof(ctx->hdr_size));
	ctx->last_cr = false;
	str_truncate(ctx->name, 0);
	str_truncate(ctx->value, 0);
}

void message_header_parser_feed(struct message_header_parser_ctx *ctx, const void *data,
				size_t size)
{
	i_assert(ctx->pos == ctx->size);
	i_assert(!ctx->eof);
	ctx->data = data;
	ctx->size = size;
	ctx->pos = 0;
}

void message_header_parser_feed_eof(struct message_header_parser_ctx *ctx)
{
	i_assert(ctx->pos == ctx->size);
	ctx->eof = true;
}

static void consume(struct message_header_parser_ctx *ctx, size_t n)
{
	message_size_add(&ctx->hdr_size, &ctx->last_cr, ctx->data + ctx->pos, n);
	ctx->pos += n;
	ctx->offset += n;
}

static void append_capped(struct message_header_parser_ctx *ctx, string_t *dest,
			  const void *data, size_t size)
{
	/* a name is cut too (a line without a colon is all name), but never
	   so short that it can no longer be matched */
	size_t max = dest == ctx->name ? MAX(ctx->set.max_value_size, MESSAGE_HEADER_MIN_NAME_SIZE)
				       : ctx->set.max_value_size;
	size_t room = max - MIN(str_len(dest), max);

	if (size > room) {
		size = room;
		ctx->truncated = true;
	}
	str_append_data(dest, data, size);
}

/* Appends data[0..size) of the current line, holding back a final CR that
   may turn out to be half of a CRLF line end. */
static void append_line_data(struct message_header_parser_ctx *ctx, string_t *dest,
			     const unsigned char *data, size_t size)
{
	if (size == 0)
		return;
	if (ctx->pending_cr) {
		append_capped(ctx, dest, "\r", 1);
		ctx->pending_cr = false;
	}
	if (data[size - 1] == '\r') {
		ctx->pending_cr = true;
		size--;
	}
	append_capped(ctx, dest, data, size);
}

static void field_start(struct message_header_parser_ctx *ctx, uint64_t offset)
{
	str_truncate(ctx->name, 0);
	str_truncate(ctx->value, 0);
	ctx->field_offset = offset;
	ctx->field_lines = 0;
	ctx->no_colon = false;
	ctx->truncated = false;
	ctx->pending_cr = false;
	ctx->have_field = false;
	ctx->state = HEADER_STATE_NAME;
}

static const struct message_header_field *field_finish(struct message_header_parser_ctx *ctx,
						       bool no_newline)
{
	struct message_header_field *field = &ctx->field;

	if (ctx->pending_cr) {
		/* input ended after a CR */
		append_capped(ctx, ctx->state == HEADER_STATE_NAME ? ctx->name : ctx->value,
			      "\r", 1);
		ctx->pending_cr = false;
	}
	memset(field, 0, sizeof(*field));
	field->name = str_c(ctx->name);
	field->name_len = str_len(ctx->name);
	field->full_value = str_data(ctx->value);
	field->full_value_len = str_len(ctx->value);
	if (ctx->field_lines <= 1) {
		field->value = field->full_value;
		field->value_len = field->full_value_len;
	} else {
		/* LFs in the value are the folds: a LF always ends a line */
		const unsigned char *p = str_data(ctx->value), *end = p + str_len(ctx->value);

		str_truncate(ctx->unfolded, 0);
		while (p < end) {
			const unsigned char *lf = memchr(p, '\n', (size_t)(end - p));

			if (lf == NULL)
				lf = end;
			str_append_data(ctx->unfolded, p, (size_t)(lf - p));
			p = lf + 1;
		}
		field->value = str_data(ctx->unfolded);
		field->value_len = str_len(ctx->unfolded);
	}
	field->offset = ctx->field_offset;
	field->raw_size = ctx->offset - ctx->field_offset;
	field->lines = ctx->field_lines + (no_newline ? 1 : 0);
	field->no_colon = ctx->no_colon;
	field->truncated = ctx->truncated;
	field->no_newline = no_newline;
	ctx->have_field = false;
	return field;
}

static void name_finish(struct message_header_parser_ctx *ctx)
{
	size_t len = str_len(ctx->name);

	/* obsolete syntax allows WSP between the name and the colon */
	while (len > 0 && (ctx->name->data[len - 1] == ' ' || ctx->name->data[len - 1] == '\t'))
		len--;
	str_truncate(ctx->name, len);
}

static void parse_name(struct message_header_parser_ctx *ctx)
{
	const unsigned char *p = ctx->data + ctx->pos, *end = ctx->data + ctx->size;
	const unsigned char *start = p;

	while (p < end && *p != ':' && *p != '\n')
		p++;
	append_line_data(ctx, ctx->name, start, (size_t)(p - start));
	if (p == end) {
		consume(ctx, (size_t)(p - start));
		return;
	}
	if (*p == ':') {
		if (ctx->pending_cr) {
			append_capped(ctx, ctx->name, "\r", 1);
			ctx->pending_cr = false;
		}
		name_finish(ctx);
		consume(ctx, (size_t)(p - start) + 1);
		ctx->state = HEADER_STATE_VALUE_WS;
		return;
	}
	/* a line without a colon */
	ctx->pending_cr = false;
	consume(ctx, (size_t)(p - start) + 1);
	ctx->no_colon = true;
	ctx->field_lines++;
	ctx->have_field = true;
	ctx->state = HEADER_STATE_LINE_START;
}

static void parse_value(struct message_header_parser_ctx *ctx)
{
	const unsigned char *p = ctx->data + ctx->pos;
	size_t left = ctx->size - ctx->pos;
	const unsigned char *lf = memchr(p, '\n', left);

	if (lf == NULL) {
		append_line_data(ctx, ctx->value, p, left);
		consume(ctx, left);
		return;
	}
	append_line_data(ctx, ctx->value, p, (size_t)(lf - p));
	/* a CR just before the LF is part of the line end */
	ctx->pending_cr = false;
	consume(ctx, (size_t)(lf - p) + 1);
	ctx->field_lines++;
	ctx->have_field = true;
	ctx->state = HEADER_STATE_LINE_START;
}

static enum message_header_parse_result
parse_eof(struct message_header_parser_ctx *ctx, const struct message_header_field **field_r)
{
	switch (ctx->state) {
	case HEADER_STATE_LINE_START:
		ctx->state = HEADER_STATE_DONE;
		if (ctx->have_field) {
			*field_r = field_finish(ctx, false);
			return MESSAGE_HEADER_PARSE_FIELD;
		}
		return MESSAGE_HEADER_PARSE_DONE;
	case HEADER_STATE_NAME:
		ctx->no_colon = true;
		/* fall through */
	case HEADER_STATE_VALUE_WS:
	case HEADER_STATE_VALUE:
		*field_r = field_finish(ctx, true);
		ctx->state = HEADER_STATE_DONE;
		return MESSAGE_HEADER_PARSE_FIELD;
	case HEADER_STATE_LINE_START_CR:
	case HEADER_STATE_DONE:
		break;
	}
	ctx->state = HEADER_STATE_DONE;
	return MESSAGE_HEADER_PARSE_DONE;
}

enum message_header_parse_result
message_header_parser_next(struct message_header_parser_ctx *ctx,
			   const struct message_header_field **field_r)
{
	*field_r = NULL;
	for (;;) {
		if (ctx->state == HEADER_STATE_DONE)
			return MESSAGE_HEADER_PARSE_DONE;
		if (ctx->pos == ctx->size) {
			if (!ctx->eof)
				return MESSAGE_HEADER_PARSE_NEED_MORE;
			return parse_eof(ctx, field_r);
		}
		unsigned char c = ctx->data[ctx->pos];

		switch (ctx->state) {
		case HEADER_STATE_LINE_START:
			if (ctx->have_field) {
				if (c == ' ' || c == '\t') {
					/* a continuation line: mark the fold */
					append_capped(ctx, ctx->value, "\n", 1);
					ctx->state = HEADER_STATE_VALUE;
					break;
				}
				*field_r = field_finish(ctx, false);
				return MESSAGE_HEADER_PARSE_FIELD;
			}
			if (c == '\n') {
				consume(ctx, 1);
				ctx->eoh = true;
				ctx->state = HEADER_STATE_DONE;
				return MESSAGE_HEADER_PARSE_DONE;
			}
			if (c == '\r') {
				consume(ctx, 1);
				ctx->state = HEADER_STATE_LINE_START_CR;
				break;
			}
			field_start(ctx, ctx->offset);
			break;
		case HEADER_STATE_LINE_START_CR:
			if (c == '\n') {
				consume(ctx, 1);
				ctx->eoh = true;
				ctx->state = HEADER_STATE_DONE;
				return MESSAGE_HEADER_PARSE_DONE;
			}
			/* a CR that starts a line of junk: keep it in the name */
			field_start(ctx, ctx->offset - 1);
			str_append_c(ctx->name, '\r');
			break;
		case HEADER_STATE_NAME:
			parse_name(ctx);
			break;
		case HEADER_STATE_VALUE_WS:
			if (c == ' ' || c == '\t')
				consume(ctx, 1);
			else
				ctx->state = HEADER_STATE_VALUE;
			break;
		case HEADER_STATE_VALUE:
			parse_value(ctx);
			break;
		case HEADER_STATE_DONE:
			i_unreached();
		}
	}
}

size_t message_header_parser_get_remaining(const struct message_header_parser_ctx *ctx,
					   const unsigned char **data_r)
{
	*data_r = ctx->data + ctx->pos;
	return ctx->size - ctx->pos;
}

bool message_header_parser_has_eoh(const struct message_header_parser_ctx *ctx)
{
	return ctx->eoh;
}

void message_header_parser_get_size(const struct message_header_parser_ctx *ctx,
				    struct message_size *size_r)
{
	*size_r = ctx->hdr_size;
}

bool message_header_field_is(const struct message_header_field *field, const char *name)
{
	return strcasecmp(field->name, name) == 0;
}

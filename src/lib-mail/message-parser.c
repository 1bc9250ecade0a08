#include "lib.h"
#include "message-header-parser.h"
#include "message-part-data.h"
#include "message-parser.h"

#include <strings.h>

/* the longest line prefix looked at to decide on a boundary: a held line
   end, "--", the boundary and "--" */
#define HOLD_MAX (2 + 2 + MESSAGE_PARSER_BOUNDARY_MAX_LEN + 2)

enum parser_state {
	PARSER_STATE_HEADER = 0,
	PARSER_STATE_BODY,
	PARSER_STATE_SKIP_BOUNDARY_LINE,
	PARSER_STATE_DONE,
};

struct boundary {
	struct message_part *part;
	size_t len;
	char str[MESSAGE_PARSER_BOUNDARY_MAX_LEN];
};

/* a part on the path from the root to the current part */
struct open_part {
	struct message_part *part;
	struct message_part *last_child;
	struct message_size hdr_start, body_start;
	unsigned int depth;
	bool in_header;
};

struct message_parser_ctx {
	pool_t pool;
	struct message_parser_settings set;

	const unsigned char *data;
	size_t size, pos;
	bool eof;

	enum parser_state state;
	ARRAY(struct open_part) open;
	ARRAY(struct boundary) boundaries;
	size_t boundary_max_len;
	struct message_part *root;
	unsigned int total_parts;

	/* everything consumed so far */
	struct message_size counters;
	bool last_cr;

	/* At the start of a line that may be a boundary. hold has the
	   consumed bytes not yet returned or fed: in the body the line end
	   before the line (nl_len bytes) and then the start of the line. */
	bool line_start;
	unsigned int nl_len;
	struct message_size line_start_size;
	unsigned char hold[HOLD_MAX];
	size_t hold_len, hold_prefix;
	/* body: hold is a CR that may start a CRLF */
	bool pending_cr;

	struct message_header_parser_ctx *hdr_parser;
	bool hdr_feeding;
	bool hdr_last_cr;
	/* a boundary line of this multipart ended the header: apply it at
	   the header's end */
	struct message_part *hdr_boundary;
	bool hdr_boundary_closing;
	struct message_size hdr_boundary_cut;

	/* after a boundary line: close its multipart or start a new part */
	struct message_part *boundary_part;
	bool boundary_closing;

	struct message_block block;
	bool have_block;
};

static struct open_part *open_top(struct message_parser_ctx *ctx)
{
	return array_idx(&ctx->open, array_count(&ctx->open) - 1);
}

static struct message_part *cur_part(struct message_parser_ctx *ctx)
{
	return open_top(ctx)->part;
}

static void consume(struct message_parser_ctx *ctx, size_t n)
{
	message_size_add(&ctx->counters, &ctx->last_cr, ctx->data + ctx->pos, n);
	ctx->pos += n;
}

static void size_minus_newline(struct message_size *size, unsigned int nl_len)
{
	if (nl_len > 0) {
		size->physical_size -= nl_len;
		size->virtual_size -= 2;
		size->lines--;
	}
}

static void emit_body(struct message_parser_ctx *ctx, const unsigned char *data, size_t size)
{
	if (size == 0)
		return;
	struct message_part *part = cur_part(ctx);

	if (memchr(data, '\0', size) != NULL)
		part->flags |= MESSAGE_PART_FLAG_HAS_NULS;
	ctx->block.type = MESSAGE_BLOCK_BODY;
	ctx->block.part = part;
	ctx->block.field = NULL;
	ctx->block.data = data;
	ctx->block.size = size;
	ctx->have_block = true;
}

static void line_start_init(struct message_parser_ctx *ctx, unsigned int nl_len)
{
	ctx->line_start = true;
	ctx->nl_len = nl_len;
	ctx->line_start_size = ctx->counters;
	ctx->hold_prefix = ctx->hold_len;
}

static void boundary_max_len_update(struct message_parser_ctx *ctx)
{
	ctx->boundary_max_len = 0;
	array_foreach(&ctx->boundaries, b)
		ctx->boundary_max_len = MAX(ctx->boundary_max_len, b->len);
}

static void new_part(struct message_parser_ctx *ctx, const struct message_size *start)
{
	struct message_part *part = p_new(ctx->pool, struct message_part, 1);
	struct open_part *parent = array_count(&ctx->open) == 0 ? NULL : open_top(ctx);
	unsigned int depth = 0;

	part->data = p_new(ctx->pool, struct message_part_data, 1);
	part->physical_pos = start->physical_size;
	if (parent != NULL) {
		part->parent = parent->part;
		if (parent->last_child == NULL)
			parent->part->children = part;
		else
			parent->last_child->next = part;
		parent->last_child = part;
		parent->part->children_count++;
		depth = parent->depth + 1;
	} else {
		ctx->root = part;
	}
	ctx->total_parts++;

	struct open_part *op = array_append_space(&ctx->open);

	op->part = part;
	op->hdr_start = *start;
	op->depth = depth;
	op->in_header = true;

	message_header_parser_reset(ctx->hdr_parser, start->physical_size);
	ctx->state = PARSER_STATE_HEADER;
	ctx->hold_len = 0;
	ctx->hdr_last_cr = false;
	line_start_init(ctx, 0);
}

static void part_finish(struct open_part *op, const struct message_size *end)
{
	struct message_part *part = op->part;

	if (op->in_header) {
		message_size_diff(end, &op->hdr_start, &part->header_size);
		op->body_start = *end;
		op->in_header = false;
	}
	message_size_diff(end, &op->body_start, &part->body_size);
}

/* Ends the open parts below part (all of them if part is NULL) at end. */
static void parts_close_until(struct message_parser_ctx *ctx, struct message_part *part,
			      const struct message_size *end)
{
	while (array_count(&ctx->open) > 0 && open_top(ctx)->part != part) {
		part_finish(open_top(ctx), end);
		array_delete(&ctx->open, array_count(&ctx->open) - 1, 1);
	}
	unsigned int count = array_count(&ctx->boundaries);

	while (count > 0 && array_idx(&ctx->boundaries, count - 1)->part != part)
		count--;
	if (count < array_count(&ctx->boundaries)) {
		array_delete(&ctx->boundaries, count, array_count(&ctx->boundaries) - count);
		boundary_max_len_update(ctx);
	}
}

static bool is_message_start(struct message_parser_ctx *ctx)
{
	struct message_part *part = cur_part(ctx);

	return part->parent == NULL ||
	       (part->parent->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) != 0;
}

static void part_overflow(struct message_part *part)
{
	/* as Dovecot does: the container becomes opaque data */
	part->data->content_type = "application";
	part->data->content_subtype = "octet-stream";
	part->flags |= MESSAGE_PART_FLAG_OVERFLOW;
}

static void boundary_push(struct message_parser_ctx *ctx, struct message_part *part,
			  const char *str)
{
	struct boundary *b = array_append_space(&ctx->boundaries);

	b->part = part;
	b->len = MIN(strlen(str), MESSAGE_PARSER_BOUNDARY_MAX_LEN);
	memcpy(b->str, str, b->len);
	boundary_max_len_update(ctx);
}

static void header_end(struct message_parser_ctx *ctx, const struct message_size *body_start)
{
	struct open_part *op = open_top(ctx);
	struct message_part *part = op->part;
	struct message_part_data *data = part->data;
	bool container_ok = op->depth + 1 < ctx->set.max_nested_mime_parts &&
			    ctx->total_parts < ctx->set.max_total_mime_parts;

	message_size_diff(body_start, &op->hdr_start, &part->header_size);
	op->body_start = *body_start;
	op->in_header = false;

	if (data->content_type == NULL && part->parent != NULL &&
	    (part->parent->flags & MESSAGE_PART_FLAG_MULTIPART_DIGEST) != 0) {
		data->content_type = "message";
		data->content_subtype = "rfc822";
	}
	ctx->state = PARSER_STATE_BODY;
	ctx->hold_len = 0;
	ctx->pending_cr = false;
	line_start_init(ctx, 0);

	if (message_part_data_is_type(data, "multipart", NULL)) {
		if (!container_ok) {
			part_overflow(part);
			return;
		}
		part->flags |= MESSAGE_PART_FLAG_MULTIPART;
		if (strcasecmp(data->content_subtype, "digest") == 0)
			part->flags |= MESSAGE_PART_FLAG_MULTIPART_DIGEST;
		const char *boundary = message_part_data_get_param(data, "boundary");

		if (boundary != NULL && boundary[0] != '\0') {
			part->flags |= MESSAGE_PART_FLAG_UNTERMINATED;
			boundary_push(ctx, part, boundary);
		}
	} else if (message_part_data_is_type(data, "message", "rfc822")) {
		if (!container_ok) {
			part_overflow(part);
			return;
		}
		part->flags |= MESSAGE_PART_FLAG_MESSAGE_RFC822;
		new_part(ctx, body_start);
	} else if (message_part_data_is_type(data, "text", NULL)) {
		part->flags |= MESSAGE_PART_FLAG_TEXT;
	}
}

/* Decides whether line[0..len) starts a boundary line. Returns 1 (with
   *b_r and *closing_r), 0 for no, -1 when more of the line is needed. */
static int boundary_decide(struct message_parser_ctx *ctx, const unsigned char *line, size_t len,
			   bool complete, struct boundary **b_r, bool *closing_r)
{
	struct boundary *best = NULL;
	bool undecided = false;

	if (len >= 1 && line[0] != '-')
		return 0;
	if (len >= 2 && line[1] != '-')
		return 0;
	if (len < 2)
		return complete ? 0 : -1;
	line += 2;
	len -= 2;

	/* latest first, so an inner multipart reusing its parent's boundary
	   gets the line; a longer match wins over a shorter one */
	for (unsigned int i = array_count(&ctx->boundaries); i > 0; i--) {
		struct boundary *b = array_idx(&ctx->boundaries, i - 1);

		if (memcmp(b->str, line, MIN(b->len, len)) != 0)
			continue;
		if (b->len > len)
			undecided = true;
		else if (best == NULL || b->len > best->len)
			best = b;
	}
	if (undecided && !complete)
		return -1;
	if (best == NULL)
		return 0;
	if (len < best->len + 2 && !complete)
		return -1;
	*closing_r = len >= best->len + 2 && line[best->len] == '-' && line[best->len + 1] == '-';
	if (!*closing_r && ctx->total_parts >= ctx->set.max_total_mime_parts)
		return 0;
	*b_r = best;
	return 1;
}

static void boundary_apply(struct message_parser_ctx *ctx, struct message_part *part,
			   bool closing, const struct message_size *cut)
{
	parts_close_until(ctx, part, cut);
	if (closing) {
		part->flags &= ~MESSAGE_PART_FLAG_UNTERMINATED;
		/* its boundary is the top one now */
		array_delete(&ctx->boundaries, array_count(&ctx->boundaries) - 1, 1);
		boundary_max_len_update(ctx);
	}
	ctx->boundary_part = part;
	ctx->boundary_closing = closing;
	ctx->hold_len = 0;
	ctx->pending_cr = false;
	ctx->line_start = false;
	ctx->state = PARSER_STATE_SKIP_BOUNDARY_LINE;
}

static void line_cut(struct message_parser_ctx *ctx, struct message_size *cut_r)
{
	*cut_r = ctx->line_start_size;
	size_minus_newline(cut_r, ctx->nl_len);
}

/* Copies the start of the current line into hold and decides. */
static int line_start_decide(struct message_parser_ctx *ctx, struct boundary **b_r,
			     bool *closing_r)
{
	size_t want = ctx->hold_prefix + 2 + ctx->boundary_max_len + 2;

	i_assert(want <= HOLD_MAX);
	while (ctx->hold_len < want && ctx->pos < ctx->size && ctx->data[ctx->pos] != '\n') {
		ctx->hold[ctx->hold_len++] = ctx->data[ctx->pos];
		consume(ctx, 1);
		if (ctx->hold_len - ctx->hold_prefix <= 2 && ctx->hold[ctx->hold_len - 1] != '-')
			break;
	}
	bool complete = ctx->pos < ctx->size ? ctx->data[ctx->pos] == '\n' : ctx->eof;

	return boundary_decide(ctx, ctx->hold + ctx->hold_prefix, ctx->hold_len - ctx->hold_prefix,
			       complete || ctx->hold_len >= want, b_r, closing_r);
}

/* The held bytes turned out to be body data. A CR at their end is held
   back: it may start the CRLF before a boundary line. */
static void hold_emit(struct message_parser_ctx *ctx)
{
	size_t len = ctx->hold_len;

	ctx->hold_len = 0;
	if (len > 0 && ctx->hold[len - 1] == '\r') {
		len--;
		ctx->pending_cr = true;
	}
	emit_body(ctx, ctx->hold, len);
}

static void body_line_start(struct message_parser_ctx *ctx)
{
	struct boundary *b;
	bool closing;
	int ret = line_start_decide(ctx, &b, &closing);

	if (ret < 0)
		return;
	if (ret > 0) {
		struct message_size cut;

		line_cut(ctx, &cut);
		boundary_apply(ctx, b->part, closing, &cut);
		return;
	}
	ctx->line_start = false;
	hold_emit(ctx);
}

static void parse_body_eof(struct message_parser_ctx *ctx)
{
	if (ctx->pending_cr) {
		ctx->pending_cr = false;
		ctx->hold_len = 0;
		emit_body(ctx, (const unsigned char *)"\r", 1);
	} else if (ctx->line_start) {
		body_line_start(ctx);
	} else if (ctx->hold_len > 0) {
		hold_emit(ctx);
	} else {
		parts_close_until(ctx, NULL, &ctx->counters);
		ctx->state = PARSER_STATE_DONE;
	}
}

static void parse_body(struct message_parser_ctx *ctx)
{
	if (ctx->pos == ctx->size) {
		parse_body_eof(ctx);
		return;
	}
	if (ctx->pending_cr) {
		ctx->pending_cr = false;
		ctx->hold_len = 0;
		if (ctx->data[ctx->pos] == '\n') {
			consume(ctx, 1);
			ctx->hold[0] = '\r';
			ctx->hold[1] = '\n';
			ctx->hold_len = 2;
			line_start_init(ctx, 2);
		} else {
			/* a lone CR is data */
			emit_body(ctx, (const unsigned char *)"\r", 1);
		}
		return;
	}
	if (ctx->line_start) {
		if (array_count(&ctx->boundaries) > 0) {
			body_line_start(ctx);
			return;
		}
		ctx->line_start = false;
		hold_emit(ctx);
		return;
	}

	const unsigned char *start = ctx->data + ctx->pos, *end = ctx->data + ctx->size;
	const unsigned char *p = start;

	if (array_count(&ctx->boundaries) == 0) {
		/* nothing can end this part before the end of the message */
		consume(ctx, (size_t)(end - start));
		emit_body(ctx, start, (size_t)(end - start));
		return;
	}
	for (;;) {
		const unsigned char *lf = memchr(p, '\n', (size_t)(end - p));

		if (lf == NULL) {
			size_t n = (size_t)(end - start);

			consume(ctx, n);
			if (end[-1] == '\r') {
				/* may be the CR of a CRLF before a boundary */
				ctx->pending_cr = true;
				n--;
			}
			emit_body(ctx, start, n);
			return;
		}
		const unsigned char *next = lf + 1;

		if (next < end && *next != '-') {
			/* the next line cannot be a boundary */
			p = next;
			continue;
		}
		const unsigned char *nl = lf > start && lf[-1] == '\r' ? lf - 1 : lf;

		consume(ctx, (size_t)(next - start));
		memcpy(ctx->hold, nl, (size_t)(next - nl));
		ctx->hold_len = (size_t)(next - nl);
		line_start_init(ctx, (unsigned int)(next - nl));
		emit_body(ctx, start, (size_t)(nl - start));
		return;
	}
}

static void hdr_feed(struct message_parser_ctx *ctx, const unsigned char *data, size_t size)
{
	if (size == 0)
		return;
	message_header_parser_feed(ctx->hdr_parser, data, size);
	ctx->hdr_feeding = true;
}

static void parse_header(struct message_parser_ctx *ctx)
{
	if (ctx->line_start) {
		struct boundary *b;
		bool closing;
		int ret = 0;

		if (array_count(&ctx->boundaries) > 0 &&
		    (ret = line_start_decide(ctx, &b, &closing)) < 0)
			return;
		ctx->line_start = false;
		if (ret > 0) {
			/* a boundary line inside the header ends it */
			ctx->hdr_boundary = b->part;
			ctx->hdr_boundary_closing = closing;
			line_cut(ctx, &ctx->hdr_boundary_cut);
			ctx->hold_len = 0;
			message_header_parser_feed_eof(ctx->hdr_parser);
			ctx->hdr_feeding = true;
			return;
		}
		if (ctx->hold_len > 0) {
			ctx->hdr_last_cr = ctx->hold[ctx->hold_len - 1] == '\r';
			hdr_feed(ctx, ctx->hold, ctx->hold_len);
			ctx->hold_len = 0;
			return;
		}
	}
	if (ctx->pos == ctx->size) {
		i_assert(ctx->eof);
		message_header_parser_feed_eof(ctx->hdr_parser);
		ctx->hdr_feeding = true;
		return;
	}

	const unsigned char *p = ctx->data + ctx->pos;
	size_t left = ctx->size - ctx->pos;
	const unsigned char *lf = memchr(p, '\n', left);
	size_t n = lf == NULL ? left : (size_t)(lf + 1 - p);
	unsigned int nl_len = 0;

	if (lf != NULL)
		nl_len = (lf > p ? lf[-1] == '\r' : ctx->hdr_last_cr) ? 2 : 1;
	ctx->hdr_last_cr = p[n - 1] == '\r';
	consume(ctx, n);
	hdr_feed(ctx, p, n);
	if (lf != NULL)
		line_start_init(ctx, nl_len);
}

static void hdr_drain(struct message_parser_ctx *ctx)
{
	const struct message_header_field *field;
	struct message_part *part = cur_part(ctx);

	switch (message_header_parser_next(ctx->hdr_parser, &field)) {
	case MESSAGE_HEADER_PARSE_NEED_MORE:
		ctx->hdr_feeding = false;
		return;
	case MESSAGE_HEADER_PARSE_FIELD:
		message_part_data_parse_field(ctx->pool, part->data, field,
					      !ctx->set.no_envelope && is_message_start(ctx));
		ctx->block.type = MESSAGE_BLOCK_HEADER_FIELD;
		ctx->block.part = part;
		ctx->block.field = field;
		ctx->block.data = NULL;
		ctx->block.size = 0;
		ctx->have_block = true;
		return;
	case MESSAGE_HEADER_PARSE_DONE:
		break;
	}
	ctx->hdr_feeding = false;

	const unsigned char *rest;
	size_t rest_len = message_header_parser_get_remaining(ctx->hdr_parser, &rest);

	/* only whole lines are fed: the empty line is the last one */
	i_assert(rest_len == 0);
	if (!ctx->set.no_envelope && is_message_start(ctx) && part->data->envelope == NULL)
		part->data->envelope = p_new(ctx->pool, struct message_part_envelope, 1);
	ctx->block.type = MESSAGE_BLOCK_HEADER_END;
	ctx->block.part = part;
	ctx->block.field = NULL;
	ctx->block.data = NULL;
	ctx->block.size = 0;
	ctx->have_block = true;

	if (ctx->hdr_boundary != NULL) {
		struct message_part *boundary_part = ctx->hdr_boundary;

		ctx->hdr_boundary = NULL;
		header_end(ctx, &ctx->hdr_boundary_cut);
		boundary_apply(ctx, boundary_part, ctx->hdr_boundary_closing,
			       &ctx->hdr_boundary_cut);
	} else {
		header_end(ctx, &ctx->counters);
	}
}

static void boundary_line_done(struct message_parser_ctx *ctx)
{
	/* the boundary line (with its line end) belongs to the multipart */
	if (ctx->boundary_closing) {
		ctx->state = PARSER_STATE_BODY;
		ctx->hold_len = 0;
		line_start_init(ctx, 0);
	} else {
		new_part(ctx, &ctx->counters);
	}
}

static void parse_skip_boundary_line(struct message_parser_ctx *ctx)
{
	if (ctx->pos == ctx->size) {
		boundary_line_done(ctx);
		return;
	}
	const unsigned char *p = ctx->data + ctx->pos;
	const unsigned char *lf = memchr(p, '\n', ctx->size - ctx->pos);

	if (lf == NULL) {
		consume(ctx, ctx->size - ctx->pos);
		return;
	}
	consume(ctx, (size_t)(lf + 1 - p));
	boundary_line_done(ctx);
}

enum message_parser_result message_parser_next_block(struct message_parser_ctx *ctx,
						     struct message_block *block_r)
{
	for (;;) {
		if (ctx->hdr_feeding)
			hdr_drain(ctx);
		else if (ctx->state == PARSER_STATE_DONE)
			return MESSAGE_PARSER_DONE;
		else if (ctx->pos == ctx->size && !ctx->eof)
			return MESSAGE_PARSER_NEED_MORE;
		else {
			switch (ctx->state) {
			case PARSER_STATE_HEADER:
				parse_header(ctx);
				break;
			case PARSER_STATE_BODY:
				parse_body(ctx);
				break;
			case PARSER_STATE_SKIP_BOUNDARY_LINE:
				parse_skip_boundary_line(ctx);
				break;
			case PARSER_STATE_DONE:
				i_unreached();
			}
		}
		if (ctx->have_block) {
			ctx->have_block = false;
			*block_r = ctx->block;
			return MESSAGE_PARSER_BLOCK;
		}
	}
}

struct message_parser_ctx *message_parser_init(pool_t part_pool,
					       const struct message_parser_settings *set)
{
	struct message_parser_ctx *ctx = i_new(struct message_parser_ctx, 1);
	struct message_header_parser_settings hdr_set;
	struct message_size start;

	ctx->pool = part_pool;
	if (set != NULL)
		ctx->set = *set;
	if (ctx->set.max_nested_mime_parts == 0)
		ctx->set.max_nested_mime_parts = MESSAGE_PARSER_DEFAULT_MAX_NESTED_MIME_PARTS;
	if (ctx->set.max_total_mime_parts == 0)
		ctx->set.max_total_mime_parts = MESSAGE_PARSER_DEFAULT_MAX_TOTAL_MIME_PARTS;
	memset(&hdr_set, 0, sizeof(hdr_set));
	hdr_set.max_value_size = ctx->set.max_header_value_size;
	ctx->hdr_parser = message_header_parser_init(&hdr_set);
	i_array_init(&ctx->open, 16);
	i_array_init(&ctx->boundaries, 8);
	memset(&start, 0, sizeof(start));
	new_part(ctx, &start);
	return ctx;
}

struct message_part *message_parser_deinit(struct message_parser_ctx **_ctx)
{
	struct message_parser_ctx *ctx = *_ctx;
	struct message_part *root = ctx->root;

	*_ctx = NULL;
	/* parts still open end where the input ended */
	parts_close_until(ctx, NULL, &ctx->counters);
	array_free(&ctx->open);
	array_free(&ctx->boundaries);
	message_header_parser_deinit(&ctx->hdr_parser);
	i_free(ctx);
	return root;
}

void message_parser_feed(struct message_parser_ctx *ctx, const void *data, size_t size)
{
	i_assert(ctx->pos == ctx->size && !ctx->eof);
	ctx->data = data;
	ctx->size = size;
	ctx->pos = 0;
}

void message_parser_feed_eof(struct message_parser_ctx *ctx)
{
	i_assert(ctx->pos == ctx->size);
	ctx->eof = true;
}

struct message_part *message_parse_buffer(pool_t part_pool, const void *data, size_t size,
					  const struct message_parser_settings *set)
{
	struct message_parser_ctx *ctx = message_parser_init(part_pool, set);
	struct message_block block;

	message_parser_feed(ctx, data, size);
	while (message_parser_next_block(ctx, &block) == MESSAGE_PARSER_BLOCK)
		;
	message_parser_feed_eof(ctx);
	while (message_parser_next_block(ctx, &block) == MESSAGE_PARSER_BLOCK)
		;
	return message_parser_deinit(&ctx);
}

unsigned int message_part_count(const struct message_part *part)
{
	unsigned int count = 1;

	for (const struct message_part *child = part->children; child != NULL;
	     child = child->next)
		count += message_part_count(child);
	return count;
}

void message_part_get_total_size(const struct message_part *part, struct message_size *size_r)
{
	*size_r = part->header_size;
	message_size_sum(size_r, &part->body_size);
}

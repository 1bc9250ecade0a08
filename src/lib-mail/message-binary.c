/* IMAP BINARY sections: planning and decoding. See message-binary.h. */

#include "lib.h"
#include "message-binary.h"
#include "message-parser.h"
#include "message-part-data.h"
#include "message-section.h"

#include <strings.h>

static const char cte_binary_field[] = "Content-Transfer-Encoding: binary\r\n";

/* ---- planning ---- */

static bool part_is_leaf(const struct message_part *part)
{
	if ((part->flags & MESSAGE_PART_FLAG_MULTIPART) != 0)
		return false;
	return (part->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) == 0 || part->children == NULL;
}

static enum message_cte part_cte(const struct message_part *part)
{
	return message_cte_parse(part->data == NULL ? NULL : part->data->content_transfer_encoding);
}

static void plan_add(struct message_binary_plan *plan, enum message_binary_segment_type type,
		     enum message_cte cte, uint64_t offset, uint64_t size)
{
	struct message_binary_segment *seg;
	unsigned int count = array_count(&plan->segments);

	if (size == 0)
		return;
	if (type == MESSAGE_BINARY_SEGMENT_COPY && count > 0) {
		/* one segment for neighbouring copied bytes */
		seg = array_idx(&plan->segments, count - 1);
		if (seg->type == MESSAGE_BINARY_SEGMENT_COPY && seg->offset + seg->size == offset) {
			seg->size += size;
			return;
		}
	}
	seg = array_append_space(&plan->segments);
	seg->type = type;
	seg->cte = cte;
	seg->offset = offset;
	seg->size = size;
	if (type != MESSAGE_BINARY_SEGMENT_COPY)
		plan->copy_only = false;
}

static int plan_part(struct message_binary_plan *plan, const struct message_part *part,
		     bool with_header)
{
	uint64_t body_start = part->physical_pos + part->header_size.physical_size;
	uint64_t body_end = body_start + part->body_size.physical_size;
	enum message_cte cte = MESSAGE_CTE_7BIT;
	const struct message_part *child;
	uint64_t pos;

	if ((part->flags & MESSAGE_PART_FLAG_HAS_NULS) != 0)
		plan->literal8 = true;
	if (part_is_leaf(part)) {
		cte = part_cte(part);
		if (cte == MESSAGE_CTE_UNKNOWN)
			return -1;
		if (cte == MESSAGE_CTE_BINARY)
			plan->literal8 = true;
	}
	if (with_header) {
		plan_add(plan,
			 cte == MESSAGE_CTE_QP || cte == MESSAGE_CTE_BASE64
			     ? MESSAGE_BINARY_SEGMENT_HEADER
			     : MESSAGE_BINARY_SEGMENT_COPY,
			 cte, part->physical_pos, part->header_size.physical_size);
	}
	if (part_is_leaf(part)) {
		if (cte == MESSAGE_CTE_QP || cte == MESSAGE_CTE_BASE64) {
			plan->literal8 = true;
			plan_add(plan, MESSAGE_BINARY_SEGMENT_DECODE, cte, body_start,
				 body_end - body_start);
		} else {
			plan_add(plan, MESSAGE_BINARY_SEGMENT_COPY, cte, body_start,
				 body_end - body_start);
		}
		return 0;
	}
	/* a container: the bytes between the children (boundaries,
	   preamble, epilogue) are copied */
	pos = body_start;
	for (child = part->children; child != NULL; child = child->next) {
		if (child->physical_pos < pos || child->physical_pos > body_end)
			break; /* cannot happen with the parser's offsets */
		plan_add(plan, MESSAGE_BINARY_SEGMENT_COPY, cte, pos, child->physical_pos - pos);
		if (plan_part(plan, child, true) < 0)
			return -1;
		pos = child->physical_pos + child->header_size.physical_size +
		      child->body_size.physical_size;
	}
	if (pos < body_end)
		plan_add(plan, MESSAGE_BINARY_SEGMENT_COPY, cte, pos, body_end - pos);
	return 0;
}

enum message_binary_plan_result
message_binary_plan(pool_t pool, const struct message_part *root, const unsigned int *path,
		    unsigned int path_len, struct message_binary_plan *plan_r)
{
	const struct message_part *part;
	bool with_header = path_len == 0;

	memset(plan_r, 0, sizeof(*plan_r));
	p_array_init(&plan_r->segments, pool, 8);
	plan_r->copy_only = true;
	part = message_section_find_part(root, path, path_len);
	if (part == NULL)
		return MESSAGE_BINARY_PLAN_NO_PART;
	if (plan_part(plan_r, part, with_header) < 0)
		return MESSAGE_BINARY_PLAN_UNKNOWN_CTE;
	if (plan_r->copy_only) {
		plan_r->copy_only_size = part->body_size.virtual_size;
		if (with_header)
			plan_r->copy_only_size += part->header_size.virtual_size;
	}
	return MESSAGE_BINARY_PLAN_OK;
}

/* ---- the header rewrite ---- */

static bool field_is_cte(const unsigned char *line, size_t len)
{
	static const char name[] = "Content-Transfer-Encoding";
	size_t i = sizeof(name) - 1;

	if (len < i || strncasecmp((const char *)line, name, i) != 0)
		return false;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i < len && line[i] == ':';
}

void message_binary_rewrite_header(const void *hdr, size_t size, buffer_t *dest)
{
	const unsigned char *data = hdr, *line, *end = data + size, *nl;
	bool skipping = false, ended = false, open_line = false;
	size_t len;

	for (line = data; line < end && !ended; line += len) {
		nl = memchr(line, '\n', (size_t)(end - line));
		len = nl == NULL ? (size_t)(end - line) : (size_t)(nl - line) + 1;
		if (len <= 2 && (line[0] == '\n' || (line[0] == '\r' && len == 2))) {
			/* the empty line that ends the header */
			ended = true;
			break;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			/* a continuation belongs to the field before it */
			if (!skipping) {
				buffer_append(dest, line, len);
				open_line = line[len - 1] != '\n';
			}
			continue;
		}
		skipping = field_is_cte(line, len);
		if (!skipping) {
			buffer_append(dest, line, len);
			open_line = line[len - 1] != '\n';
		}
	}
	/* a header cut short by the end of the message */
	if (open_line)
		buffer_append(dest, "\r\n", 2);
	buffer_append(dest, cte_binary_field, sizeof(cte_binary_field) - 1);
	if (ended)
		buffer_append(dest, "\r\n", 2);
}

/* ---- decoding ---- */

struct message_binary_decoder {
	enum message_binary_segment_type type;
	struct message_cte_decoder *cte;
	bool last_cr;
	bool had_errors;
	buffer_t *crlf; /* the input made CRLF, for the next stage */
	buffer_t *header;
};

struct message_binary_decoder *
message_binary_decoder_create(const struct message_binary_segment *segment)
{
	struct message_binary_decoder *dec = i_new(struct message_binary_decoder, 1);

	dec->type = segment->type;
	dec->crlf = buffer_create_dynamic(pool_system, 1024);
	if (segment->type == MESSAGE_BINARY_SEGMENT_DECODE)
		dec->cte = message_cte_decoder_create(segment->cte);
	else if (segment->type == MESSAGE_BINARY_SEGMENT_HEADER)
		dec->header = buffer_create_dynamic(pool_system, 1024);
	return dec;
}

void message_binary_decoder_destroy(struct message_binary_decoder **_dec)
{
	struct message_binary_decoder *dec = *_dec;

	if (dec == NULL)
		return;
	*_dec = NULL;
	message_cte_decoder_destroy(&dec->cte);
	buffer_free(&dec->crlf);
	if (dec->header != NULL)
		buffer_free(&dec->header);
	i_free(dec);
}

/* Appends data with every LF that has no CR before it made CRLF. */
static void crlf_append(struct message_binary_decoder *dec, const unsigned char *data, size_t size,
			buffer_t *dest)
{
	size_t i, start = 0;

	for (i = 0; i < size; i++) {
		if (data[i] == '\n' && !(i > 0 ? data[i - 1] == '\r' : dec->last_cr)) {
			buffer_append(dest, data + start, i - start);
			buffer_append(dest, "\r", 1);
			start = i;
		}
	}
	buffer_append(dest, data + start, size - start);
	if (size > 0)
		dec->last_cr = data[size - 1] == '\r';
}

void message_binary_decoder_feed(struct message_binary_decoder *dec, const void *data,
				 size_t size, buffer_t *dest)
{
	switch (dec->type) {
	case MESSAGE_BINARY_SEGMENT_COPY:
		crlf_append(dec, data, size, dest);
		break;
	case MESSAGE_BINARY_SEGMENT_DECODE:
		if (message_cte_decoder_had_errors(dec->cte))
			break; /* the section is refused anyway */
		buffer_reset(dec->crlf);
		crlf_append(dec, data, size, dec->crlf);
		message_cte_decoder_decode(dec->cte, dec->crlf->data, dec->crlf->used, dest);
		break;
	case MESSAGE_BINARY_SEGMENT_HEADER:
		if (dec->header->used + size > MESSAGE_BINARY_MAX_HEADER_SIZE) {
			dec->had_errors = true;
			break;
		}
		crlf_append(dec, data, size, dec->header);
		break;
	}
}

void message_binary_decoder_finish(struct message_binary_decoder *dec, buffer_t *dest)
{
	switch (dec->type) {
	case MESSAGE_BINARY_SEGMENT_COPY:
		break;
	case MESSAGE_BINARY_SEGMENT_DECODE:
		message_cte_decoder_finish(dec->cte, dest);
		break;
	case MESSAGE_BINARY_SEGMENT_HEADER:
		if (!dec->had_errors)
			message_binary_rewrite_header(dec->header->data, dec->header->used, dest);
		buffer_reset(dec->header);
		break;
	}
}

bool message_binary_decoder_had_errors(const struct message_binary_decoder *dec)
{
	return dec->had_errors || (dec->cte != NULL && message_cte_decoder_had_errors(dec->cte));
}

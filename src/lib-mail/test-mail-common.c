#include "lib.h"
#include "message-header-parser.h"
#include "message-parser.h"
#include "message-part-data.h"
#include "imap-envelope.h"
#include "imap-bodystructure.h"
#include "test-mail-common.h"

#include <inttypes.h>
#include <stdio.h>

static void append_escaped(string_t *str, const unsigned char *data, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (data[i] >= 0x20 && data[i] < 0x7f && data[i] != '\\')
			str_append_c(str, (char)data[i]);
		else
			str_printfa(str, "\\x%02x", data[i]);
	}
}

static void header_field_dump(string_t *str, const struct message_header_field *field)
{
	str_append(str, "F ");
	append_escaped(str, (const unsigned char *)field->name, field->name_len);
	str_append_c(str, '=');
	append_escaped(str, field->value, field->value_len);
	str_printfa(str, " @%" PRIu64 "+%" PRIu64 " l%u%s%s%s\n", field->offset,
		    field->raw_size, field->lines, field->no_colon ? " nocolon" : "",
		    field->truncated ? " trunc" : "", field->no_newline ? " nonl" : "");
}

static void header_drain(struct message_header_parser_ctx *parser, string_t *str, bool *done)
{
	const struct message_header_field *field;
	enum message_header_parse_result ret;

	while ((ret = message_header_parser_next(parser, &field)) ==
	       MESSAGE_HEADER_PARSE_FIELD)
		header_field_dump(str, field);
	if (ret == MESSAGE_HEADER_PARSE_DONE && !*done) {
		const unsigned char *rest;
		size_t rest_len = message_header_parser_get_remaining(parser, &rest);
		struct message_size hsize;

		message_header_parser_get_size(parser, &hsize);
		str_printfa(str, "DONE eoh=%d size=%" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n",
			    message_header_parser_has_eoh(parser) ? 1 : 0, hsize.physical_size,
			    hsize.virtual_size, hsize.lines);
		(void)rest_len;
		*done = true;
	}
}

static const char *header_dump(pool_t pool, const unsigned char *data, size_t size,
			       const size_t *splits, unsigned int split_count, bool bytewise)
{
	struct message_header_parser_ctx *parser = message_header_parser_init(NULL);
	string_t *str = str_new(pool, 256);
	size_t pos = 0;
	unsigned int i = 0;
	bool done = false;

	while (pos < size && !done) {
		size_t next = bytewise ? pos + 1 : (i < split_count ? splits[i++] : size);

		if (next <= pos)
			continue;
		message_header_parser_feed(parser, data + pos, next - pos);
		pos = next;
		header_drain(parser, str, &done);
	}
	if (!done) {
		message_header_parser_feed_eof(parser);
		header_drain(parser, str, &done);
	}
	message_header_parser_deinit(&parser);
	return str_c(str);
}

const char *test_mail_header_dump(pool_t pool, const void *data, size_t size,
				  const size_t *splits, unsigned int split_count)
{
	return header_dump(pool, data, size, splits, split_count, false);
}

const char *test_mail_header_dump_bytewise(pool_t pool, const void *data, size_t size)
{
	return header_dump(pool, data, size, NULL, 0, true);
}

static void part_tree_dump(string_t *str, const struct message_part *part, const char *id)
{
	const struct message_part_data *data = part->data;
	unsigned int n = 1;

	str_printfa(str,
		    "P %s pos=%" PRIu64 " hdr=%" PRIu64 "/%" PRIu64 "/%" PRIu64 " body=%" PRIu64
		    "/%" PRIu64 "/%" PRIu64 " flags=%x children=%u type=%s/%s\n",
		    id, part->physical_pos, part->header_size.physical_size,
		    part->header_size.virtual_size, part->header_size.lines,
		    part->body_size.physical_size, part->body_size.virtual_size,
		    part->body_size.lines, (unsigned int)part->flags, part->children_count,
		    data->content_type == NULL ? "-" : data->content_type,
		    data->content_subtype == NULL ? "-" : data->content_subtype);
	for (const struct message_part *child = part->children; child != NULL;
	     child = child->next, n++) {
		char child_id[1024];

		if (strlen(id) > 900) {
			str_append(str, "...\n");
			break;
		}
		snprintf(child_id, sizeof(child_id), "%s.%u", id, n);
		part_tree_dump(str, child, child_id);
	}
}

const char *test_mail_part_tree_dump(pool_t pool, const struct message_part *root)
{
	string_t *str = str_new(pool, 256);

	part_tree_dump(str, root, "1");
	return str_c(str);
}

struct parse_dump_ctx {
	string_t *str;
	const struct message_part *body_part;
	buffer_t *body;
};

static void body_flush(struct parse_dump_ctx *d)
{
	if (d->body_part == NULL)
		return;
	str_printfa(d->str, "B @%" PRIu64 " ", d->body_part->physical_pos);
	append_escaped(d->str, d->body->data, d->body->used);
	str_append_c(d->str, '\n');
	buffer_reset(d->body);
	d->body_part = NULL;
}

static void parse_drain(struct message_parser_ctx *parser, struct parse_dump_ctx *d)
{
	struct message_block block;

	while (message_parser_next_block(parser, &block) == MESSAGE_PARSER_BLOCK) {
		switch (block.type) {
		case MESSAGE_BLOCK_HEADER_FIELD:
			body_flush(d);
			header_field_dump(d->str, block.field);
			break;
		case MESSAGE_BLOCK_HEADER_END:
			body_flush(d);
			str_append(d->str, "EOH\n");
			break;
		case MESSAGE_BLOCK_BODY:
			if (block.size == 0)
				str_append(d->str, "ERROR: empty body block\n");
			if (d->body_part != block.part)
				body_flush(d);
			d->body_part = block.part;
			buffer_append(d->body, block.data, block.size);
			break;
		}
	}
}

static const char *parse_dump(pool_t pool, const unsigned char *data, size_t size,
			      const size_t *splits, unsigned int split_count, bool bytewise,
			      struct message_part **root_r)
{
	struct message_parser_ctx *parser = message_parser_init(pool, NULL);
	struct parse_dump_ctx d;
	size_t pos = 0;
	unsigned int i = 0;

	memset(&d, 0, sizeof(d));
	d.str = str_new(pool, 1024);
	d.body = buffer_create_dynamic(pool_system, 1024);
	while (pos < size) {
		size_t next = bytewise ? pos + 1 : (i < split_count ? splits[i++] : size);

		if (next <= pos)
			continue;
		message_parser_feed(parser, data + pos, next - pos);
		pos = next;
		parse_drain(parser, &d);
	}
	message_parser_feed_eof(parser);
	parse_drain(parser, &d);
	body_flush(&d);
	buffer_free(&d.body);

	struct message_part *root = message_parser_deinit(&parser);

	string_t *out = d.str;

	part_tree_dump(out, root, "1");
	if (root_r != NULL)
		*root_r = root;
	return str_c(out);
}

const char *test_mail_parse_dump(pool_t pool, const void *data, size_t size,
				 const size_t *splits, unsigned int split_count,
				 struct message_part **root_r)
{
	return parse_dump(pool, data, size, splits, split_count, false, root_r);
}

const char *test_mail_parse_dump_bytewise(pool_t pool, const void *data, size_t size)
{
	return parse_dump(pool, data, size, NULL, 0, true, NULL);
}

const char *test_mail_bodystructure(pool_t pool, const struct message_part *root, bool extended)
{
	string_t *str = str_new(pool, 256);

	str_append_c(str, '(');
	imap_bodystructure_write(str, root, extended);
	str_append_c(str, ')');
	return str_c(str);
}

const char *test_mail_envelope(pool_t pool, const struct message_part *root)
{
	string_t *str = str_new(pool, 256);

	str_append_c(str, '(');
	imap_envelope_write(str, root->data->envelope);
	str_append_c(str, ')');
	return str_c(str);
}

#include "lib.h"
#include "rfc822-parser.h"
#include "message-header-parser.h"
#include "message-parser.h"
#include "message-section.h"

#include <limits.h>
#include <strings.h>

/* more part numbers than this cannot address a real part */
#define MESSAGE_SECTION_MAX_PATH 1000

static bool keyword_skip(const char **p, const char *keyword)
{
	size_t len = strlen(keyword);

	if (strncasecmp(*p, keyword, len) != 0)
		return false;
	*p += len;
	return true;
}

static int parse_field_list(pool_t pool, const char *p, struct message_section *section,
			    const char **error_r)
{
	ARRAY(const char *) fields;
	string_t *str = str_new(pool, 64);

	if (*p != ' ' || p[1] != '(') {
		*error_r = "Expected ( after HEADER.FIELDS";
		return -1;
	}
	p += 2;
	p_array_init(&fields, pool, 8);
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == ')')
			break;
		if (*p == '\0') {
			*error_r = "Missing ) after field names";
			return -1;
		}
		str_truncate(str, 0);
		if (*p == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\0') {
					*error_r = "Unterminated quoted field name";
					return -1;
				}
				if (*p == '\\' && p[1] != '\0')
					p++;
				str_append_c(str, *p);
			}
			p++;
		} else {
			while (*p != '\0' && *p != ' ' && *p != ')' && *p != '(' && *p != '"')
				str_append_c(str, *p++);
		}
		if (str_len(str) == 0) {
			*error_r = "Invalid field name list";
			return -1;
		}
		const char *name = p_strdup(pool, str_c(str));

		array_push(&fields, &name);
	}
	if (p[1] != '\0') {
		*error_r = "Junk after field name list";
		return -1;
	}
	if (array_count(&fields) == 0) {
		*error_r = "Empty field name list";
		return -1;
	}
	const char *end = NULL;

	array_push(&fields, &end);
	section->fields = array_front(&fields);
	return 0;
}

static int parse_msgtext(pool_t pool, const char *p, struct message_section *section,
			 const char **error_r)
{
	if (keyword_skip(&p, "HEADER.FIELDS.NOT")) {
		section->type = MESSAGE_SECTION_HEADER_FIELDS_NOT;
		return parse_field_list(pool, p, section, error_r);
	}
	if (keyword_skip(&p, "HEADER.FIELDS")) {
		section->type = MESSAGE_SECTION_HEADER_FIELDS;
		return parse_field_list(pool, p, section, error_r);
	}
	if (keyword_skip(&p, "HEADER"))
		section->type = MESSAGE_SECTION_HEADER;
	else if (keyword_skip(&p, "TEXT"))
		section->type = MESSAGE_SECTION_TEXT;
	else if (section->path_len > 0 && keyword_skip(&p, "MIME"))
		section->type = MESSAGE_SECTION_MIME;
	else {
		*error_r = "Invalid section";
		return -1;
	}
	if (*p != '\0') {
		*error_r = "Junk after section";
		return -1;
	}
	return 0;
}

int message_section_parse(pool_t pool, const char *spec, struct message_section *section_r,
			  const char **error_r)
{
	ARRAY(unsigned int) path;
	const char *p = spec;

	memset(section_r, 0, sizeof(*section_r));
	if (*p == '\0') {
		section_r->type = MESSAGE_SECTION_WHOLE;
		return 0;
	}
	p_array_init(&path, pool, 4);
	while (*p >= '0' && *p <= '9') {
		unsigned int num = 0;

		if (*p == '0') {
			*error_r = "Part numbers start from 1";
			return -1;
		}
		for (; *p >= '0' && *p <= '9'; p++) {
			if (num > (UINT_MAX - 9) / 10) {
				*error_r = "Part number too large";
				return -1;
			}
			num = num * 10 + (unsigned int)(*p - '0');
		}
		if (array_count(&path) >= MESSAGE_SECTION_MAX_PATH) {
			*error_r = "Too many part numbers";
			return -1;
		}
		array_push(&path, &num);
		if (*p == '\0')
			break;
		if (*p != '.' || p[1] == '\0') {
			*error_r = "Invalid part number";
			return -1;
		}
		p++;
	}
	section_r->path = array_count(&path) == 0 ? NULL : array_front(&path);
	section_r->path_len = array_count(&path);
	if (*p == '\0') {
		section_r->type = MESSAGE_SECTION_PART;
		return 0;
	}
	return parse_msgtext(pool, p, section_r, error_r);
}

static void header_range(const struct message_part *part, struct message_section_range *range_r,
			 struct message_size *size_r)
{
	range_r->offset = part->physical_pos;
	range_r->size = part->header_size.physical_size;
	*size_r = part->header_size;
}

static void body_range(const struct message_part *part, struct message_section_range *range_r,
		       struct message_size *size_r)
{
	range_r->offset = part->physical_pos + part->header_size.physical_size;
	range_r->size = part->body_size.physical_size;
	*size_r = part->body_size;
}

const struct message_part *message_section_find_part(const struct message_part *root,
						     const unsigned int *path, unsigned int path_len)
{
	const struct message_part *part = root;

	for (unsigned int i = 0; i < path_len && part != NULL; i++) {
		unsigned int num = path[i];

		if (i > 0) {
			/* going deeper: through an encapsulated message */
			if ((part->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) != 0)
				part = part->children;
			else if ((part->flags & MESSAGE_PART_FLAG_MULTIPART) == 0)
				return NULL;
			if (part == NULL)
				return NULL;
		}
		if ((part->flags & MESSAGE_PART_FLAG_MULTIPART) != 0) {
			const struct message_part *child = part->children;

			for (unsigned int n = 1; child != NULL && n < num; n++)
				child = child->next;
			part = child;
		} else if (num != 1) {
			return NULL;
		}
	}
	return part;
}

int message_section_find(const struct message_part *root, const struct message_section *section,
			 struct message_section_range *range_r, struct message_size *size_r,
			 const char **error_r)
{
	const struct message_part *part =
		message_section_find_part(root, section->path, section->path_len);

	if (part == NULL) {
		*error_r = "No such part";
		return -1;
	}

	const struct message_part *msg = part;

	if (section->path_len > 0 && (part->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) != 0)
		msg = part->children;
	switch (section->type) {
	case MESSAGE_SECTION_WHOLE:
		range_r->offset = root->physical_pos;
		message_part_get_total_size(root, size_r);
		range_r->size = size_r->physical_size;
		break;
	case MESSAGE_SECTION_PART:
		body_range(part, range_r, size_r);
		break;
	case MESSAGE_SECTION_HEADER:
	case MESSAGE_SECTION_HEADER_FIELDS:
	case MESSAGE_SECTION_HEADER_FIELDS_NOT:
		header_range(msg, range_r, size_r);
		break;
	case MESSAGE_SECTION_TEXT:
		body_range(msg, range_r, size_r);
		break;
	case MESSAGE_SECTION_MIME:
		header_range(part, range_r, size_r);
		break;
	}
	return 0;
}

static bool field_listed(const struct message_section *section, const char *name)
{
	for (const char *const *f = section->fields; *f != NULL; f++) {
		if (strcasecmp(*f, name) == 0)
			return true;
	}
	return false;
}

uint64_t message_section_filter_header(const struct message_section *section, const void *hdr,
				       size_t size, uint64_t hdr_offset,
				       ARRAY_TYPE(message_section_range) *ranges)
{
	struct message_header_parser_settings set;
	const struct message_header_field *field;
	bool want_listed = section->type == MESSAGE_SECTION_HEADER_FIELDS;
	uint64_t virtual_size = 2;

	i_assert(section->type == MESSAGE_SECTION_HEADER_FIELDS ||
		 section->type == MESSAGE_SECTION_HEADER_FIELDS_NOT);
	memset(&set, 0, sizeof(set));
	/* only names and offsets are needed */
	set.max_value_size = 1;
	struct message_header_parser_ctx *parser = message_header_parser_init(&set);

	enum message_header_parse_result ret;

	message_header_parser_feed(parser, hdr, size);
	while ((ret = message_header_parser_next(parser, &field)) != MESSAGE_HEADER_PARSE_DONE) {
		if (ret == MESSAGE_HEADER_PARSE_NEED_MORE) {
			message_header_parser_feed_eof(parser);
			continue;
		}
		if (field_listed(section, field->name) != want_listed)
			continue;
		struct message_section_range *range = array_append_space(ranges);
		struct message_size fsize;

		range->offset = hdr_offset + field->offset;
		range->size = field->raw_size;
		message_size_get((const unsigned char *)hdr + field->offset, field->raw_size,
				 &fsize);
		virtual_size += fsize.virtual_size;
		if (field->no_newline) {
			/* the client still gets a whole line */
			virtual_size += 2;
		}
	}
	message_header_parser_deinit(&parser);
	return virtual_size;
}

static bool name_in_list(const char *const *names, const char *name)
{
	for (; *names != NULL; names++) {
		if (strcasecmp(*names, name) == 0)
			return true;
	}
	return false;
}

void message_section_extract_fields(const void *hdr, size_t size, const char *const *names,
				    buffer_t *dest)
{
	struct message_header_parser_settings set;
	const struct message_header_field *field;
	enum message_header_parse_result ret;

	memset(&set, 0, sizeof(set));
	set.max_value_size = 1;
	struct message_header_parser_ctx *parser = message_header_parser_init(&set);
	message_header_parser_feed(parser, hdr, size);
	while ((ret = message_header_parser_next(parser, &field)) != MESSAGE_HEADER_PARSE_DONE) {
		if (ret == MESSAGE_HEADER_PARSE_NEED_MORE) {
			message_header_parser_feed_eof(parser);
			continue;
		}
		if (name_in_list(names, field->name))
			buffer_append(dest, (const unsigned char *)hdr + field->offset,
				      (size_t)field->raw_size);
	}
	message_header_parser_deinit(&parser);
}

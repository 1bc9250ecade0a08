#include "lib.h"
#include "message-part-data.h"
#include "message-parser.h"
#include "message-imap-quote.h"
#include "imap-envelope.h"
#include "imap-bodystructure.h"

#include <inttypes.h>
#include <strings.h>

#define EMPTY_BODY "\"text\" \"plain\" (\"charset\" \"" MESSAGE_PART_DEFAULT_CHARSET \
		   "\") NIL NIL \"7bit\" 0 0"
#define EMPTY_BODYSTRUCTURE EMPTY_BODY " NIL NIL NIL NIL"

static void params_write(string_t *dest, const struct rfc2231_param *params,
			 unsigned int count, bool default_charset)
{
	bool seen_charset = false;

	if (count == 0 && !default_charset) {
		str_append(dest, "NIL");
		return;
	}
	str_append_c(dest, '(');
	for (unsigned int i = 0; i < count; i++) {
		if (i > 0)
			str_append_c(dest, ' ');
		if (strcasecmp(params[i].key, "charset") == 0)
			seen_charset = true;
		message_imap_append_nstring(dest, params[i].key);
		str_append_c(dest, ' ');
		message_imap_append_nstring(dest, params[i].value);
	}
	if (default_charset && !seen_charset) {
		if (count > 0)
			str_append_c(dest, ' ');
		str_append(dest, "\"charset\" \"" MESSAGE_PART_DEFAULT_CHARSET "\"");
	}
	str_append_c(dest, ')');
}

/* disposition, language, location: the tail of both kinds of part */
static void extension_common_write(string_t *dest, const struct message_part_data *data)
{
	str_append_c(dest, ' ');
	if (data->content_disposition == NULL) {
		str_append(dest, "NIL");
	} else {
		str_append_c(dest, '(');
		message_imap_append_nstring(dest, data->content_disposition);
		str_append_c(dest, ' ');
		params_write(dest, data->content_disposition_params,
			     data->content_disposition_params_count, false);
		str_append_c(dest, ')');
	}
	str_append_c(dest, ' ');
	if (data->content_language == NULL) {
		str_append(dest, "NIL");
	} else {
		str_append_c(dest, '(');
		for (const char *const *lang = data->content_language; *lang != NULL; lang++) {
			if (lang != data->content_language)
				str_append_c(dest, ' ');
			message_imap_append_nstring(dest, *lang);
		}
		str_append_c(dest, ')');
	}
	str_append_c(dest, ' ');
	message_imap_append_nstring_nolf(dest, data->content_location);
}

static void part_write(string_t *dest, const struct message_part *part, bool extended);

static void part_write_multipart(string_t *dest, const struct message_part *part,
				 bool extended)
{
	const struct message_part_data *data = part->data;

	if (part->children == NULL) {
		/* a multipart without parts is not allowed: show an empty one */
		str_append_c(dest, '(');
		str_append(dest, extended ? EMPTY_BODYSTRUCTURE : EMPTY_BODY);
		str_append_c(dest, ')');
	}
	for (const struct message_part *child = part->children; child != NULL;
	     child = child->next) {
		str_append_c(dest, '(');
		part_write(dest, child, extended);
		str_append_c(dest, ')');
	}
	str_append_c(dest, ' ');
	message_imap_append_nstring(dest, data->content_subtype != NULL ? data->content_subtype
									 : "x-unknown");
	if (!extended)
		return;
	str_append_c(dest, ' ');
	params_write(dest, data->content_type_params, data->content_type_params_count, false);
	extension_common_write(dest, data);
}

static void part_write_leaf(string_t *dest, const struct message_part *part, bool extended)
{
	const struct message_part_data *data = part->data;
	bool text;

	if (data->content_type == NULL) {
		text = true;
		str_append(dest, "\"text\" \"plain\"");
	} else {
		text = strcasecmp(data->content_type, "text") == 0;
		message_imap_append_nstring(dest, data->content_type);
		str_append_c(dest, ' ');
		message_imap_append_nstring(dest, data->content_subtype);
	}
	str_append_c(dest, ' ');
	params_write(dest, data->content_type_params, data->content_type_params_count, text);
	str_append_c(dest, ' ');
	message_imap_append_nstring_nolf(dest, data->content_id);
	str_append_c(dest, ' ');
	message_imap_append_nstring_nolf(dest, data->content_description);
	str_append_c(dest, ' ');
	if (data->content_transfer_encoding != NULL)
		message_imap_append_nstring(dest, data->content_transfer_encoding);
	else
		str_append(dest, "\"7bit\"");
	str_printfa(dest, " %" PRIu64, part->body_size.virtual_size);

	if (text) {
		str_printfa(dest, " %" PRIu64, part->body_size.lines);
	} else if ((part->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) != 0) {
		const struct message_part *child = part->children;

		i_assert(child != NULL && child->next == NULL);
		str_append(dest, " (");
		imap_envelope_write(dest, child->data->envelope);
		str_append(dest, ") (");
		part_write(dest, child, extended);
		str_printfa(dest, ") %" PRIu64, part->body_size.lines);
	}
	if (!extended)
		return;
	str_append_c(dest, ' ');
	message_imap_append_nstring_nolf(dest, data->content_md5);
	extension_common_write(dest, data);
}

static void part_write(string_t *dest, const struct message_part *part, bool extended)
{
	if ((part->flags & MESSAGE_PART_FLAG_MULTIPART) != 0)
		part_write_multipart(dest, part, extended);
	else
		part_write_leaf(dest, part, extended);
}

void imap_bodystructure_write(string_t *dest, const struct message_part *part, bool extended)
{
	part_write(dest, part, extended);
}

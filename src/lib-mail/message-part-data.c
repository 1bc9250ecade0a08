#include "lib.h"
#include "charset-utf8.h"
#include "rfc822-parser.h"
#include "message-address.h"
#include "message-header-parser.h"
#include "message-part-data.h"

#include <limits.h>
#include <strings.h>

/* A header value as a C string: a NUL byte becomes U+FFFD, as Dovecot
   does, so that nothing after it is lost. */
static const char *value_strdup(pool_t pool, const unsigned char *value, size_t size)
{
	if (memchr(value, '\0', size) == NULL)
		return p_strndup(pool, value, size);
	string_t *str = str_new(pool, size + 16);

	for (size_t i = 0; i < size; i++) {
		if (value[i] == '\0')
			str_append(str, CHARSET_UNICODE_REPLACEMENT);
		else
			str_append_c(str, (char)value[i]);
	}
	return str_c(str);
}

static const char *field_strdup(pool_t pool, const struct message_header_field *field)
{
	return value_strdup(pool, field->full_value, field->full_value_len);
}

/* Length of the value up to a NUL: structured values end there. */
static size_t value_len_nul(const struct message_header_field *field)
{
	const unsigned char *nul = memchr(field->full_value, '\0', field->full_value_len);

	return nul == NULL ? field->full_value_len : (size_t)(nul - field->full_value);
}

static void parse_content_type(pool_t pool, struct message_part_data *data,
			       const struct message_header_field *field)
{
	struct rfc822_parser_context parser;
	string_t *str = str_new(pool_system, 64);

	rfc822_parser_init(&parser, field->full_value, value_len_nul(field), NULL);
	(void)rfc822_skip_lwsp(&parser);
	(void)rfc822_parse_mime_token(&parser, str);
	data->content_type = p_strndup(pool, str_data(str), str_len(str));
	str_truncate(str, 0);
	if (parser.data < parser.end && *parser.data == '/') {
		parser.data++;
		(void)rfc822_skip_lwsp(&parser);
		(void)rfc822_parse_mime_token(&parser, str);
	}
	data->content_subtype = p_strndup(pool, str_data(str), str_len(str));
	str_free(&str);
	/* parameters start at the first ';' */
	while (parser.data < parser.end && *parser.data != ';')
		parser.data++;
	data->content_type_params_count =
		rfc2231_parse(&parser, pool, &data->content_type_params);
}

static void parse_content_disposition(pool_t pool, struct message_part_data *data,
				      const struct message_header_field *field)
{
	struct rfc822_parser_context parser;
	string_t *str = str_new(pool_system, 64);

	rfc822_parser_init(&parser, field->full_value, value_len_nul(field), NULL);
	(void)rfc822_skip_lwsp(&parser);
	(void)rfc822_parse_mime_token(&parser, str);
	data->content_disposition = p_strndup(pool, str_data(str), str_len(str));
	str_free(&str);
	while (parser.data < parser.end && *parser.data != ';')
		parser.data++;
	data->content_disposition_params_count =
		rfc2231_parse(&parser, pool, &data->content_disposition_params);
}

static void parse_content_transfer_encoding(pool_t pool, struct message_part_data *data,
					    const struct message_header_field *field)
{
	struct rfc822_parser_context parser;
	string_t *str = str_new(pool_system, 32);

	rfc822_parser_init(&parser, field->full_value, value_len_nul(field), NULL);
	(void)rfc822_skip_lwsp(&parser);
	if (rfc822_parse_mime_token(&parser, str) >= 0)
		data->content_transfer_encoding = p_strndup(pool, str_data(str), str_len(str));
	str_free(&str);
}

static void parse_content_language(pool_t pool, struct message_part_data *data,
				   const struct message_header_field *field)
{
	struct rfc822_parser_context parser;
	ARRAY(const char *) langs;
	string_t *str = str_new(pool_system, 32);

	/* Content-Language = 1#Language-tag (RFC 3282) */
	p_array_init(&langs, pool, 4);
	rfc822_parser_init(&parser, field->full_value, value_len_nul(field), NULL);
	(void)rfc822_skip_lwsp(&parser);
	for (;;) {
		str_truncate(str, 0);
		if (rfc822_parse_atom(&parser, str) < 0)
			break;
		const char *lang = p_strdup(pool, str_c(str));

		array_push(&langs, &lang);
		if (parser.data >= parser.end || *parser.data != ',')
			break;
		parser.data++;
		if (rfc822_skip_lwsp(&parser) <= 0)
			break;
	}
	str_free(&str);
	if (array_count(&langs) > 0) {
		const char *end = NULL;

		array_push(&langs, &end);
		data->content_language = array_front(&langs);
	}
}

void message_part_data_parse_field(pool_t pool, struct message_part_data *data,
				   const struct message_header_field *field, bool parse_envelope)
{
	const char *name = field->name;

	if (parse_envelope) {
		if (data->envelope == NULL)
			data->envelope = p_new(pool, struct message_part_envelope, 1);
		message_part_envelope_parse_field(pool, data->envelope, field);
	}
	if (strncasecmp(name, "Content-", 8) != 0)
		return;
	name += 8;
	if (strcasecmp(name, "Type") == 0) {
		if (!data->seen_content_type)
			parse_content_type(pool, data, field);
		data->seen_content_type = true;
	} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
		if (!data->seen_cte)
			parse_content_transfer_encoding(pool, data, field);
		data->seen_cte = true;
	} else if (strcasecmp(name, "ID") == 0) {
		if (!data->seen_id)
			data->content_id = field_strdup(pool, field);
		data->seen_id = true;
	} else if (strcasecmp(name, "Description") == 0) {
		if (!data->seen_description)
			data->content_description =
				field_strdup(pool, field);
		data->seen_description = true;
	} else if (strcasecmp(name, "MD5") == 0) {
		if (!data->seen_md5)
			data->content_md5 = field_strdup(pool, field);
		data->seen_md5 = true;
	} else if (strcasecmp(name, "Disposition") == 0) {
		if (!data->seen_disposition)
			parse_content_disposition(pool, data, field);
		data->seen_disposition = true;
	} else if (strcasecmp(name, "Language") == 0) {
		if (!data->seen_language)
			parse_content_language(pool, data, field);
		data->seen_language = true;
	} else if (strcasecmp(name, "Location") == 0) {
		if (!data->seen_location)
			data->content_location =
				field_strdup(pool, field);
		data->seen_location = true;
	}
}

static void address_append(pool_t pool, struct message_address **list,
			    const struct message_header_field *field)
{
	struct message_address *addr =
		message_address_parse(pool, field->full_value, value_len_nul(field), UINT_MAX,
				      MESSAGE_ADDRESS_PARSE_FLAG_FILL_MISSING);

	while (*list != NULL)
		list = &(*list)->next;
	*list = addr;
}

void message_part_envelope_parse_field(pool_t pool, struct message_part_envelope *env,
				       const struct message_header_field *field)
{
	const char *name = field->name;
	const char **str_p = NULL;
	struct message_address **addr_p = NULL;

	switch (name[0]) {
	case 'b':
	case 'B':
		if (strcasecmp(name, "Bcc") == 0)
			addr_p = &env->bcc;
		break;
	case 'c':
	case 'C':
		if (strcasecmp(name, "Cc") == 0)
			addr_p = &env->cc;
		break;
	case 'd':
	case 'D':
		if (strcasecmp(name, "Date") == 0)
			str_p = &env->date;
		break;
	case 'f':
	case 'F':
		if (strcasecmp(name, "From") == 0)
			addr_p = &env->from;
		break;
	case 'i':
	case 'I':
		if (strcasecmp(name, "In-Reply-To") == 0)
			str_p = &env->in_reply_to;
		break;
	case 'm':
	case 'M':
		if (strcasecmp(name, "Message-ID") == 0)
			str_p = &env->message_id;
		break;
	case 'r':
	case 'R':
		if (strcasecmp(name, "Reply-To") == 0)
			addr_p = &env->reply_to;
		break;
	case 's':
	case 'S':
		if (strcasecmp(name, "Subject") == 0)
			str_p = &env->subject;
		else if (strcasecmp(name, "Sender") == 0)
			addr_p = &env->sender;
		break;
	case 't':
	case 'T':
		if (strcasecmp(name, "To") == 0)
			addr_p = &env->to;
		break;
	}
	if (addr_p != NULL)
		address_append(pool, addr_p, field);
	else if (str_p != NULL)
		*str_p = field_strdup(pool, field);
}

const char *message_part_data_get_param(const struct message_part_data *data, const char *key)
{
	for (unsigned int i = 0; i < data->content_type_params_count; i++) {
		if (strcasecmp(data->content_type_params[i].key, key) == 0)
			return data->content_type_params[i].value;
	}
	return NULL;
}

bool message_part_data_is_type(const struct message_part_data *data, const char *type,
			       const char *subtype)
{
	const char *t = data->content_type, *s = data->content_subtype;

	if (t == NULL) {
		t = "text";
		s = "plain";
	}
	if (strcasecmp(t, type) != 0)
		return false;
	return subtype == NULL || strcasecmp(s, subtype) == 0;
}

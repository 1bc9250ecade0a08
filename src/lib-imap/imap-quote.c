#include "lib.h"
#include "imap-quote.h"
#include "utf8.h"

/* Quoted strings may not hold CR, LF, NUL or 8-bit bytes (those go in a
   literal); long values also go in a literal, as clients prefer. */
#define IMAP_QUOTE_MAX_LEN 1024

static bool can_quote(const unsigned char *data, size_t size)
{
	if (size > IMAP_QUOTE_MAX_LEN)
		return false;
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '\0' || data[i] == '\r' || data[i] == '\n' || data[i] >= 0x80)
			return false;
	}
	return true;
}

static void append_quoted(string_t *dest, const unsigned char *p, size_t size)
{
	str_append_c(dest, '"');
	for (size_t i = 0; i < size; i++) {
		if (p[i] == '"' || p[i] == '\\')
			str_append_c(dest, '\\');
		str_append_c(dest, (char)p[i]);
	}
	str_append_c(dest, '"');
}

void imap_append_string_data(string_t *dest, const void *data, size_t size)
{
	const unsigned char *p = data;

	if (!can_quote(p, size)) {
		str_printfa(dest, "{%zu}\r\n", size);
		str_append_data(dest, data, size);
		return;
	}
	append_quoted(dest, p, size);
}

void imap_append_string(string_t *dest, const char *value)
{
	imap_append_string_data(dest, value, strlen(value));
}

void imap_append_nstring(string_t *dest, const char *value)
{
	if (value == NULL)
		str_append(dest, "NIL");
	else
		imap_append_string(dest, value);
}

static bool is_astring_atom(const char *value)
{
	if (value[0] == '\0' || strcasecmp(value, "NIL") == 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || strchr("(){%*\"\\]", *p) != NULL)
			return false;
	}
	return true;
}

void imap_append_astring(string_t *dest, const char *value)
{
	if (is_astring_atom(value))
		str_append(dest, value);
	else
		imap_append_string(dest, value);
}

void imap_append_astring_utf8(string_t *dest, const char *value)
{
	const unsigned char *p = (const unsigned char *)value;
	size_t i, size = strlen(value);

	if (is_astring_atom(value)) {
		str_append(dest, value);
		return;
	}
	for (i = 0; i < size; i++) {
		if (p[i] == '\r' || p[i] == '\n')
			break;
	}
	if (i < size || size > IMAP_QUOTE_MAX_LEN || !utf8_is_valid(p, size))
		imap_append_string(dest, value);
	else
		append_quoted(dest, p, size);
}

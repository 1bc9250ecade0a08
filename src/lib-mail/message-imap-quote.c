#include "lib.h"
#include "message-imap-quote.h"

#include <inttypes.h>

/* Dovecot switches from a quoted string to a literal after this many
   escapes */
#define MAX_QUOTED_ESCAPES 4

void message_imap_append_literal(string_t *dest, const void *data, size_t size)
{
	str_printfa(dest, "{%zu}\r\n", size);
	str_append_data(dest, data, size);
}

static void append_quoted(string_t *dest, const char *str)
{
	str_append_c(dest, '"');
	for (; *str != '\0'; str++) {
		if (*str == '"' || *str == '\\')
			str_append_c(dest, '\\');
		str_append_c(dest, *str);
	}
	str_append_c(dest, '"');
}

void message_imap_append_nstring(string_t *dest, const char *str)
{
	unsigned int escapes = 0;

	if (str == NULL) {
		str_append(dest, "NIL");
		return;
	}
	for (const char *p = str; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\') {
			if (++escapes <= MAX_QUOTED_ESCAPES)
				continue;
		} else if (c != '\r' && c != '\n' && c < 0x80) {
			continue;
		}
		message_imap_append_literal(dest, str, strlen(str));
		return;
	}
	append_quoted(dest, str);
}

void message_imap_append_nstring_nolf(string_t *dest, const char *str)
{
	if (str == NULL || strpbrk(str, "\r\n") == NULL) {
		message_imap_append_nstring(dest, str);
		return;
	}
	string_t *tmp = str_new(pool_system, strlen(str) + 1);

	for (const char *p = str; *p != '\0'; p++) {
		if (*p != '\r' && *p != '\n') {
			str_append_c(tmp, *p);
		} else if (p[1] != ' ' && p[1] != '\t' && p[1] != '\r' && p[1] != '\n' &&
			   p[1] != '\0') {
			/* keep the words of two lines apart */
			str_append_c(tmp, ' ');
		}
	}
	message_imap_append_nstring(dest, str_c(tmp));
	str_free(&tmp);
}

static bool is_lwsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void message_imap_append_string_for_humans(string_t *dest, const unsigned char *src,
					   size_t size)
{
	size_t out_len = 0;
	bool modify = false, last_lwsp = true;

	/* first pass: the length after cleaning, and whether it changes */
	for (size_t i = 0; i < size; i++) {
		unsigned char c = src[i];

		if (is_lwsp(c)) {
			if (last_lwsp || c != ' ')
				modify = true;
			if (!last_lwsp)
				out_len++;
			last_lwsp = true;
			continue;
		}
		if (c == '\0') {
			modify = true;
			continue;
		}
		if (c == '"' || c == '\\' || c >= 0x80)
			modify = true;
		last_lwsp = false;
		out_len++;
	}
	if (last_lwsp && out_len > 0) {
		/* a trailing space was counted */
		out_len--;
		modify = true;
	}
	if (!modify) {
		str_append_c(dest, '"');
		str_append_data(dest, src, size);
		str_append_c(dest, '"');
		return;
	}
	if (out_len == 0) {
		str_append(dest, "\"\"");
		return;
	}
	str_printfa(dest, "{%zu}\r\n", out_len);
	size_t start = str_len(dest);

	last_lwsp = true;
	for (size_t i = 0; i < size; i++) {
		unsigned char c = src[i];

		if (is_lwsp(c)) {
			if (!last_lwsp)
				str_append_c(dest, ' ');
			last_lwsp = true;
		} else if (c != '\0') {
			str_append_c(dest, (char)c);
			last_lwsp = false;
		}
	}
	if (last_lwsp && str_len(dest) > start)
		str_truncate(dest, str_len(dest) - 1);
	i_assert(str_len(dest) - start == out_len);
}

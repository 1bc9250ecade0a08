#include "lib.h"
#include "smtp-reply.h"

void smtp_reply_append(string_t *dest, unsigned int code, const char *enh, const char *text)
{
	const char *p = text;

	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl == NULL ? strlen(p) : (size_t)(nl - p);

		str_printfa(dest, "%03u%c", code, nl == NULL ? ' ' : '-');
		if (enh != NULL)
			str_printfa(dest, "%s ", enh);
		/* a CR in reply text would break the line structure */
		for (size_t i = 0; i < len; i++)
			str_append_c(dest, p[i] == '\r' ? ' ' : p[i]);
		str_append(dest, "\r\n");
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* See tabescape.h. */
#include "lib.h"
#include "tabescape.h"

void str_append_tabescaped(string_t *dest, const char *value)
{
	for (const char *p = value; *p != '\0'; p++) {
		switch (*p) {
		case '\001':
			str_append(dest, "\0011");
			break;
		case '\t':
			str_append(dest, "\001t");
			break;
		case '\r':
			str_append(dest, "\001r");
			break;
		case '\n':
			str_append(dest, "\001n");
			break;
		default:
			str_append_c(dest, *p);
			break;
		}
	}
}

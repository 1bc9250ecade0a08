#ifndef TABESCAPE_H
#define TABESCAPE_H

/* Dovecot's tab-escaping, shared by the auth protocols and the file dict
   of mailbox attributes: \001 is the escape byte; "\0011" stands for
   \001, "\001t" for TAB, "\001r" for CR, "\001n" for LF. */

#include "str.h"

void str_append_tabescaped(string_t *dest, const char *value);

#endif

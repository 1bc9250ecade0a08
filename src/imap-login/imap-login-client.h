#ifndef IMAP_LOGIN_CLIENT_H
#define IMAP_LOGIN_CLIENT_H

#include "login-client.h"

extern const struct login_binary imap_login_binary;

/* The capability list to show this client now (greeting and CAPABILITY):
   the post-login imap's base list (or imap_capability), STARTTLS while it
   can be used, LOGINDISABLED on insecure connections when
   disable_plaintext_auth = yes, and AUTH= for the mechanisms that may be
   used now. */
const char *imap_login_capability(struct login_client *client);

#endif

#ifndef POP3_LOGIN_CLIENT_H
#define POP3_LOGIN_CLIENT_H

#include "login-client.h"

extern const struct login_binary pop3_login_binary;

#endif

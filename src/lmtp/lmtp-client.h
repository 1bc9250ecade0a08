#ifndef LMTP_CLIENT_H
#define LMTP_CLIENT_H

/* One LMTP connection (RFC 2033): the command loop, the transaction state
   and the replies. Commands are a table of cmd_* handlers (lmtp-commands.c
   is folded in here: the protocol is small). */

#include "net.h"

struct lmtp_settings;
struct mail_storage_settings;
struct auth_master_client;

/* What the process shares between its clients. */
struct lmtp_globals {
	const struct lmtp_settings *set;
	const struct mail_storage_settings *storage_set;
	struct auth_master_client *auth;
	const char *hostname;
	void (*client_destroyed)(void);
};

struct lmtp_client_info {
	bool is_unix;
	struct ip_addr remote_ip, local_ip;
	unsigned int remote_port, local_port;
};

/* Takes over fd and sends the greeting. */
struct lmtp_client *lmtp_client_create(const struct lmtp_globals *globals, int fd,
				       const struct lmtp_client_info *info);
void lmtp_client_destroy(struct lmtp_client **client);

#endif

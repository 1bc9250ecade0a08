#ifndef ADMIN_WHO_H
#define ADMIN_WHO_H

/* roostadm who: the logged-in sessions anvil knows, grouped by user and
   service as doveadm who prints them. (kick comes with the IMAP and POP3
   post-login processes.) */

struct admin_context;

int cmd_who(struct admin_context *ctx, int argc, char *argv[]);

#endif

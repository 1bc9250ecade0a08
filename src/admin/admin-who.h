#ifndef ADMIN_WHO_H
#define ADMIN_WHO_H

/* roostadm who: the logged-in sessions anvil knows, grouped by user and
   service as doveadm who prints them (an optional user mask with '*' and
   '?'). roostadm kick: anvil tells the processes serving the matching
   users' IMAP and POP3 sessions to close them (the clients hear
   "* BYE Server shutting down." / "-ERR [SYS/TEMP] Server shutting down.",
   as after doveadm kick); prints the users, as doveadm kick does. */

struct admin_context;

int cmd_who(struct admin_context *ctx, int argc, char *argv[]);
int cmd_kick(struct admin_context *ctx, int argc, char *argv[]);

#endif

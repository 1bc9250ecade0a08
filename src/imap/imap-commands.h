#ifndef IMAP_COMMANDS_H
#define IMAP_COMMANDS_H

/* The table of IMAP command handlers. A handler gets the arguments after
   the command name (and after "UID" + name for UID commands; client->cmd_uid
   says which). It checks them, acts, sends the tagged reply and returns
   true; or it sets client->cmd_continue (output-bound work) or enters an
   input state (IDLE) and returns false. */

#include "imap-client.h"

enum imap_command_flags {
	/* needs a selected mailbox */
	IMAP_COMMAND_FLAG_SELECTED = 0x01,
	/* has a UID form */
	IMAP_COMMAND_FLAG_UID = 0x02,
	/* may not see EXPUNGE responses afterwards unless UID form
	   (FETCH, STORE, SEARCH: RFC 3501 7.4.1) */
	IMAP_COMMAND_FLAG_NO_EXPUNGES = 0x04,
};

typedef bool imap_command_func_t(struct client *client, const struct imap_arg *args);

struct imap_command {
	const char *name;
	imap_command_func_t *func;
	enum imap_command_flags flags;
};

/* NULL when unknown (case-insensitive). */
const struct imap_command *imap_command_find(const char *name);

bool cmd_fetch(struct client *client, const struct imap_arg *args);
bool cmd_search(struct client *client, const struct imap_arg *args);
/* imap-sort.c */
bool cmd_sort(struct client *client, const struct imap_arg *args);
bool cmd_thread(struct client *client, const struct imap_arg *args);
bool cmd_store(struct client *client, const struct imap_arg *args);
bool cmd_append(struct client *client, const struct imap_arg *args);
/* imap-list.c: LIST (LIST-EXTENDED, LIST-STATUS, SPECIAL-USE) and LSUB */
bool cmd_list(struct client *client, const struct imap_arg *args);
bool cmd_lsub(struct client *client, const struct imap_arg *args);
/* cmd-metadata.c: METADATA (RFC 5464) */
bool cmd_getmetadata(struct client *client, const struct imap_arg *args);
bool cmd_setmetadata(struct client *client, const struct imap_arg *args);
/* imap-status.c */
bool cmd_status(struct client *client, const struct imap_arg *args);

/* Streamed APPEND (cmd-append.c): the client reader calls these around a
   message literal. line is the command line holding the "{n}"; first is
   true for the command's first line. Return -1 when the command failed
   (the tagged NO was sent when sync: the client will not send the data). */
int imap_append_literal_begin(struct client *client, const char *line, size_t len, bool first,
			      uint64_t size, bool sync);
void imap_append_literal_data(struct client *client, const void *data, size_t size);
void imap_append_literal_end(struct client *client);
void imap_append_state_free(struct client *client);

#endif

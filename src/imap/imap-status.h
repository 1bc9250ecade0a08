#ifndef IMAP_STATUS_H
#define IMAP_STATUS_H

/* STATUS items (RFC 3501, RFC 7162 HIGHESTMODSEQ, RFC 8438 SIZE, RFC 7889
   APPENDLIMIT): the parser shared by STATUS and LIST ... RETURN (STATUS
   (...)) (RFC 5819), and the "* STATUS" writer. */

#include "imap-client.h"

enum imap_status_items {
	IMAP_STATUS_MESSAGES = 0x01,
	IMAP_STATUS_RECENT = 0x02,
	IMAP_STATUS_UIDNEXT = 0x04,
	IMAP_STATUS_UIDVALIDITY = 0x08,
	IMAP_STATUS_UNSEEN = 0x10,
	IMAP_STATUS_HIGHESTMODSEQ = 0x20,
	IMAP_STATUS_SIZE = 0x40,
	IMAP_STATUS_APPENDLIMIT = 0x80,
	/* RFC 9051: only in IMAP4rev2 sessions (the callers check) */
	IMAP_STATUS_DELETED = 0x100,
};

/* Parses the items of a status list (the list's arguments). Returns 0,
   or -1 with *error_r (client-safe, for "BAD Error in IMAP command X: ").
   Repeated items count once. */
int imap_status_parse_items(const struct imap_arg *list, enum imap_status_items *items_r,
			    const char **error_r);

/* Sends "* STATUS <name> (...)" for vname, the items in Dovecot's order
   whatever the request's order. Returns 0, or -1 when the mailbox has no
   status (then nothing was sent and *error_r is a client-safe text). */
int imap_status_send(struct client *client, const char *vname, enum imap_status_items items,
		     const char **error_r);

#endif

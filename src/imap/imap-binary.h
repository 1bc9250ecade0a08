#ifndef IMAP_BINARY_H
#define IMAP_BINARY_H

/* FETCH BINARY[section]<partial>, BINARY.PEEK[...] and BINARY.SIZE[...]
   (RFC 3516): the items' parser, and the streaming of decoded sections
   for imap-fetch.c. A section is measured before its literal is
   announced (one decoding pass, no buffering), then decoded again while
   it is sent, a chunk at a time with the ostream's back-pressure. */

#include "imap-fetch.h"
#include "ostream.h"

struct message_part;

/* Parses an item whose name starts with "BINARY" and appends it to items.
   Returns 0, or -1 with *error_r (client-safe, for BAD). */
int imap_binary_parse_item(pool_t pool, const char *atom, ARRAY_TYPE(imap_fetch_item) *items,
			   const char **error_r);

struct imap_binary_fetch;

struct imap_binary_fetch *imap_binary_fetch_create(void);
void imap_binary_fetch_destroy(struct imap_binary_fetch **bf);

/* Plans and measures the BINARY items of items for one message (fd, its
   parts root). The state is allocated from pool, which must live until
   imap_binary_fetch_reset(). Returns 0; -1 when the message's answer
   cannot be given: *error_r is the tagged NO's text ("[UNKNOWN-CTE] ...",
   "[PARSE] ..."); -2 when the message could not be read (logged). */
int imap_binary_fetch_prepare(struct imap_binary_fetch *bf, pool_t pool, int fd,
			      const struct message_part *root,
			      const ARRAY_TYPE(imap_fetch_item) *items, const char **error_r);
/* Sends the answer of item, items[idx] of prepare: "BINARY.SIZE[1] 11", or the name and the
   literal's announcement, after which imap_binary_fetch_stream() sends
   the data. */
void imap_binary_fetch_send_item(struct imap_binary_fetch *bf, const struct imap_fetch_item *item,
				 unsigned int idx, struct ostream *output);
bool imap_binary_fetch_is_streaming(const struct imap_binary_fetch *bf);
/* Sends the next chunk of the literal (the caller stops when the ostream
   is full). Returns 1 when the literal is complete, else 0. */
int imap_binary_fetch_stream(struct imap_binary_fetch *bf, int fd, struct ostream *output);
/* Forgets the message (before its pool is cleared). */
void imap_binary_fetch_reset(struct imap_binary_fetch *bf);

#endif

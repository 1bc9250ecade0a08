#ifndef IMAP_FETCH_H
#define IMAP_FETCH_H

/* FETCH items: the parser (no I/O, unit-tested) and the command that
   streams the answers with back-pressure. */

#include "imap-arg.h"
#include "message-section.h"

enum imap_fetch_item_type {
	IMAP_FETCH_FLAGS,
	IMAP_FETCH_UID,
	IMAP_FETCH_INTERNALDATE,
	IMAP_FETCH_RFC822_SIZE,
	IMAP_FETCH_ENVELOPE,
	IMAP_FETCH_BODYSTRUCTURE,
	IMAP_FETCH_BODY,
	/* CONDSTORE */
	IMAP_FETCH_MODSEQ,
	/* BODY[...], BODY.PEEK[...], RFC822, RFC822.HEADER, RFC822.TEXT */
	IMAP_FETCH_BODY_SECTION,
	/* BINARY[...], BINARY.PEEK[...], BINARY.SIZE[...] (imap-binary.c) */
	IMAP_FETCH_BINARY,
	IMAP_FETCH_BINARY_SIZE,
};

struct imap_fetch_item {
	enum imap_fetch_item_type type;
	/* the name in the response: "BODY[HEADER]<0>", "RFC822.TEXT", ... */
	const char *name;
	/* does not set \Seen */
	bool peek;
	struct message_section section;
	bool partial;
	uint64_t partial_offset, partial_size;
};
ARRAY_DEFINE_TYPE(imap_fetch_item, struct imap_fetch_item);

/* Parses the FETCH item argument (an atom, a macro, or a list). Items are
   appended to items (created by the caller) from pool. Returns 0, or -1
   with *error_r (a client-safe text for BAD). */
int imap_fetch_parse(pool_t pool, const struct imap_arg *arg, ARRAY_TYPE(imap_fetch_item) *items,
		     const char **error_r);

#endif

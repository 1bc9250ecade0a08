#ifndef IMAP_SEARCH_H
#define IMAP_SEARCH_H

/* SEARCH keys: the parser (no I/O, unit-tested) builds a tree that the
   command evaluates per message. */

#include "imap-arg.h"
#include "imap-seqset.h"
#include "mail-storage.h"

enum search_key_type {
	SEARCH_ALL,
	SEARCH_AND, /* children */
	SEARCH_OR,  /* children: exactly two */
	SEARCH_NOT, /* one child */
	SEARCH_SEQSET,
	SEARCH_UIDSET,
	SEARCH_FLAG, /* flag set */
	SEARCH_NOFLAG,
	SEARCH_KEYWORD,
	SEARCH_NOKEYWORD,
	SEARCH_NEW, /* recent and unseen */
	SEARCH_OLD, /* not recent */
	SEARCH_LARGER,
	SEARCH_SMALLER,
	SEARCH_BEFORE, /* internal date, day granularity */
	SEARCH_ON,
	SEARCH_SINCE,
	SEARCH_SENTBEFORE, /* Date: header */
	SEARCH_SENTON,
	SEARCH_SENTSINCE,
	SEARCH_HEADER, /* header substring */
	SEARCH_BODY,
	SEARCH_TEXT,
};

struct search_key {
	enum search_key_type type;
	struct search_key *children, *next;
	ARRAY_TYPE(imap_seq_range) set;
	enum mail_flags flag;
	const char *header, *value;
	uint64_t size;
	time_t date;
};

/* Parses the keys after SEARCH (CHARSET handled: *charset_r is NULL or
   the name given). Returns the AND root, or NULL with *error_r
   (client-safe, for BAD). */
struct search_key *imap_search_parse(pool_t pool, const struct imap_arg *args,
				     const char **charset_r, const char **error_r);

#endif

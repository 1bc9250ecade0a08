#ifndef IMAP_SEARCH_H
#define IMAP_SEARCH_H

/* SEARCH keys: the parser (no I/O, unit-tested) builds a tree that the
   command evaluates per message.

   Header, body and text keys compare with i;unicode-casemap (RFC 5051,
   I18NLEVEL=1 of RFC 5255): the key is converted from the command's
   CHARSET to UTF-8 and casemapped; header values are RFC 2047-decoded,
   bodies decoded from their Content-Transfer-Encoding and converted from
   their charset, then casemapped, and the key is looked for as a
   substring. */

#include "imap-arg.h"
#include "imap-esearch.h"
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
	SEARCH_MODSEQ, /* CONDSTORE: modseq >= key->modseq */
	SEARCH_SAVED,  /* SEARCHRES "$" (and "UID $") */
};

struct search_key {
	enum search_key_type type;
	struct search_key *children, *next;
	ARRAY_TYPE(imap_seq_range) set;
	enum mail_flags flag;
	const char *header, *value;
	uint64_t size;
	time_t date;
	uint64_t modseq;
};

/* Parses the keys after SEARCH (CHARSET handled: *charset_r is NULL or
   the name given). Returns the AND root, or NULL with *error_r
   (client-safe, for BAD). */
struct search_key *imap_search_parse(pool_t pool, const struct imap_arg *args,
				     const char **charset_r, const char **error_r);

/* The keys alone (SORT and THREAD give the charset before them). */
struct search_key *imap_search_parse_keys(pool_t pool, const struct imap_arg *args,
					  const char **error_r);

/* Evaluates root on every message of the selected mailbox's view and
   appends the matches to *matches in sequence order. */
void imap_search_run(struct client *client, const struct search_key *root,
		     ARRAY_TYPE(imap_search_match) *matches);

/* Turns the string values of header/body/text keys into what matching
   compares: converted from charset (NULL = UTF-8) and casemapped. Returns
   0, or -1 when the charset is unknown. */
int imap_search_prepare(pool_t pool, struct search_key *root, const char *charset);

/* Whether the tree has a MODSEQ key (the result then carries MODSEQ). */
bool imap_search_has_modseq(const struct search_key *key);

#endif

#ifndef IMAP_ESEARCH_H
#define IMAP_ESEARCH_H

/* SEARCH result options (ESEARCH, RFC 4731) and the saved result
   (SEARCHRES, RFC 5182): parsing RETURN (...), writing the ESEARCH
   response, and keeping what RETURN (SAVE) asked for. */

#include "imap-client.h"

enum imap_search_return {
	IMAP_SEARCH_RETURN_MIN = 0x01,
	IMAP_SEARCH_RETURN_MAX = 0x02,
	IMAP_SEARCH_RETURN_ALL = 0x04,
	IMAP_SEARCH_RETURN_COUNT = 0x08,
	IMAP_SEARCH_RETURN_SAVE = 0x10,
};

/* One matching message. */
struct imap_search_match {
	uint32_t seq, uid;
	uint64_t modseq;
};
ARRAY_DEFINE_TYPE(imap_search_match, struct imap_search_match);

/* Parses "RETURN (option ...)" when *args starts with it, and moves *args
   past it. Returns 1 with *return_r (RETURN () is ALL), 0 when there is no
   RETURN (*return_r = 0), -1 with *error_r (client text) for an unknown
   option. "RETURN" not followed by a list is left to the key parser. */
int imap_search_return_parse(const struct imap_arg **args, enum imap_search_return *return_r,
			     const char **error_r);

/* The modseq RFC 7162 3.1.5 asks the result to carry: the highest of the
   messages being returned (only the MIN/MAX ones when those are all that
   is asked for). 0 when no message matched. */
uint64_t imap_search_result_modseq(const ARRAY_TYPE(imap_search_match) *matches,
				   enum imap_search_return ret);

/* Writes "* ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [ALL set] [COUNT n]
   [MODSEQ n]" (modseq 0: none). Returns false when nothing is to be
   sent: SAVE alone, without a MODSEQ to report (RFC 5182 2.1). */
bool imap_esearch_write(string_t *dest, const char *tag, bool uid, enum imap_search_return ret,
			const ARRAY_TYPE(imap_search_match) *matches, uint64_t modseq);

/* RETURN (SAVE): keeps the result for "$" (only the MIN/MAX messages when
   those are the only other options, RFC 5182 2.4). */
void imap_search_save(struct client *client, enum imap_search_return ret,
		      const ARRAY_TYPE(imap_search_match) *matches);
/* A SEARCH with SAVE failed with NO: "$" is empty. */
void imap_search_save_clear(struct client *client);
/* Whether uid is in the saved result. */
bool imap_search_saved_has(const struct client *client, uint32_t uid);

#endif

#ifndef IMAP_UTIL_H
#define IMAP_UTIL_H

/* Small helpers shared by the command handlers. */

#include "imap-client.h"
#include "imap-seqset.h"

#define t_str_new(size) str_new(pool_temp, (size))
#define t_strconcat(...) p_strconcat(pool_temp, __VA_ARGS__)

ARRAY_DEFINE_TYPE(imap_seqs, uint32_t);

/* Converts a sequence set (or a UID set for UID commands) to the sequence
   numbers in the current view, ascending, without duplicates; "$" is the
   saved search result (RFC 5182). Returns 0,
   or -1 with *error_r (client text; "Invalid messageset" like Dovecot). */
int imap_util_seqset_to_seqs(struct client *client, const char *set, ARRAY_TYPE(imap_seqs) *seqs,
			     const char **error_r);
/* The messages of the saved search result ("$", SEARCHRES) in the current
   view, ascending; none when nothing was saved. */
void imap_util_saved_to_seqs(struct client *client, ARRAY_TYPE(imap_seqs) *seqs);
/* Writes "1:3,7" for a list of single-UID ranges in order (COPYUID keeps
   the order of the source and destination lists matching). */
void imap_util_write_uid_list(string_t *dest, const ARRAY_TYPE(imap_seq_range) *uids);

#endif

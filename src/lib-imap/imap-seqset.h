#ifndef IMAP_SEQSET_H
#define IMAP_SEQSET_H

/* IMAP sequence sets: "1:3,5,7:*" and RFC 5182's "$". A range's numbers
   are kept as written (seq1 may be > seq2, as the RFC allows);
   IMAP_SEQ_STAR stands for "*", which the caller replaces with the largest
   number in use. */

#define IMAP_SEQ_STAR ((uint32_t)-1)

struct imap_seq_range {
	uint32_t seq1, seq2;
};
ARRAY_DEFINE_TYPE(imap_seq_range, struct imap_seq_range);

/* Parses str into dest (which the caller created). "$" alone sets
   *is_saved_r (SEARCHRES) and adds nothing. Returns 0, or -1 with *error_r
   (zero, leading zeros, overflow, empty elements, junk). */
int imap_seq_set_parse(const char *str, ARRAY_TYPE(imap_seq_range) *dest, bool *is_saved_r,
		       const char **error_r);
/* Whether num is in the set, with "*" meaning max. */
bool imap_seq_set_contains(const ARRAY_TYPE(imap_seq_range) *set, uint32_t num, uint32_t max);
/* Writes ranges sorted and merged ("1:3,5"). */
void imap_seq_set_write(string_t *dest, const ARRAY_TYPE(imap_seq_range) *set);

#endif

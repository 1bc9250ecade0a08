#ifndef IMAP_CONDSTORE_H
#define IMAP_CONDSTORE_H

/* CONDSTORE and QRESYNC (RFC 7162): the session state and the small
   parsers shared by SELECT, FETCH, STORE, SEARCH, STATUS. */

#include "imap-arg.h"
#include "imap-client.h"
#include "imap-seqset.h"

/* Turns CONDSTORE on for the session (ENABLE or an implicit "CONDSTORE
   enabling command"). The first time, with a mailbox selected, the client
   is told its HIGHESTMODSEQ as RFC 7162 3.1 asks (and as Dovecot does).
   From then on every untagged FETCH of a flag change carries MODSEQ. */
void client_enable_condstore(struct client *client);

/* ENABLE QRESYNC: CONDSTORE too. */
void client_enable_qresync(struct client *client);

/* Parses a mod-sequence value: 1..2^63-1, or 0 too when allow_zero
   (mod-sequence-valzer). Returns 0 or -1. */
int imap_parse_modseq(const char *str, bool allow_zero, uint64_t *modseq_r);

struct imap_fetch_modifiers {
	bool changedsince_set;
	uint64_t changedsince;
	/* QRESYNC's VANISHED (UID FETCH only, with CHANGEDSINCE) */
	bool vanished;
};
/* FETCH's "(CHANGEDSINCE n [VANISHED])" after the items (RFC 7162 3.1.4.1,
   3.2.6): args is what follows the items (EOL: no modifiers). 0 is taken,
   as Dovecot does. uid: the UID FETCH form; qresync: QRESYNC enabled.
   Returns 0, or -1 with *error_r (client text, Dovecot's). */
int imap_condstore_parse_fetch_modifiers(const struct imap_arg *args, bool uid, bool qresync,
					 struct imap_fetch_modifiers *mods_r,
					 const char **error_r);
/* STORE's "(UNCHANGEDSINCE n)" list (RFC 7162 3.1.3). Returns 0 with
   *set_r, or -1 with *error_r. */
int imap_condstore_parse_store_modifiers(const struct imap_arg *list, bool *set_r,
					 uint64_t *unchangedsince_r, const char **error_r);

/* SELECT/EXAMINE's "QRESYNC (uidvalidity modseq [known-uids
   [(seqs uids)]])" (RFC 7162 3.2.5). */
struct imap_qresync_select {
	uint32_t uidvalidity;
	uint64_t modseq;
	/* not created when the client sent none */
	ARRAY_TYPE(imap_seq_range) known_uids;
};
/* arg: what follows the QRESYNC atom. Returns 0, or -1 with *error_r
   (Dovecot's texts). The sequence match data is checked, not used: the
   expunge history is exact here. */
int imap_qresync_parse_select(pool_t pool, const struct imap_arg *arg,
			      struct imap_qresync_select *qr_r, const char **error_r);
/* After a SELECT with QRESYNC whose UIDVALIDITY matches: VANISHED
   (EARLIER) for what was expunged since, FETCH for what changed since. */
void imap_qresync_select_report(struct client *client, const struct imap_qresync_select *qr);
/* "* VANISHED (EARLIER) ..." for the UIDs in uids (a UID FETCH set)
   expunged after modseq; nothing when there are none. */
void imap_qresync_send_vanished_earlier(struct client *client,
					const ARRAY_TYPE(imap_seq_range) *uids, uint64_t modseq);
/* Writes ranges as an IMAP uid-set ("1:3,7"). */
void imap_append_uid_ranges(string_t *dest, const ARRAY_TYPE(mailbox_uid_range) *ranges);

/* Writes "MODSEQ (n)". */
void imap_append_modseq(string_t *dest, uint64_t modseq);

#endif

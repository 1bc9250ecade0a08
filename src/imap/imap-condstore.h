#ifndef IMAP_CONDSTORE_H
#define IMAP_CONDSTORE_H

/* CONDSTORE (RFC 7162 section 3.1, without QRESYNC): the session state
   and the small parsers shared by SELECT, FETCH, STORE, SEARCH, STATUS. */

#include "imap-client.h"

/* Turns CONDSTORE on for the session (ENABLE or an implicit "CONDSTORE
   enabling command"). The first time, with a mailbox selected, the client
   is told its HIGHESTMODSEQ as RFC 7162 3.1 asks (and as Dovecot does).
   From then on every untagged FETCH of a flag change carries MODSEQ. */
void client_enable_condstore(struct client *client);

/* Parses a mod-sequence value: 1..2^63-1, or 0 too when allow_zero
   (mod-sequence-valzer). Returns 0 or -1. */
int imap_parse_modseq(const char *str, bool allow_zero, uint64_t *modseq_r);

/* Writes "MODSEQ (n)". */
void imap_append_modseq(string_t *dest, uint64_t modseq);

#endif

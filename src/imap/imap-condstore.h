#ifndef IMAP_CONDSTORE_H
#define IMAP_CONDSTORE_H

/* CONDSTORE (RFC 7162 section 3.1, without QRESYNC): the session state
   and the small parsers shared by SELECT, FETCH, STORE, SEARCH, STATUS. */

#include "imap-arg.h"
#include "imap-client.h"

/* Turns CONDSTORE on for the session (ENABLE or an implicit "CONDSTORE
   enabling command"). The first time, with a mailbox selected, the client
   is told its HIGHESTMODSEQ as RFC 7162 3.1 asks (and as Dovecot does).
   From then on every untagged FETCH of a flag change carries MODSEQ. */
void client_enable_condstore(struct client *client);

/* Parses a mod-sequence value: 1..2^63-1, or 0 too when allow_zero
   (mod-sequence-valzer). Returns 0 or -1. */
int imap_parse_modseq(const char *str, bool allow_zero, uint64_t *modseq_r);

/* FETCH's "(CHANGEDSINCE n)" after the items (RFC 7162 3.1.4.1): args is
   what follows the items (EOL: no modifiers). 0 is taken, as Dovecot does.
   Returns 0 with *set_r, or -1 with *error_r (client text). */
int imap_condstore_parse_fetch_modifiers(const struct imap_arg *args, bool *set_r,
					 uint64_t *changedsince_r, const char **error_r);
/* STORE's "(UNCHANGEDSINCE n)" list (RFC 7162 3.1.3). Returns 0 with
   *set_r, or -1 with *error_r. */
int imap_condstore_parse_store_modifiers(const struct imap_arg *list, bool *set_r,
					 uint64_t *unchangedsince_r, const char **error_r);

/* Writes "MODSEQ (n)". */
void imap_append_modseq(string_t *dest, uint64_t modseq);

#endif

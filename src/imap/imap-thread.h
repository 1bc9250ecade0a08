#ifndef IMAP_THREAD_H
#define IMAP_THREAD_H

/* THREAD (RFC 5256) over messages whose header data was already
   extracted: no I/O, unit-tested. The algorithms answer as Dovecot 2.3's:

   REFERENCES: each message's parent is the last of its References ids
   (or In-Reply-To's first id when References has none), the References
   ids are chained parent to child; a link that would make a loop is
   ignored, the first link given to a message-id wins except that a
   message's own References decide its parent; a duplicate Message-ID
   makes a message of its own. Messages missing in between are skipped
   (a message hangs under its nearest existing ancestor), a missing root
   with one child is replaced by it. Siblings and threads are ordered by
   sent date (the arrival date when there is none), then UID; threads
   whose roots have the same base subject are merged (RFC 5256 step 5).

   REFS (Dovecot's THREAD=REFS): the same tree without the subject
   merging and without replacing a missing root by its only child;
   threads are ordered by their newest message.

   ORDEREDSUBJECT: messages grouped by base subject, each group a thread
   whose first (oldest) message is the parent of the others; threads are
   ordered by their first message's date. */

#include "imap-sort-args.h"

struct imap_thread_msg {
	uint32_t seq, uid;
	/* sent date, or arrival date when it has none */
	time_t date;
	/* NULL when it has no valid one */
	const char *message_id;
	/* References ids, or In-Reply-To's first: NULL-terminated, may be
	   NULL */
	const char *const *refs;
	/* the base subject (imap_base_subject()); NULL when the message has
	   no Subject field */
	const char *subject;
	bool reply_or_fwd;
};

/* Appends the thread list ("(1 2)(3 (4)(5))") of msgs (in sequence
   order) to dest, numbered by UID or by sequence. */
void imap_thread_write(enum imap_thread_algorithm alg, const struct imap_thread_msg *msgs,
		       unsigned int count, bool uid, string_t *dest);

#endif

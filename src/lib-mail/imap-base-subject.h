#ifndef IMAP_BASE_SUBJECT_H
#define IMAP_BASE_SUBJECT_H

/* The "base subject" of RFC 5256 section 2.1, which SORT (SUBJECT) and
   THREAD compare: the Subject: value RFC 2047-decoded to UTF-8, casemapped
   with i;unicode-casemap (so "re" and "RE" are the same, as Dovecot
   compares them), whitespace runs packed to one space, then stripped of
   reply/forward decorations until none is left:
     trailing "(fwd)" and spaces, leading "Re:", "Fw:", "Fwd:" (each may
     be preceded by "[blob]"s and carry one "[blob]" before its colon),
     a leading "[blob]" when something is left after it, and a wrapping
     "[fwd: ...]".
   Pure (no I/O), linear in practice; any input is accepted. */

/* Returns the base subject of the raw (undecoded, unfolded or folded)
   header value, allocated from pool. *reply_or_fwd_r (may be NULL) tells
   whether a "Re:"/"Fwd:"/"(fwd)"/"[fwd:]" was removed, which THREAD's
   subject grouping uses. */
const char *imap_base_subject(pool_t pool, const void *value, size_t size, bool *reply_or_fwd_r);

#endif

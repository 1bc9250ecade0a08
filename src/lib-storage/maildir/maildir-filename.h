#ifndef MAILDIR_FILENAME_H
#define MAILDIR_FILENAME_H

/* Maildir file names as Dovecot 2.3 writes them:
     <secs>.M<usecs>P<pid>[Q<n>].<host>,S=<size>,W=<vsize>:2,<flags>
   The part before ':' (the base name) never changes; the "info" after
   ":2," holds the flags: D(raft) F(lagged) R(eplied) S(een) T(rashed) in
   ASCII order, then keyword letters a..z (keyword n of dovecot-keywords
   is letter 'a' + n). Pure functions, no I/O. */

#include "mail-storage.h"

#define MAILDIR_INFO_SEP ':'
#define MAILDIR_FLAGS_PREFIX ":2,"
/* keyword letters a..z */
#define MAILDIR_MAX_KEYWORDS 26

/* The base name (up to ':'), allocated from pool. */
const char *maildir_filename_base(pool_t pool, const char *fname);
/* Parses the flags of fname. Unknown uppercase letters are ignored
   (other programs' flags); keyword letters set bits of *keywords_r. */
void maildir_filename_get_flags(const char *fname, enum mail_flags *flags_r,
				uint64_t *keywords_r);
/* base + ":2," + flags, allocated from pool. Flags outside the standard
   five and keywords >= 26 are not representable and left out. Uppercase
   letters in the old name that Roost does not know are kept. */
const char *maildir_filename_set_flags(pool_t pool, const char *old_fname,
				       enum mail_flags flags, uint64_t keywords);
/* The ,S=<size> / ,W=<vsize> fields of the base name. Returns true when
   present. */
bool maildir_filename_get_size(const char *fname, char field, uint64_t *size_r);
/* A new unique base name: "<secs>.M<usecs>P<pid>Q<counter>.<host>",
   with ",S=<size>,W=<vsize>" when sizes are given (vsize (uint64_t)-1:
   none). host has '/' and ':' escaped as Dovecot does (\057, \072). */
const char *maildir_filename_generate(pool_t pool, time_t secs, long usecs, pid_t pid,
				      unsigned int counter, const char *host, uint64_t size,
				      uint64_t vsize);

#endif

#ifndef QUOTA_MAILDIRSIZE_H
#define QUOTA_MAILDIRSIZE_H

/* The Maildir++ quota file `maildirsize` in the Maildir's root, as
   Dovecot 2.3 and Courier read and write it:
     line 1: the limits, "<bytes>S,<count>C" (either part may be missing)
     then:   "<bytes> <count>" per change, signed, summed by readers
   Writers append one line per transaction (O_APPEND, one write); the file
   is rewritten with one line holding the total ("recalculated") when it
   grows over MAILDIRSIZE_MAX_SIZE bytes, when its limits differ from the
   configured ones, or when it is unreadable. No I/O here. */

#include "str.h"

#define MAILDIRSIZE_FILENAME "maildirsize"
/* the Maildir++ specification's size to recalculate at */
#define MAILDIRSIZE_MAX_SIZE 5120

struct maildirsize {
	uint64_t bytes_limit, count_limit; /* 0 = none */
	int64_t bytes, count;              /* the sum of the lines */
	unsigned int lines;                /* change lines (after the limits) */
};

/* Parses the whole file. Returns 0, or -1 with *error_r when it is
   malformed (then recalculate it): a bad limits line, a change line that
   is not two signed numbers, a last line without LF (a writer that died
   mid-line), or negative totals. */
int maildirsize_parse(const void *data, size_t size, struct maildirsize *r,
		      const char **error_r);
/* Appends "<bytes>S,<count>C\n" (the parts that are not 0; an empty line
   when both are). */
void maildirsize_append_limits(string_t *dest, uint64_t bytes_limit, uint64_t count_limit);
/* Appends "<bytes> <count>\n". */
void maildirsize_append_change(string_t *dest, int64_t bytes, int64_t count);

#endif

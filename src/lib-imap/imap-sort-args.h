#ifndef IMAP_SORT_ARGS_H
#define IMAP_SORT_ARGS_H

/* The arguments of SORT (RFC 5256, RFC 5957 DISPLAYFROM/DISPLAYTO) and
   THREAD up to the search keys: no I/O, the error texts are Dovecot 2.3's
   (the caller puts "Error in IMAP command SORT: " in front). */

#include "imap-arg.h"

enum imap_sort_key {
	IMAP_SORT_ARRIVAL,
	IMAP_SORT_CC,
	IMAP_SORT_DATE,
	IMAP_SORT_FROM,
	IMAP_SORT_SIZE,
	IMAP_SORT_SUBJECT,
	IMAP_SORT_TO,
	IMAP_SORT_DISPLAYFROM,
	IMAP_SORT_DISPLAYTO,
	IMAP_SORT_KEY_COUNT
};

struct imap_sort_criterion {
	enum imap_sort_key key;
	bool reverse;
};

/* Each key at most once: a repeated key can never break a tie that its
   first occurrence left, so later ones are dropped. */
struct imap_sort_program {
	struct imap_sort_criterion criteria[IMAP_SORT_KEY_COUNT];
	unsigned int count;
};

enum imap_thread_algorithm {
	IMAP_THREAD_ORDEREDSUBJECT,
	IMAP_THREAD_REFERENCES,
	IMAP_THREAD_REFS,
};

/* "(sort-criteria) charset search-keys...": fills *program_r, *charset_r
   and *search_args_r (the first search key; it may be the end of the
   list, which the search parser reports). Returns 0, or -1 with
   *error_r. */
int imap_sort_args_parse(const struct imap_arg *args, struct imap_sort_program *program_r,
			 const char **charset_r, const struct imap_arg **search_args_r,
			 const char **error_r);

/* "algorithm charset search-keys..." likewise. */
int imap_thread_args_parse(const struct imap_arg *args, enum imap_thread_algorithm *alg_r,
			   const char **charset_r, const struct imap_arg **search_args_r,
			   const char **error_r);

/* The keys' names as in SORT ("ARRIVAL" ...). */
const char *imap_sort_key_name(enum imap_sort_key key);

#endif

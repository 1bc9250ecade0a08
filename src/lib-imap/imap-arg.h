#ifndef IMAP_ARG_H
#define IMAP_ARG_H

/* Parsed IMAP command arguments: a flat array per list level, ending with
   an IMAP_ARG_EOL entry. Strings are NUL-terminated; str_len holds the real
   length (literals may contain NULs; quoted strings and atoms cannot). */

enum imap_arg_type {
	IMAP_ARG_NIL,
	IMAP_ARG_ATOM,
	IMAP_ARG_STRING,  /* quoted */
	IMAP_ARG_LITERAL, /* {n} or ~{n} with its data */
	IMAP_ARG_LIST,
	/* a literal whose data the caller streams itself (APPEND): only its
	   size is known (see imap_parser_stream_literal()) */
	IMAP_ARG_LITERAL_SIZE,
	IMAP_ARG_EOL,
};

struct imap_arg {
	enum imap_arg_type type;
	struct imap_arg *parent; /* the LIST this is in, or NULL */
	bool literal8; /* ~{n}: may hold binary data (RFC 3516) */
	union {
		struct {
			const char *str;
			size_t len;
		} s;
		struct {
			struct imap_arg *args; /* ends with IMAP_ARG_EOL */
			unsigned int count;
		} list;
		uint64_t literal_size;
	} _data;
};

static inline bool imap_arg_is_eol(const struct imap_arg *arg)
{
	return arg->type == IMAP_ARG_EOL;
}

/* ATOM: the atom; STRING/LITERAL: the string; else false. */
bool imap_arg_get_astring(const struct imap_arg *arg, const char **str_r);
/* Only ATOM. */
bool imap_arg_get_atom(const struct imap_arg *arg, const char **str_r);
/* STRING/LITERAL or NIL (str_r = NULL). */
bool imap_arg_get_nstring(const struct imap_arg *arg, const char **str_r);
bool imap_arg_get_list(const struct imap_arg *arg, const struct imap_arg **args_r,
		       unsigned int *count_r);
bool imap_arg_atom_equals(const struct imap_arg *arg, const char *str);
/* Number of args before EOL. */
unsigned int imap_args_count(const struct imap_arg *args);

#endif

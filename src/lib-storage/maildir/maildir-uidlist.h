#ifndef MAILDIR_UIDLIST_H
#define MAILDIR_UIDLIST_H

/* Dovecot's dovecot-uidlist, version 3 (version 1 is read too):

     3 V<uidvalidity> N<nextuid> G<guid> [R<modseq>] [other header fields]
     <uid> [extension fields] :<maildir base file name>

   Extension fields are an uppercase letter and a value (S<size>,
   W<vsize>, G<guid> ...); Roost keeps the ones it does not use as they
   are. R is Roost's: no modseq above it has been handed out in this
   mailbox (see maildir_modseq_reserve()); Dovecot keeps header fields it
   does not know when it rewrites the file. UIDs are ascending. Lines may have been appended after the header
   was written, so next_uid is max(N, last uid + 1). Parsing and writing
   are pure; the locking and file handling are in maildir-sync.c. */

#define MAILDIR_UIDLIST_NAME "dovecot-uidlist"

struct maildir_uidlist_rec {
	uint32_t uid;
	/* extension fields as written ("W32 S28"), "" when none */
	const char *ext;
	/* the base name (no ":2,...") */
	const char *fname;
};
ARRAY_DEFINE_TYPE(maildir_uidlist_rec, struct maildir_uidlist_rec);

struct maildir_uidlist {
	unsigned int version;
	uint32_t uid_validity;
	uint32_t next_uid;
	const char *guid;    /* hex, "" when none */
	uint64_t modseq_ceiling; /* R, 0 when none */
	const char *hdr_ext; /* unknown header fields, "" when none */
	ARRAY_TYPE(maildir_uidlist_rec) recs;
	/* bytes parsed (complete lines): where appended lines start */
	size_t parsed_size;
};

/* Parses a whole file. A last line without '\n' is ignored (an append in
   progress or torn by a crash). Everything is allocated from pool. Returns
   0, or -1 with *error_r naming the line when the file is broken (bad
   header, UIDs not ascending, a line without a file name). */
int maildir_uidlist_parse(pool_t pool, const void *data, size_t size,
			  struct maildir_uidlist **list_r, const char **error_r);
/* Parses lines appended after list->parsed_size (data is the whole file
   again). Returns 0 or -1 with *error_r. */
int maildir_uidlist_parse_append(pool_t pool, struct maildir_uidlist *list, const void *data,
				 size_t size, const char **error_r);
/* Writes the whole file (version 3). */
void maildir_uidlist_write(const struct maildir_uidlist *list, string_t *dest);
/* One record line, for appending. */
void maildir_uidlist_write_rec(string_t *dest, const struct maildir_uidlist_rec *rec);

/* Record extension fields (rec->ext: "W32 S28 Pabc"). The value of field
   key ('A'..'Z'): NULL when absent, "" when the field has no value; from
   pool. */
const char *maildir_uidlist_ext_get(pool_t pool, const char *ext, char key);
/* ext with field key set to value (replacing the field if present),
   allocated from pool. Returns NULL when key is not 'A'..'Z' or value has
   a byte that cannot be in a field (space, control, 0x7f and above). */
const char *maildir_uidlist_ext_set(pool_t pool, const char *ext, char key, const char *value);

#endif

#ifndef IMAP_LIST_H
#define IMAP_LIST_H

/* LIST with the extended syntax (RFC 5258 LIST-EXTENDED, RFC 5819
   LIST-STATUS, RFC 6154 SPECIAL-USE) and LSUB. The argument parser has no
   I/O (unit-tested in test-imap-ext.c); cmd_list()/cmd_lsub() are in
   imap-commands.h. */

#include "imap-arg.h"
#include "imap-status.h"

enum imap_list_select {
	IMAP_LIST_SELECT_SUBSCRIBED = 0x01,
	IMAP_LIST_SELECT_REMOTE = 0x02,
	IMAP_LIST_SELECT_RECURSIVEMATCH = 0x04,
	IMAP_LIST_SELECT_SPECIAL_USE = 0x08,
};

enum imap_list_return {
	IMAP_LIST_RETURN_SUBSCRIBED = 0x01,
	IMAP_LIST_RETURN_CHILDREN = 0x02,
	IMAP_LIST_RETURN_SPECIAL_USE = 0x04,
	IMAP_LIST_RETURN_STATUS = 0x08,
};

struct imap_list_args {
	/* a selection list, a pattern list or RETURN was given: the
	   response carries only the attributes asked for */
	bool extended;
	enum imap_list_select select;
	enum imap_list_return ret;
	/* RETURN (STATUS (...)); the last STATUS option wins */
	enum imap_status_items status_items;
	const char *ref;
	/* as the client sent them (mUTF-7), NULL-terminated */
	const char *const *patterns;
};

/* Parses LIST's arguments (after the command name): [(selection)] ref
   (pattern | (pattern...)) [RETURN (options)]. LSUB takes the plain form
   only. Returns 0, or -1 with *error_r (client-safe, for "BAD Error in IMAP
   command LIST: "). Allocates from pool. */
int imap_list_parse_args(pool_t pool, const struct imap_arg *args, bool lsub,
			 struct imap_list_args *list_r, const char **error_r);

/* Parses CREATE's parameter list (RFC 4466) for CREATE-SPECIAL-USE (RFC
   6154): "USE (\\Drafts)". *special_use_r is the attribute in its
   canonical case, or NULL. Returns 0, or -1 with *error_r and *useattr_r:
   true when the attribute is refused (NO [USEATTR]), false for a syntax
   error (BAD). */
int imap_create_parse_params(const struct imap_arg *params, const char **special_use_r,
			     bool *useattr_r, const char **error_r);

/* The attributes of a plain LIST reply for info, "(\\HasNoChildren ...)"
   (IMAP4rev2's LIST response in SELECT). */
void imap_list_append_mailbox_attributes(struct client *client, string_t *str,
					 const struct mailbox_info *info);

#endif

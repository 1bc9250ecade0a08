#ifndef MAIL_ERROR_H
#define MAIL_ERROR_H

/* Storage errors. Every failing storage call leaves an enum mail_error
   and a client-safe text (no paths, no user names) on its object; the
   detailed text (paths, errno) has already been logged. */

enum mail_error {
	MAIL_ERROR_NONE = 0,
	/* a temporary server-side failure (I/O error, lock timeout) */
	MAIL_ERROR_TEMP,
	/* the operation is not possible (e.g. deleting INBOX) */
	MAIL_ERROR_NOTPOSSIBLE,
	/* invalid parameters (a bad mailbox name, an invalid keyword) */
	MAIL_ERROR_PARAMS,
	/* permission denied */
	MAIL_ERROR_PERM,
	/* over quota */
	MAIL_ERROR_NOQUOTA,
	/* the mailbox or message does not exist */
	MAIL_ERROR_NOTFOUND,
	/* the mailbox already exists */
	MAIL_ERROR_EXISTS,
	/* the message was expunged */
	MAIL_ERROR_EXPUNGED,
	/* out of disk space */
	MAIL_ERROR_NOSPACE,
	/* a limit was hit (too many keywords) */
	MAIL_ERROR_LIMIT,
};

#define MAIL_ERRSTR_CRITICAL "Internal error occurred. Refer to server log for more information."

#endif

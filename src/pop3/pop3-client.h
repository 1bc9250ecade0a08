#ifndef POP3_CLIENT_H
#define POP3_CLIENT_H

/* One authenticated POP3 session (RFC 1939 TRANSACTION and UPDATE states)
   on the user's INBOX: the post-login half of POP3. The caller has already
   become the mail user and created the mail_user; login (USER/PASS/AUTH,
   STLS) happened in pop3-login.

   Input is read with the bounded line reader, output goes through an
   ostream with back-pressure: RETR/TOP stream from the message file and
   LIST/UIDL go on as the client reads, so a session holds about
   POP3_OUTPUT_MAX_BUFFER bytes of output whatever the message sizes.

   The maildrop is fixed when the session starts (the messages in INBOX
   then). DELE only marks; QUIT (UPDATE state) expunges the marked messages
   and sets \Seen on retrieved ones (unless pop3_no_flag_updates) in one
   transaction before answering. A session that ends any other way changes
   nothing. */

#include "lib.h"

struct mail_user;
struct pop3_settings;
struct pop3_client;

#define POP3_MAX_LINE_LENGTH 4096
#define POP3_OUTPUT_MAX_BUFFER (64 * 1024)
/* Dovecot's: ten minutes without a command. */
#define POP3_DEFAULT_IDLE_TIMEOUT_MSECS (10 * 60 * 1000)

/* Called once when the session has ended and its fds may be closed by the
   caller (from the ioloop, after the client was freed). */
typedef void pop3_client_destroyed_callback_t(void *context);

struct pop3_client_params {
	/* the client connection (may be the same fd); made non-blocking. The
	   caller keeps ownership and closes them after the destroyed
	   callback. */
	int fd_in, fd_out;
	/* pipelined input that pop3-login already read, or NULL (copied) */
	const unsigned char *input;
	size_t input_size;
	const char *session_id; /* for %{session} in pop3_logout_format; may be NULL */
	const struct pop3_settings *set;
	/* the user; the client does not free it */
	struct mail_user *user;
	unsigned int idle_timeout_msecs; /* 0 = POP3_DEFAULT_IDLE_TIMEOUT_MSECS */
	pop3_client_destroyed_callback_t *destroyed;
	void *context;
};

/* Starts a session: opens and syncs INBOX, takes the POP3 session lock
   (pop3_lock_session), loads the maildrop and answers "+OK Logged in.".
   When that fails the client is answered "-ERR [IN-USE] ..." or
   "-ERR [SYS/TEMP] ..." and the session ends (the destroyed callback is
   still called, from the ioloop). Never returns NULL. */
struct pop3_client *pop3_client_create(const struct pop3_client_params *params);

/* Ends the session now without changing the mailbox (e.g. shutdown);
   reason goes to the log. The destroyed callback is called from the
   ioloop. */
void pop3_client_disconnect(struct pop3_client *client, const char *reason);
/* The same after telling the client "-ERR [SYS/TEMP] Server shutting
   down." (left out while a RETR/TOP/LIST response is being streamed) and
   letting it leave (shutdown, an admin's kick). */
void pop3_client_kick(struct pop3_client *client, const char *reason);

#endif

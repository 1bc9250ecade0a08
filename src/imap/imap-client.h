#ifndef IMAP_CLIENT_H
#define IMAP_CLIENT_H

/* One IMAP client after login: a connection state machine that reads
   commands with the bounded line_reader, parses them with imap_parser,
   runs them from the cmd_* table (imap-commands.h) and writes responses
   through an ostream with back-pressure. A long command (FETCH of a big
   message, IDLE, a streamed APPEND literal) keeps a continuation and is
   resumed from the ostream's flush callback or from input, so no command
   ever blocks the ioloop or buffers a whole mailbox.

   Ownership: client_create() takes the fds (closed on destroy) and the
   mail user (freed on destroy). The destroy callback runs from the ioloop,
   never inside one of the client's own callbacks. */

#include "imap-parser.h"
#include "imap-settings.h"
#include "ioloop.h"
#include "line-reader.h"
#include "mail-storage.h"
#include "mailbox-list.h"
#include "ostream.h"

struct client;

enum client_state {
	CLIENT_STATE_AUTHENTICATED,
	CLIENT_STATE_SELECTED,
	CLIENT_STATE_LOGOUT,
};

enum client_input_state {
	CLIENT_INPUT_COMMAND,
	/* literal bytes for the parser */
	CLIENT_INPUT_LITERAL,
	/* APPEND message bytes streamed into the save context */
	CLIENT_INPUT_APPEND_LITERAL,
	/* waiting for DONE */
	CLIENT_INPUT_IDLE,
};

/* Runs again (from the ostream flush callback) until it returns true:
   the command is finished and has sent its tagged reply. */
typedef bool client_command_continue_t(struct client *client);
typedef void client_destroy_callback_t(struct client *client, void *context);

struct imap_append_state;

/* What imap_logout_format reports (Dovecot's %{deleted}, %{expunged}, ...) */
struct client_logout_stats {
	uint64_t fetch_hdr_count, fetch_hdr_bytes;
	uint64_t fetch_body_count, fetch_body_bytes;
	unsigned int deleted, expunged, trashed, appended;
};

struct deflate_input;
struct deflate_output;

struct client {
	pool_t pool;
	/* cleared after every command */
	pool_t cmd_pool;
	int fd_in, fd_out;
	struct io *io;
	struct timeout *to_resume;
	struct timeout *to_start; /* runs pipelined input given at start */
	/* IDLE: "* OK Still here" every imap_idle_notify_interval */
	struct timeout *to_idle;
	struct line_reader *reader;
	struct ostream *output;
	/* COMPRESS=DEFLATE: NULL until the client asks */
	struct deflate_input *deflate_in;
	struct deflate_output *deflate_out;
	bool compressed;
	/* the inflater holds input the fd will not announce again */
	struct timeout *to_pending;
	struct imap_parser *parser;
	struct mail_user *user;
	const struct imap_settings *set;

	enum client_state state;
	enum client_input_state input_state;
	struct mailbox *box;
	bool box_readonly;
	/* the last "* n RECENT" sent for the selected mailbox */
	uint32_t box_recent_sent;
	/* the keywords the client was told of in FLAGS (selected mailbox) */
	pool_t box_pool;
	ARRAY_TYPE(const_string) box_keywords;
	/* UIDs whose flag changes we made and already reported: the next
	   sync does not report them again */
	ARRAY(uint32_t) own_flag_changes;

	/* the running command */
	const char *tag;
	const char *cmd_name;
	bool cmd_uid;
	/* first line of the command was read (for APPEND streaming) */
	bool cmd_first_line_done;
	client_command_continue_t *cmd_continue;
	void *cmd_context;
	/* frees cmd_context's resources when the client goes away mid-command */
	void (*cmd_free)(struct client *client);
	uint64_t literal_left;
	/* APPEND: the mailbox name when it came as a literal */
	string_t *append_mailbox_literal;
	struct imap_append_state *append;

	bool enabled_condstore, enabled_imap4rev2;
	/* QRESYNC (RFC 7162 3.2): expunges are told as VANISHED */
	bool enabled_qresync;
	/* SEARCHRES (RFC 5182): the result SEARCH RETURN (SAVE) kept for "$",
	   as UIDs ascending in box_pool; not created = empty. */
	ARRAY(uint32_t) search_saved_uids;
	bool disconnected;
	bool input_blocked;
	const char *disconnect_reason;
	uint64_t bytes_in;
	/* the login's session id (%{session} in imap_logout_format), or NULL */
	const char *session_id;
	struct client_logout_stats logout_stats;
	/* autologout: no input for imap_autologout_timeout outside IDLE */
	struct timeout *to_autologout;
	time_t last_input;
	uint64_t autologout_out_mark;
	unsigned int destroy_flush_waits;
	client_destroy_callback_t *destroy_callback;
	void *destroy_context;
};

/* The capability list after login (without the "CAPABILITY" word):
   exactly what this server implements, or imap_capability. */
const char *client_capability(const struct client *client);

struct client *client_create(int fd_in, int fd_out, struct mail_user *user,
			     const struct imap_settings *set);
/* Input the client sent before we took over (pipelined after LOGIN, passed
   along by imap-login); call before client_start(). Returns false when it
   is too big for the line buffer. */
bool client_add_pipelined_input(struct client *client, const void *data, size_t size);
/* Starts serving: sends greeting (a full line without CRLF, or NULL) and
   reads input. */
void client_start(struct client *client, const char *greeting);
void client_set_destroy_callback(struct client *client, client_destroy_callback_t *callback,
				 void *context);
/* Sends "* BYE <reason>" unless reason is NULL, logs and schedules the
   destroy (never frees inside the caller's stack). */
void client_disconnect(struct client *client, const char *bye, const char *log_reason);
/* The same for a disconnection the client did not ask for (shutdown, an
   admin's kick): the BYE is left out when it would land inside a response
   being streamed. */
void client_kick(struct client *client, const char *bye, const char *log_reason);
/* imap_logout_format expanded for this client ("in=.. out=.."). */
const char *client_logout_string(struct client *client);
/* A body section of fetch_size bytes is being sent: header-only or not
   (for imap_logout_format's fetch_hdr_* / fetch_body_*). */
void client_count_fetch(struct client *client, bool header_only, uint64_t fetch_size);
void client_destroy(struct client **client);

/* Output helpers: the line without CRLF. */
void client_send_line(struct client *client, const char *line);
/* "<tag> <text>" */
void client_send_tagline(struct client *client, const char *text);
/* "<tag> NO <error>" for a storage error of box. */
void client_send_storage_error(struct client *client, struct mailbox *box);
void client_send_bad(struct client *client, const char *text);

/* Sends the untagged updates for the selected mailbox (EXPUNGE, EXISTS,
   RECENT, FETCH FLAGS). with_expunges false defers expunges (during
   FETCH/STORE/SEARCH by sequence). Returns -1 on a storage failure. */
int client_sync(struct client *client, bool with_expunges);
/* The same; report_flags false leaves flag changes unreported (our own). */
int client_sync_full(struct client *client, bool with_expunges, bool report_flags);
/* Remembers the selected mailbox's keywords (all messages' keywords) and
   sends FLAGS and PERMANENTFLAGS for the state after SELECT. */
void client_send_mailbox_flags(struct client *client);
/* Sends FLAGS/PERMANENTFLAGS again when keywords has one the client has
   not been told of. */
void client_keywords_seen(struct client *client, const char *const *keywords);
/* We changed uid's flags and told the client (STORE, FETCH \Seen). */
void client_own_flag_change(struct client *client, uint32_t uid);
/* Closes the selected mailbox (no responses). */
/* COMPRESS=DEFLATE from now on, both ways; input already buffered after
   the command is compressed data. Returns 0, or -1 (out of memory). */
int client_start_compression(struct client *client);
void client_close_mailbox(struct client *client);

/* Writes "(\Seen \Flagged kw)" */
void client_append_flags(string_t *dest, enum mail_flags flags, const char *const *keywords);
/* Parses a flag list (for STORE/APPEND). Returns 0 or -1 with *error_r. */
int client_parse_flags(pool_t pool, const struct imap_arg *args, enum mail_flags *flags_r,
		       const char *const **keywords_r, const char **error_r);
/* Mailbox name from the client (mUTF-7, or UTF-8 once IMAP4rev2 is
   enabled) to UTF-8 vname, or NULL (BAD). */
const char *client_mailbox_name(struct client *client, const char *name);
/* vname for the client (mUTF-7). */
const char *client_mailbox_name_out(pool_t pool, const char *vname);
/* Appends vname as an astring the way this session wants it: mUTF-7, or
   UTF-8 after ENABLE IMAP4rev2 (RFC 9051 section 5.1). */
void client_append_mailbox_name(struct client *client, string_t *dest, const char *vname);
/* The flags to show: IMAP4rev2 has no \Recent (RFC 9051 section 2.3.2). */
enum mail_flags client_visible_flags(const struct client *client, enum mail_flags flags);

/* Command is done: tagged reply already sent. Resets per-command state and
   goes on with buffered input. */
void client_command_finished(struct client *client);

#endif

#ifndef POP3_COMMON_H
#define POP3_COMMON_H

/* Private to src/pop3: the session state shared by pop3-client.c (I/O,
   life cycle) and pop3-commands.c (the cmd_* handlers). */

#include "lib.h"
#include "str.h"
#include "pop3-client.h"
#include "pop3-settings.h"

struct mailbox;
struct line_reader;
struct ostream;
struct io;
struct timeout;

enum pop3_client_state {
	/* loading the maildrop, greeting not sent */
	POP3_STATE_START,
	/* RFC 1939 TRANSACTION state: commands are read */
	POP3_STATE_TRANSACTION,
	/* flushing the last answer, then destroy */
	POP3_STATE_DISCONNECTING,
	POP3_STATE_DESTROYED,
};

/* A command that sends more than fits in the output buffer continues from
   the flush callback: returns true when it has finished. */
typedef bool pop3_cmd_continue_func_t(struct pop3_client *client);

struct pop3_message {
	uint32_t uid;
	uint64_t size; /* virtual size: what RETR sends before dot-stuffing */
	bool deleted;
	bool seen_at_start;
	bool mark_seen; /* retrieved: \Seen is set at QUIT */
	const char *uidl; /* computed at the first UIDL */
	/* uidl was kept by the storage (pop3_save_uidl, a migration) */
	bool uidl_permanent;
	/* pop3_save_uidl: uidl is to be kept at the end of the session */
	bool uidl_save;
};

struct pop3_client {
	pool_t pool;
	enum pop3_client_state state;
	int fd_in, fd_out;
	const unsigned char *pre_input;
	size_t pre_input_size;
	uint64_t input_bytes;
	struct line_reader *reader;
	struct ostream *output;
	struct io *io_in, *io_flush;
	struct timeout *to_idle, *to_destroy;
	unsigned int idle_timeout_msecs;
	unsigned int bad_counter;

	const struct pop3_settings *set;
	const char *session_id;
	struct mail_user *user;
	struct mailbox *box;
	int lock_fd;
	pop3_client_destroyed_callback_t *destroyed;
	void *context;

	uint32_t uidvalidity;
	uint32_t count;
	struct pop3_message *msgs;
	uint64_t total_size;
	uint32_t deleted_count;
	uint64_t deleted_size;
	uint32_t last_seen; /* LAST */
	bool delete_success;
	/* the storage's kept UIDLs were read into msgs[] */
	bool kept_uidls_loaded;
	/* every msgs[].uidl was computed at the first UIDL command (for
	   pop3_uidl_duplicates = rename and %{uidl_change}, as Dovecot) */
	bool uidls_all_computed;
	/* the lowest message number retrieved (1-based), 0 = none */
	uint32_t lowest_retr;

	uint32_t top_count, retr_count;
	uint64_t top_bytes, retr_bytes;

	pop3_cmd_continue_func_t *cmd_continue;
	void *cmd_context;
	const char *disconnect_reason;
};

/* Queues one line plus CRLF. */
void pop3_client_send_line(struct pop3_client *client, const char *line);
/* "-ERR [SYS/TEMP] <text>" (or "-ERR <text>" for a permanent error) for
   the mailbox's last error. */
void pop3_client_send_storage_error(struct pop3_client *client);
/* Ends the session once the queued output is written. */
void pop3_client_disconnect_after_output(struct pop3_client *client, const char *reason);

/* Keeps the UIDLs shown in this session (pop3_save_uidl) in the storage;
   errors are logged. */
void pop3_client_save_uidls(struct pop3_client *client);

/* pop3-commands.c: runs one command line (CRLF removed, len bytes). */
void pop3_command_execute(struct pop3_client *client, const char *line, size_t len);
/* Frees the state of an unfinished command (the session ends). */
void pop3_command_abort(struct pop3_client *client);

#endif

#ifndef MASTER_LOG_H
#define MASTER_LOG_H

/* The master writes every log line: its own and, through one pipe per
   service, its children's. Lines are whole when they reach a file, so two
   processes never interleave. Destinations follow Dovecot's settings:
   log_path (errors and warnings; "syslog" or a file; default syslog),
   info_log_path (default: log_path), debug_log_path (default:
   info_log_path). */

#include "log.h"

struct master_log_settings {
	const char *log_path;
	const char *info_log_path;
	const char *debug_log_path;
	const char *syslog_facility;
	const char *log_timestamp; /* strftime format */
};

/* (Re)opens the destinations. Returns 0 or -1 with *error_r (the old
   destinations stay in use). */
int master_log_configure(const struct master_log_settings *set, const char **error_r);
/* Reopens files after logrotate (SIGUSR1). */
void master_log_reopen(void);
/* Writes one line. prefix is e.g. "imap-login: ". */
void master_log_write(enum log_type type, const char *prefix, const char *text);
/* Parses one line a child wrote to its log pipe and writes it. */
void master_log_child_line(const char *line, size_t len, pid_t *pid_r);
void master_log_deinit(void);

#endif

#ifndef LOG_H
#define LOG_H

/* Logging. A process logs through i_debug() .. i_fatal(); the handler
   decides where a line goes:
   - log_init_stderr(): "prefix: Level: text" on stderr (tools, tests);
   - log_init_child(): the line protocol to the master, whose log writer
     adds the timestamp and writes log files or syslog. Every child's stderr
     is a pipe to the master, so lines of different processes never mix.
   A line is one event; a newline inside the text is replaced so that a
   client string can never start a forged line. */

enum log_type {
	LOG_TYPE_DEBUG,
	LOG_TYPE_INFO,
	LOG_TYPE_WARNING,
	LOG_TYPE_ERROR,
	LOG_TYPE_FATAL,
	LOG_TYPE_PANIC,
	LOG_TYPE_COUNT
};

/* Exit status for i_fatal(): the master logs it as a failure, not a crash. */
#define FATAL_DEFAULT 89
#define FATAL_OUTOFMEM 83

/* The child-to-master line protocol: LOG_CHILD_MARK, one type letter
   (see log_type_letters), the pid in decimal, a space, the prefix,
   LOG_CHILD_PREFIX_END, then the text up to '\n'. A line without the mark
   is logged as an error. */
#define LOG_CHILD_MARK '\001'
#define LOG_CHILD_PREFIX_END '\002'
extern const char log_type_letters[LOG_TYPE_COUNT];
extern const char *const log_type_names[LOG_TYPE_COUNT];

typedef void log_handler_t(enum log_type type, const char *prefix, const char *text);

void log_init_stderr(const char *prefix);
void log_init_child(const char *prefix);
void log_set_handler(log_handler_t *handler);
void log_set_prefix(const char *prefix);
const char *log_get_prefix(void);
void log_set_debug(bool enabled);
bool log_debug_enabled(void);
/* Called at i_fatal()/i_panic() before exiting (e.g. to flush or clean up). */
void log_set_fatal_callback(void (*callback)(void));

void i_log(enum log_type type, const char *fmt, ...) ATTR_FORMAT(2, 3);
void i_logv(enum log_type type, const char *fmt, va_list args) ATTR_FORMAT(2, 0);
void i_debug(const char *fmt, ...) ATTR_FORMAT(1, 2);
void i_info(const char *fmt, ...) ATTR_FORMAT(1, 2);
void i_warning(const char *fmt, ...) ATTR_FORMAT(1, 2);
void i_error(const char *fmt, ...) ATTR_FORMAT(1, 2);
/* Only main() and start-up code may call these: libraries return errors. */
void i_fatal(const char *fmt, ...) ATTR_FORMAT(1, 2) ATTR_NORETURN;
void i_fatal_status(int status, const char *fmt, ...) ATTR_FORMAT(2, 3) ATTR_NORETURN;

/* Formats "Mon DD HH:MM:SS " (Dovecot's default log_timestamp). */
void log_format_timestamp(char *buf, size_t size, time_t t);

#endif

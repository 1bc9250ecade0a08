#include "lib.h"
#include "write-full.h"

#include <stdio.h>
#include <time.h>
#include <sys/uio.h>

const char log_type_letters[LOG_TYPE_COUNT] = { 'D', 'I', 'W', 'E', 'F', 'P' };
const char *const log_type_names[LOG_TYPE_COUNT] = {
	"Debug", "Info", "Warning", "Error", "Fatal", "Panic",
};

static char log_prefix[256] = "";
static bool log_debug;
static bool log_to_master;
static void (*fatal_callback)(void);
static log_handler_t *log_handler;
static bool in_panic;

static void stderr_handler(enum log_type type, const char *prefix, const char *text)
{
	char line[8192];
	int len;

	if (log_to_master) {
		len = snprintf(line, sizeof(line), "%c%c%ld %s%c%s\n", LOG_CHILD_MARK,
			       log_type_letters[type], (long)getpid(), prefix,
			       LOG_CHILD_PREFIX_END, text);
	} else {
		len = snprintf(line, sizeof(line), "%s%s: %s\n", prefix, log_type_names[type],
			       text);
	}
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line)) {
		/* keep the line whole and terminated: one write stays atomic */
		len = sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	/* nowhere better to report a failure to log */
	(void)write_full(STDERR_FILENO, line, (size_t)len);
}

void log_init_stderr(const char *prefix)
{
	log_to_master = false;
	log_handler = stderr_handler;
	log_set_prefix(prefix);
}

void log_init_child(const char *prefix)
{
	log_to_master = true;
	log_handler = stderr_handler;
	log_set_prefix(prefix);
}

void log_set_handler(log_handler_t *handler)
{
	log_handler = handler;
}

void log_set_prefix(const char *prefix)
{
	snprintf(log_prefix, sizeof(log_prefix), "%s", prefix);
}

const char *log_get_prefix(void)
{
	return log_prefix;
}

void log_set_debug(bool enabled)
{
	log_debug = enabled;
}

bool log_debug_enabled(void)
{
	return log_debug;
}

void log_set_fatal_callback(void (*callback)(void))
{
	fatal_callback = callback;
}

void log_format_timestamp(char *buf, size_t size, time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	if (strftime(buf, size, "%b %d %H:%M:%S ", &tm) == 0 && size > 0)
		buf[0] = '\0';
}

void i_logv(enum log_type type, const char *fmt, va_list args)
{
	char text[8000];
	int saved_errno = errno;

	if (type == LOG_TYPE_DEBUG && !log_debug)
		return;
	vsnprintf(text, sizeof(text), fmt, args);
	/* one event, one line */
	for (char *p = text; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	if (log_handler == NULL)
		log_handler = stderr_handler;
	log_handler(type, log_prefix, text);
	errno = saved_errno;
}

void i_log(enum log_type type, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	i_logv(type, fmt, args);
	va_end(args);
}

#define LOG_FUNC(name, type)                                                                       \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		va_list args;                                                                      \
		va_start(args, fmt);                                                               \
		i_logv(type, fmt, args);                                                           \
		va_end(args);                                                                      \
	}
LOG_FUNC(i_debug, LOG_TYPE_DEBUG)
LOG_FUNC(i_info, LOG_TYPE_INFO)
LOG_FUNC(i_warning, LOG_TYPE_WARNING)
LOG_FUNC(i_error, LOG_TYPE_ERROR)

void i_fatal_status(int status, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	i_logv(LOG_TYPE_FATAL, fmt, args);
	va_end(args);
	if (fatal_callback != NULL)
		fatal_callback();
	exit(status);
}

void i_fatal(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	i_logv(LOG_TYPE_FATAL, fmt, args);
	va_end(args);
	if (fatal_callback != NULL)
		fatal_callback();
	exit(FATAL_DEFAULT);
}

void i_panic(const char *fmt, ...)
{
	va_list args;

	if (!in_panic) {
		in_panic = true;
		va_start(args, fmt);
		i_logv(LOG_TYPE_PANIC, fmt, args);
		va_end(args);
	}
	abort();
}

void i_close_fd(int *fd)
{
	if (*fd == -1)
		return;
	if (close(*fd) < 0 && errno != EINTR)
		i_error("close(%d) failed: %m", *fd);
	*fd = -1;
}

#include "lib.h"
#include "master-log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

struct log_dest {
	char *path;   /* NULL: stderr */
	bool syslog;
	int fd;
};

static struct log_dest dests[3]; /* 0 = errors, 1 = info, 2 = debug */
static char *log_timestamp_fmt;
static bool syslog_opened;

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static void dest_close(struct log_dest *dest)
{
	if (dest->fd > STDERR_FILENO)
		close(dest->fd);
	dest->fd = -1;
}

static int dest_open(struct log_dest *dest, const char *path, const char **error_r)
{
	dest->syslog = strcmp(path, "syslog") == 0;
	dest->path = NULL;
	dest->fd = STDERR_FILENO;
	if (dest->syslog || path[0] == '\0' || strcmp(path, "/dev/stderr") == 0)
		return 0;
	dest->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (dest->fd < 0) {
		*error_r = t_strdup_printf("open(%s) failed: %m", path);
		dest->fd = STDERR_FILENO;
		return -1;
	}
	dest->path = i_strdup(path);
	return 0;
}

int master_log_configure(const struct master_log_settings *set, const char **error_r)
{
	struct log_dest new_dests[3];
	const char *paths[3];
	int facility = LOG_MAIL;

	paths[0] = set->log_path;
	paths[1] = set->info_log_path[0] != '\0' ? set->info_log_path : paths[0];
	paths[2] = set->debug_log_path[0] != '\0' ? set->debug_log_path : paths[1];
	memset(new_dests, 0, sizeof(new_dests));
	for (unsigned int i = 0; i < 3; i++) {
		if (dest_open(&new_dests[i], paths[i], error_r) < 0) {
			for (unsigned int j = 0; j < i; j++)
				dest_close(&new_dests[j]);
			return -1;
		}
	}
	for (unsigned int i = 0; i < N_ELEMENTS(facilities); i++) {
		if (strcmp(facilities[i].name, set->syslog_facility) == 0)
			facility = facilities[i].facility;
	}
	master_log_deinit();
	memcpy(dests, new_dests, sizeof(dests));
	log_timestamp_fmt = i_strdup(set->log_timestamp);
	if (dests[0].syslog || dests[1].syslog || dests[2].syslog) {
		openlog("roost", LOG_NDELAY, facility);
		syslog_opened = true;
	}
	return 0;
}

void master_log_reopen(void)
{
	for (unsigned int i = 0; i < 3; i++) {
		if (dests[i].path == NULL)
			continue;
		int fd = open(dests[i].path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd < 0) {
			i_error("open(%s) failed: %m", dests[i].path);
			continue;
		}
		dest_close(&dests[i]);
		dests[i].fd = fd;
	}
}

void master_log_deinit(void)
{
	for (unsigned int i = 0; i < 3; i++) {
		dest_close(&dests[i]);
		i_free(dests[i].path);
	}
	i_free(log_timestamp_fmt);
	if (syslog_opened) {
		closelog();
		syslog_opened = false;
	}
}

static int syslog_priority(enum log_type type)
{
	switch (type) {
	case LOG_TYPE_DEBUG:
		return LOG_DEBUG;
	case LOG_TYPE_INFO:
		return LOG_INFO;
	case LOG_TYPE_WARNING:
		return LOG_WARNING;
	case LOG_TYPE_ERROR:
		return LOG_ERR;
	case LOG_TYPE_FATAL:
		return LOG_CRIT;
	default:
		return LOG_CRIT;
	}
}

void master_log_write(enum log_type type, const char *prefix, const char *text)
{
	struct log_dest *dest = &dests[type == LOG_TYPE_DEBUG ? 2 : type == LOG_TYPE_INFO ? 1 : 0];
	char line[8192], stamp[128] = "";
	struct tm tm;
	time_t now = time(NULL);
	int len;

	if (dest->syslog) {
		/* Dovecot's syslog shape: "roost: imap-login: Login: ..." */
		if (type == LOG_TYPE_INFO || type == LOG_TYPE_DEBUG)
			syslog(syslog_priority(type), "%s%s", prefix, text);
		else
			syslog(syslog_priority(type), "%s%s: %s", prefix, log_type_names[type],
			       text);
		return;
	}
	if (log_timestamp_fmt != NULL && log_timestamp_fmt[0] != '\0') {
		localtime_r(&now, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		/* log_timestamp is the admin's strftime format, as in Dovecot */
		if (strftime(stamp, sizeof(stamp), log_timestamp_fmt, &tm) == 0)
			stamp[0] = '\0';
#pragma GCC diagnostic pop
	}
	len = snprintf(line, sizeof(line), "%s%s%s: %s\n", stamp, prefix, log_type_names[type],
		       text);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line)) {
		len = sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	int fd = dest->fd < 0 ? STDERR_FILENO : dest->fd;

	if (write(fd, line, (size_t)len) < 0) {
		/* nowhere better to report it */
	}
}

void master_log_child_line(const char *line, size_t len, pid_t *pid_r)
{
	enum log_type type = LOG_TYPE_ERROR;
	char prefix[256];
	const char *p, *end = line + len, *text;
	long pid = 0;

	*pid_r = 0;
	if (len < 3 || line[0] != LOG_CHILD_MARK) {
		/* a child wrote to stderr directly (e.g. a library) */
		master_log_write(LOG_TYPE_ERROR, "", line);
		return;
	}
	for (unsigned int i = 0; i < LOG_TYPE_COUNT; i++) {
		if (log_type_letters[i] == line[1])
			type = (enum log_type)i;
	}
	p = line + 2;
	while (p < end && *p >= '0' && *p <= '9')
		pid = pid * 10 + (*p++ - '0');
	*pid_r = (pid_t)pid;
	if (p < end && *p == ' ')
		p++;
	text = memchr(p, LOG_CHILD_PREFIX_END, (size_t)(end - p));
	if (text == NULL) {
		master_log_write(type, "", p);
		return;
	}
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(text - p), p);
	master_log_write(type, prefix, text + 1);
}

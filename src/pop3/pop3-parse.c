/* POP3 command-line parsing (see pop3-parse.h). No I/O. */
#include "lib.h"
#include "pop3-parse.h"

#define POP3_MAX_SANITIZED_ARG 40

int pop3_parse_command(const char *line, char name_buf[POP3_MAX_KEYWORD_LEN + 1],
		       const char **args_r)
{
	size_t i;

	for (i = 0; line[i] != '\0' && line[i] != ' '; i++) {
		char c = line[i];

		if (i >= POP3_MAX_KEYWORD_LEN)
			return -1;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (c < 'A' || c > 'Z')
			return -1;
		name_buf[i] = c;
	}
	if (i == 0)
		return -1;
	name_buf[i] = '\0';
	*args_r = line[i] == ' ' ? line + i + 1 : "";
	return 0;
}

static const char *safe_arg(const char *arg)
{
	return str_sanitize(pool_temp, arg, POP3_MAX_SANITIZED_ARG);
}

int pop3_parse_msgnum(const char *args, uint32_t count, bool then_space, uint32_t *seq_r,
		      const char **rest_r, const char **error_r)
{
	const char *end;
	uint64_t num;

	if (*args < '0' || *args > '9') {
		*error_r = t_strdup_printf("-ERR Invalid message number: %s", safe_arg(args));
		return -1;
	}
	if (str_parse_uint64(args, &num, &end) < 0 || num > (uint32_t)-1) {
		*error_r = t_strdup_printf("-ERR Message number too large: %s", safe_arg(args));
		return -1;
	}
	if (*end != (then_space ? ' ' : '\0')) {
		*error_r = t_strdup_printf("-ERR Noise after message number: %s", safe_arg(end));
		return -1;
	}
	if (num == 0 || num > count) {
		*error_r = t_strdup_printf("-ERR There's no message %llu.",
					   (unsigned long long)num);
		return -1;
	}
	while (*end == ' ')
		end++;
	*seq_r = (uint32_t)num;
	*rest_r = end;
	return 0;
}

int pop3_parse_lines(const char *args, uint64_t *lines_r, const char **error_r)
{
	const char *end;

	if (*args < '0' || *args > '9') {
		*error_r = t_strdup_printf("-ERR Invalid size: %s", safe_arg(args));
		return -1;
	}
	if (str_parse_uint64(args, lines_r, &end) < 0) {
		*error_r = t_strdup_printf("-ERR Size too large: %s", safe_arg(args));
		return -1;
	}
	if (*end != '\0') {
		*error_r = t_strdup_printf("-ERR Noise after size: %s", safe_arg(end));
		return -1;
	}
	return 0;
}

/* roostadm pw, auth test, auth lookup, user.

   pw generates and verifies password hashes locally (lib-password); the
   others talk to the running auth service: auth test speaks the client
   protocol on base_dir/auth-client (and redeems its own login with REQUEST
   on auth-master to show the userdb fields, as a post-login process
   would), auth lookup and user use the master protocol
   (auth-master-client.h). Output follows doveadm 2.3. */
#include "lib.h"
#include "net.h"
#include "base64.h"
#include "hex.h"
#include "line-reader.h"
#include "password-scheme.h"
#include "auth-fields.h"
#include "auth-client-interface.h"
#include "auth-master-client.h"
#include "admin-auth.h"

#include <getopt.h>
#include <stdio.h>
#include <sys/socket.h>
#include <termios.h>
#include <fcntl.h>

#define EX_NOUSER 67
#define EX_NOPERM 77
#define EX_TEMPFAIL 75
#define ADMIN_AUTH_TIMEOUT_SECS 10
#define ADMIN_PASSWORD_MAX 1024

/* ---- pw ---- */

/* Reads a line from the terminal without echo. NULL on EOF. */
static const char *read_password(const char *prompt)
{
	struct termios old, noecho;
	char buf[ADMIN_PASSWORD_MAX];
	bool restore = false;
	FILE *tty = fopen("/dev/tty", "r+");
	FILE *in = tty != NULL ? tty : stdin;
	FILE *out = tty != NULL ? tty : stderr;

	/* echo goes off before the prompt: nothing typed after it shows */
	if (tcgetattr(fileno(in), &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fileno(in), TCSANOW, &noecho) == 0;
	}
	fputs(prompt, out);
	fflush(out);
	char *line = fgets(buf, sizeof(buf), in);

	if (restore) {
		(void)tcsetattr(fileno(in), TCSANOW, &old);
		fputc('\n', out);
	}
	if (tty != NULL)
		fclose(tty);
	if (line == NULL)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return t_strdup(buf);
}

static int pw_verify(const char *hash, const char *password, const char *user)
{
	const char *error;
	int ret;

	if (password == NULL)
		password = read_password("Enter password to verify: ");
	if (password == NULL) {
		i_error("No password given");
		return FATAL_DEFAULT;
	}
	ret = password_verify(password, hash, NULL, user, &error);
	if (ret < 0) {
		i_error("reverse password verification check failed: %s", error);
		return FATAL_DEFAULT;
	}
	if (ret == 0) {
		i_error("reverse password verification check failed: Password mismatch");
		return FATAL_DEFAULT;
	}
	printf("%s (verified)\n", hash);
	return 0;
}

int cmd_pw(struct admin_context *ctx ATTR_UNUSED, int argc, char *argv[])
{
	const char *scheme = "CRYPT", *password = NULL, *user = NULL, *test_hash = NULL;
	const char *result, *error, *again;
	unsigned int rounds = 0;
	bool list = false, reverse_verify = false;
	int c;

	optind = 1;
	while ((c = getopt(argc + 1, argv - 1, "lp:r:s:t:u:V")) != -1) {
		switch (c) {
		case 'l':
			list = true;
			break;
		case 'p':
			password = optarg;
			break;
		case 'r':
			if (str_to_uint(optarg, &rounds) < 0) {
				i_error("Invalid number of rounds: %s", optarg);
				return FATAL_DEFAULT;
			}
			break;
		case 's':
			scheme = optarg;
			break;
		case 't':
			test_hash = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'V':
			reverse_verify = true;
			break;
		default:
			i_error("Usage: roostadm pw [-l] [-s scheme] [-p password] [-r rounds] "
				"[-u user] [-t hash] [-V]");
			return FATAL_DEFAULT;
		}
	}
	if (list) {
		const char *const *names = password_schemes_get_names();

		for (unsigned int i = 0; names[i] != NULL; i++)
			printf("%s%s", i > 0 ? " " : "", names[i]);
		printf("\n");
		return 0;
	}
	if (test_hash != NULL)
		return pw_verify(test_hash, password, user);
	if (password_scheme_canonical(scheme) == NULL) {
		i_error("Unknown scheme: %s", scheme);
		return FATAL_DEFAULT;
	}
	if (password == NULL) {
		password = read_password("Enter new password: ");
		again = password == NULL ? NULL : read_password("Retype new password: ");
		if (password == NULL || again == NULL) {
			i_error("No password given");
			return FATAL_DEFAULT;
		}
		if (strcmp(password, again) != 0) {
			i_error("Passwords don't match!");
			return FATAL_DEFAULT;
		}
	}
	if (password_generate_rounds(password, scheme, user, rounds, pool_temp, &result,
				     &error) < 0) {
		i_error("%s", error);
		return FATAL_DEFAULT;
	}
	if (reverse_verify) {
		int ret = password_verify(password, result, NULL, user, &error);

		if (ret <= 0) {
			i_error("reverse password verification check failed: %s",
				ret < 0 ? error : "Password mismatch");
			return FATAL_DEFAULT;
		}
		printf("%s (verified)\n", result);
		return 0;
	}
	printf("%s\n", result);
	return 0;
}

/* ---- the client protocol, blocking, for auth test ---- */

struct admin_auth_conn {
	int fd;
	struct line_reader *reader;
	unsigned char cookie[AUTH_CLIENT_COOKIE_SIZE];
	bool have_cookie;
};

static const char *conn_read_line(struct admin_auth_conn *conn, const char **error_r)
{
	const char *line;
	size_t len;

	for (;;) {
		switch (line_reader_next_line(conn->reader, &line, &len)) {
		case LINE_READER_LINE:
			return line;
		case LINE_READER_TOO_LONG:
			*error_r = "auth server sent a too long line";
			return NULL;
		case LINE_READER_MORE:
			break;
		}
		ssize_t ret = line_reader_fill(conn->reader);

		if (ret < 0) {
			*error_r = "auth server disconnected";
			return NULL;
		}
		if (ret == 0) {
			*error_r = "timeout waiting for the auth server";
			return NULL;
		}
	}
}

static int conn_write(struct admin_auth_conn *conn, const string_t *str, const char **error_r)
{
	if (write(conn->fd, str_data(str), str_len(str)) != (ssize_t)str_len(str)) {
		*error_r = t_strdup_printf("write() to auth server failed: %m");
		return -1;
	}
	return 0;
}

static int conn_open(struct admin_auth_conn *conn, const char *path, const char **error_r)
{
	const struct line_reader_settings set = {
		.max_line_length = AUTH_CLIENT_MAX_LINE_LENGTH,
	};
	struct timeval tv = { .tv_sec = ADMIN_AUTH_TIMEOUT_SECS };
	string_t *str = str_new(pool_temp, 64);
	const char *line, *value, *error;
	bool plain = false;

	memset(conn, 0, sizeof(*conn));
	conn->fd = net_connect_unix(path);
	if (conn->fd == -1) {
		*error_r = t_strdup_printf("connect(%s) failed: %m", path);
		return -1;
	}
	fd_set_nonblock(conn->fd, false);
	(void)setsockopt(conn->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(conn->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	conn->reader = line_reader_create_fd(&set, conn->fd);
	str_printfa(str, "VERSION\t%d\t%d\nCPID\t%ld\n", AUTH_CLIENT_PROTOCOL_MAJOR_VERSION,
		    AUTH_CLIENT_PROTOCOL_MINOR_VERSION, (long)getpid());
	if (conn_write(conn, str, error_r) < 0)
		return -1;
	while ((line = conn_read_line(conn, error_r)) != NULL) {
		if (strcmp(line, "DONE") == 0)
			break;
		if (str_begins(line, "VERSION\t", &value) && !str_begins(value, "1\t", NULL)) {
			*error_r = "auth server speaks an incompatible protocol version";
			return -1;
		}
		if (str_begins(line, "MECH\tPLAIN", &value) && (*value == '\0' || *value == '\t'))
			plain = true;
		if (str_begins(line, "COOKIE\t", &value)) {
			buffer_t *buf = buffer_create_dynamic(pool_temp, 16);

			if (strlen(value) == AUTH_CLIENT_COOKIE_SIZE * 2 &&
			    hex_decode(value, strlen(value), buf, &error) == 0) {
				memcpy(conn->cookie, buf->data, sizeof(conn->cookie));
				conn->have_cookie = true;
			}
		}
	}
	if (line == NULL)
		return -1;
	if (!plain) {
		*error_r = "the auth server does not offer PLAIN (auth_mechanisms)";
		return -1;
	}
	return 0;
}

static void conn_close(struct admin_auth_conn *conn)
{
	if (conn->reader != NULL)
		line_reader_destroy(&conn->reader);
	i_close_fd(&conn->fd);
}

static void print_userdb(const char *user, const char *const *fields)
{
	static const char *const first[] = { "home", "uid", "gid", NULL };

	printf("userdb: %s\n", user);
	/* home, uid and gid first, as doveadm shows them */
	for (unsigned int i = 0; first[i] != NULL; i++) {
		const char *value = auth_fields_find(fields, first[i]);

		if (value != NULL)
			printf("  %-10s: %s\n", first[i], value);
	}
	for (unsigned int i = 0; fields[i] != NULL; i++) {
		const char *eq = strchr(fields[i], '=');
		const char *key = eq == NULL ? fields[i] : t_strndup(fields[i],
								     (size_t)(eq - fields[i]));

		if (str_array_find(first, key))
			continue;
		printf("  %-10s: %s\n", key, eq == NULL ? "" : eq + 1);
	}
}

int cmd_auth_test(struct admin_context *ctx, int argc, char *argv[])
{
	const char *base_dir = admin_base_dir(ctx);
	const char *service = "roostadm", *user, *password, *line, *error, *value;
	const char *const *args;
	struct admin_auth_conn conn;
	string_t *str, *resp;
	int c, ret;

	optind = 1;
	while ((c = getopt(argc + 1, argv - 1, "x:")) != -1) {
		if (c == 'x' && str_begins(optarg, "service=", &value))
			service = value;
		else if (c != 'x') {
			i_error("Usage: roostadm auth test [-x service=<s>] <user> [<password>]");
			return FATAL_DEFAULT;
		}
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 1 || argc > 2) {
		i_error("Usage: roostadm auth test [-x service=<s>] <user> [<password>]");
		return FATAL_DEFAULT;
	}
	user = argv[0];
	password = argc == 2 ? argv[1] : read_password("Password: ");
	if (password == NULL) {
		i_error("No password given");
		return FATAL_DEFAULT;
	}
	if (conn_open(&conn, t_strdup_printf("%s/auth-client", base_dir), &error) < 0) {
		i_error("%s", error);
		conn_close(&conn);
		return EX_TEMPFAIL;
	}
	resp = str_new(pool_temp, 128);
	str_append_c(resp, '\0');
	str_append(resp, user);
	str_append_c(resp, '\0');
	str_append(resp, password);
	str = str_new(pool_temp, 256);
	str_append(str, "AUTH\t1\tPLAIN\tservice=");
	auth_fields_append_escaped(str, service);
	str_append(str, "\tsecured\tno-penalty\tdebug\tresp=");
	base64_encode(str_data(resp), str_len(resp), str);
	str_append_c(str, '\n');
	if (conn_write(&conn, str, &error) < 0 || (line = conn_read_line(&conn, &error)) == NULL) {
		i_error("%s", error);
		conn_close(&conn);
		return EX_TEMPFAIL;
	}
	args = auth_fields_split_line(pool_temp, line);
	if (args == NULL || args[0] == NULL || args[1] == NULL || strcmp(args[1], "1") != 0 ||
	    (strcmp(args[0], "OK") != 0 && strcmp(args[0], "FAIL") != 0)) {
		i_error("auth server sent an unexpected answer");
		conn_close(&conn);
		return EX_TEMPFAIL;
	}
	ret = strcmp(args[0], "OK") == 0 ? 0 : EX_NOPERM;
	if (ret != 0 && (auth_fields_find(args + 2, "temp") != NULL ||
			 auth_fields_find(args + 2, "code") != NULL))
		ret = EX_TEMPFAIL;
	printf("passdb: %s auth %s\n", user, ret == 0 ? "succeeded" : "failed");
	if (args[2] != NULL) {
		printf("extra fields:\n");
		for (unsigned int i = 2; args[i] != NULL; i++)
			printf("  %s\n", args[i]);
	}
	if (ret == 0 && conn.have_cookie) {
		/* redeem the login like a post-login process, to show the
		   userdb fields it would get */
		struct auth_master_client *master = auth_master_client_create(
			t_strdup_printf("%s/auth-master", base_dir), 0);
		const char *const *fields;
		const char *username;
		int r = auth_master_request(master, getpid(), 1, conn.cookie, sizeof(conn.cookie),
					    pool_temp, &username, &fields, &error);

		if (r > 0)
			print_userdb(username, fields);
		else if (r == 0)
			printf("userdb: %s doesn't exist\n", user);
		else
			i_error("userdb lookup failed: %s", error);
		auth_master_client_destroy(&master);
	}
	conn_close(&conn);
	return ret;
}

/* ---- master protocol lookups ---- */

static int master_lookup(struct admin_context *ctx, int argc, char *argv[], bool pass)
{
	const char *base_dir = admin_base_dir(ctx);
	struct auth_master_user_info info = { .service = "roostadm" };
	struct auth_master_client *master;
	const char *const *fields, *username, *error;
	int ret, status = 0;

	if (argc < 1) {
		i_error("Usage: roostadm %s <user>", pass ? "auth lookup" : "user");
		return FATAL_DEFAULT;
	}
	master = auth_master_client_create(
		t_strdup_printf("%s/%s", base_dir, pass ? "auth-master" : "auth-userdb"), 0);
	for (int i = 0; i < argc; i++) {
		if (!pass && strpbrk(argv[i], "*?") != NULL) {
			/* a mask lists the users of the userdbs that can
			   (passwd-file, sql iterate_query), as doveadm user */
			const char *const *users;

			if (auth_master_user_list(master, argv[i], &info, pool_temp, &users,
						  &error) < 0) {
				i_error("listing users failed: %s", error);
				status = EX_TEMPFAIL;
				continue;
			}
			for (unsigned int j = 0; users[j] != NULL; j++)
				printf("%s\n", users[j]);
			continue;
		}
		if (pass) {
			ret = auth_master_pass_lookup(master, argv[i], &info, pool_temp, &fields,
						      &error);
			username = argv[i];
		} else {
			ret = auth_master_user_lookup(master, argv[i], &info, pool_temp,
						      &username, &fields, &error);
		}
		if (ret < 0) {
			i_error("%s lookup failed for %s: %s", pass ? "passdb" : "userdb",
				argv[i], error);
			status = EX_TEMPFAIL;
		} else if (ret == 0) {
			if (pass)
				printf("passdb: %s doesn't exist\n", argv[i]);
			else
				i_error("userdb lookup: user %s doesn't exist", argv[i]);
			if (status == 0)
				status = EX_NOUSER;
		} else if (pass) {
			printf("passdb: %s\n", username);
			for (unsigned int j = 0; fields[j] != NULL; j++) {
				const char *eq = strchr(fields[j], '=');

				printf("  %-10s: %s\n",
				       eq == NULL ? fields[j] :
						    t_strndup(fields[j], (size_t)(eq - fields[j])),
				       eq == NULL ? "" : eq + 1);
			}
		} else {
			printf("field\tvalue\nuser\t%s\n", username);
			for (unsigned int j = 0; fields[j] != NULL; j++) {
				const char *eq = strchr(fields[j], '=');

				if (eq == NULL)
					printf("%s\t\n", fields[j]);
				else
					printf("%s\t%s\n", t_strndup(fields[j],
								   (size_t)(eq - fields[j])),
					       eq + 1);
			}
		}
	}
	auth_master_client_destroy(&master);
	return status;
}

int cmd_auth_lookup(struct admin_context *ctx, int argc, char *argv[])
{
	return master_lookup(ctx, argc, argv, true);
}

int cmd_user(struct admin_context *ctx, int argc, char *argv[])
{
	return master_lookup(ctx, argc, argv, false);
}

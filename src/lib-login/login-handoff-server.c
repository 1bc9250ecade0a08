/* Post-login side of the hand-off (login-handoff-server.h). */
#include "lib.h"
#include "roost-config.h"
#include "net.h"
#include "fdpass.h"
#include "var-expand.h"
#include "restrict-access.h"
#include "login-handoff-server.h"

#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define DEF(t, name, def)                                                                          \
	{ .type = (t), .key = #name, .offset = offsetof(struct login_handoff_settings, name),     \
	  .default_value = (def), .flags = SET_FLAG_FILTERABLE }

static const struct setting_def login_handoff_setting_defs[] = {
	{ .type = SET_STR, .key = "base_dir",
	  .offset = offsetof(struct login_handoff_settings, base_dir),
	  .default_value = ROOST_RUNDIR },
	DEF(SET_STR, mail_uid, ""),
	DEF(SET_STR, mail_gid, ""),
	DEF(SET_STR_VARS, mail_home, ""),
	DEF(SET_UINT, first_valid_uid, "500"),
	DEF(SET_UINT, last_valid_uid, "0"),
	DEF(SET_UINT, first_valid_gid, "1"),
	DEF(SET_UINT, last_valid_gid, "0"),
	DEF(SET_STR_VARS, mail_log_prefix, "%s(%u)<%{pid}><%{session}>: "),
	{ .key = NULL },
};

const struct setting_table login_handoff_setting_table = {
	.name = "login_handoff",
	.defs = login_handoff_setting_defs,
	.struct_size = sizeof(struct login_handoff_settings),
	.named = false,
	.name_offset = SETTING_NO_FIELD,
};

static bool str_terminated(const char *str, size_t size)
{
	return memchr(str, '\0', size) != NULL;
}

static int ip_from_wire(const struct login_handoff_ip *wire, struct ip_addr *ip_r,
			unsigned int *port_r)
{
	memset(ip_r, 0, sizeof(*ip_r));
	*port_r = wire->port;
	switch (wire->family) {
	case 0:
		return 0;
	case AF_INET:
		ip_r->family = AF_INET;
		memcpy(&ip_r->u.ip4, wire->addr, sizeof(ip_r->u.ip4));
		return 0;
	case AF_INET6:
		ip_r->family = AF_INET6;
		memcpy(&ip_r->u.ip6, wire->addr, sizeof(ip_r->u.ip6));
		return 0;
	default:
		return -1;
	}
}

int login_handoff_request_check(const void *data, size_t size,
				struct login_handoff_request *req_r, const char **error_r)
{
	if (size < sizeof(*req_r)) {
		*error_r = t_strdup_printf("request too short (%zu bytes)", size);
		return -1;
	}
	memcpy(req_r, data, sizeof(*req_r));
	if (req_r->version != LOGIN_HANDOFF_VERSION) {
		*error_r = t_strdup_printf("unsupported hand-off version %u", req_r->version);
		return -1;
	}
	if (req_r->client_input_size > LOGIN_HANDOFF_MAX_INPUT ||
	    req_r->size != sizeof(*req_r) + req_r->client_input_size || req_r->size != size) {
		*error_r = t_strdup_printf("request size %u does not match (%zu bytes read, "
					   "%u bytes of input)",
					   req_r->size, size, req_r->client_input_size);
		return -1;
	}
	if (!str_terminated(req_r->session_id, sizeof(req_r->session_id)) ||
	    !str_terminated(req_r->local_name, sizeof(req_r->local_name)) ||
	    !str_terminated(req_r->tag, sizeof(req_r->tag))) {
		*error_r = "a string field is not NUL-terminated";
		return -1;
	}
	if ((req_r->flags & ~(uint32_t)(LOGIN_HANDOFF_FLAG_TLS | LOGIN_HANDOFF_FLAG_SECURED |
					LOGIN_HANDOFF_FLAG_TRUSTED)) != 0) {
		*error_r = "unknown flags";
		return -1;
	}
	if (req_r->auth_id == 0) {
		*error_r = "no auth request id";
		return -1;
	}
	return 0;
}

int login_handoff_server_read(int fd, pool_t pool, struct login_handoff_client *client_r,
			      const char **error_r)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int ret;

	memset(client_r, 0, sizeof(*client_r));
	client_r->client_fd = -1;
	ret = poll(&pfd, 1, LOGIN_HANDOFF_READ_TIMEOUT_MSECS);
	if (ret <= 0) {
		*error_r = ret == 0 ? "timed out waiting for the hand-off request" :
				      t_strdup_printf("poll() failed: %m");
		return -1;
	}
	return login_handoff_server_read_ready(fd, pool, client_r, error_r);
}

int login_handoff_server_read_ready(int fd, pool_t pool, struct login_handoff_client *client_r,
				    const char **error_r)
{
	size_t max = sizeof(struct login_handoff_request) + LOGIN_HANDOFF_MAX_INPUT;
	unsigned char *buf = p_malloc(pool, max + 1);
	uid_t uid;
	gid_t gid;
	ssize_t ret;

	memset(client_r, 0, sizeof(*client_r));
	client_r->client_fd = -1;
	/* the login process sends the whole request in one message */
	ret = fd_read(fd, buf, max + 1, &client_r->client_fd);
	if (ret <= 0) {
		*error_r = ret == 0 ? "the login process closed the connection" :
				      t_strdup_printf("fd_read() failed: %m");
		return -1;
	}
	if (client_r->client_fd == -1) {
		*error_r = "the hand-off request carried no client fd";
		return -1;
	}
	if (login_handoff_request_check(buf, (size_t)ret, &client_r->req, error_r) < 0) {
		i_close_fd(&client_r->client_fd);
		return -1;
	}
	if (ip_from_wire(&client_r->req.local, &client_r->local_ip, &client_r->local_port) < 0 ||
	    ip_from_wire(&client_r->req.remote, &client_r->remote_ip,
			 &client_r->remote_port) < 0) {
		*error_r = "bad address family";
		i_close_fd(&client_r->client_fd);
		return -1;
	}
	client_r->input = buf + sizeof(struct login_handoff_request);
	if (net_getunixcred(fd, &client_r->login_pid, &uid, &gid) < 0) {
		*error_r = t_strdup_printf("getsockopt(SO_PEERCRED) failed: %m");
		i_close_fd(&client_r->client_fd);
		return -1;
	}
	return 0;
}

static const char *field_find(const char *const *fields, const char *key)
{
	size_t len = strlen(key);

	for (; fields != NULL && *fields != NULL; fields++) {
		if (strncmp(*fields, key, len) == 0 && (*fields)[len] == '=')
			return *fields + len + 1;
	}
	return NULL;
}

static const struct var_expand_table *user_var_table(const char *username, const char *home)
{
	struct var_expand_table *tab = t_new(struct var_expand_table, 5);
	const char *at = strchr(username, '@');

	tab[0].key = 'u';
	tab[0].value = username;
	tab[0].long_key = "user";
	tab[1].key = 'n';
	tab[1].value = at == NULL ? username : t_strndup(username, (size_t)(at - username));
	tab[1].long_key = "username";
	tab[2].key = 'd';
	tab[2].value = at == NULL ? "" : at + 1;
	tab[2].long_key = "domain";
	tab[3].key = 'h';
	tab[3].value = home;
	tab[3].long_key = "home";
	return tab;
}

int login_handoff_server_resolve(const struct login_handoff_settings *set,
				 struct login_handoff_user *user, const char **error_r)
{
	const char *uid_str, *gid_str, *home, *error;
	uid_t uid;
	gid_t gid = (gid_t)-1, user_gid;

	uid_str = field_find(user->fields, "uid");
	gid_str = field_find(user->fields, "gid");
	home = field_find(user->fields, "home");
	if (uid_str == NULL || uid_str[0] == '\0')
		uid_str = set->mail_uid;
	if (gid_str == NULL || gid_str[0] == '\0')
		gid_str = set->mail_gid;
	if (uid_str[0] == '\0') {
		*error_r = "no uid for the user: set mail_uid or return uid from the userdb";
		return -1;
	}
	if (restrict_access_lookup_user(uid_str, &uid, &user_gid, &error) < 0) {
		unsigned int num;

		if (str_to_uint(uid_str, &num) < 0) {
			*error_r = t_strdup_printf("uid: %s", error);
			return -1;
		}
		/* a numeric uid need not exist in /etc/passwd */
		uid = (uid_t)num;
		user_gid = (gid_t)-1;
	}
	if (gid_str[0] != '\0') {
		if (restrict_access_lookup_group(gid_str, &gid, &error) < 0) {
			*error_r = t_strdup_printf("gid: %s", error);
			return -1;
		}
	} else {
		gid = user_gid;
	}
	if (gid == (gid_t)-1) {
		*error_r = "no gid for the user: set mail_gid or return gid from the userdb";
		return -1;
	}
	if (home == NULL && set->mail_home[0] != '\0') {
		string_t *str = str_new(pool_temp, 128);

		if (var_expand(str, set->mail_home, user_var_table(user->username, ""),
			       &error) < 0) {
			*error_r = t_strdup_printf("mail_home: %s", error);
			return -1;
		}
		home = str_c(str);
	}
	user->uid = uid;
	user->gid = gid;
	user->home = home == NULL ? "" : p_strdup(pool_temp, home);
	return 0;
}

int login_handoff_server_become(const struct login_handoff_settings *set,
				struct login_handoff_user *user, const char **error_r)
{
	struct restrict_access_settings rset;

	if (login_handoff_server_resolve(set, user, error_r) < 0)
		return -1;
	memset(&rset, 0, sizeof(rset));
	rset.uid = user->uid;
	rset.gid = user->gid;
	rset.user = user->username;
	rset.first_valid_uid = set->first_valid_uid;
	rset.last_valid_uid = set->last_valid_uid;
	rset.first_valid_gid = set->first_valid_gid;
	rset.last_valid_gid = set->last_valid_gid;
	rset.refuse_root = true;
	if (restrict_access(&rset, error_r) < 0)
		return -1;
	login_handoff_server_chdir_home(user);
	return 0;
}

void login_handoff_server_chdir_home(const struct login_handoff_user *user)
{
	struct stat st;

	if (user->home[0] == '\0')
		return;
	if (chdir(user->home) < 0) {
		if (errno != ENOENT)
			i_error("chdir(%s) failed: %m", user->home);
	} else if (stat(".", &st) == 0 && st.st_uid != user->uid) {
		i_warning("home %s is owned by uid %u, not by the user's uid %u", user->home,
			  (unsigned int)st.st_uid, (unsigned int)user->uid);
	}
}

void login_handoff_server_reply(int fd, bool ok, bool temp, const char *reason)
{
	login_handoff_server_reply_code(fd, ok, ok ? NULL : temp ? "temp" : "perm", reason);
}

void login_handoff_server_reply_code(int fd, bool ok, const char *code, const char *reason)
{
	const char *line;
	size_t len;

	if (ok) {
		line = t_strdup_printf("OK\t%ld\n", (long)getpid());
	} else {
		char *r = p_strdup(pool_temp, reason);

		for (char *p = r; *p != '\0'; p++) {
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		}
		line = t_strdup_printf("FAIL\t%s\t%s\n", code, r);
		if (strlen(line) >= LOGIN_HANDOFF_MAX_REPLY)
			line = t_strdup_printf("FAIL\t%s\t(reason too long)\n", code);
	}
	len = strlen(line);
	/* a short line on a fresh socket: fits in the kernel buffer */
	if (write(fd, line, len) != (ssize_t)len)
		i_error("write(hand-off answer) failed: %m");
}

const char *login_handoff_log_prefix(const struct login_handoff_settings *set,
				     const char *service, const char *username,
				     const char *session_id, pool_t pool)
{
	struct var_expand_table *tab = t_new(struct var_expand_table, 7);
	const struct var_expand_table *utab;
	string_t *str = str_new(pool, 64);
	const char *safe_user = str_sanitize(pool_temp, username, 80), *error;

	utab = user_var_table(safe_user, "");
	memcpy(tab, utab, sizeof(*tab) * 4);
	tab[4].key = 's';
	tab[4].value = service;
	tab[4].long_key = "service";
	tab[5].key = '\0';
	tab[5].value = session_id;
	tab[5].long_key = "session";
	if (var_expand(str, set->mail_log_prefix, tab, &error) < 0) {
		str_truncate(str, 0);
		str_printfa(str, "%s(%s)<%ld><%s>: ", service, safe_user, (long)getpid(),
			    session_id);
	}
	return str_c(str);
}

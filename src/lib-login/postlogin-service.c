/* Post-login processes serving many sessions of one uid
   (postlogin-service.h). */
#include "lib.h"
#include "ioloop.h"
#include "net.h"
#include "master-service.h"
#include "auth-master-client.h"
#include "anvil-interface.h"
#include "anvil-client.h"
#include "postlogin-service.h"

enum handoff_state {
	HANDOFF_READING,
	/* read; waits until the process's first login has bound it */
	HANDOFF_WAIT_BIND,
	/* REQUEST peek at auth: the user's uid/gid */
	HANDOFF_PEEK,
	/* REQUEST at auth: the login is redeemed */
	HANDOFF_REDEEM,
};

/* One hand-off connection from a login process, until it is answered. */
struct postlogin_handoff {
	struct postlogin_service *service;
	struct postlogin_handoff *prev, *next;
	pool_t pool;
	int fd;
	struct io *io;
	struct timeout *to;
	enum handoff_state state;
	unsigned int auth_id;
	/* this redeem makes the process the user's */
	bool binding;
	struct login_handoff_client client;
};

struct postlogin_service {
	struct master_service *master;
	const char *protocol;
	pool_t pool;
	const struct login_handoff_settings *set;
	struct postlogin_callbacks callbacks;
	struct anvil_client *anvil;
	struct auth_master_async *auth;
	const char *auth_path;

	/* bound: the process runs as uid/gid for good. binding: the first
	   redeem is at auth. broken: the privilege drop failed half-way:
	   the process serves nothing new. */
	bool bound, binding, broken;
	uid_t uid;
	gid_t gid;

	struct postlogin_handoff *handoffs;
	struct postlogin_session *sessions;
};

static void handoff_begin_auth(struct postlogin_handoff *h);

/* ---- sessions ---- */

/* Runs func(session) with the session's io_context current. */
static void session_call(struct postlogin_session *session,
			 void (*func)(struct postlogin_session *session))
{
	struct io_context *ctx = session->ioctx, *prev;

	io_context_ref(ctx);
	prev = io_context_switch(ctx);
	func(session);
	(void)io_context_switch(prev);
	io_context_unref(&ctx);
}

static const char *session_anvil_fields(const struct postlogin_session *session)
{
	const char *ip = net_ip2addr(pool_temp, &session->client.remote_ip);

	return t_strdup_printf("%ld\t%s\t%s\t%s", (long)getpid(), session->service->protocol,
			       anvil_client_field(pool_temp, session->user.username),
			       ip[0] == '\0' ? "-" : ip);
}

void postlogin_session_end(struct postlogin_session **_session)
{
	struct postlogin_session *session = *_session;
	struct postlogin_service *service = session->service;

	*_session = NULL;
	if (session->prev != NULL)
		session->prev->next = session->next;
	else
		service->sessions = session->next;
	if (session->next != NULL)
		session->next->prev = session->prev;
	if (service->anvil != NULL) {
		anvil_client_cmd(service->anvil, t_strdup_printf(
			"DISCONNECT\t%s", session_anvil_fields(session)));
	}
	/* a callback of the session's own may be running: it holds a
	   reference of its own */
	io_context_unref(&session->ioctx);
	pool_unref(&session->pool);
	master_service_client_connection_destroyed(service->master);
}

static void session_log_login(struct postlogin_session *session)
{
	i_info("Logged in: uid=%u, gid=%u, home=%s", (unsigned int)session->user.uid,
	       (unsigned int)session->user.gid, session->user.home);
	session->service->callbacks.session_start(session);
}

/* The hand-off succeeded: answer the login process, start the session.
   Frees h. */
static void session_create(struct postlogin_handoff *h, const struct login_handoff_user *user)
{
	struct postlogin_service *service = h->service;
	struct postlogin_session *session;
	pool_t pool;

	login_handoff_server_reply(h->fd, true, false, NULL);
	pool = pool_alloconly_create("postlogin session", 256);
	session = p_new(pool, struct postlogin_session, 1);
	session->service = service;
	session->pool = pool;
	/* client.input and user.fields stay in the hand-off's pool: they are
	   valid during session_start only */
	session->client = h->client;
	session->user = *user;
	session->user.username = p_strdup(pool, user->username);
	session->user.home = p_strdup(pool, user->home);
	session->session_id = p_strdup(pool, h->client.req.session_id);
	session->ioctx = io_context_create(login_handoff_log_prefix(
		service->set, service->protocol, user->username, session->session_id, pool_temp));
	session->next = service->sessions;
	if (service->sessions != NULL)
		service->sessions->prev = session;
	service->sessions = session;
	if (service->anvil != NULL) {
		anvil_client_cmd(service->anvil, t_strdup_printf(
			"CONNECT\t%s", session_anvil_fields(session)));
	}
	/* the client fd is the session's now */
	h->client.client_fd = -1;

	pool_t handoff_pool = h->pool;

	h->pool = NULL;
	io_remove(&h->io);
	timeout_remove(&h->to);
	i_close_fd(&h->fd);
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		service->handoffs = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	i_free(h);

	session_call(session, session_log_login);
	/* session may be gone already; the hand-off's memory is not needed
	   any more either way */
	pool_unref(&handoff_pool);
}

/* ---- hand-offs ---- */

/* The hand-off is over without a session. The login process gets the
   answer (code "temp", "perm" or "retry") unless code is NULL. */
static void handoff_fail(struct postlogin_handoff **_h, const char *code, const char *reason)
{
	struct postlogin_handoff *h = *_h;
	struct postlogin_service *service = h->service;

	*_h = NULL;
	if (code != NULL)
		login_handoff_server_reply_code(h->fd, false, code, reason);
	if (h->auth_id != 0)
		auth_master_async_abort(service->auth, h->auth_id);
	io_remove(&h->io);
	timeout_remove(&h->to);
	i_close_fd(&h->fd);
	i_close_fd(&h->client.client_fd);
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		service->handoffs = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	pool_unref(&h->pool);
	i_free(h);
	master_service_client_connection_destroyed(service->master);
}

/* The process takes no new logins: its listeners close and the master
   hears that it has no free slot. Its sessions go on. */
static void service_stop_accepting(struct postlogin_service *service)
{
	master_service_stop_new_connections(service->master);
}

/* The first login's redeem has finished (bound or not): the hand-offs
   that waited go on. */
static void service_binding_finished(struct postlogin_service *service)
{
	struct postlogin_handoff *h, *next;

	service->binding = false;
	for (h = service->handoffs; h != NULL; h = next) {
		next = h->next;
		if (h->state == HANDOFF_WAIT_BIND)
			handoff_begin_auth(h);
	}
}

static const char *user_log_name(const struct login_handoff_user *user)
{
	return str_sanitize(pool_temp, user->username, 80);
}

static void handoff_auth_cb(int ret, const char *username, const char *const *fields,
			    const char *error, void *context)
{
	struct postlogin_handoff *h = context;
	struct postlogin_service *service = h->service;
	struct login_handoff_user user;
	bool binding = h->binding;

	h->auth_id = 0;
	if (ret <= 0) {
		if (ret == 0)
			error = "auth does not know this login (forged or expired hand-off)";
		i_error("hand-off from login process %ld: %s", (long)h->client.login_pid, error);
		handoff_fail(&h, ret < 0 ? "temp" : "perm", "user lookup failed");
		if (binding)
			service_binding_finished(service);
		return;
	}
	memset(&user, 0, sizeof(user));
	user.username = username;
	user.fields = fields;
	if (login_handoff_server_resolve(service->set, &user, &error) < 0) {
		i_error("user %s: %s", user_log_name(&user), error);
		handoff_fail(&h, "perm", "invalid user settings");
		if (binding)
			service_binding_finished(service);
		return;
	}
	if (h->state == HANDOFF_PEEK) {
		if (user.uid != service->uid || user.gid != service->gid) {
			/* never two uids in one process: leave this login to
			   another process, and take no more */
			i_debug("user %s has uid %u gid %u, this process serves uid %u "
				"gid %u: left to another process", user_log_name(&user),
				(unsigned int)user.uid, (unsigned int)user.gid,
				(unsigned int)service->uid, (unsigned int)service->gid);
			service_stop_accepting(service);
			handoff_fail(&h, "retry", "process serves another uid");
			return;
		}
		h->state = HANDOFF_REDEEM;
		handoff_begin_auth(h);
		return;
	}
	i_assert(h->state == HANDOFF_REDEEM);
	if (binding) {
		if (login_handoff_server_become(service->set, &user, &error) < 0) {
			i_error("user %s: %s", user_log_name(&user), error);
			/* privileges may be half dropped: serve nothing new */
			service->broken = true;
			service_stop_accepting(service);
			handoff_fail(&h, "perm", "invalid user settings");
			service_binding_finished(service);
			return;
		}
		service->bound = true;
		service->uid = user.uid;
		service->gid = user.gid;
		session_create(h, &user);
		service_binding_finished(service);
		return;
	}
	if (user.uid != service->uid || user.gid != service->gid) {
		/* the userdb changed between the peek and the redeem */
		i_error("user %s: uid/gid changed during the login", user_log_name(&user));
		handoff_fail(&h, "temp", "user changed during login");
		return;
	}
	login_handoff_server_chdir_home(&user);
	session_create(h, &user);
}

/* The auth-master connection; a process that is still root may open it
   again after it broke. NULL when there is none. */
static struct auth_master_async *service_auth(struct postlogin_service *service)
{
	const char *error;

	if (service->auth != NULL && auth_master_async_is_connected(service->auth))
		return service->auth;
	if (service->bound && service->auth != NULL)
		return service->auth; /* it fails the request: see below */
	auth_master_async_destroy(&service->auth);
	if (auth_master_async_connect(service->auth_path, AUTH_MASTER_DEFAULT_TIMEOUT_MSECS,
				      &service->auth, &error) < 0) {
		i_error("%s", error);
		return NULL;
	}
	return service->auth;
}

static void handoff_begin_auth(struct postlogin_handoff *h)
{
	struct postlogin_service *service = h->service;
	struct auth_master_async *auth;
	bool peek;

	if (service->broken) {
		handoff_fail(&h, "retry", "process cannot serve");
		return;
	}
	if (h->state != HANDOFF_REDEEM) {
		if (!service->bound && service->binding) {
			h->state = HANDOFF_WAIT_BIND;
			return;
		}
		if (!service->bound) {
			service->binding = true;
			h->binding = true;
			h->state = HANDOFF_REDEEM;
		} else {
			h->state = HANDOFF_PEEK;
		}
	}
	auth = service_auth(service);
	if (auth == NULL || (service->bound && !auth_master_async_is_connected(auth))) {
		bool binding = h->binding;

		/* a process that dropped its privileges cannot reconnect:
		   another process will serve */
		if (service->bound)
			service_stop_accepting(service);
		handoff_fail(&h, service->bound ? "retry" : "temp", "auth is not available");
		if (binding)
			service_binding_finished(service);
		return;
	}
	peek = h->state == HANDOFF_PEEK;
	h->auth_id = auth_master_async_request(auth, h->client.login_pid, h->client.req.auth_id,
					       h->client.req.cookie, sizeof(h->client.req.cookie),
					       peek, h->pool, handoff_auth_cb, h);
}

static void handoff_input(void *context)
{
	struct postlogin_handoff *h = context;
	const char *error;

	io_remove(&h->io);
	timeout_remove(&h->to);
	if (login_handoff_server_read_ready(h->fd, h->pool, &h->client, &error) < 0) {
		i_error("hand-off from login process: %s", error);
		handoff_fail(&h, "temp", "invalid hand-off request");
		return;
	}
	handoff_begin_auth(h);
}

static void handoff_timeout(void *context)
{
	struct postlogin_handoff *h = context;

	i_error("hand-off from login process: timed out waiting for the request");
	handoff_fail(&h, "temp", "timed out");
}

void postlogin_service_connection(struct postlogin_service *service,
				  struct master_service_connection *conn)
{
	struct postlogin_handoff *h = i_new(struct postlogin_handoff, 1);
	struct io_context *prev = io_context_switch(NULL);

	conn->accepted = true;
	h->service = service;
	h->pool = pool_alloconly_create("postlogin handoff", 1024);
	h->fd = conn->fd;
	h->client.client_fd = -1;
	h->state = HANDOFF_READING;
	fd_set_nonblock(h->fd, true);
	h->next = service->handoffs;
	if (service->handoffs != NULL)
		service->handoffs->prev = h;
	service->handoffs = h;
	h->io = io_add(h->fd, IO_READ, handoff_input, h);
	h->to = timeout_add_once(LOGIN_HANDOFF_READ_TIMEOUT_MSECS, handoff_timeout, h);
	(void)io_context_switch(prev);
}

/* ---- kick and shutdown ---- */

static void service_kick(const char *user, void *context)
{
	struct postlogin_service *service = context;
	struct postlogin_session *session, *next;

	for (session = service->sessions; session != NULL; session = next) {
		next = session->next;
		if (strcmp(session->user.username, user) == 0 &&
		    service->callbacks.session_kick != NULL)
			session_call(session, service->callbacks.session_kick);
	}
}

static void service_shutdown(void *context)
{
	struct postlogin_service *service = context;
	struct postlogin_session *session, *next;

	while (service->handoffs != NULL) {
		struct postlogin_handoff *h = service->handoffs;

		handoff_fail(&h, "temp", "server shutting down");
	}
	for (session = service->sessions; session != NULL; session = next) {
		next = session->next;
		if (service->callbacks.session_shutdown != NULL)
			session_call(session, service->callbacks.session_shutdown);
	}
}

/* ---- start-up ---- */

struct postlogin_service *postlogin_service_init(struct master_service *master,
						 const char *protocol,
						 const struct postlogin_callbacks *callbacks)
{
	const struct config_tree *config = master_service_get_config(master);
	struct postlogin_service *service;
	struct settings_filter filter;
	const char *error;
	void *setp;
	pool_t pool;

	if (config == NULL)
		i_fatal("no configuration (use -c FILE when running standalone)");
	pool = pool_alloconly_create("postlogin service", 1024);
	service = p_new(pool, struct postlogin_service, 1);
	service->pool = pool;
	service->master = master;
	service->protocol = p_strdup(pool, protocol);
	service->callbacks = *callbacks;
	memset(&filter, 0, sizeof(filter));
	filter.protocol = protocol;
	if (settings_to_struct(config, config->root, &login_handoff_setting_table, &filter, pool,
			       &setp, &error) < 0)
		i_fatal("settings: %s", error);
	service->set = setp;
	/* both sockets are root's: connect before the first drop */
	if (anvil_client_connect(t_strdup_printf("%s/%s", service->set->base_dir,
						 ANVIL_SOCKET_NAME),
				 &service->anvil, &error) < 0) {
		i_warning("anvil: %s", error);
		service->anvil = NULL;
	} else {
		anvil_client_set_kick_callback(service->anvil, service_kick, service);
	}
	service->auth_path = p_strdup_printf(pool, "%s/auth-master", service->set->base_dir);
	if (auth_master_async_connect(service->auth_path, AUTH_MASTER_DEFAULT_TIMEOUT_MSECS,
				      &service->auth, &error) < 0) {
		/* auth may not be up yet: tried again at the first login */
		i_debug("%s", error);
		service->auth = NULL;
	}
	master_service_set_stop_callback(master, service_shutdown, service);
	return service;
}

void postlogin_service_deinit(struct postlogin_service **_service)
{
	struct postlogin_service *service = *_service;

	*_service = NULL;
	while (service->handoffs != NULL) {
		struct postlogin_handoff *h = service->handoffs;

		handoff_fail(&h, NULL, NULL);
	}
	auth_master_async_destroy(&service->auth);
	anvil_client_deinit(&service->anvil);
	pool_unref(&service->pool);
}

const struct login_handoff_settings *
postlogin_service_get_settings(const struct postlogin_service *service)
{
	return service->set;
}

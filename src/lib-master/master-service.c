/* Child side of the master interface (master-interface.h). */
#include "lib.h"
#include "ioloop.h"
#include "net.h"
#include "master-interface.h"
#include "restrict-access.h"
#include "master-service.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

struct master_listener {
	struct master_service *service;
	int fd;
	const char *name;
	bool ssl, is_unix;
	struct io *io;
};

struct master_service {
	pool_t pool;
	const char *name;
	enum master_service_flags flags;
	bool standalone;
	struct ioloop *ioloop;
	struct config_tree *config;

	ARRAY(struct master_listener) listeners;
	unsigned int client_limit, service_count;
	unsigned int clients, served;
	unsigned int generation;
	unsigned int last_sent_avail;
	bool status_sent;
	bool stopping, listening;

	struct io *io_dead;
	struct io_signal *sig_term, *sig_int;
	master_service_connection_callback_t *callback;
	master_service_stop_callback_t *stop_callback;
	void *stop_context;
	struct timeout *to_stop;
};

static unsigned int env_uint(const char *name, unsigned int def)
{
	const char *value = getenv(name);
	unsigned int num;

	if (value == NULL || str_to_uint(value, &num) < 0)
		return def;
	return num;
}

static void master_service_load_config(struct master_service *service, const char *path)
{
	ARRAY_TYPE(settings_error) errors;
	string_t *text = str_new(service->pool, 4096);
	char buf[8192];
	ssize_t ret;

	p_array_init(&errors, service->pool, 4);
	service->config = config_tree_create();
	if (path == NULL) {
		/* the master's validated copy */
		/* pread: the fd's offset is shared with our sibling processes */
		off_t offset = 0;

		while ((ret = pread(MASTER_CONFIG_FD, buf, sizeof(buf), offset)) > 0) {
			str_append_data(text, buf, (size_t)ret);
			offset += ret;
		}
		if (ret < 0)
			i_fatal("read(config fd) failed: %m");
		close(MASTER_CONFIG_FD);
		(void)settings_parse_string(service->config, str_c(text), "(master)", NULL,
					    &errors);
	} else {
		(void)settings_parse_file(service->config, path, NULL, &errors);
	}
	if (array_count(&errors) > 0) {
		/* the master validated it; this is our bug or a broken file */
		i_fatal("%s", settings_error_str(service->pool, array_idx(&errors, 0)));
	}
}

static void parse_listeners(struct master_service *service)
{
	const char *env = getenv(MASTER_ENV_LISTENERS);
	const char **words;
	int fd = MASTER_LISTEN_FD_FIRST;

	p_array_init(&service->listeners, service->pool, 4);
	if (env == NULL)
		return;
	words = p_strsplit_spaces(service->pool, env, " ");
	for (unsigned int i = 0; words[i] != NULL; i++, fd++) {
		const char **parts = p_strsplit(service->pool, words[i], ":");
		struct master_listener *l = array_append_space(&service->listeners);

		l->service = service;
		l->fd = fd;
		l->is_unix = strcmp(parts[0], "unix") == 0;
		l->name = parts[1] != NULL ? parts[1] : "";
		for (unsigned int j = 2; parts[1] != NULL && parts[j] != NULL; j++) {
			if (strcmp(parts[j], "ssl") == 0)
				l->ssl = true;
		}
		fd_set_nonblock(fd, true);
		fd_close_on_exec(fd, true);
	}
}

static void check_finished(struct master_service *service);

static void stop_timeout(void *context)
{
	struct master_service *service = context;

	timeout_remove(&service->to_stop);
	master_service_stop(service);
}

static void sig_stop(int signo, void *context)
{
	struct master_service *service = context;

	i_debug("Received signal %d, stopping", signo);
	if (service->stop_callback == NULL) {
		master_service_stop(service);
		return;
	}
	/* let the clients say goodbye; the loop ends when the last is gone,
	   or after a grace period */
	master_service_stop_new_connections(service);
	if (service->to_stop == NULL) {
		service->to_stop = timeout_add_once(MASTER_SERVICE_STOP_GRACE_MSECS,
						    stop_timeout, service);
	}
	service->stop_callback(service->stop_context);
	check_finished(service);
}

void master_service_set_stop_callback(struct master_service *service,
				      master_service_stop_callback_t *callback, void *context)
{
	service->stop_callback = callback;
	service->stop_context = context;
}

/* SIGINT is the master's "you are idle, go away": stop accepting and exit
   once the clients we may have accepted meanwhile are done. */
static void sig_idle_stop(int signo, void *context)
{
	struct master_service *service = context;

	master_service_stop_new_connections(service);
	check_finished(service);
}

struct master_service *master_service_init(const char *name, enum master_service_flags flags,
					   int *argc, char **argv[])
{
	struct master_service *service;
	const char *config_path = NULL;
	int c;

	service = i_new(struct master_service, 1);
	service->pool = pool_alloconly_create("master service", 4096);
	service->name = p_strdup(service->pool, name);
	service->flags = flags;
	service->standalone = getenv(MASTER_ENV_SERVICE) == NULL;

	if (service->standalone)
		log_init_stderr(p_strdup_printf(service->pool, "%s: ", name));
	else
		log_init_child(p_strdup_printf(service->pool, "%s: ", name));

	opterr = 0;
	while ((c = getopt(*argc, *argv, "+c:D")) != -1) {
		if (c == 'c')
			config_path = optarg;
		else if (c == 'D')
			log_set_debug(true);
		else {
			optind--;
			break;
		}
	}
	*argc -= optind;
	*argv += optind;
	optind = 1;

	if (!service->standalone)
		master_service_load_config(service, NULL);
	else if (config_path != NULL)
		master_service_load_config(service, config_path);

	service->client_limit = env_uint(MASTER_ENV_CLIENT_LIMIT, 1);
	if (service->client_limit == 0)
		service->client_limit = 1;
	service->service_count = env_uint(MASTER_ENV_SERVICE_COUNT, 0);
	service->generation = env_uint("ROOST_GENERATION", 0);
	parse_listeners(service);

	service->ioloop = io_loop_create();
	service->sig_term = io_signal_add(SIGTERM, sig_stop, service);
	service->sig_int = io_signal_add(SIGINT, sig_idle_stop, service);
	signal(SIGPIPE, SIG_IGN);
	return service;
}

const char *master_service_get_name(const struct master_service *service)
{
	return service->name;
}

bool master_service_is_standalone(const struct master_service *service)
{
	return service->standalone;
}

const struct config_tree *master_service_get_config(const struct master_service *service)
{
	return service->config;
}

unsigned int master_service_get_client_limit(const struct master_service *service)
{
	return service->client_limit;
}

static unsigned int available_count(const struct master_service *service)
{
	if (service->stopping || !service->listening)
		return 0;
	if (service->service_count > 0 &&
	    service->served + service->clients >= service->service_count)
		return 0;
	return service->client_limit > service->clients ?
		       service->client_limit - service->clients : 0;
}

static void send_status(struct master_service *service)
{
	struct master_status status;
	unsigned int avail = available_count(service);

	if (service->standalone || (service->status_sent && avail == service->last_sent_avail))
		return;
	memset(&status, 0, sizeof(status));
	status.pid = getpid();
	status.generation = service->generation;
	status.available_count = avail;
	/* one write of a small struct into a pipe is atomic */
	if (write(MASTER_STATUS_FD, &status, sizeof(status)) != (ssize_t)sizeof(status)) {
		if (errno != EAGAIN)
			i_error("write(master status) failed: %m");
		return;
	}
	service->status_sent = true;
	service->last_sent_avail = avail;
}

static void listener_accept(void *context);

static void listeners_update(struct master_service *service)
{
	bool want = available_count(service) > 0;
	/* often called from a client's callback: the listeners belong to no
	   client's context */
	struct io_context *prev = io_context_switch(NULL);

	array_foreach(&service->listeners, l) {
		if (want && l->io == NULL && l->fd != -1)
			l->io = io_add(l->fd, IO_READ, listener_accept, l);
		else if (!want && l->io != NULL)
			io_remove(&l->io);
	}
	(void)io_context_switch(prev);
	send_status(service);
}

static void check_finished(struct master_service *service)
{
	bool done = service->stopping ||
		    (service->service_count > 0 && service->served >= service->service_count);

	if (done && service->clients == 0)
		io_loop_stop(service->ioloop);
}

static void listener_accept(void *context)
{
	struct master_listener *l = context;
	struct master_service *service = l->service;
	struct master_service_connection conn;
	int fd;

	memset(&conn, 0, sizeof(conn));
	fd = net_accept(l->fd, &conn.remote_ip, &conn.remote_port);
	if (fd == -1)
		return; /* another process got it */
	if (fd == -2) {
		i_error("accept(%s) failed: %m", l->name);
		return;
	}
	conn.fd = fd;
	conn.listen_fd = l->fd;
	conn.listener_name = l->name;
	conn.ssl = l->ssl;
	conn.is_unix = l->is_unix;
	if (!l->is_unix)
		(void)net_getsockname(fd, &conn.local_ip, &conn.local_port);
	service->clients++;
	service->callback(&conn);
	if (!conn.accepted) {
		close(fd);
		service->clients--;
		service->served++;
	}
	listeners_update(service);
	check_finished(service);
}

static void dead_pipe_cb(void *context)
{
	struct master_service *service = context;
	char c;

	if (read(MASTER_DEAD_FD, &c, 1) != 0 && errno == EAGAIN)
		return;
	/* the master wants us gone once our clients are done */
	master_service_stop_new_connections(service);
	check_finished(service);
}

void master_service_init_finish(struct master_service *service)
{
	const char *error;

	if ((service->flags & MASTER_SERVICE_FLAG_NO_DROP) == 0 && restrict_access_have_env()) {
		if (restrict_access_by_env(&error) < 0)
			i_fatal("%s", error);
	}
	if (!service->standalone) {
		fd_set_nonblock(MASTER_DEAD_FD, true);
		fd_close_on_exec(MASTER_DEAD_FD, true);
		fd_close_on_exec(MASTER_STATUS_FD, true);
		service->io_dead = io_add(MASTER_DEAD_FD, IO_READ, dead_pipe_cb, service);
	}
	service->listening = true;
}

void master_service_run(struct master_service *service,
			master_service_connection_callback_t *callback)
{
	service->callback = callback;
	listeners_update(service);
	if (array_count(&service->listeners) == 0 && service->standalone &&
	    (service->flags & MASTER_SERVICE_FLAG_STANDALONE_OK) == 0)
		return;
	io_loop_run(service->ioloop);
}

void master_service_stop(struct master_service *service)
{
	io_loop_stop(service->ioloop);
}

void master_service_stop_new_connections(struct master_service *service)
{
	if (service->stopping)
		return;
	service->stopping = true;
	io_remove(&service->io_dead);
	array_foreach(&service->listeners, l) {
		io_remove(&l->io);
		i_close_fd(&l->fd);
	}
	send_status(service);
}

void master_service_client_connection_destroyed(struct master_service *service)
{
	i_assert(service->clients > 0);
	service->clients--;
	service->served++;
	listeners_update(service);
	check_finished(service);
}

void master_service_deinit(struct master_service **_service)
{
	struct master_service *service = *_service;
	*_service = NULL;
	array_foreach(&service->listeners, l) {
		io_remove(&l->io);
		i_close_fd(&l->fd);
	}
	io_remove(&service->io_dead);
	timeout_remove(&service->to_stop);
	io_signal_remove(&service->sig_term);
	io_signal_remove(&service->sig_int);
	io_loop_destroy(&service->ioloop);
	if (service->config != NULL)
		config_tree_free(&service->config);
	pool_unref(&service->pool);
	i_free(service);
}

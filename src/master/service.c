/* Services of one configuration generation: listeners, pipes, and the
   decision when to start processes. */
#include "lib.h"
#include "ioloop.h"
#include "line-reader.h"
#include "restrict-access.h"
#include "master-log.h"
#include "all-settings.h"
#include "config-load.h"
#include "service.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define SERVICE_LOG_MAX_LINE 8192
#define SERVICE_THROTTLE_MIN_SECS 2
#define SERVICE_THROTTLE_MAX_SECS 60

bool master_privsep;

static void service_status_input(void *context);
static void service_log_input(void *context);

static bool protocol_enabled(const struct master_settings *set, const char *protocol)
{
	if (protocol == NULL || protocol[0] == '\0')
		return true;
	return str_array_find(set->protocols, protocol);
}

static struct service_listener *
old_listener_take(struct service_list *old_list, enum service_listener_type type,
		  const char *path, const char *address, unsigned int port)
{
	struct service *service;
	struct service_listener *l;

	if (old_list == NULL)
		return NULL;
	array_foreach_elem(&old_list->services, service) {
		array_foreach_elem(&service->listeners, l) {
			if (l->fd == -1 || l->type != type)
				continue;
			if (type == SERVICE_LISTENER_INET ?
				    (l->port == port && strcmp(l->address, address) == 0) :
				    strcmp(l->path, path) == 0)
				return l;
		}
	}
	return NULL;
}

static int resolve_owner(const char *user, const char *group, uid_t *uid_r, gid_t *gid_r,
			 const char **error_r)
{
	*uid_r = (uid_t)-1;
	*gid_r = (gid_t)-1;
	if (user != NULL && user[0] != '\0' &&
	    restrict_access_lookup_user(user, uid_r, gid_r, error_r) < 0)
		return -1;
	if (group != NULL && group[0] != '\0' &&
	    restrict_access_lookup_group(group, gid_r, error_r) < 0)
		return -1;
	return 0;
}

static int listener_bind_inet(struct service *service, struct service_list *old_list,
			      const struct inet_listener_settings *iset, const char *address,
			      const char **error_r)
{
	struct service_listener *l, *old;
	const char *error;
	int backlog = (int)MIN((uint64_t)service->process_limit * service->client_limit, 4096);

	l = p_new(service->list->pool, struct service_listener, 1);
	l->service = service;
	l->type = SERVICE_LISTENER_INET;
	l->name = p_strdup(service->list->pool, iset->name);
	l->address = p_strdup(service->list->pool, address);
	l->port = iset->port;
	l->ssl = iset->ssl;
	l->haproxy = iset->haproxy;
	l->reuse_port = iset->reuse_port;
	old = old_listener_take(old_list, l->type, NULL, address, iset->port);
	if (old != NULL) {
		l->fd = old->fd;
		old->fd = -1;
	} else {
		l->fd = net_listen_tcp(address, iset->port, iset->reuse_port, backlog < 16 ? 16 : backlog,
				       &error);
		if (l->fd < 0) {
			if (strcmp(address, "::") == 0 && errno == EAFNOSUPPORT) {
				i_warning("service(%s): listen(%s, %u): IPv6 is not available on "
					  "this host, listening on IPv4 only",
					  service->name, address, iset->port);
				return 0;
			}
			*error_r = p_strdup_printf(service->list->pool, "service(%s): %s",
						   service->name, error);
			return -1;
		}
	}
	array_push(&service->listeners, &l);
	return 0;
}

static const char *listener_path(struct service_list *list, const char *path)
{
	if (path[0] == '/')
		return path;
	return p_strdup_printf(list->pool, "%s/%s", list->set->base_dir, path);
}

/* "login/login" lives in base_dir/login (the login processes' chroot):
   create such parent directories, readable by everyone, as Dovecot does. */
static int listener_mkdir_parent(const char *path, const char **error_r)
{
	char *dir = t_strdup(path);
	char *slash = strrchr(dir, '/');

	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			*error_r = t_strdup_printf("mkdir(%s) failed: %m", dir);
			return -1;
		}
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		*error_r = t_strdup_printf("mkdir(%s) failed: %m", dir);
		return -1;
	}
	return 0;
}

static int listener_bind_file(struct service *service, struct service_list *old_list,
			      const struct file_listener_settings *fset,
			      enum service_listener_type type, const char **error_r)
{
	struct service_list *list = service->list;
	struct service_listener *l, *old;
	const char *error;

	l = p_new(list->pool, struct service_listener, 1);
	l->service = service;
	l->type = type;
	l->name = p_strdup(list->pool, fset->path);
	l->path = listener_path(list, fset->path);
	l->mode = fset->mode;
	if (resolve_owner(fset->user, fset->group, &l->uid, &l->gid, &error) < 0) {
		if (master_privsep) {
			*error_r = p_strdup_printf(list->pool, "service(%s): unix_listener %s: %s",
						   service->name, fset->path, error);
			return -1;
		}
		/* unprivileged: owners cannot be changed anyway */
		l->uid = (uid_t)-1;
		l->gid = (gid_t)-1;
	}
	old = old_listener_take(old_list, type, l->path, NULL, 0);
	if (old == NULL && listener_mkdir_parent(l->path, error_r) < 0) {
		*error_r = t_strdup_printf("service(%s): %s", service->name, *error_r);
		return -1;
	}
	if (old != NULL) {
		l->fd = old->fd;
		old->fd = -1;
	} else if (type == SERVICE_LISTENER_UNIX) {
		mode_t old_umask = umask(0077);

		l->fd = net_listen_unix(l->path, 128, &error);
		umask(old_umask);
		if (l->fd < 0) {
			*error_r = p_strdup_printf(list->pool, "service(%s): %s", service->name,
						   error);
			return -1;
		}
	} else {
		if (mkfifo(l->path, 0600) < 0 && errno != EEXIST) {
			*error_r = p_strdup_printf(list->pool, "service(%s): mkfifo(%s) failed: %m",
						   service->name, l->path);
			return -1;
		}
		l->fd = open(l->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (l->fd < 0) {
			*error_r = p_strdup_printf(list->pool, "service(%s): open(%s) failed: %m",
						   service->name, l->path);
			return -1;
		}
	}
	if (chmod(l->path, l->mode) < 0) {
		*error_r = p_strdup_printf(list->pool, "service(%s): chmod(%s, %o) failed: %m",
					   service->name, l->path, l->mode);
		return -1;
	}
	if (master_privsep && (l->uid != (uid_t)-1 || l->gid != (gid_t)-1) &&
	    chown(l->path, l->uid, l->gid) < 0) {
		*error_r = p_strdup_printf(list->pool, "service(%s): chown(%s) failed: %m",
					   service->name, l->path);
		return -1;
	}
	array_push(&service->listeners, &l);
	return 0;
}

static int service_create_listeners(struct service *service, struct service_list *old_list,
				    const char **error_r)
{
	const struct master_settings *mset = service->list->set;
	struct inet_listener_settings *iset;
	struct file_listener_settings *fset;

	p_array_init(&service->listeners, service->list->pool, 4);
	array_foreach_elem(&service->set->inet_listeners, iset) {
		if (iset->port == 0)
			continue;
		const char *const *addrs = mset->listen;
		const char **own = NULL;

		if (iset->address != NULL && iset->address[0] != '\0') {
			own = p_strsplit_spaces(service->list->pool, iset->address, ", ");
			addrs = own;
		}
		for (unsigned int i = 0; addrs != NULL && addrs[i] != NULL; i++) {
			if (listener_bind_inet(service, old_list, iset, addrs[i], error_r) < 0)
				return -1;
		}
	}
	array_foreach_elem(&service->set->unix_listeners, fset) {
		if (listener_bind_file(service, old_list, fset, SERVICE_LISTENER_UNIX, error_r) < 0)
			return -1;
	}
	array_foreach_elem(&service->set->fifo_listeners, fset) {
		if (listener_bind_file(service, old_list, fset, SERVICE_LISTENER_FIFO, error_r) < 0)
			return -1;
	}
	return 0;
}

static const char *const *service_exec_argv(struct service_list *list,
					    const struct service_settings *set)
{
	const char *executable = set->executable != NULL && set->executable[0] != '\0' ?
					 set->executable : set->name;
	const char **argv = p_strsplit_spaces(list->pool, executable, " ");

	if (argv[0] == NULL)
		return NULL;
	if (argv[0][0] != '/')
		argv[0] = p_strdup_printf(list->pool, "%s/%s", list->set->libexec_dir, argv[0]);
	return argv;
}

static int service_setup_privileges(struct service *service, const char **error_r)
{
	const struct service_settings *set = service->set;
	const char *error;

	service->drop_privileges = false;
	service->uid = (uid_t)-1;
	service->gid = (gid_t)-1;
	if (!master_privsep)
		return 0;
	if (set->user != NULL && set->user[0] != '\0' && strcmp(set->user, "root") != 0) {
		if (restrict_access_lookup_user(set->user, &service->uid, &service->gid,
						&error) < 0) {
			*error_r = p_strdup_printf(service->list->pool, "service(%s): user: %s",
						   service->name, error);
			return -1;
		}
		service->user = set->user;
		service->drop_privileges = true;
	}
	if (set->group != NULL && set->group[0] != '\0') {
		if (restrict_access_lookup_group(set->group, &service->gid, &error) < 0) {
			*error_r = p_strdup_printf(service->list->pool, "service(%s): group: %s",
						   service->name, error);
			return -1;
		}
		service->drop_privileges = true;
	}
	if (set->chroot != NULL && set->chroot[0] != '\0') {
		service->chroot_dir = listener_path(service->list, set->chroot);
		if (mkdir(service->chroot_dir, 0755) < 0 && errno != EEXIST) {
			*error_r = p_strdup_printf(service->list->pool,
						   "service(%s): mkdir(%s) failed: %m",
						   service->name, service->chroot_dir);
			return -1;
		}
		service->drop_privileges = true;
	}
	return 0;
}

static int service_create_pipes(struct service *service, const char **error_r)
{
	struct line_reader_settings lset = { .max_line_length = SERVICE_LOG_MAX_LINE };

	if (pipe2(service->status_fd, O_CLOEXEC) < 0 || pipe2(service->log_fd, O_CLOEXEC) < 0) {
		*error_r = p_strdup_printf(service->list->pool, "pipe() failed: %m");
		return -1;
	}
	fd_set_nonblock(service->status_fd[0], true);
	fd_set_nonblock(service->log_fd[0], true);
	service->log_reader = line_reader_create_fd(&lset, service->log_fd[0]);
	return 0;
}

static struct service *service_create(struct service_list *list, struct service_settings *set,
				      struct service_list *old_list, const char **error_r)
{
	const struct master_settings *mset = list->set;
	struct service *service;

	service = p_new(list->pool, struct service, 1);
	service->list = list;
	service->set = set;
	service->name = set->name;
	service->status_fd[0] = service->status_fd[1] = -1;
	service->log_fd[0] = service->log_fd[1] = -1;
	service->process_limit = set->process_limit != 0 ? set->process_limit :
							   mset->default_process_limit;
	service->client_limit = set->client_limit != 0 ? set->client_limit :
							 mset->default_client_limit;
	if (set->service_count == 1)
		service->client_limit = 1;
	service->process_min_avail = MIN(set->process_min_avail, service->process_limit);
	service->idle_kill = set->idle_kill != 0 ? set->idle_kill : mset->default_idle_kill;
	service->secrets = strcmp(set->type, "login") == 0;
	service->exec_argv = service_exec_argv(list, set);
	if (service->exec_argv == NULL || access(service->exec_argv[0], X_OK) < 0) {
		/* config_load() already warned about programs that are not Roost's */
		if (service->exec_argv == NULL || !config_executable_is_known(set->executable))
			return NULL;
		i_warning("service(%s): executable %s is not available in this version of Roost; "
			  "the service is not started and its listeners are not opened",
			  set->name, service->exec_argv == NULL ? "(none)" : service->exec_argv[0]);
		return NULL;
	}
	if (service_setup_privileges(service, error_r) < 0 ||
	    service_create_listeners(service, old_list, error_r) < 0 ||
	    service_create_pipes(service, error_r) < 0) {
		service->set = NULL;
		return (struct service *)-1;
	}
	struct service_listener *l;

	array_foreach_elem(&service->listeners, l)
		service->secrets = service->secrets || l->ssl;
	return service;
}

static int config_memfd(const char *text, const char **error_r)
{
	size_t len = strlen(text);
	int fd = memfd_create("roost-config", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0) {
		*error_r = t_strdup_printf("memfd_create() failed: %m");
		return -1;
	}
	for (size_t pos = 0; pos < len;) {
		ssize_t ret = write(fd, text + pos, len - pos);

		if (ret < 0) {
			*error_r = t_strdup_printf("write(memfd) failed: %m");
			close(fd);
			return -1;
		}
		pos += (size_t)ret;
	}
	/* children get a copy nobody can change */
	(void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	return fd;
}

static void service_destroy(struct service *service)
{
	struct service_listener *l;

	timeout_remove(&service->to_throttle);
	timeout_remove(&service->to_idle);
	array_foreach_elem(&service->listeners, l) {
		io_remove(&l->io);
		i_close_fd(&l->fd);
	}
	io_remove(&service->io_status);
	io_remove(&service->io_log);
	line_reader_destroy(&service->log_reader);
	i_close_fd(&service->status_fd[0]);
	i_close_fd(&service->status_fd[1]);
	i_close_fd(&service->log_fd[0]);
	i_close_fd(&service->log_fd[1]);
}

static void service_list_free(struct service_list *list)
{
	struct service *service;

	array_foreach_elem(&list->services, service)
		service_destroy(service);
	i_close_fd(&list->config_fd);
	i_close_fd(&list->config_secret_fd);
	config_tree_free(&list->config);
	pool_unref(&list->pool);
}

struct service_list *service_list_create(struct config_tree *config,
					 const struct master_settings *set,
					 struct service_list *old_list, const char **error_r)
{
	struct service_list *list;
	struct service_settings *sset;
	pool_t pool = pool_alloconly_create("service list", 8192);
	string_t *text;

	list = p_new(pool, struct service_list, 1);
	list->pool = pool;
	list->refcount = 1;
	list->config = config;
	list->set = set;
	list->config_fd = list->config_secret_fd = -1;
	p_array_init(&list->services, pool, 16);

	text = str_new(pool, 16384);
	/* children re-parse this text: they never open the admin's files, which
	   a chrooted or unprivileged process could not read anyway */
	settings_write(config, &all_settings_table,
		       SETTINGS_WRITE_NONDEFAULT | SETTINGS_WRITE_FILE_CONTENTS |
		       SETTINGS_WRITE_HIDE_SECRETS, text);
	list->config_fd = config_memfd(str_c(text), error_r);
	str_truncate(text, 0);
	settings_write(config, &all_settings_table,
		       SETTINGS_WRITE_NONDEFAULT | SETTINGS_WRITE_FILE_CONTENTS, text);
	list->config_secret_fd = config_memfd(str_c(text), error_r);
	if (list->config_fd < 0 || list->config_secret_fd < 0) {
		list->config = NULL;
		service_list_free(list);
		return NULL;
	}

	array_foreach_elem(&set->services, sset) {
		if (!protocol_enabled(set, sset->protocol))
			continue;
		struct service *service = service_create(list, sset, old_list, error_r);

		if (service == (struct service *)-1) {
			list->config = NULL; /* the caller still owns it */
			service_list_free(list);
			return NULL;
		}
		if (service != NULL)
			array_push(&list->services, &service);
	}
	return list;
}

static void listener_connection_pending(void *context)
{
	struct service_listener *l = context;
	struct service *service = l->service;

	/* a client is waiting and no process can take it: start one */
	if (service->process_count < service->process_limit && service->to_throttle == NULL)
		(void)service_process_create(service);
	service_monitor(service);
}

static void service_listen_pending(struct service *service, bool enable)
{
	struct service_listener *l;

	if (service->listen_pending == enable)
		return;
	service->listen_pending = enable;
	array_foreach_elem(&service->listeners, l) {
		if (enable && l->fd != -1)
			l->io = io_add(l->fd, IO_READ, listener_connection_pending, l);
		else
			io_remove(&l->io);
	}
}

static void service_throttle_end(void *context)
{
	struct service *service = context;

	timeout_remove(&service->to_throttle);
	service_monitor(service);
}

void service_throttle(struct service *service)
{
	service->throttle_secs = service->throttle_secs == 0 ?
		SERVICE_THROTTLE_MIN_SECS : MIN(service->throttle_secs * 2,
						SERVICE_THROTTLE_MAX_SECS);
	i_error("service(%s): command startup failed, throttling for %u secs", service->name,
		service->throttle_secs);
	timeout_remove(&service->to_throttle);
	service->to_throttle = timeout_add_once(service->throttle_secs * 1000,
						service_throttle_end, service);
	service_listen_pending(service, false);
}

/* Processes above process_min_avail that had no clients for idle_kill
   seconds are asked to leave (SIGINT: they exit once they are sure no
   client arrived meanwhile), as Dovecot's master does. */
static void service_idle_check(void *context)
{
	struct service *service = context;
	unsigned int spare;

	if (service->process_count <= service->process_min_avail) {
		timeout_remove(&service->to_idle);
		return;
	}
	spare = service->process_count - service->process_min_avail;
	for (struct service_process *p = service->processes; p != NULL && spare > 0;
	     p = p->next) {
		if (p->stopping || p->idle_start == 0 ||
		    ioloop_time - p->idle_start < (time_t)service->idle_kill)
			continue;
		(void)kill(p->pid, SIGINT);
		service_process_stop(p);
		spare--;
	}
}

static void service_idle_update(struct service *service)
{
	bool want = service->idle_kill > 0 && !service->list->retired &&
		    service->process_count > service->process_min_avail;

	if (want && service->to_idle == NULL) {
		unsigned int msecs = MIN(service->idle_kill, 10) * 1000 / 2;

		service->to_idle = timeout_add(msecs == 0 ? 500 : msecs, service_idle_check,
					       service);
	} else if (!want) {
		timeout_remove(&service->to_idle);
	}
}

void service_monitor(struct service *service)
{
	if (service->list->retired || service->to_throttle != NULL) {
		service_listen_pending(service, false);
		return;
	}
	while (service->process_avail < service->process_min_avail &&
	       service->process_count < service->process_limit) {
		if (service_process_create(service) == NULL)
			break;
		if (service->to_throttle != NULL)
			return;
	}
	service_idle_update(service);
	if (array_count(&service->listeners) == 0)
		return;
	if (service->process_avail > 0) {
		service_listen_pending(service, false);
	} else if (service->process_count < service->process_limit) {
		service_listen_pending(service, true);
	} else {
		service_listen_pending(service, false);
		if (ioloop_time - service->last_limit_warning >= 60) {
			service->last_limit_warning = ioloop_time;
			i_warning("service(%s): process_limit (%u) reached, client connections "
				  "are being queued", service->name, service->process_limit);
		}
	}
}

void service_list_start(struct service_list *list)
{
	struct service *service;

	array_foreach_elem(&list->services, service) {
		service->io_status = io_add(service->status_fd[0], IO_READ, service_status_input,
					    service);
		service->io_log = io_add(service->log_fd[0], IO_READ, service_log_input, service);
		service_monitor(service);
	}
}

void service_list_retire(struct service_list *list)
{
	struct service *service;
	struct service_process *process;

	list->retired = true;
	array_foreach_elem(&list->services, service) {
		service_listen_pending(service, false);
		timeout_remove(&service->to_throttle);
		timeout_remove(&service->to_idle);
		for (process = service->processes; process != NULL; process = process->next)
			service_process_stop(process);
	}
}

void service_list_kill(struct service_list *list, int signo)
{
	struct service *service;
	struct service_process *process;

	array_foreach_elem(&list->services, service) {
		for (process = service->processes; process != NULL; process = process->next)
			(void)kill(process->pid, signo);
	}
}

unsigned int service_list_process_count(const struct service_list *list)
{
	struct service *service;
	unsigned int count = 0;

	array_foreach_elem(&list->services, service)
		count += service->process_count;
	return count;
}

void service_list_unref(struct service_list **_list)
{
	struct service_list *list = *_list;

	*_list = NULL;
	i_assert(list->refcount > 0);
	if (--list->refcount == 0)
		service_list_free(list);
}

static void service_status_input(void *context)
{
	struct service *service = context;
	struct master_status status;
	struct service_process *process;
	ssize_t ret;

	while ((ret = read(service->status_fd[0], &status, sizeof(status))) ==
	       (ssize_t)sizeof(status)) {
		process = service_process_lookup(status.pid);
		if (process == NULL || process->service != service ||
		    process->generation != status.generation)
			continue; /* already gone, or a stale write */
		if (!process->seen_status) {
			process->seen_status = true;
			service->throttle_secs = 0;
		}
		if (process->available_count > 0 && status.available_count == 0)
			service->process_avail--;
		else if (process->available_count == 0 && status.available_count > 0)
			service->process_avail++;
		process->available_count = status.available_count;
		/* all slots free = no clients (a process whose service_count is
		   used up reports 0 and is leaving by itself) */
		if (status.available_count < service->client_limit)
			process->idle_start = 0;
		else if (process->idle_start == 0)
			process->idle_start = ioloop_time;
	}
	if (ret > 0)
		i_error("service(%s): partial status message (%zd bytes)", service->name, ret);
	service_monitor(service);
}

static void service_log_input(void *context)
{
	struct service *service = context;
	const char *line;
	size_t len;
	pid_t pid;

	for (;;) {
		switch (line_reader_next_line(service->log_reader, &line, &len)) {
		case LINE_READER_LINE:
			master_log_child_line(line, len, &pid);
			continue;
		case LINE_READER_TOO_LONG:
			i_error("service(%s): log line too long, dropped", service->name);
			line_reader_skip_line(service->log_reader);
			continue;
		case LINE_READER_MORE:
			break;
		}
		if (line_reader_fill(service->log_reader) <= 0)
			break;
	}
}

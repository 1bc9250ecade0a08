#ifndef SERVICE_H
#define SERVICE_H

/* The master's view of services and their processes. A service_list is one
   generation of the configuration: SIGHUP builds a new list (taking over the
   listening sockets that did not change) and retires the old one, whose
   processes finish their clients and exit. */

#include "master-settings.h"
#include "master-interface.h"
#include "net.h"

enum service_listener_type {
	SERVICE_LISTENER_INET,
	SERVICE_LISTENER_UNIX,
	SERVICE_LISTENER_FIFO,
};

struct service_listener {
	struct service *service;
	enum service_listener_type type;
	const char *name;    /* inet: "imaps"; unix/fifo: the configured path */
	const char *path;    /* unix/fifo: absolute path */
	const char *address; /* inet: one listen address */
	unsigned int port;
	bool ssl, haproxy, reuse_port;
	unsigned int mode;
	uid_t uid;
	gid_t gid;
	int fd;
	struct io *io; /* watched while no process can take a connection */
};

struct service_process;

struct service {
	struct service_list *list;
	const struct service_settings *set;
	const char *name;
	const char *const *exec_argv; /* executable path and arguments */

	ARRAY(struct service_listener *) listeners;
	unsigned int process_limit, client_limit, process_min_avail;

	/* the processes' status pipe and log pipe */
	int status_fd[2];
	struct io *io_status;
	int log_fd[2];
	struct io *io_log;
	struct line_reader *log_reader;

	/* drop target for its processes */
	bool drop_privileges;
	uid_t uid;
	gid_t gid;
	const char *user;
	const char *chroot_dir;
	bool secrets; /* gets TLS keys in its config copy */

	unsigned int process_count;
	unsigned int process_avail; /* processes with available_count > 0 */
	struct service_process *processes;

	struct timeout *to_throttle;
	struct timeout *to_idle;
	unsigned int idle_kill; /* seconds */
	unsigned int throttle_secs;
	bool listen_pending; /* ios on listeners are active */
	time_t last_limit_warning;
};

struct service_process {
	struct service_process *prev, *next;
	struct service *service;
	pid_t pid;
	unsigned int generation;
	unsigned int available_count;
	int dead_fd; /* write end of the dead pipe; closing it = "stop" */
	time_t start_time;
	bool seen_status;
	bool stopping; /* told to stop (reload, shutdown, idle) */
	time_t idle_start; /* since when it has no clients; 0 = busy */
};

struct service_list {
	pool_t pool;
	unsigned int refcount;
	struct config_tree *config;
	const struct master_settings *set;
	ARRAY(struct service *) services;
	int config_fd, config_secret_fd; /* memfds with the settings text */
	bool retired;
};

/* Builds the services of one configuration (no processes yet). Listeners
   are bound here, or taken from old_list when unchanged. Returns NULL with
   *error_r on failure. */
struct service_list *service_list_create(struct config_tree *config,
					 const struct master_settings *set,
					 struct service_list *old_list, const char **error_r);
/* Starts process_min_avail processes and starts watching listeners. */
void service_list_start(struct service_list *list);
/* Tells every process to stop after its clients; the list is freed when
   its last process is gone. */
void service_list_retire(struct service_list *list);
void service_list_unref(struct service_list **list);
/* Sends signo to every process of the list. */
void service_list_kill(struct service_list *list, int signo);
unsigned int service_list_process_count(const struct service_list *list);

/* A process failed right after start: stop starting new ones for a while
   (2 secs, doubling to 60). */
void service_throttle(struct service *service);
/* Re-evaluates whether a service needs more processes or listener watching. */
void service_monitor(struct service *service);

/* service-process.c */
struct service_process *service_process_create(struct service *service);
void service_process_destroy(struct service_process *process);
struct service_process *service_process_lookup(pid_t pid);
/* Handles the exit of a child (from the SIGCHLD watcher). */
void service_process_exited(struct service_process *process, int status);
void service_process_stop(struct service_process *process);
unsigned int service_process_total_count(void);

extern bool master_privsep; /* running as root with privilege separation */
extern unsigned int master_generation;

#endif

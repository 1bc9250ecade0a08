/* Starting and reaping service processes. */
#include "lib.h"
#include "ioloop.h"
#include "restrict-access.h"
#include "service.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

/* environment variables a child keeps from the master's */
static const char *const import_env[] = {
	"TZ", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL,
};

unsigned int master_generation;
static ARRAY(struct service_process *) all_processes;

struct service_process *service_process_lookup(pid_t pid)
{
	struct service_process *process;

	if (!array_is_created(&all_processes))
		return NULL;
	array_foreach_elem(&all_processes, process) {
		if (process->pid == pid)
			return process;
	}
	return NULL;
}

unsigned int service_process_total_count(void)
{
	return array_count(&all_processes);
}

static const char *listeners_env(struct service *service)
{
	string_t *str = str_new(service->list->pool, 128);
	struct service_listener *l;

	array_foreach_elem(&service->listeners, l) {
		if (str_len(str) > 0)
			str_append_c(str, ' ');
		str_printfa(str, "%s:%s%s%s", l->type == SERVICE_LISTENER_INET ? "inet" : "unix",
			    l->name, l->ssl ? ":ssl" : "", l->haproxy ? ":haproxy" : "");
	}
	return str_c(str);
}

/* Runs in the forked child: arrange the fd contract, the environment and
   exec. Never returns. */
static void ATTR_NORETURN child_exec(struct service *service, int dead_fd, unsigned int gen)
{
	struct service_listener *l;
	int src[64], count = 0, devnull;
	char buf[32];
	sigset_t mask;

	/* libev may have blocked signals for signalfd: the child starts clean */
	sigemptyset(&mask);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	signal(SIGPIPE, SIG_DFL);

	devnull = open("/dev/null", O_RDWR);
	src[count++] = devnull;
	src[count++] = devnull;
	src[count++] = service->log_fd[1];
	src[count++] = service->secrets ? service->list->config_secret_fd : service->list->config_fd;
	src[count++] = service->status_fd[1];
	src[count++] = dead_fd;
	array_foreach_elem(&service->listeners, l) {
		if (count < (int)N_ELEMENTS(src) && l->fd != -1)
			src[count++] = l->fd;
	}
	/* move every source above the target range first, so that no dup2()
	   overwrites a source that is still needed */
	for (int i = 0; i < count; i++) {
		src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 100 + count);
		if (src[i] < 0)
			_exit(MASTER_EXIT_CONFIG);
	}
	for (int i = 0; i < count; i++) {
		if (dup2(src[i], i) < 0)
			_exit(MASTER_EXIT_CONFIG);
	}
	closefrom(count);

	/* a clean environment: only what the process needs */
	const char *keep[N_ELEMENTS(import_env)];

	for (unsigned int i = 0; import_env[i] != NULL; i++) {
		const char *value = getenv(import_env[i]);

		keep[i] = value == NULL ? NULL : i_strdup(value);
	}
	clearenv();
	for (unsigned int i = 0; import_env[i] != NULL; i++) {
		if (keep[i] != NULL)
			setenv(import_env[i], keep[i], 1);
	}
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv(MASTER_ENV_SERVICE, service->name, 1);
	setenv(MASTER_ENV_LISTENERS, listeners_env(service), 1);
	snprintf(buf, sizeof(buf), "%u", service->client_limit);
	setenv(MASTER_ENV_CLIENT_LIMIT, buf, 1);
	snprintf(buf, sizeof(buf), "%u", service->set->service_count);
	setenv(MASTER_ENV_SERVICE_COUNT, buf, 1);
	snprintf(buf, sizeof(buf), "%u", gen);
	setenv("ROOST_GENERATION", buf, 1);
	if (service->drop_privileges) {
		struct restrict_access_settings rset;

		memset(&rset, 0, sizeof(rset));
		rset.uid = service->uid;
		rset.gid = service->gid;
		rset.user = service->user;
		rset.chroot_dir = service->chroot_dir;
		restrict_access_set_env(&rset);
	} else if (!master_privsep) {
		setenv(MASTER_ENV_NO_PRIVSEP, "1", 1);
	}
	execv(service->exec_argv[0], (char *const *)service->exec_argv);
	fprintf(stderr, "%c%c%ld master: %cservice(%s): execv(%s) failed: %s\n", LOG_CHILD_MARK,
		log_type_letters[LOG_TYPE_FATAL], (long)getpid(), LOG_CHILD_PREFIX_END,
		service->name, service->exec_argv[0], strerror(errno));
	_exit(MASTER_EXIT_CONFIG);
}

struct service_process *service_process_create(struct service *service)
{
	struct service_process *process;
	int dead[2];
	pid_t pid;

	if (pipe2(dead, O_CLOEXEC) < 0) {
		i_error("service(%s): pipe() failed: %m", service->name);
		return NULL;
	}
	master_generation++;
	pid = fork();
	if (pid < 0) {
		i_error("service(%s): fork() failed: %m", service->name);
		close(dead[0]);
		close(dead[1]);
		service_throttle(service);
		return NULL;
	}
	if (pid == 0)
		child_exec(service, dead[0], master_generation);
	close(dead[0]);

	process = i_new(struct service_process, 1);
	process->service = service;
	process->pid = pid;
	process->generation = master_generation;
	process->dead_fd = dead[1];
	process->start_time = ioloop_time;
	/* counts as available until it says otherwise */
	process->available_count = service->client_limit;
	process->next = service->processes;
	if (service->processes != NULL)
		service->processes->prev = process;
	service->processes = process;
	service->process_count++;
	service->process_avail++;
	service->list->refcount++;
	if (!array_is_created(&all_processes))
		i_array_init(&all_processes, 64);
	array_push(&all_processes, &process);
	return process;
}

void service_process_stop(struct service_process *process)
{
	if (process->stopping)
		return;
	process->stopping = true;
	i_close_fd(&process->dead_fd);
	if (process->available_count > 0) {
		process->available_count = 0;
		process->service->process_avail--;
	}
}

void service_process_destroy(struct service_process *process)
{
	struct service *service = process->service;
	struct service_list *list = service->list;
	struct service_process *p;
	unsigned int i = 0;

	if (process->prev != NULL)
		process->prev->next = process->next;
	else
		service->processes = process->next;
	if (process->next != NULL)
		process->next->prev = process->prev;
	service->process_count--;
	if (process->available_count > 0)
		service->process_avail--;
	i_close_fd(&process->dead_fd);
	array_foreach_elem(&all_processes, p) {
		if (p == process) {
			array_delete(&all_processes, i, 1);
			break;
		}
		i++;
	}
	i_free(process);
	service_list_unref(&list);
}

void service_process_exited(struct service_process *process, int status)
{
	struct service *service = process->service;
	bool failed = false;

	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		if (!(process->stopping && (sig == SIGTERM || sig == SIGINT))) {
			i_error("service(%s): child %ld killed with signal %d%s", service->name,
				(long)process->pid, sig, WCOREDUMP(status) ? " (core dumped)" : "");
			failed = true;
		}
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		i_error("service(%s): child %ld returned error %d%s", service->name,
			(long)process->pid, WEXITSTATUS(status),
			WEXITSTATUS(status) == MASTER_EXIT_CONFIG ? " (Fatal failure)" : "");
		failed = true;
	}
	bool startup_failure = failed && !process->seen_status && !process->stopping;
	bool retired = service->list->retired;

	service_process_destroy(process);
	if (retired)
		return;
	if (startup_failure)
		service_throttle(service);
	else
		service_monitor(service);
}

/* roost: the master process.

   What it does: reads and validates the configuration (every component's
   settings check included, before anything is bound), binds every
   listener (inet and unix), starts each service's processes with their
   listener fds, watches them (restarting crashed ones, throttling a service
   that keeps failing at start, keeping process_min_avail spare), writes
   every log line, reloads on SIGHUP (existing connections stay on the old
   processes), shuts down on SIGTERM/SIGINT and reopens logs on SIGUSR1.

   Privileges: started as root it keeps root (it must bind, create sockets
   and fork children that drop to their service's user); started as another
   user every process runs as that user and privilege separation is off.

   Untrusted input: none from the network; it reads the admin's config, its
   children's status pipes (fixed-size records, checked against known pids
   and generations) and their log pipes (bounded lines). */
#include "lib.h"
#include "ioloop.h"
#include "settings.h"
#include "config-load.h"
#include "config-components.h"
#include "all-settings.h"
#include "master-settings.h"
#include "master-log.h"
#include "service.h"
#include "tls-context.h"
#include "roost-config.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define MASTER_PID_FILE "master.pid"
#define SHUTDOWN_KILL_SECS 5

static const char *config_path;
static struct ioloop *ioloop;
static struct service_list *services;
static ARRAY(struct service_list *) retired_lists;
static struct master_settings *master_set;
static pool_t set_pool;
static int lock_fd = -1;
static char *pid_path, *lock_path;
static bool pid_written;
static bool shutting_down;
static struct timeout *to_shutdown;

static void master_log_handler(enum log_type type, const char *prefix, const char *text)
{
	master_log_write(type, prefix, text);
}

static void print_config_errors(const ARRAY_TYPE(settings_error) *errors, enum log_type type)
{
	pool_t pool = pool_alloconly_create("errors", 1024);

	array_foreach(errors, error)
		i_log(type, "%s", settings_error_str(pool, error));
	pool_unref(&pool);
}

/* Loads and validates the configuration. Returns 0, or -1 after logging
   every error. */
static int master_read_config(struct config_tree **tree_r, struct master_settings **set_r,
			      pool_t *pool_r)
{
	ARRAY_TYPE(settings_error) errors, warnings;
	struct config_tree *tree;
	const char *error;
	void *set;
	pool_t pool = pool_alloconly_create("master settings", 4096);

	p_array_init(&errors, pool, 8);
	p_array_init(&warnings, pool, 8);
	if (config_components_load(config_path, &tree, &errors, &warnings) < 0 ||
	    array_count(&errors) > 0) {
		print_config_errors(&errors, LOG_TYPE_ERROR);
		i_error("Invalid configuration in %s: %u error%s", config_path,
			array_count(&errors), array_count(&errors) == 1 ? "" : "s");
		if (tree != NULL)
			config_tree_free(&tree);
		pool_unref(&pool);
		return -1;
	}
	print_config_errors(&warnings, LOG_TYPE_WARNING);
	if (settings_to_struct(tree, tree->root, &master_setting_table, NULL, pool, &set,
			       &error) < 0) {
		i_error("Invalid configuration in %s: %s", config_path, error);
		config_tree_free(&tree);
		pool_unref(&pool);
		return -1;
	}
	/* certificates, keys and ciphers must work before anyone relies on them */
	if (tls_config_check(tree, &error) < 0) {
		i_error("Invalid configuration in %s: %s", config_path, error);
		config_tree_free(&tree);
		pool_unref(&pool);
		return -1;
	}
	*tree_r = tree;
	*set_r = set;
	*pool_r = pool;
	return 0;
}

static int mkdir_parents(const char *path, mode_t mode)
{
	char *copy = i_strdup(path);
	int ret = 0;

	for (char *p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			ret = -1;
		*p = '/';
	}
	if (ret == 0 && mkdir(copy, mode) < 0 && errno != EEXIST)
		ret = -1;
	i_free(copy);
	return ret;
}

/* Takes the master lock; a second roost on the same base_dir fails here.
   The lock is a separate file so that master.pid appears only once the
   master can handle signals (written atomically by pid_file_write()). */
static void pid_file_lock(const char *base_dir)
{
	char buf[32];
	int fd;
	ssize_t ret;

	pid_path = i_strdup_printf("%s/%s", base_dir, MASTER_PID_FILE);
	lock_path = i_strdup_printf("%s/master.lock", base_dir);
	lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0)
		i_fatal("open(%s) failed: %m", lock_path);
	if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
		fd = open(pid_path, O_RDONLY);
		ret = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		buf[ret > 0 ? ret : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		i_fatal("roost is already running with PID %s (read from %s); "
			"stop it first or use another base_dir", buf[0] != '\0' ? buf : "?",
			pid_path);
	}
}

static void pid_file_write(void)
{
	char buf[32], *tmp_path;
	int fd, len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	tmp_path = i_strdup_printf("%s.tmp", pid_path);
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)len) != len || close(fd) < 0 ||
	    rename(tmp_path, pid_path) < 0)
		i_fatal("write(%s) failed: %m", pid_path);
	i_free(tmp_path);
	pid_written = true;
}

static void pid_file_remove(void)
{
	if (pid_written) {
		(void)unlink(pid_path);
		pid_written = false;
	}
	i_close_fd(&lock_fd);
}

static pid_t pid_file_read(const char *base_dir)
{
	char path[4096], buf[32];
	int fd;
	ssize_t ret;
	unsigned int pid;

	snprintf(path, sizeof(path), "%s/%s", base_dir, MASTER_PID_FILE);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		i_fatal("roost is not running (cannot open %s: %m)", path);
	ret = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[ret > 0 ? ret : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (str_to_uint(buf, &pid) < 0 || pid == 0)
		i_fatal("%s does not hold a pid", path);
	if (kill((pid_t)pid, 0) < 0)
		i_fatal("roost is not running (PID %u from %s: %m)", pid, path);
	return (pid_t)pid;
}

static int configure_logging(const struct master_settings *set, const char **error_r)
{
	struct master_log_settings lset = {
		.log_path = set->log_path,
		.info_log_path = set->info_log_path,
		.debug_log_path = set->debug_log_path,
		.syslog_facility = set->syslog_facility,
		.log_timestamp = set->log_timestamp,
	};
	return master_log_configure(&lset, error_r);
}

static void retired_list_check(void)
{
	struct service_list *list;

	for (unsigned int i = 0; i < array_count(&retired_lists);) {
		list = array_idx_elem(&retired_lists, i);
		if (service_list_process_count(list) == 0) {
			array_delete(&retired_lists, i, 1);
			service_list_unref(&list);
		} else {
			i++;
		}
	}
}

static void sig_reload(int signo, void *context)
{
	struct config_tree *tree;
	struct master_settings *set;
	struct service_list *new_list;
	const char *error;
	pool_t pool;

	if (shutting_down)
		return;
	i_info("SIGHUP received - reloading configuration");
	if (master_read_config(&tree, &set, &pool) < 0) {
		i_error("Config reload failed: keeping the running configuration");
		return;
	}
	new_list = service_list_create(tree, set, services, &error);
	if (new_list == NULL) {
		i_error("Config reload failed: %s", error);
		config_tree_free(&tree);
		pool_unref(&pool);
		return;
	}
	if (configure_logging(set, &error) < 0)
		i_error("Config reload: %s (log destinations unchanged)", error);
	/* old processes finish their clients; new ones use the new config */
	service_list_retire(services);
	array_push(&retired_lists, &services);
	services = new_list;
	pool_unref(&set_pool);
	set_pool = pool;
	master_set = set;
	service_list_start(services);
	retired_list_check();
	i_info("Configuration reloaded");
}

static void sig_reopen_logs(int signo, void *context)
{
	master_log_reopen();
	i_info("Log files reopened");
}

static void shutdown_check(void *context)
{
	if (service_process_total_count() == 0 || ioloop_time >= *(time_t *)context)
		io_loop_stop(ioloop);
}

static void sig_shutdown(int signo, void *context)
{
	static time_t deadline;
	struct service_list *list;

	if (shutting_down)
		return;
	shutting_down = true;
	i_info("Shutting down (signal %d)", signo);
	service_list_retire(services);
	service_list_kill(services, SIGTERM);
	array_foreach_elem(&retired_lists, list)
		service_list_kill(list, SIGTERM);
	deadline = ioloop_time + SHUTDOWN_KILL_SECS;
	to_shutdown = timeout_add(100, shutdown_check, &deadline);
	shutdown_check(&deadline);
}

static void child_exited(pid_t pid, int status, void *context)
{
	struct service_process *process = service_process_lookup(pid);

	if (process == NULL)
		return; /* not ours (e.g. a helper that was reaped elsewhere) */
	service_process_exited(process, status);
	retired_list_check();
}

static void daemonize(void)
{
	pid_t pid = fork();

	if (pid < 0)
		i_fatal("fork() failed: %m");
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		i_fatal("setsid() failed: %m");
	int fd = open("/dev/null", O_RDWR);

	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

static void ATTR_NORETURN usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
		"Usage: roost [-F] [-c <config file>] [-n | -a] [--version]\n"
		"       roost [-c <config file>] stop | reload\n"
		"  -F          stay in the foreground\n"
		"  -c FILE     configuration file (default %s/roost.conf)\n"
		"  -n          print the settings that differ from the defaults, then exit\n"
		"  -a          print every setting, then exit\n"
		"  stop        tell the running master to shut down\n"
		"  reload      tell the running master to re-read its configuration\n",
		ROOST_SYSCONFDIR);
	exit(status);
}

static void print_config(bool nondefault)
{
	struct config_tree *tree;
	struct master_settings *set;
	pool_t pool;
	string_t *str = str_new(pool_system, 8192);

	if (master_read_config(&tree, &set, &pool) < 0)
		exit(FATAL_DEFAULT);
	settings_write(tree, &all_settings_table,
		       nondefault ? SETTINGS_WRITE_NONDEFAULT | SETTINGS_WRITE_HIDE_SECRETS :
				    SETTINGS_WRITE_HIDE_SECRETS, str);
	fwrite(str_c(str), 1, str_len(str), stdout);
	str_free(&str);
	config_tree_free(&tree);
	pool_unref(&pool);
	exit(0);
}

static void signal_running_master(const char *command)
{
	struct config_tree *tree;
	struct master_settings *set;
	pool_t pool;

	if (master_read_config(&tree, &set, &pool) < 0)
		exit(FATAL_DEFAULT);
	pid_t pid = pid_file_read(set->base_dir);
	int signo = strcmp(command, "stop") == 0 ? SIGTERM : SIGHUP;

	if (kill(pid, signo) < 0)
		i_fatal("kill(%ld) failed: %m", (long)pid);
	exit(0);
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config_tree *tree;
	struct io_signal *sig_hup, *sig_term, *sig_int, *sig_usr1;
	struct io_child *child_watch;
	const char *error;
	bool foreground = false;
	int c, print = 0;

	log_init_stderr("roost: ");
	config_path = getenv("ROOST_CONFIG");
	if (config_path == NULL)
		config_path = ROOST_SYSCONFDIR "/roost.conf";
	while ((c = getopt_long(argc, argv, "Fc:nah", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			foreground = true;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'n':
			print = 'n';
			break;
		case 'a':
			print = 'a';
			break;
		case 'V':
			printf("%s\n", ROOST_VERSION);
			return 0;
		case 'h':
			usage(0);
		default:
			usage(FATAL_DEFAULT);
		}
	}
	if (print != 0)
		print_config(print == 'n');
	if (optind < argc) {
		if (strcmp(argv[optind], "stop") != 0 && strcmp(argv[optind], "reload") != 0)
			usage(FATAL_DEFAULT);
		signal_running_master(argv[optind]);
	}

	if (master_read_config(&tree, &master_set, &set_pool) < 0)
		i_fatal_status(FATAL_DEFAULT, "Refusing to start with an invalid configuration");
	master_privsep = geteuid() == 0;
	if (mkdir_parents(master_set->base_dir, 0755) < 0)
		i_fatal("mkdir(%s) failed: %m", master_set->base_dir);
	pid_file_lock(master_set->base_dir);

	if (configure_logging(master_set, &error) < 0)
		i_fatal("%s", error);
	signal(SIGPIPE, SIG_IGN);
	services = service_list_create(tree, master_set, NULL, &error);
	if (services == NULL)
		i_fatal("%s", error);
	if (!foreground)
		daemonize();
	ioloop = io_loop_create();
	/* signal handlers exist before the pid file tells anyone our pid */
	sig_hup = io_signal_add(SIGHUP, sig_reload, NULL);
	sig_term = io_signal_add(SIGTERM, sig_shutdown, NULL);
	sig_int = io_signal_add(SIGINT, sig_shutdown, NULL);
	sig_usr1 = io_signal_add(SIGUSR1, sig_reopen_logs, NULL);
	child_watch = io_child_add(0, child_exited, NULL);
	pid_file_write();
	log_set_fatal_callback(pid_file_remove);
	log_set_prefix("master: ");
	log_set_handler(master_log_handler);
	i_array_init(&retired_lists, 4);

	if (!master_privsep) {
		i_warning("Running as uid %ld, not root: privilege separation is off and every "
			  "process runs as this user", (long)geteuid());
	}
	i_info("Roost v%s starting up for %s", ROOST_VERSION,
	       p_strarray_join(set_pool, master_set->protocols, ", "));

	service_list_start(services);

	io_loop_run(ioloop);

	/* whatever did not stop in time is killed */
	service_list_kill(services, SIGKILL);
	struct service_list *list;

	array_foreach_elem(&retired_lists, list)
		service_list_kill(list, SIGKILL);
	timeout_remove(&to_shutdown);
	io_signal_remove(&sig_hup);
	io_signal_remove(&sig_term);
	io_signal_remove(&sig_int);
	io_signal_remove(&sig_usr1);
	io_child_remove(&child_watch);
	i_info("Roost stopped");
	pid_file_remove();
	master_log_deinit();
	return 0;
}

/* roostadm: the admin tool (like doveadm). Commands are a table of small
   handlers; this release has the ones that talk to the running master:
   reload, stop and log reopen. Later releases add pw, auth, user, who,
   kick, mailbox and friends here.

   Privileges: those of the admin who runs it. It reads the configuration
   (to find base_dir) and the master's pid file, and signals the master. */
#include "lib.h"
#include "config-load.h"
#include "config-components.h"
#include "all-settings.h"
#include "roost-config.h"
#include "admin-auth.h"
#include "admin-who.h"
#include "admin-quota.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

struct admin_context {
	const char *config_path;
	struct config_tree *config;
};

struct admin_command {
	const char *name; /* "log reopen" */
	const char *usage;
	int (*run)(struct admin_context *ctx, int argc, char *argv[]);
};

static void admin_load_config(struct admin_context *ctx)
{
	ARRAY_TYPE(settings_error) errors, warnings;

	i_array_init(&errors, 8);
	i_array_init(&warnings, 8);
	if (config_components_load(ctx->config_path, &ctx->config, &errors, &warnings) < 0) {
		array_foreach(&errors, err)
			i_error("%s", settings_error_str(pool_temp, err));
		i_fatal("Invalid configuration in %s", ctx->config_path);
	}
	array_free(&errors);
	array_free(&warnings);
}

const char *admin_base_dir(struct admin_context *ctx)
{
	if (ctx->config == NULL)
		admin_load_config(ctx);
	return settings_get_value(ctx->config, &all_settings_table, NULL, "base_dir");
}

const struct config_tree *admin_config(struct admin_context *ctx)
{
	if (ctx->config == NULL)
		admin_load_config(ctx);
	return ctx->config;
}

static pid_t admin_master_pid(struct admin_context *ctx)
{
	const char *base_dir, *path;
	char buf[32];
	unsigned int pid;
	FILE *f;

	admin_load_config(ctx);
	base_dir = settings_get_value(ctx->config, &all_settings_table, NULL, "base_dir");
	path = t_strdup_printf("%s/master.pid", base_dir);
	f = fopen(path, "r");
	if (f == NULL)
		i_fatal("Roost is not running (cannot open %s: %m)", path);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	if (str_to_uint(buf, &pid) < 0 || pid == 0)
		i_fatal("%s does not hold a pid", path);
	if (kill((pid_t)pid, 0) < 0)
		i_fatal("Roost is not running (PID %u from %s: %m)", pid, path);
	return (pid_t)pid;
}

static int signal_master(struct admin_context *ctx, int signo)
{
	pid_t pid = admin_master_pid(ctx);

	if (kill(pid, signo) < 0) {
		i_error("kill(%ld, %d) failed: %m", (long)pid, signo);
		return 1;
	}
	return 0;
}

static int cmd_reload(struct admin_context *ctx, int argc, char *argv[])
{
	return signal_master(ctx, SIGHUP);
}

static int cmd_stop(struct admin_context *ctx, int argc, char *argv[])
{
	return signal_master(ctx, SIGTERM);
}

static int cmd_log_reopen(struct admin_context *ctx, int argc, char *argv[])
{
	return signal_master(ctx, SIGUSR1);
}

static const struct admin_command commands[] = {
	{ "reload", "reload", cmd_reload },
	{ "stop", "stop", cmd_stop },
	{ "log reopen", "log reopen", cmd_log_reopen },
	{ "pw", "pw [-l] [-s <scheme>] [-p <password>] [-r <rounds>] [-u <user>] [-t <hash>] [-V]",
	  cmd_pw },
	{ "auth test", "auth test [-x service=<s>] <user> [<password>]", cmd_auth_test },
	{ "auth lookup", "auth lookup <user>", cmd_auth_lookup },
	{ "user", "user <user>", cmd_user },
	{ "who", "who [<user mask>]", cmd_who },
	{ "kick", "kick <user mask>", cmd_kick },
	{ "quota get", "quota get -u <user>", cmd_quota_get },
	{ "quota recalc", "quota recalc -u <user>", cmd_quota_recalc },
};

static void ATTR_NORETURN usage(int status)
{
	FILE *out = status == 0 ? stdout : stderr;

	fprintf(out, "Usage: roostadm [-c <config file>] <command> [<args>]\nCommands:\n");
	for (unsigned int i = 0; i < N_ELEMENTS(commands); i++)
		fprintf(out, "  %s\n", commands[i].usage);
	exit(status);
}

/* Matches the longest command whose words start argv. */
static const struct admin_command *find_command(int argc, char *argv[], int *words_r)
{
	const struct admin_command *best = NULL;
	int best_words = 0;

	for (unsigned int i = 0; i < N_ELEMENTS(commands); i++) {
		const char **words = p_strsplit(pool_temp, commands[i].name, " ");
		int n = (int)str_array_length(words), j;

		for (j = 0; j < n && j < argc; j++) {
			if (strcmp(words[j], argv[j]) != 0)
				break;
		}
		if (j == n && n > best_words) {
			best = &commands[i];
			best_words = n;
		}
	}
	*words_r = best_words;
	return best;
}

int main(int argc, char *argv[])
{
	struct admin_context ctx;
	const struct admin_command *cmd;
	int c, words, ret;

	memset(&ctx, 0, sizeof(ctx));
	log_init_stderr("roostadm: ");
	ctx.config_path = getenv("ROOST_CONFIG");
	if (ctx.config_path == NULL)
		ctx.config_path = ROOST_SYSCONFDIR "/roost.conf";
	while ((c = getopt(argc, argv, "+c:h")) != -1) {
		if (c == 'c')
			ctx.config_path = optarg;
		else if (c == 'h')
			usage(0);
		else
			usage(FATAL_DEFAULT);
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage(FATAL_DEFAULT);
	cmd = find_command(argc, argv, &words);
	if (cmd == NULL) {
		i_error("Unknown command '%s'", argv[0]);
		usage(FATAL_DEFAULT);
	}
	ret = cmd->run(&ctx, argc - words, argv + words);
	if (ctx.config != NULL)
		config_tree_free(&ctx.config);
	pool_temp_clear();
	return ret;
}

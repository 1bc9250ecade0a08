/* roost-pop3-stdio: serves one already-authenticated POP3 client on
   stdin/stdout, like "doveadm exec pop3" or Dovecot's pop3 started by hand.
   For tests and admins: it does the POP3 session of the post-login pop3
   process without the login hand-off.

     roost-pop3-stdio [-c CONFIG] -u USER [-o KEY=VALUE]... [-t IDLE_SECS] [-D]

   -o overrides a setting of CONFIG (e.g. -o mail_location=maildir:~/Maildir).
   -t shortens the idle timeout (default Dovecot's ten minutes).

   Privileges: none of its own: it runs as whoever starts it and touches
   only that user's mail_location. Untrusted input: the POP3 client on
   stdin (through the bounded line reader). */
#include "lib.h"
#include "str.h"
#include "master-service.h"
#include "settings.h"
#include "mail-storage-settings.h"
#include "mail-user.h"
#include "mail-storage-hooks.h"
#include "quota.h"
#include "pop3-client.h"
#include "pop3-settings.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static struct master_service *service;

static void client_destroyed(void *context ATTR_UNUSED)
{
	master_service_stop(service);
}

static void usage(void)
{
	fprintf(stderr, "usage: roost-pop3-stdio [-c CONFIG] -u USER [-o KEY=VALUE]... "
		"[-t IDLE_SECS] [-D]\n");
	exit(64);
}

int main(int argc, char *argv[])
{
	struct config_tree *tree;
	ARRAY_TYPE(settings_error) errors;
	struct settings_filter filter = { .protocol = "pop3" };
	struct mail_storage_settings *storage_set;
	struct pop3_settings *pop3_set;
	struct mail_user *user;
	struct pop3_client_params params;
	const char *config_path = NULL, *username = NULL, *error;
	unsigned int idle_secs = 0;
	bool debug = false;
	string_t *overrides;
	pool_t pool;
	void *setp;
	int c, service_argc = 1;
	char *service_argv[] = { argv[0], NULL }, **service_argvp = service_argv;

	pool = pool_alloconly_create("pop3-stdio", 4096);
	overrides = str_new(pool, 256);
	while ((c = getopt(argc, argv, "c:u:o:t:D")) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'u':
			username = optarg;
			break;
		case 'o': {
			const char *eq = strchr(optarg, '=');

			if (eq == NULL || strchr(optarg, '\n') != NULL)
				usage();
			str_printfa(overrides, "%s = %s\n", t_strndup(optarg, eq - optarg), eq + 1);
			break;
		}
		case 't':
			if (str_to_uint(optarg, &idle_secs) < 0 || idle_secs == 0)
				usage();
			break;
		case 'D':
			debug = true;
			break;
		default:
			usage();
		}
	}
	if (username == NULL || optind != argc)
		usage();

	optind = 0; /* glibc: a fresh getopt() scan for master_service_init() */
	service = master_service_init("pop3", MASTER_SERVICE_FLAG_STANDALONE_OK |
				      MASTER_SERVICE_FLAG_NO_DROP, &service_argc, &service_argvp);
	if (debug)
		log_set_debug(true);
	log_set_prefix(p_strdup_printf(pool, "pop3(%s): ", username));

	/* the file, then the -o lines: later values win */
	tree = config_tree_create();
	p_array_init(&errors, pool, 4);
	if (config_path != NULL)
		(void)settings_parse_file(tree, config_path, NULL, &errors);
	(void)settings_parse_string(tree, str_c(overrides), "(-o)", NULL, &errors);
	if (array_count(&errors) > 0)
		i_fatal("%s", settings_error_str(pool, array_idx(&errors, 0)));
	if (settings_to_struct(tree, tree->root, &mail_storage_setting_table, &filter, pool,
			       &setp, &error) < 0)
		i_fatal("settings: %s", error);
	storage_set = setp;
	if (settings_to_struct(tree, tree->root, &pop3_setting_table, &filter, pool, &setp,
			       &error) < 0)
		i_fatal("settings: %s", error);
	pop3_set = setp;
	mail_storage_plugin_settings_set(pop3_set->plugin);
	bool quota = quota_plugin_wanted(pop3_set->mail_plugins, "quota");
	if (quota) {
		struct quota_plugin_settings qset;

		quota_plugin_settings_from_config(tree, pool, &qset);
		quota_plugin_init(&qset);
	}
	config_tree_free(&tree);
	if (storage_set->mail_location[0] == '\0')
		i_fatal("mail_location is not set (use -o mail_location=...)");

	if (mail_user_create(storage_set, username, getenv("HOME"), &user, &error) < 0)
		i_fatal("%s", error);
	mail_user_plugins_init(user, NULL);
	master_service_init_finish(service);

	memset(&params, 0, sizeof(params));
	params.fd_in = STDIN_FILENO;
	params.fd_out = STDOUT_FILENO;
	params.session_id = "";
	params.set = pop3_set;
	params.user = user;
	params.idle_timeout_msecs = idle_secs * 1000;
	params.destroyed = client_destroyed;
	(void)pop3_client_create(&params);
	master_service_run(service, NULL);

	mail_user_free(&user);
	if (quota)
		quota_plugin_deinit();
	master_service_deinit(&service);
	pool_unref(&pool);
	return 0;
}

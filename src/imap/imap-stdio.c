/* roost-imap-stdio: serves one post-login IMAP session on stdin/stdout for
   a given user, like "doveadm exec imap -u USER". It is the test harness of
   the IMAP server (no login path, no privileges: it runs as whoever starts
   it and touches only that user's mail_location), and the code path that
   the post-login imap process uses after a hand-off.

   Usage: roost-imap-stdio [-c CONFIG] -u USER [-o key=value]...

   Untrusted input: the client's IMAP commands on stdin. */

#include "lib.h"
#include "imap-client.h"
#include "imap-quota.h"
#include "mail-storage-hooks.h"
#include "imap-settings.h"
#include "ioloop.h"
#include "mail-storage-settings.h"
#include "mail-user.h"
#include "settings.h"
#include "str.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static struct ioloop *ioloop;

static void client_destroyed(struct client *client, void *context)
{
	struct client **clientp = context;

	(void)client;
	client_destroy(clientp);
	io_loop_stop(ioloop);
}

static void sig_shutdown(int signo, void *context)
{
	struct client **clientp = context;

	(void)signo;
	if (*clientp != NULL)
		client_disconnect(*clientp, "Server shutting down.", "Server shutting down");
}

static void usage(void)
{
	fprintf(stderr, "Usage: roost-imap-stdio [-c CONFIG] -u USER [-o key=value]...\n");
	exit(64);
}

int main(int argc, char *argv[])
{
	ARRAY_TYPE(settings_error) errors;
	struct settings_filter filter;
	const char *config = NULL, *user_name = NULL, *error;
	struct mail_storage_settings *storage_set;
	struct imap_settings *imap_set;
	struct config_tree *tree;
	struct mail_user *user;
	struct client *client;
	struct io_signal *sig_term;
	string_t *overrides;
	void *setp;
	pool_t pool;
	int c;

	/* a client that goes away is an EPIPE for the ostream, not a signal */
	signal(SIGPIPE, SIG_IGN);
	pool = pool_alloconly_create("imap-stdio", 4096);
	overrides = str_new(pool, 256);
	while ((c = getopt(argc, argv, "c:u:o:")) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'u':
			user_name = optarg;
			break;
		case 'o':
			if (strchr(optarg, '=') == NULL)
				usage();
			str_printfa(overrides, "%s\n", optarg);
			break;
		default:
			usage();
		}
	}
	if (user_name == NULL) {
		user_name = getenv("USER");
		if (user_name == NULL)
			usage();
	}
	tree = config_tree_create();
	p_array_init(&errors, pool, 4);
	if (config != NULL)
		(void)settings_parse_file(tree, config, &mail_storage_setting_table, &errors);
	if (str_len(overrides) > 0)
		(void)settings_parse_string(tree, str_c(overrides), "-o",
					    &mail_storage_setting_table, &errors);
	if (array_count(&errors) > 0)
		i_fatal("config: %s", settings_error_str(pool, array_idx(&errors, 0)));
	memset(&filter, 0, sizeof(filter));
	filter.protocol = "imap";
	if (settings_to_struct(tree, tree->root, &mail_storage_setting_table, &filter, pool, &setp,
			       &error) < 0)
		i_fatal("settings: %s", error);
	storage_set = setp;
	if (settings_to_struct(tree, tree->root, &imap_setting_table, &filter, pool, &setp,
			       &error) < 0)
		i_fatal("settings: %s", error);
	imap_set = setp;
	imap_plugins_init(imap_set, tree);
	config_tree_free(&tree);

	if (mail_user_create(storage_set, user_name, getenv("HOME"), &user, &error) < 0)
		i_fatal("user %s: %s", user_name, error);
	mail_user_plugins_init(user, NULL);

	ioloop = io_loop_create();
	client = client_create(STDIN_FILENO, STDOUT_FILENO, user, imap_set);
	client_set_destroy_callback(client, client_destroyed, &client);
	sig_term = io_signal_add(SIGTERM, sig_shutdown, &client);
	/* the session is authenticated already: PREAUTH, as Dovecot's imap
	   says when started by hand (mutt's tunnel, imaplib's IMAP4_stream) */
	client_start(client, t_strdup_printf("* PREAUTH [CAPABILITY %s] Logged in as %s",
					     client_capability(client),
					     str_sanitize(pool_temp, user_name, 100)));
	io_loop_run(ioloop);
	io_signal_remove(&sig_term);
	if (client != NULL)
		client_destroy(&client);
	io_loop_destroy(&ioloop);
	imap_plugins_deinit();
	pool_unref(&pool);
	return 0;
}

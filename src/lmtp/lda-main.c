/* roost-lda: local delivery of one message read from stdin, for Postfix's
   mailbox_command and for scripts; the options of Dovecot 2.3's
   dovecot-lda:

     roost-lda [-c CONFIG] [-d USER] [-f SENDER] [-a ADDRESS] [-m MAILBOX] [-p FILE]

   -d the user to look up in the userdb (default: the invoking user's login
   name), -f the envelope sender (Return-Path:), -a the address for
   Delivered-To: (default: the -d user), -m the mailbox (a missing one
   falls back to INBOX unless lda_mailbox_autocreate), -p read the message
   from FILE instead of stdin. A leading mbox "From " line is dropped.

   Exit status (sysexits.h, as dovecot-lda): 0 delivered, 67 (EX_NOUSER)
   unknown user, 75 (EX_TEMPFAIL) temporary failure (userdb or auth down,
   disk full, I/O error, a configuration that cannot be read: the MTA
   retries), 77 (EX_NOPERM) a permanent refusal (over quota), 64
   (EX_USAGE) bad options.

   Privileges: it runs as whoever starts it. As root it delivers with the
   user's effective uid/gid (lmtp-delivery.c); as another user it can only
   deliver to users of its own uid/gid (Postfix runs mailbox_command as the
   recipient). Sockets: base_dir/auth-userdb (mode 0666 by default).

   Untrusted input: the message, the envelope options (from the MTA). */
#include "lib.h"
#include "write-full.h"
#include "str.h"
#include "strfuncs.h"
#include "roost-config.h"
#include "master-service.h"
#include "auth-master-client.h"
#include "mail-storage-settings.h"
#include "lmtp-settings.h"
#include "lmtp-delivery.h"

#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sysexits.h>

#define LDA_IO_SIZE (64 * 1024)

/* rebuilt argument vectors, freed at exit */
static char **lda_config_argv, **lda_opt_argv;

static void lda_free_argv(void)
{
	free(lda_config_argv);
	free(lda_opt_argv);
}

/* Copies the message from in_fd into an unlinked spool file, dropping a
   leading "From " line. *crlf_r tells whether the first line ended with
   CRLF (the added headers then use CRLF too). */
static int lda_spool(const char *dir, int in_fd, int *fd_r, uint64_t *size_r, bool *crlf_r,
		     const char **error_r)
{
	unsigned char buf[LDA_IO_SIZE];
	bool first = true;
	ssize_t ret;
	int fd;

	*size_r = 0;
	*crlf_r = false;
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd == -1) {
		*error_r = t_strdup_printf("open(%s, O_TMPFILE) failed: %m", dir);
		return -1;
	}
	while ((ret = read(in_fd, buf, sizeof(buf))) != 0) {
		const unsigned char *data = buf;
		size_t size;

		if (ret < 0) {
			if (errno == EINTR)
				continue;
			*error_r = t_strdup_printf("read(message) failed: %m");
			i_close_fd(&fd);
			return -1;
		}
		size = (size_t)ret;
		if (first) {
			const unsigned char *nl = memchr(data, '\n', size);

			first = false;
			*crlf_r = nl != NULL && nl > data && nl[-1] == '\r';
			if (size >= 5 && memcmp(data, "From ", 5) == 0 && nl != NULL) {
				size_t skip = (size_t)(nl - data) + 1;
				const unsigned char *nl2 = memchr(nl + 1, '\n', size - skip);

				*crlf_r = nl2 != NULL && nl2 > nl + 1 && nl2[-1] == '\r';
				data += skip;
				size -= skip;
			}
		}
		if (write_full(fd, data, size) < 0) {
			*error_r = t_strdup_printf("write(spool) failed: %m");
			i_close_fd(&fd);
			return -1;
		}
		*size_r += size;
	}
	*fd_r = fd;
	return 0;
}

/* A fatal error (an unreadable or invalid configuration) must not make the
   MTA bounce the message: it retries on EX_TEMPFAIL. */
static void lda_fatal_callback(void)
{
	_exit(EX_TEMPFAIL);
}

static int usage(void)
{
	fprintf(stderr, "usage: roost-lda [-c CONFIG] [-d USER] [-f SENDER] [-a ADDRESS] "
			"[-m MAILBOX] [-p FILE]\n");
	return EX_USAGE;
}

int main(int argc, char *argv[])
{
	struct master_service *service;
	const struct config_tree *tree;
	struct settings_filter filter;
	struct auth_master_client *auth;
	struct auth_master_user_info info;
	struct lmtp_delivery_message msg;
	struct lmtp_delivery_recipient rcpt;
	struct lmtp_delivery_result result;
	const char *user = NULL, *sender = "MAILER-DAEMON", *address = NULL, *mailbox = NULL;
	const char *path = NULL, *error, *nl;
	const struct lmtp_settings *set;
	void *setp, *storage_setp;
	string_t *headers;
	bool have_config = false, crlf;
	int c, in_fd = 0, ret, status;
	pool_t pool;

	log_set_fatal_callback(lda_fatal_callback);
	atexit(lda_free_argv);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 || strncmp(argv[i], "-c", 2) == 0)
			have_config = true;
	}
	if (!have_config) {
		/* the installed configuration, as dovecot-lda reads dovecot.conf */
		char **nargv = lda_config_argv = calloc((size_t)argc + 3, sizeof(char *));
		if (nargv == NULL)
			return EX_TEMPFAIL;
		nargv[0] = argv[0];
		nargv[1] = (char *)"-c";
		nargv[2] = (char *)ROOST_SYSCONFDIR "/roost.conf";
		for (int i = 1; i < argc; i++)
			nargv[i + 2] = argv[i];
		argc += 2;
		argv = nargv;
	}
	service = master_service_init("lda", MASTER_SERVICE_FLAG_NO_DROP, &argc, &argv);
	/* master_service_init() left argv[0] at the first argument it did not
	   parse: put a program name in front for getopt() */
	{
		char **oargv = lda_opt_argv = calloc((size_t)argc + 2, sizeof(char *));
		if (oargv == NULL)
			return EX_TEMPFAIL;
		oargv[0] = (char *)"roost-lda";
		for (int i = 0; i < argc; i++)
			oargv[i + 1] = argv[i];
		argc++;
		argv = oargv;
	}
	optind = 0;
	while ((c = getopt(argc, argv, "+d:f:a:m:p:er:k")) != -1) {
		switch (c) {
		case 'd': user = optarg; break;
		case 'f': sender = optarg; break;
		case 'a': case 'r': address = optarg; break;
		case 'm': mailbox = optarg; break;
		case 'p': path = optarg; break;
		case 'e': case 'k': break; /* Dovecot compatibility: no bounces are sent anyway */
		default: return usage();
		}
	}
	tree = master_service_get_config(service);
	if (tree == NULL) {
		i_error("no configuration");
		return EX_TEMPFAIL;
	}
	pool = pool_alloconly_create("lda", 4096);
	memset(&filter, 0, sizeof(filter));
	filter.protocol = "lda";
	if (settings_to_struct(tree, tree->root, &lmtp_setting_table, &filter, pool, &setp,
			       &error) < 0 ||
	    settings_to_struct(tree, tree->root, &mail_storage_setting_table, &filter, pool,
			       &storage_setp, &error) < 0) {
		i_error("settings: %s", error);
		return EX_TEMPFAIL;
	}
	set = setp;
	if (user == NULL) {
		struct passwd *pw = getpwuid(getuid());
		if (pw == NULL) {
			i_error("-d USER not given and uid %u has no passwd entry",
				(unsigned int)getuid());
			return EX_USAGE;
		}
		user = p_strdup(pool, pw->pw_name);
	}
	if (path != NULL && (in_fd = open(path, O_RDONLY)) < 0) {
		i_error("open(%s) failed: %m", path);
		return EX_USAGE;
	}
	memset(&msg, 0, sizeof(msg));
	if (lda_spool(set->mail_temp_dir, in_fd, &msg.fd, &msg.size, &crlf, &error) < 0) {
		i_error("%s", error);
		return EX_TEMPFAIL;
	}

	auth = auth_master_client_create(t_strdup_printf("%s/auth-userdb", set->base_dir),
					 AUTH_MASTER_DEFAULT_TIMEOUT_MSECS);
	memset(&info, 0, sizeof(info));
	info.service = "lda";
	memset(&rcpt, 0, sizeof(rcpt));
	ret = auth_master_user_lookup(auth, user, &info, pool, &rcpt.username, &rcpt.fields,
				      &error);
	auth_master_client_destroy(&auth);
	if (ret <= 0) {
		if (ret == 0)
			i_error("User %s doesn't exist", str_sanitize(pool, user, 200));
		else
			i_error("userdb lookup for %s failed: %s", str_sanitize(pool, user, 200),
				error);
		i_close_fd(&msg.fd);
		pool_unref(&pool);
		master_service_deinit(&service);
		return ret == 0 ? EX_NOUSER : EX_TEMPFAIL;
	}
	rcpt.detail = "";
	rcpt.mailbox = mailbox;
	rcpt.address = address != NULL ? address : rcpt.username;
	nl = crlf ? "\r\n" : "\n";
	headers = str_new(pool, 256);
	str_printfa(headers, "Return-Path: <%s>%s", sender, nl);
	str_printfa(headers, "Delivered-To: %s%s", rcpt.address, nl);
	msg.headers = str_c(headers);
	msg.nl = nl;
	msg.mail_from = sender;
	msg.session_id = "lda";
	/* as dovecot-lda: a plugin that cannot be loaded is a temporary
	   failure (the MTA keeps the message) */
	if (lmtp_delivery_plugins_load(set, tree, &error) < 0) {
		i_error("%s", error);
		i_close_fd(&msg.fd);
		pool_unref(&pool);
		master_service_deinit(&service);
		return EX_TEMPFAIL;
	}
	struct lmtp_delivery_batch *batch = lmtp_delivery_batch_create(set, storage_setp, "localhost");
	lmtp_delivery_batch_add(batch, &msg, &rcpt, pool, &result);
	lmtp_delivery_batch_commit(&batch);
	lmtp_delivery_plugins_unload();
	i_close_fd(&msg.fd);
	if (result.code == 250) {
		i_info("%s: saved mail to %s uid=%u", str_sanitize(pool, rcpt.username, 200),
		       str_sanitize(pool, result.mailbox, 200), result.uid);
		status = EX_OK;
	} else {
		i_error("%s: delivery failed: %s %s", str_sanitize(pool, rcpt.username, 200),
			result.enh, result.text);
		status = result.code >= 500 ? EX_NOPERM : EX_TEMPFAIL;
	}
	pool_unref(&pool);
	master_service_deinit(&service);
	return status;
}

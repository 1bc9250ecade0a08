/* The services Roost declares before reading the admin's files, written in
   the configuration language itself so that the admin's
   `service imap-login { inet_listener imap { port = 0 } }` changes them the
   way it changes Dovecot's built-in services (sections of the same name are
   merged, later values winning).

   Names, listeners, modes and limits are Dovecot 2.3's defaults. Services
   that Roost does not run (log, config, dict, stats, indexer, ...) are left
   out: the master logs itself and roostconf reads the files directly.

   `user = "$default_login_user"` is quoted so that it stays as written
   while the admin's files are read (unquoted $setting is expanded at parse
   time, when default_login_user still has its default); config_load()
   replaces it afterwards with the effective value, as Dovecot's master
   does, so an admin's `default_login_user = mailnull` applies to the
   built-in services too.

   Unix listener paths are relative to base_dir. "login/" holds the sockets a
   chrooted login process needs (its chroot is base_dir/login). */

#include "lib.h"
#include "master-settings.h"

const char default_services_config[] =
	"service imap-login {\n"
	"  type = login\n"
	"  protocol = imap\n"
	"  executable = imap-login\n"
	"  user = \"$default_login_user\"\n"
	"  chroot = login\n"
	"  service_count = 1\n"
	"  inet_listener imap {\n"
	"    port = 143\n"
	"  }\n"
	"  inet_listener imaps {\n"
	"    port = 993\n"
	"    ssl = yes\n"
	"  }\n"
	"}\n"
	"service imap {\n"
	"  protocol = imap\n"
	"  executable = imap\n"
	"  process_limit = 1024\n"
	"  client_limit = 1\n"
	"  service_count = 1\n"
	/* imap-login hands authenticated clients over here */
	"  unix_listener login/imap {\n"
	"    mode = 0666\n"
	"  }\n"
	"}\n"
	"service pop3-login {\n"
	"  type = login\n"
	"  protocol = pop3\n"
	"  executable = pop3-login\n"
	"  user = \"$default_login_user\"\n"
	"  chroot = login\n"
	"  service_count = 1\n"
	"  inet_listener pop3 {\n"
	"    port = 110\n"
	"  }\n"
	"  inet_listener pop3s {\n"
	"    port = 995\n"
	"    ssl = yes\n"
	"  }\n"
	"}\n"
	"service pop3 {\n"
	"  protocol = pop3\n"
	"  executable = pop3\n"
	"  process_limit = 1024\n"
	"  client_limit = 1\n"
	"  service_count = 1\n"
	"  unix_listener login/pop3 {\n"
	"    mode = 0666\n"
	"  }\n"
	"}\n"
	"service lmtp {\n"
	"  protocol = lmtp\n"
	"  executable = lmtp\n"
	"  client_limit = 1\n"
	"  unix_listener lmtp {\n"
	"    mode = 0666\n"
	"  }\n"
	"}\n"
	"service auth {\n"
	"  executable = auth\n"
	"  user = \"$default_internal_user\"\n"
	"  process_limit = 1\n"
	/* login processes (inside their chroot) */
	"  unix_listener login/login {\n"
	"    mode = 0666\n"
	"  }\n"
	"  unix_listener auth-login {\n"
	"    mode = 0600\n"
	"    user = \"$default_internal_user\"\n"
	"  }\n"
	/* SASL clients such as Postfix usually get their own listener */
	"  unix_listener auth-client {\n"
	"    mode = 0600\n"
	"    user = \"$default_internal_user\"\n"
	"  }\n"
	/* userdb lookups: lmtp, roostadm and post-login processes */
	"  unix_listener auth-userdb {\n"
	"    mode = 0666\n"
	"    user = \"$default_internal_user\"\n"
	"  }\n"
	"  unix_listener auth-master {\n"
	"    mode = 0600\n"
	"  }\n"
	"}\n"
	"service auth-worker {\n"
	"  executable = auth -w\n"
	"  client_limit = 1\n"
	"  service_count = 1\n"
	"  unix_listener auth-worker {\n"
	"    mode = 0600\n"
	"    user = \"$default_internal_user\"\n"
	"  }\n"
	"}\n"
	"service anvil {\n"
	"  type = anvil\n"
	"  executable = anvil\n"
	"  user = \"$default_internal_user\"\n"
	"  chroot = empty\n"
	"  process_limit = 1\n"
	"  process_min_avail = 1\n"
	"  unix_listener anvil {\n"
	"    mode = 0600\n"
	"  }\n"
	"  unix_listener anvil-auth-penalty {\n"
	"    mode = 0600\n"
	"  }\n"
	"}\n";

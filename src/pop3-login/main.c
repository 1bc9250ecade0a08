/* pop3-login: the pre-authentication POP3 process.

   What it does: greets POP3 clients, offers STLS (implicit TLS on
   listeners with ssl = yes), CAPA, USER/PASS and AUTH (RFC 5034, with an
   initial response) against the auth service, QUIT; after a successful
   login it hands the connection to the pop3 service (for TLS connections
   it keeps the TLS session and proxies the plaintext over a socket pair).

   Privileges: started as root by the master, it reads the TLS key from the
   configuration it was given, connects to anvil, then drops to
   default_login_user and is chrooted to base_dir/login, where it sees only
   the sockets "login" (auth) and "pop3" (hand-off). It opens no files.

   Untrusted input: every line the client sends before authentication,
   through the bounded line reader and pop3-login-cmd.h's parser. */
#include "lib.h"
#include "pop3-login-client.h"

int main(int argc, char *argv[])
{
	return login_main(&pop3_login_binary, argc, argv);
}

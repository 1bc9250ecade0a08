/* imap-login: the pre-authentication IMAP process.

   What it does: greets IMAP clients, offers STARTTLS (implicit TLS on
   listeners with ssl = yes), CAPABILITY, ID, NOOP, LOGOUT, and
   authenticates LOGIN/AUTHENTICATE against the auth service; after a
   successful login it hands the connection to the imap service (for TLS
   connections it keeps the TLS session and proxies the plaintext over a
   socket pair).

   Privileges: started as root by the master, it reads the TLS key from the
   configuration it was given, connects to anvil, then drops to
   default_login_user and is chrooted to base_dir/login, where it sees only
   the sockets "login" (auth) and "imap" (hand-off). It opens no files.

   Untrusted input: everything the client sends before authentication:
   lines and literals through the bounded line reader and lib-imap's
   parser with small limits (imap-login-cmd.h); SASL data is base64
   checked here and by auth. */
#include "lib.h"
#include "imap-login-client.h"

int main(int argc, char *argv[])
{
	return login_main(&imap_login_binary, argc, argv);
}

#ifndef LOGIN_INTERFACE_H
#define LOGIN_INTERFACE_H

/* The hand-off from a login process (imap-login, pop3-login) to a
   post-login process (imap, pop3). Version 1.

   The login process connects to the post-login service's unix listener
   (built-in: base_dir/login/imap and base_dir/login/pop3; from inside the
   login chroot, "imap" and "pop3") and sends ONE message with fd_send():
   the client's socket attached (for TLS connections: one end of a
   socketpair over which the login process proxies the decrypted stream),
   and as data a struct login_handoff_request immediately followed by
   client_input_size bytes of client input the login process already read
   after the successful authentication (pipelined commands).

   The post-login process redeems the cookie at the auth service's
   auth-master socket (Dovecot's "REQUEST" of the master protocol), which
   answers with the user name and userdb fields; it then takes on the user's
   uid/gid and home and answers the login process with one line:
     "OK\t<pid>\n"                  the client is served by process <pid>
     "FAIL\t<code>\t<reason>\n"     code: "temp" (try again later), "perm",
                                    or "retry": the process serves another
                                    uid, did not redeem the login, and stopped
                                    accepting; the login process sends the
                                    same request again (a new connection, a
                                    new client fd copy) a few times at most
   after which the login process logs the login (mpid=<pid>) and either
   closes its copy of the client fd or keeps proxying TLS. */

#include <stdint.h>

#define LOGIN_HANDOFF_VERSION 1
#define LOGIN_HANDOFF_COOKIE_SIZE 16
/* pipelined client input passed along at most */
#define LOGIN_HANDOFF_MAX_INPUT 4096
/* IMAP tag, NUL included */
#define LOGIN_HANDOFF_MAX_TAG_SIZE 64
/* the post-login process's answer line, LF included */
#define LOGIN_HANDOFF_MAX_REPLY 512

enum login_handoff_flags {
	/* the client connection is TLS (terminated in the login process) */
	LOGIN_HANDOFF_FLAG_TLS = 0x01,
	/* the connection counts as secure (TLS, local, or trusted network) */
	LOGIN_HANDOFF_FLAG_SECURED = 0x02,
	/* the client used a login_trusted_networks address */
	LOGIN_HANDOFF_FLAG_TRUSTED = 0x04,
};

struct login_handoff_ip {
	uint16_t family; /* AF_INET, AF_INET6 or 0 */
	uint16_t port;
	uint8_t addr[16];
};

struct login_handoff_request {
	uint32_t version; /* LOGIN_HANDOFF_VERSION */
	/* sizeof(struct login_handoff_request) + client_input_size */
	uint32_t size;
	/* identifies the auth request: auth server pid (SPID), the login
	   process's auth connection id (CUID) and its request id */
	uint32_t auth_pid;
	uint32_t auth_cuid;
	uint32_t auth_id;
	uint8_t cookie[LOGIN_HANDOFF_COOKIE_SIZE];
	uint32_t flags; /* enum login_handoff_flags */
	struct login_handoff_ip local, remote;
	/* Dovecot-style session id (base64 text, NUL-terminated) */
	char session_id[32];
	/* TLS SNI name the client asked for, NUL-terminated, or empty */
	char local_name[128];
	/* IMAP: the tag of the LOGIN/AUTHENTICATE command, NUL-terminated;
	   the post-login process answers it ("<tag> OK [CAPABILITY ...]
	   Logged in"), as Dovecot's imap does. POP3: empty (pop3 answers
	   "+OK Logged in."). Login processes refuse longer tags. */
	char tag[LOGIN_HANDOFF_MAX_TAG_SIZE];
	uint32_t client_input_size;
};

#endif

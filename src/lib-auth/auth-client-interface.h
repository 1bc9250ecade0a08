#ifndef AUTH_CLIENT_INTERFACE_H
#define AUTH_CLIENT_INTERFACE_H

/* Dovecot's authentication client protocol, version 1.x: what login
   processes and Postfix (smtpd_sasl_type = dovecot) speak on the auth
   service's client listeners (login/login, auth-login, auth-client and
   admin-added ones such as /var/spool/postfix/private/auth).

   Lines end in LF; fields are separated by TAB and use the tab-escaping of
   auth-fields.h. Both sides first send their handshake:

     S: VERSION TAB 1 TAB 2
     S: MECH TAB <name> [TAB <flag>]...    one line per mechanism
     S: SPID TAB <auth process pid>
     S: CUID TAB <connection id, unique in this auth process>
     S: COOKIE TAB <32 hex digits: 128 random bits for this connection>
     S: DONE
     C: VERSION TAB 1 TAB <minor>
     C: CPID TAB <client pid>

   A different major version ends the connection. Then requests:

     C: AUTH TAB <id> TAB <mech> TAB service=<s> [TAB <param>]... [TAB resp=<base64>]
     C: CONT TAB <id> TAB <base64>
     S: CONT TAB <id> TAB <base64>          the mechanism wants more
     S: OK TAB <id> TAB user=<user> [TAB <field>]...
     S: FAIL TAB <id> [TAB reason=<text>] [TAB temp] [TAB code=temp_fail] [TAB user=<user>]

   <id> is a 32-bit number the client chooses, unique on its connection.
   Parameters are "name" flags or "name=value"; unknown ones are ignored.
   resp= must come last: everything after it is ignored. An OK lets a
   post-login process redeem the login with REQUEST on the master socket
   (auth-master-interface.h) for AUTH_CLIENT_REQUEST_KEEP_SECS. */

#define AUTH_CLIENT_PROTOCOL_MAJOR_VERSION 1
#define AUTH_CLIENT_PROTOCOL_MINOR_VERSION 2

/* Longest line either side may send, without the LF. SASL data is base64
   on one line; this bounds every mechanism's input. */
#define AUTH_CLIENT_MAX_LINE_LENGTH 16384

/* The cookie in COOKIE and REQUEST, in bytes (32 hex digits on the wire). */
#define AUTH_CLIENT_COOKIE_SIZE 16

/* How long a successful request may still be redeemed with REQUEST. */
#define AUTH_CLIENT_REQUEST_KEEP_SECS 30

/* MECH flags, as Dovecot writes them. */
#define AUTH_MECH_FLAG_ANONYMOUS "anonymous"
#define AUTH_MECH_FLAG_PLAINTEXT "plaintext"
#define AUTH_MECH_FLAG_DICTIONARY "dictionary"
#define AUTH_MECH_FLAG_ACTIVE "active"
#define AUTH_MECH_FLAG_FORWARD_SECRECY "forward-secrecy"
#define AUTH_MECH_FLAG_MUTUAL_AUTH "mutual-auth"
#define AUTH_MECH_FLAG_PRIVATE "private"

#endif

#ifndef AUTH_MASTER_INTERFACE_H
#define AUTH_MASTER_INTERFACE_H

/* Dovecot's auth master/userdb protocol, version 1.0, spoken on the auth
   service's auth-master listener (trusted: post-login processes, roostadm)
   and auth-userdb listener (mode 0666: userdb lookups only; PASS and
   REQUEST are refused there). Lines end in LF, fields are TAB-separated
   and tab-escaped (auth-fields.h).

     S: VERSION TAB 1 TAB 0
     S: SPID TAB <auth process pid>
     C: VERSION TAB 1 TAB <minor>

   Requests (<id> is a 32-bit number chosen by the client):

     C: USER TAB <id> TAB <user> TAB service=<s> [TAB <param>]...
     S: USER TAB <id> TAB <user> [TAB <userdb field>]...
     S: NOTFOUND TAB <id>
     S: FAIL TAB <id> [TAB reason=<text>]

     C: PASS TAB <id> TAB <user> TAB service=<s> [TAB <param>]...
     S: PASS TAB <id> TAB user=<user> [TAB <passdb field>]...
        (also NOTFOUND / FAIL) -- the passdb lookup without a password check

     C: LIST TAB <id> [TAB user=<mask>] [TAB service=<s>]
     S: LIST TAB <id> TAB <user>               once per user
     S: DONE TAB <id> [TAB fail]

     C: REQUEST TAB <id> TAB <client pid> TAB <client auth id> TAB <cookie hex>
        [TAB peek]
     S: USER TAB <id> TAB <user> [TAB <userdb field>]...   (or NOTFOUND / FAIL)

   REQUEST redeems a successful client-protocol login: <client pid> is the
   CPID the login process sent on its auth connection, <client auth id> the
   id of its AUTH request, <cookie> the COOKIE that connection was given.
   A request can be redeemed once, within AUTH_CLIENT_REQUEST_KEEP_SECS.
   With "peek" the answer is the same but the login is not redeemed: a
   post-login process bound to one uid uses it to learn a user's uid/gid
   before it takes the login for good (and leaves it to another process
   when they differ).

   Optional parameters of USER/PASS are the client protocol's AUTH ones
   (lip, rip, lport, rport, session, local_name, debug). A malformed line
   from the client is logged and the connection is closed. */

#define AUTH_MASTER_PROTOCOL_MAJOR_VERSION 1
#define AUTH_MASTER_PROTOCOL_MINOR_VERSION 0

#define AUTH_MASTER_MAX_LINE_LENGTH 16384

#endif

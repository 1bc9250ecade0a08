#ifndef AUTH_WORKER_PROTOCOL_H
#define AUTH_WORKER_PROTOCOL_H

/* auth <-> auth worker (`auth -w`, service auth-worker), version 1.0.
   Internal and strict: a malformed line is a bug, logged, and the peer is
   cut off. Lines end in LF, fields are TAB-separated and tab-escaped
   (auth-fields.h). One request at a time per connection; the worker
   process serves one connection (the auth process keeps it open and
   reuses it).

     auth:   VERSION TAB auth-worker TAB 1 TAB 0
     worker: VERSION TAB auth-worker TAB 1 TAB 0

   Requests and their answers:
     VERIFY TAB <id> TAB <user> TAB <default scheme or ""> TAB <password> TAB <stored>
       checks a password against a slow hash (BLF-CRYPT, ARGON2, crypt)
     PAM TAB <id> TAB <pam service> TAB <user> TAB <password> TAB <rip> TAB <flags>
       pam_authenticate() and pam_acct_mgmt(); flags "" or "nosession"
     GETPW TAB <id> TAB <user>
       getpwnam(): answers "ok" with uid=, gid=, home=, shell= fields
     SQL TAB <id> TAB <sql file> TAB password|user|iterate [TAB <key=value>]...
       runs the file's password_query/user_query/iterate_query with the
       request's variables (the key=value fields, auth_request_export());
       answers "ok" with the row's "column=value" fields, "unknown" (no
       row), "internal" (no connection, a failed query, several rows for a
       password_query). iterate sends one
         ITEM TAB <id> TAB <user>
       line per row before its RESULT.

     RESULT TAB <id> TAB <status> [TAB <text or field>]...
       status: ok, mismatch, unknown, disabled, expired, internal
       (internal carries an error text for the log) */

#define AUTH_WORKER_PROTOCOL_MAJOR_VERSION 1
#define AUTH_WORKER_PROTOCOL_MINOR_VERSION 0
#define AUTH_WORKER_VERSION_LINE "VERSION\tauth-worker\t1\t0"
#define AUTH_WORKER_MAX_LINE_LENGTH 65536

/* A request not answered in this time fails (temporary failure) and its
   worker is disconnected; queued requests wait at most this long too.
   Well inside Postfix's 10 second patience. */
#define AUTH_WORKER_REQUEST_TIMEOUT_MSECS 5000
/* An idle worker connection is closed after this. */
#define AUTH_WORKER_IDLE_TIMEOUT_MSECS 60000

#endif

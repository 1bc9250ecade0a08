#ifndef TLS_CONTEXT_H
#define TLS_CONTEXT_H

/* A server's TLS context: one OpenSSL SSL_CTX for the global certificate
   and one per `local_name NAME { ssl_cert = ... }` section, with an SNI
   callback that switches a connection to the context of the name the
   client asked for (the last local_name section that matches wins, as in
   the settings' filter ranking; names match case-insensitively, `*`
   matches any run of characters). Protocol versions, ciphers, curves and
   options come from the global scope of the filter the context was built
   with; a local_name section chooses the certificate, key, ssl_ca and
   ssl_dh.

   Reloads (SIGHUP): nothing special happens here. The master validates
   the new configuration with tls_config_check() and starts new processes
   with it; they build new contexts. A running process keeps its context,
   so its open TLS sessions are never disturbed, and it exits when its last
   client leaves.

   Every error names the setting (and the file, when the tree knows it:
   config_node.value_file_path in the master), e.g.
   "ssl_key (/etc/ssl/private/mail.key): the key does not match the
   certificate of ssl_cert (/etc/ssl/certs/mail.pem)". */

#include "settings.h"
#include "tls-settings.h"

struct tls_context;

/* Builds the context for the settings under filter (NULL: the global
   scope; a login process passes its protocol). Returns 0 and a context
   with one reference, or -1 with *error_r. Fails when ssl = no or when
   ssl_cert/ssl_key are not set ("ssl enabled, but ssl_cert not set"). */
int tls_context_create(const struct config_tree *tree, const struct settings_filter *filter,
		       struct tls_context **ctx_r, const char **error_r);
void tls_context_ref(struct tls_context *ctx);
/* Sets *ctx to NULL; the last reference frees the OpenSSL contexts. Every
   tls_conn holds a reference, so a context may be unreferenced while
   connections still use it. */
void tls_context_unref(struct tls_context **ctx);

/* The number of local_name contexts (for logs and tests). */
unsigned int tls_context_get_name_count(const struct tls_context *ctx);
/* Handshakes that completed / failed on connections of this context. */
unsigned int tls_context_get_handshakes(const struct tls_context *ctx);
unsigned int tls_context_get_handshake_failures(const struct tls_context *ctx);

/* Start-up and reload check in the master (and roostconf): whether the
   TLS settings of the configuration can be used. Returns 0 when they can
   or when TLS is off, -1 with *error_r otherwise.
   - ssl = no: nothing to check (0).
   - ssl = yes without any ssl_cert or ssl_key anywhere: 0 (no listener can
     do TLS; services that need it log the missing setting when they start;
     Dovecot's doveconf refuses this, Roost lets plaintext-only set-ups
     start).
   - ssl = required without ssl_cert, or ssl_cert without ssl_key (or the
     other way round): -1.
   - otherwise the context must build, for the global scope and for every
     `protocol NAME { }` section that exists: bad PEM, a key that does not
     match its certificate, a wrong ssl_key_password, a bad cipher list,
     cipher suites, curve list or DH parameters all fail here. */
int tls_config_check(const struct config_tree *tree, const char **error_r);

#endif

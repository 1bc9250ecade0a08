#ifndef ADMIN_AUTH_H
#define ADMIN_AUTH_H

/* roostadm commands that talk to the auth service or use the password
   schemes: pw, auth test, auth lookup, user (doveadm's output formats). */

struct admin_context;
struct config_tree;

/* base_dir of the configuration (loads it on first use). */
const char *admin_base_dir(struct admin_context *ctx);
/* The configuration (loaded on first use). */
const struct config_tree *admin_config(struct admin_context *ctx);

int cmd_pw(struct admin_context *ctx, int argc, char *argv[]);
int cmd_auth_test(struct admin_context *ctx, int argc, char *argv[]);
int cmd_auth_lookup(struct admin_context *ctx, int argc, char *argv[]);
int cmd_user(struct admin_context *ctx, int argc, char *argv[]);

#endif

#ifndef ADMIN_QUOTA_H
#define ADMIN_QUOTA_H

/* roostadm quota get -u USER, quota recalc -u USER (doveadm's output). */

struct admin_context;

int cmd_quota_get(struct admin_context *ctx, int argc, char *argv[]);
int cmd_quota_recalc(struct admin_context *ctx, int argc, char *argv[]);

#endif

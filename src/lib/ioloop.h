#ifndef IOLOOP_H
#define IOLOOP_H

/* The event loop: the only user of <ev.h>. A process has one ioloop (libev's
   default loop, which also owns signals and child watchers). Callbacks may
   remove their own io/timeout; objects must not be freed inside their own
   callbacks otherwise (defer with timeout_add_short(0, ...)). */

#include <sys/time.h>

enum io_condition {
	IO_READ = 0x01,
	IO_WRITE = 0x02,
};

typedef void io_callback_t(void *context);
typedef void io_signal_callback_t(int signo, void *context);
/* status is as from waitpid() */
typedef void io_child_callback_t(pid_t pid, int status, void *context);

struct ioloop;
struct io;
struct timeout;
struct io_signal;
struct io_child;

/* Wall clock at the start of the current loop iteration. */
extern time_t ioloop_time;
extern struct timeval ioloop_timeval;

struct ioloop *io_loop_create(void);
void io_loop_destroy(struct ioloop **ioloop);
void io_loop_run(struct ioloop *ioloop);
void io_loop_stop(struct ioloop *ioloop);
struct ioloop *io_loop_get_current(void);
/* Updates ioloop_time/ioloop_timeval now. */
void io_loop_time_refresh(void);

struct io *io_add(int fd, enum io_condition condition, io_callback_t *callback, void *context);
/* Sets *io to NULL. */
void io_remove(struct io **io);
int io_get_fd(const struct io *io);

/* A repeating timer. */
struct timeout *timeout_add(unsigned int msecs, io_callback_t *callback, void *context);
/* Fires once (msecs may be 0: "on the next loop iteration"); the timeout is
   freed after the callback unless the callback removed it. */
struct timeout *timeout_add_once(unsigned int msecs, io_callback_t *callback, void *context);
void timeout_remove(struct timeout **timeout);
/* Restarts the countdown. */
void timeout_reset(struct timeout *timeout);

struct io_signal *io_signal_add(int signo, io_signal_callback_t *callback, void *context);
void io_signal_remove(struct io_signal **sig);

/* pid 0 watches every child. */
struct io_child *io_child_add(pid_t pid, io_child_callback_t *callback, void *context);
void io_child_remove(struct io_child **child);

/* Call in a forked child before exec(), so libev's state does not leak. */
void io_loop_fork_child(void);

/* What a callback runs on behalf of, in a process that serves many client
   sessions at once: a context carries one session's log prefix. An io or
   timeout added while a context is current remembers it, and its callback
   runs with that context current again (its log prefix set), so whatever
   the callback logs, however deep, names the right session. Callbacks of
   ios and timeouts added with no context current run with none: the
   process's own log prefix. Contexts are reference counted; every io and
   timeout holds a reference. */
struct io_context;

/* A context with its own copy of log_prefix; one reference. */
struct io_context *io_context_create(const char *log_prefix);
void io_context_ref(struct io_context *ctx);
/* Sets *ctx to NULL; the last reference frees it (it must not be current). */
void io_context_unref(struct io_context **ctx);
void io_context_set_log_prefix(struct io_context *ctx, const char *log_prefix);
/* Makes ctx current (NULL: none) and returns the previous one (borrowed:
   switch back to it before anything may free it). */
struct io_context *io_context_switch(struct io_context *ctx);
struct io_context *io_context_current(void);

#endif

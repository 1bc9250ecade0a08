/* libev behind Roost's ioloop API, so that the rest of the tree never sees
   <ev.h> and the loop can be swapped or instrumented in one place. */
#include "lib.h"
#include "ioloop.h"

#include <ev.h>

struct ioloop {
	struct ev_loop *loop;
};

struct io_context {
	int refcount;
	char *log_prefix;
};

struct io {
	ev_io w;
	io_callback_t *callback;
	void *context;
	struct io_context *ctx;
};

struct timeout {
	ev_timer w;
	io_callback_t *callback;
	void *context;
	struct io_context *ctx;
	bool once;
	unsigned int msecs;
	bool *removed_flag; /* set while a once-callback runs */
};

struct io_signal {
	ev_signal w;
	io_signal_callback_t *callback;
	void *context;
};

struct io_child {
	ev_child w;
	io_child_callback_t *callback;
	void *context;
};

time_t ioloop_time;
struct timeval ioloop_timeval;
static struct ioloop *current_ioloop;
static struct io_context *current_ctx;
/* the log prefix of the process itself, while a context is current */
static char *process_log_prefix;

struct io_context *io_context_create(const char *log_prefix)
{
	struct io_context *ctx = i_new(struct io_context, 1);

	ctx->refcount = 1;
	ctx->log_prefix = i_strdup(log_prefix);
	return ctx;
}

void io_context_ref(struct io_context *ctx)
{
	i_assert(ctx->refcount > 0);
	ctx->refcount++;
}

void io_context_unref(struct io_context **_ctx)
{
	struct io_context *ctx = *_ctx;

	if (ctx == NULL)
		return;
	*_ctx = NULL;
	i_assert(ctx->refcount > 0);
	if (--ctx->refcount > 0)
		return;
	i_assert(ctx != current_ctx);
	i_free(ctx->log_prefix);
	i_free(ctx);
}

void io_context_set_log_prefix(struct io_context *ctx, const char *log_prefix)
{
	i_free(ctx->log_prefix);
	ctx->log_prefix = i_strdup(log_prefix);
	if (ctx == current_ctx)
		log_set_prefix(ctx->log_prefix);
}

struct io_context *io_context_switch(struct io_context *ctx)
{
	struct io_context *prev = current_ctx;

	if (ctx == prev)
		return prev;
	if (prev == NULL) {
		i_free(process_log_prefix);
		process_log_prefix = i_strdup(log_get_prefix());
	}
	current_ctx = ctx;
	log_set_prefix(ctx != NULL ? ctx->log_prefix : process_log_prefix);
	return prev;
}

struct io_context *io_context_current(void)
{
	return current_ctx;
}

/* Runs callback(context) with ctx current. */
static void io_context_call(struct io_context *ctx, io_callback_t *callback, void *context)
{
	struct io_context *prev;

	if (ctx == current_ctx) {
		callback(context);
		return;
	}
	/* the callback may drop the last reference its io held */
	if (ctx != NULL)
		io_context_ref(ctx);
	prev = current_ctx;
	if (prev != NULL)
		io_context_ref(prev);
	(void)io_context_switch(ctx);
	callback(context);
	(void)io_context_switch(prev);
	io_context_unref(&prev);
	io_context_unref(&ctx);
}

static struct io_context *io_context_take_current(void)
{
	if (current_ctx != NULL)
		io_context_ref(current_ctx);
	return current_ctx;
}

void io_loop_time_refresh(void)
{
	gettimeofday(&ioloop_timeval, NULL);
	ioloop_time = ioloop_timeval.tv_sec;
}

static void check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	/* after every poll: refresh the cached clock once for all callbacks, and
	   free what the previous iteration's callbacks left in pool_temp */
	io_loop_time_refresh();
	pool_temp_clear();
}

static ev_check time_check;

struct ioloop *io_loop_create(void)
{
	struct ioloop *ioloop;

	i_assert(current_ioloop == NULL);
	ioloop = i_new(struct ioloop, 1);
	ioloop->loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
	if (ioloop->loop == NULL)
		i_panic("libev: ev_default_loop() failed");
	ev_check_init(&time_check, check_cb);
	ev_check_start(ioloop->loop, &time_check);
	ev_unref(ioloop->loop);
	current_ioloop = ioloop;
	io_loop_time_refresh();
	return ioloop;
}

void io_loop_destroy(struct ioloop **_ioloop)
{
	struct ioloop *ioloop = *_ioloop;

	*_ioloop = NULL;
	ev_ref(ioloop->loop);
	ev_check_stop(ioloop->loop, &time_check);
	if (current_ioloop == ioloop)
		current_ioloop = NULL;
	i_free(ioloop);
}

struct ioloop *io_loop_get_current(void)
{
	return current_ioloop;
}

void io_loop_run(struct ioloop *ioloop)
{
	io_loop_time_refresh();
	ev_run(ioloop->loop, 0);
}

void io_loop_stop(struct ioloop *ioloop)
{
	ev_break(ioloop->loop, EVBREAK_ALL);
}

void io_loop_fork_child(void)
{
	if (current_ioloop != NULL)
		ev_loop_fork(current_ioloop->loop);
}

static struct ev_loop *cur_loop(void)
{
	i_assert(current_ioloop != NULL);
	return current_ioloop->loop;
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct io *io = (struct io *)w;

	io_context_call(io->ctx, io->callback, io->context);
}

struct io *io_add(int fd, enum io_condition condition, io_callback_t *callback, void *context)
{
	struct io *io = i_new(struct io, 1);
	int events = 0;

	i_assert(fd >= 0);
	if ((condition & IO_READ) != 0)
		events |= EV_READ;
	if ((condition & IO_WRITE) != 0)
		events |= EV_WRITE;
	io->callback = callback;
	io->context = context;
	io->ctx = io_context_take_current();
	ev_io_init(&io->w, io_cb, fd, events);
	ev_io_start(cur_loop(), &io->w);
	return io;
}

void io_remove(struct io **_io)
{
	struct io *io = *_io;

	if (io == NULL)
		return;
	*_io = NULL;
	ev_io_stop(cur_loop(), &io->w);
	io_context_unref(&io->ctx);
	i_free(io);
}

int io_get_fd(const struct io *io)
{
	return io->w.fd;
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct timeout *to = (struct timeout *)w;

	if (!to->once) {
		io_context_call(to->ctx, to->callback, to->context);
		return;
	}
	bool removed = false;

	to->removed_flag = &removed;
	io_context_call(to->ctx, to->callback, to->context);
	if (!removed) {
		ev_timer_stop(loop, &to->w);
		io_context_unref(&to->ctx);
		i_free(to);
	}
}

static struct timeout *timeout_new(unsigned int msecs, bool once, io_callback_t *callback,
				   void *context)
{
	struct timeout *to = i_new(struct timeout, 1);
	double secs = msecs / 1000.0;

	to->callback = callback;
	to->context = context;
	to->once = once;
	to->msecs = msecs;
	to->ctx = io_context_take_current();
	ev_timer_init(&to->w, timeout_cb, secs, once ? 0. : secs);
	ev_timer_start(cur_loop(), &to->w);
	return to;
}

struct timeout *timeout_add(unsigned int msecs, io_callback_t *callback, void *context)
{
	i_assert(msecs > 0);
	return timeout_new(msecs, false, callback, context);
}

struct timeout *timeout_add_once(unsigned int msecs, io_callback_t *callback, void *context)
{
	return timeout_new(msecs, true, callback, context);
}

void timeout_remove(struct timeout **_to)
{
	struct timeout *to = *_to;

	if (to == NULL)
		return;
	*_to = NULL;
	ev_timer_stop(cur_loop(), &to->w);
	if (to->removed_flag != NULL)
		*to->removed_flag = true;
	io_context_unref(&to->ctx);
	i_free(to);
}

void timeout_reset(struct timeout *to)
{
	ev_timer_stop(cur_loop(), &to->w);
	ev_timer_set(&to->w, to->msecs / 1000.0, to->once ? 0. : to->msecs / 1000.0);
	ev_timer_start(cur_loop(), &to->w);
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct io_signal *sig = (struct io_signal *)w;

	sig->callback(w->signum, sig->context);
}

struct io_signal *io_signal_add(int signo, io_signal_callback_t *callback, void *context)
{
	struct io_signal *sig = i_new(struct io_signal, 1);

	sig->callback = callback;
	sig->context = context;
	ev_signal_init(&sig->w, signal_cb, signo);
	ev_signal_start(cur_loop(), &sig->w);
	return sig;
}

void io_signal_remove(struct io_signal **_sig)
{
	struct io_signal *sig = *_sig;

	if (sig == NULL)
		return;
	*_sig = NULL;
	ev_signal_stop(cur_loop(), &sig->w);
	i_free(sig);
}

static void child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct io_child *child = (struct io_child *)w;

	child->callback(w->rpid, w->rstatus, child->context);
}

struct io_child *io_child_add(pid_t pid, io_child_callback_t *callback, void *context)
{
	struct io_child *child = i_new(struct io_child, 1);

	child->callback = callback;
	child->context = context;
	ev_child_init(&child->w, child_cb, pid, 0);
	ev_child_start(cur_loop(), &child->w);
	return child;
}

void io_child_remove(struct io_child **_child)
{
	struct io_child *child = *_child;

	if (child == NULL)
		return;
	*_child = NULL;
	ev_child_stop(cur_loop(), &child->w);
	i_free(child);
}

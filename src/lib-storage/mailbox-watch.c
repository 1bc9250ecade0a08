/* Change notification: one inotify instance per process for every
   mailbox it watches (all virtual users share one uid and Debian allows
   128 instances per uid). A mailbox watches its new/, cur/ and its index
   log (changes by other Roost processes). When inotify is unavailable or
   its limits are hit, the mailbox falls back to polling the same paths'
   mtimes, with a log line. */

#include "lib.h"
#include "ioloop.h"
#include "mail-storage-private.h"
#include "mail-storage-settings.h"

#include <sys/inotify.h>
#include <sys/stat.h>

#define WATCH_PATHS 3

struct mailbox_watch {
	struct mailbox *box;
	int wd[WATCH_PATHS];
	struct timeout *poll_to;
	uint64_t poll_stamp;
	struct timeout *notify_to;
};

static int inotify_fd = -1;
static struct io *inotify_io;
static ARRAY(struct mailbox_watch *) watches;

static void watch_notify_now(void *context)
{
	struct mailbox_watch *watch = context;

	watch->notify_to = NULL;
	if (watch->box->notify_callback != NULL)
		watch->box->notify_callback(watch->box, watch->box->notify_context);
}

static void watch_schedule(struct mailbox_watch *watch)
{
	/* coalesce a burst of events into one callback on the next turn */
	if (watch->notify_to == NULL)
		watch->notify_to = timeout_add_once(0, watch_notify_now, watch);
}

static void inotify_input(void *context ATTR_UNUSED)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t ret;

	while ((ret = read(inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + ret;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			struct mailbox_watch *watch;
			array_foreach_elem(&watches, watch) {
				for (unsigned int i = 0; i < WATCH_PATHS; i++) {
					if (watch->wd[i] == ev->wd)
						watch_schedule(watch);
				}
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

static const char *watch_path(struct mailbox *box, unsigned int i)
{
	return i == 0 ? t_strconcat(box->path, "/new", NULL) :
	       i == 1 ? t_strconcat(box->path, "/cur", NULL) :
			box->index_dir;
}

static uint64_t poll_stamp(struct mailbox *box)
{
	uint64_t stamp = 0;
	struct stat st;

	for (unsigned int i = 0; i < WATCH_PATHS; i++) {
		if (stat(watch_path(box, i), &st) == 0)
			stamp = stamp * 31 + (uint64_t)st.st_mtim.tv_sec * 1000000000ULL +
				(uint64_t)st.st_mtim.tv_nsec;
	}
	if (stat(mail_index_get_log_path(box->index), &st) == 0)
		stamp = stamp * 31 + (uint64_t)st.st_size + (uint64_t)st.st_ino;
	return stamp;
}

static void watch_poll(void *context)
{
	struct mailbox_watch *watch = context;
	uint64_t stamp = poll_stamp(watch->box);

	if (stamp != watch->poll_stamp) {
		watch->poll_stamp = stamp;
		watch_schedule(watch);
	}
}

void mailbox_watch_start(struct mailbox *box)
{
	struct mailbox_watch *watch = i_new(struct mailbox_watch, 1);
	bool ok = true;

	watch->box = box;
	if (!array_is_created(&watches))
		i_array_init(&watches, 8);
	if (inotify_fd < 0) {
		inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (inotify_fd < 0)
			i_warning("inotify_init1() failed: %m: polling mailboxes for changes");
		else
			inotify_io = io_add(inotify_fd, IO_READ, inotify_input, NULL);
	}
	for (unsigned int i = 0; i < WATCH_PATHS; i++) {
		watch->wd[i] = -1;
		if (inotify_fd < 0) {
			ok = false;
			continue;
		}
		/* the index dir: IN_MODIFY of roost.index.log, IN_MOVED_TO of
		   a rotated log */
		uint32_t mask = i < 2 ? IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO :
					IN_MODIFY | IN_MOVED_TO;
		watch->wd[i] = inotify_add_watch(inotify_fd, watch_path(box, i), mask);
		if (watch->wd[i] < 0) {
			if (errno == ENOSPC)
				i_warning("inotify watch limit reached "
					  "(fs.inotify.max_user_watches): polling mailbox %s",
					  box->vname);
			else
				i_warning("inotify_add_watch(%s) failed: %m: polling",
					  watch_path(box, i));
			ok = false;
		}
	}
	if (!ok) {
		unsigned int secs = box->user->set->mailbox_idle_check_interval;
		watch->poll_stamp = poll_stamp(box);
		watch->poll_to = timeout_add(secs == 0 ? 1000 : MIN(secs, 1) * 1000, watch_poll,
					     watch);
	}
	array_push(&watches, &watch);
	box->watch = watch;
}

void mailbox_watch_stop(struct mailbox *box)
{
	struct mailbox_watch *watch = box->watch;

	if (watch == NULL)
		return;
	box->watch = NULL;
	for (unsigned int i = 0; i < array_count(&watches); i++) {
		if (array_idx_elem(&watches, i) == watch) {
			array_delete(&watches, i, 1);
			break;
		}
	}
	for (unsigned int i = 0; i < WATCH_PATHS; i++) {
		bool shared = false;
		struct mailbox_watch *other;
		array_foreach_elem(&watches, other) {
			for (unsigned int j = 0; j < WATCH_PATHS; j++)
				shared = shared || other->wd[j] == watch->wd[i];
		}
		/* inotify returns the same wd for the same path: keep it
		   while another handle uses it */
		if (watch->wd[i] >= 0 && !shared)
			(void)inotify_rm_watch(inotify_fd, watch->wd[i]);
	}
	if (watch->poll_to != NULL)
		timeout_remove(&watch->poll_to);
	if (watch->notify_to != NULL)
		timeout_remove(&watch->notify_to);
	i_free(watch);
	if (array_count(&watches) == 0 && inotify_fd >= 0) {
		io_remove(&inotify_io);
		i_close_fd(&inotify_fd);
	}
}

void mailbox_notify_changes(struct mailbox *box, mailbox_notify_callback_t *callback,
			    void *context)
{
	box->notify_callback = callback;
	box->notify_context = context;
	if (callback == NULL)
		mailbox_watch_stop(box);
	else if (box->watch == NULL && box->opened)
		mailbox_watch_start(box);
}

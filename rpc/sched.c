/* rpc/sched.c -- deferred completions and pre-sleep tasks for one loop.
 *
 * Two watchers drive the rest of the library: an ev_idle that runs
 * deferred completions, so no callback runs inside the call that started
 * its operation, and an ev_prepare that runs queued tasks (writing the
 * output of every connection) just before the loop sleeps, so many small
 * messages produced in one pass leave in one write.  What the tasks do is
 * their owners' business. */
#include "config.h"

#include <glib.h>

#include "rpc/common.h"
#include "rpc/sched-internal.h"

struct task {
	rpci_task_fn	*fn;
	void		*arg;
};

struct rpci_sched {
	struct ev_loop	*loop;		/* borrowed */
	GQueue		 deferred;	/* of struct task* */
	GQueue		 prepared;	/* of struct task* */
	ev_idle		 idle;		/* drains 'deferred' */
	ev_prepare	 prepare;	/* runs 'prepared' */
	bool		 stopping;
};

static void sched_idle_cb(struct ev_loop *loop, ev_idle *w, int revents);
static void sched_prepare_cb(struct ev_loop *loop, ev_prepare *w,
    int revents);

rpci_sched *
rpci_sched_new(struct ev_loop *loop)
{
	rpci_sched *s = g_new0(rpci_sched, 1);

	s->loop = loop;
	g_queue_init(&s->deferred);
	g_queue_init(&s->prepared);
	ev_idle_init(&s->idle, sched_idle_cb);
	ev_set_priority(&s->idle, EV_MAXPRI);
	ev_prepare_init(&s->prepare, sched_prepare_cb);
	ev_prepare_start(loop, &s->prepare);
	/* The prepare watcher alone must not keep the loop alive. */
	ev_unref(loop);
	return s;
}

static void
queue_task(GQueue *q, rpci_task_fn *fn, void *arg)
{
	struct task *t = g_new(struct task, 1);

	t->fn = fn;
	t->arg = arg;
	g_queue_push_tail(q, t);
}

/* Run at most 'max' tasks from the head of 'q'. */
static void
run_tasks(GQueue *q, guint max)
{
	struct task *t;

	while (max-- > 0 && (t = g_queue_pop_head(q)) != NULL) {
		rpci_task_fn *fn = t->fn;
		void *arg = t->arg;

		g_free(t);
		fn(arg);
	}
}

void
rpci_sched_free(rpci_sched *s)
{
	if (s == NULL)
		return;
	g_assert(g_queue_is_empty(&s->deferred));
	while (!g_queue_is_empty(&s->prepared))
		run_tasks(&s->prepared, G_MAXUINT);
	ev_idle_stop(s->loop, &s->idle);
	ev_ref(s->loop);
	ev_prepare_stop(s->loop, &s->prepare);
	g_free(s);
}

void
rpci_sched_defer(rpci_sched *s, rpci_task_fn *fn, void *arg)
{
	queue_task(&s->deferred, fn, arg);
	if (!s->stopping)
		ev_idle_start(s->loop, &s->idle);
}

bool
rpci_sched_at_prepare(rpci_sched *s, rpci_task_fn *fn, void *arg)
{
	if (s->stopping)
		return false;
	queue_task(&s->prepared, fn, arg);
	return true;
}

void
rpci_sched_stop(rpci_sched *s)
{
	s->stopping = true;
}

bool
rpci_sched_stopping(const rpci_sched *s)
{
	return s->stopping;
}

void
rpci_sched_drain(rpci_sched *s)
{
	while (!g_queue_is_empty(&s->deferred))
		run_tasks(&s->deferred, G_MAXUINT);
}

static void
sched_idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	rpci_sched *s = RPC_CONTAINER_OF(w, rpci_sched, idle);

	RPC_UNUSED(revents);
	/* Only what was queued before this pass; new work waits a pass. */
	run_tasks(&s->deferred, g_queue_get_length(&s->deferred));
	if (g_queue_is_empty(&s->deferred))
		ev_idle_stop(loop, w);
}

static void
sched_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	rpci_sched *s = RPC_CONTAINER_OF(w, rpci_sched, prepare);

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	run_tasks(&s->prepared, G_MAXUINT);
}

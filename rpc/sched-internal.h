/* rpc/sched-internal.h -- deferred work on one libev loop: the queue that
 * keeps completions out of the calls that started them, and the tasks run
 * just before the loop sleeps (output flushing).  Only rpc/ and its unit
 * tests include this file. */
#ifndef RPC_SCHED_INTERNAL_H
#define RPC_SCHED_INTERNAL_H

#include <stdbool.h>

#include <ev.h>

typedef struct rpci_sched rpci_sched;
typedef void rpci_task_fn(void *arg);

/* A scheduler on 'loop' (borrowed; must outlive it).  Its prepare watcher
 * does not keep the loop alive by itself. */
rpci_sched *rpci_sched_new(struct ev_loop *loop);
/* Run the prepare tasks still queued (each exactly once), stop the
 * watchers and free.  Deferred tasks must have been drained. */
void rpci_sched_free(rpci_sched *s);

/* Run 'fn(arg)' from an idle watcher on a later loop pass, never inside
 * this call (nng's aio completions).  While stopping, tasks queue but
 * wait for rpci_sched_drain(). */
void rpci_sched_defer(rpci_sched *s, rpci_task_fn *fn, void *arg);
/* Run 'fn(arg)' just before the loop next sleeps, so that output produced
 * in one pass leaves in one write.  Return false (nothing queued) once
 * stopping. */
bool rpci_sched_at_prepare(rpci_sched *s, rpci_task_fn *fn, void *arg);

/* The owner is shutting down: deferred tasks no longer start the idle
 * watcher and prepare tasks are refused. */
void rpci_sched_stop(rpci_sched *s);
bool rpci_sched_stopping(const rpci_sched *s);
/* Run every deferred task, including those queued meanwhile, until none
 * is left. */
void rpci_sched_drain(rpci_sched *s);

#endif

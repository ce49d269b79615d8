// SPDX-License-Identifier: MIT
/*
 * The worker pool behind lla_pfor (pool.h).
 *
 * One process-wide pool, grown on demand to the largest thread count
 * asked for and kept: a command must not pay thread creation, and a
 * decode step runs dozens of parallel-fors.  Items are handed out by an
 * atomic counter, so the calling thread starts at once and takes
 * everything if the workers are slow to wake (a loaded host): a late
 * worker costs nothing but its wake-up.
 *
 * A job is open from its post to its close; a worker takes part only if
 * it joined (active++) while the job was open, both under the lock, so
 * the caller's wait for active == 0 after the close covers every worker
 * that can still touch the job, and a worker that wakes after the close
 * never sees the next job's items with this job's function.
 *
 * A decode step posts a job every few microseconds, each a few
 * microseconds of work: a futex wake per job would cost as much as the
 * job.  So a worker that finished a job, and the caller waiting for the
 * workers, spin for up to LLA_POOL_SPIN_NS before they sleep; between
 * commands (and on an idle device) everyone sleeps.
 *
 * The pool holds no heap memory.  The workers are joined at exit (when
 * idle) so leak checkers see nothing alive, and forgotten in a forked
 * child, which has none of them.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>
#include "pool.h"

#ifndef LLA_POOL_SPIN_NS
#define LLA_POOL_SPIN_NS	50000u
#endif

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t work;		/* a job was posted, or stop */
	pthread_cond_t done;		/* active dropped to 0 */
	pthread_mutex_t run;		/* one parallel-for at a time */
	pthread_once_t once;
	pthread_t tid[LLA_POOL_MAX_THREADS];
	uint32_t start_gen[LLA_POOL_MAX_THREADS];
	uint32_t nworkers;
	uint32_t gen;			/* of the last job posted */
	atomic_uint posted;		/* gen, for spinning workers */
	bool open;
	bool stop;
	bool dead;			/* after the exit-time join */
	uint32_t want;			/* workers [0, want) may join */
	atomic_uint active;		/* changed under lock, read outside */
	lla_pfor_fn fn;
	void *arg;
	uint32_t items;
	atomic_uint next;		/* next item to hand out */
	atomic_uint_fast64_t macs;	/* done by workers, not yet reported */
};

static struct pool P = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
	.run = PTHREAD_MUTEX_INITIALIZER,
	.once = PTHREAD_ONCE_INIT,
};

uint32_t lla_pool_threads(uint32_t want)
{
	if (want == 0)
		return 1;
	return want > LLA_POOL_MAX_THREADS ? LLA_POOL_MAX_THREADS : want;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Spin until @done(arg) or LLA_POOL_SPIN_NS pass; true if done. */
static bool spin_until(bool (*done)(const void *), const void *arg)
{
	uint64_t t0 = 0;

	for (uint32_t i = 0;; i++) {
		if (done(arg))
			return true;
		cpu_relax();
		if ((i & 63) == 63) {
			uint64_t t = mono_ns();

			if (!t0)
				t0 = t;
			else if (t - t0 > LLA_POOL_SPIN_NS)
				return false;
		}
	}
}

static bool job_posted(const void *seen)
{
	return atomic_load_explicit(&P.posted, memory_order_relaxed) !=
	       *(const uint32_t *)seen;
}

static bool workers_idle(const void *unused)
{
	(void)unused;
	/* Acquire: the workers' outputs happen before the caller's return. */
	return atomic_load_explicit(&P.active, memory_order_acquire) == 0;
}

static void *worker(void *p)
{
	uint32_t idx = (uint32_t)(uintptr_t)p;
	uint32_t seen;

	pthread_mutex_lock(&P.lock);
	seen = P.start_gen[idx];
	for (;;) {
		lla_pfor_fn fn;
		void *arg;
		uint32_t items, i;

		while (!P.stop && !(P.open && P.gen != seen && idx < P.want))
			pthread_cond_wait(&P.work, &P.lock);
		if (P.stop)
			break;
		seen = P.gen;
		atomic_fetch_add(&P.active, 1);
		fn = P.fn;
		arg = P.arg;
		items = P.items;
		pthread_mutex_unlock(&P.lock);
		while ((i = atomic_fetch_add_explicit(&P.next, 1,
				memory_order_relaxed)) < items) {
			uint64_t m = fn(arg, i, idx + 1);

			atomic_fetch_add_explicit(&P.macs, m,
						  memory_order_relaxed);
		}
		pthread_mutex_lock(&P.lock);
		if (atomic_fetch_sub(&P.active, 1) == 1)
			pthread_cond_signal(&P.done);
		pthread_mutex_unlock(&P.lock);
		/* The next job of a decode step is microseconds away. */
		spin_until(job_posted, &seen);
		pthread_mutex_lock(&P.lock);
	}
	pthread_mutex_unlock(&P.lock);
	return NULL;
}

/*
 * A forked child has only the thread that forked: start from nothing.
 * The parent's lock may have been held by a worker at the fork, so the
 * primitives are made anew rather than unlocked.
 */
static void pool_atfork_child(void)
{
	pthread_mutex_init(&P.lock, NULL);
	pthread_mutex_init(&P.run, NULL);
	pthread_cond_init(&P.work, NULL);
	pthread_cond_init(&P.done, NULL);
	P.nworkers = 0;
	P.open = false;
	P.stop = false;
	atomic_store(&P.active, 0);
}

static void pool_register(void)
{
	pthread_atfork(NULL, NULL, pool_atfork_child);
}

/*
 * Workers up to @n, under P.lock; returns how many there are.  They
 * start with every signal blocked: in QEMU (and any host program) a
 * process-directed signal must go to a thread that expects it.
 */
static uint32_t pool_grow(uint32_t n)
{
	sigset_t all, old;

	if (P.nworkers >= n)
		return P.nworkers;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (P.nworkers < n) {
		uint32_t idx = P.nworkers;

		P.start_gen[idx] = P.gen;
		if (pthread_create(&P.tid[idx], NULL, worker,
				   (void *)(uintptr_t)idx))
			break;
		P.nworkers++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return P.nworkers;
}

static void report(void (*progress)(void *, uint64_t), void *parg,
		   uint64_t own)
{
	uint64_t m = own + atomic_exchange_explicit(&P.macs, 0,
						    memory_order_relaxed);

	if (progress && m)
		progress(parg, m);
}

void lla_pfor(uint32_t threads, uint32_t items, lla_pfor_fn fn, void *arg,
	      void (*progress)(void *parg, uint64_t macs), void *parg)
{
	uint32_t i, workers;

	threads = lla_pool_threads(threads);
	if (threads > items)
		threads = items;
	if (threads <= 1 || pthread_mutex_trylock(&P.run)) {
		for (i = 0; i < items; i++) {
			uint64_t m = fn(arg, i, 0);

			if (progress && m)
				progress(parg, m);
		}
		return;
	}
	pthread_once(&P.once, pool_register);
	pthread_mutex_lock(&P.lock);
	workers = P.dead ? 0 : pool_grow(threads - 1);
	if (workers > threads - 1)
		workers = threads - 1;
	P.fn = fn;
	P.arg = arg;
	P.items = items;
	P.want = workers;
	atomic_store_explicit(&P.next, 0, memory_order_relaxed);
	atomic_store_explicit(&P.macs, 0, memory_order_relaxed);
	P.gen++;
	atomic_store_explicit(&P.posted, P.gen, memory_order_relaxed);
	P.open = true;
	if (workers)
		pthread_cond_broadcast(&P.work);
	pthread_mutex_unlock(&P.lock);

	while ((i = atomic_fetch_add_explicit(&P.next, 1,
			memory_order_relaxed)) < items)
		report(progress, parg, fn(arg, i, 0));

	pthread_mutex_lock(&P.lock);
	P.open = false;
	pthread_mutex_unlock(&P.lock);
	/*
	 * Closed: no worker joins any more, so only those in flight can
	 * still be active; a worker's last item is usually microseconds
	 * from done.
	 */
	if (!spin_until(workers_idle, NULL)) {
		pthread_mutex_lock(&P.lock);
		while (atomic_load(&P.active))
			pthread_cond_wait(&P.done, &P.lock);
		pthread_mutex_unlock(&P.lock);
	}
	report(progress, parg, 0);
	pthread_mutex_unlock(&P.run);
}

/*
 * At exit, join the workers if no parallel-for runs (one that does
 * belongs to a thread exit() is about to end anyway); later calls run
 * on the caller alone.
 */
__attribute__((destructor)) static void pool_fini(void)
{
	uint32_t n;

	if (pthread_mutex_trylock(&P.run))
		return;
	pthread_mutex_lock(&P.lock);
	P.stop = true;
	P.dead = true;
	n = P.nworkers;
	pthread_cond_broadcast(&P.work);
	pthread_mutex_unlock(&P.lock);
	for (uint32_t i = 0; i < n; i++)
		pthread_join(P.tid[i], NULL);
	pthread_mutex_lock(&P.lock);
	P.nworkers = 0;
	P.stop = false;
	pthread_mutex_unlock(&P.lock);
	pthread_mutex_unlock(&P.run);
}

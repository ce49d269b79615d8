// SPDX-License-Identifier: MIT
/*
 * The "sim" backend: the rtl-model in process.
 *
 * Device memory is one host arena; buffers get device addresses from a
 * first-fit page allocator starting at LLA_IOVA_MIN, with an unmapped
 * guard page after each buffer.  A per-page permission table plays the
 * device MMU: accesses to unmapped pages fault with LLA_ERR_MMU_FAULT,
 * writes to device-read-only buffers with LLA_ERR_MMU_PERM.  Each queue
 * has a worker thread that runs its jobs in order through lla_run_job(),
 * so validation, faults, results and modeled cycles are the device's.
 * TLMM/QMM weights are read in place (lla_mem.map_read), not copied.
 *
 * Environment: LIBACCEL_SIM_DEVICES (devices listed, default 1),
 * LIBACCEL_SIM_QUEUES (1..8, default 4), LIBACCEL_SIM_MEM_MB (arena,
 * default 1024), LIBACCEL_SIM_PRESET (cycle model, default "default"),
 * LIBACCEL_SIM_LUT (0/1: TLMM through the table-lookup engine instead
 * of the faster default kernels; same bits, default 0), LLA_ISA (the
 * rtl-model's kernel path, hw-spec section 8.10),
 * LIBACCEL_SIM_SEM_TIMEOUT_MS (SEM_WAIT timeout, default 1000),
 * LIBACCEL_SIM_THREADS (host threads sharing one TLMM/QMM, 1..64; unset
 * or 0: the online CPUs; same bits for every value).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "accel_priv.h"
#include "llmaccel_model.h"

#define PF_READ		1u
#define PF_WRITE	2u

struct sim_job {
	struct sim_job *next;
	accel_fence *fence;
	uint64_t cmd_iova;
	uint32_t cmd_len;
	uint32_t nbos;
	accel_bo **bos;			/* one reference each */
	uint32_t ndeps;
	accel_fence **deps;		/* one reference each */
};

struct extent {
	uint64_t start, npages;
	struct extent *next;
};

struct sim_dev;

struct sim_queue {
	struct sim_dev *sd;
	pthread_t thread;
	bool started;
	pthread_cond_t work;		/* a job was queued or stop */
	struct sim_job *head, *tail;
	struct accel_queue_counters cnt;
};

struct sim_dev {
	pthread_mutex_t lock;		/* queues, counters, fences, clock */
	pthread_cond_t done;		/* a job completed (broadcast) */
	bool stop;
	uint32_t nq;
	struct sim_queue q[LLA_MAX_QUEUES];
	uint64_t clock;
	uint64_t faults;

	uint8_t *arena;
	uint64_t arena_size;
	uint64_t npages;
	_Atomic unsigned char *pages;	/* PF_* per page */
	pthread_mutex_t alloc_lock;
	struct extent *free_list;

	struct lla_mem mem;
	const struct lla_uarch *uarch;
	uint32_t use_lut;
	uint32_t threads;		/* lla_exec_opts.threads */
	uint64_t sem_timeout_ns;
};

static uint64_t env_u64(const char *name, uint64_t def, uint64_t min,
			uint64_t max)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return def;
	v = strtoull(s, &end, 10);
	if (*end || v < min || v > max)
		return def;
	return v;
}

/*
 * LIBACCEL_SIM_THREADS, else one thread per online CPU: a decode step
 * is one command at a time, so its matmuls are what can use the cores.
 */
static uint32_t sim_threads(void)
{
	uint64_t n = env_u64("LIBACCEL_SIM_THREADS", 0, 0, 64);

	if (!n) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		n = cpus < 1 ? 1 : cpus > 64 ? 64 : (uint64_t)cpus;
	}
	return (uint32_t)n;
}

/* ---------------- device memory ---------------- */

static int sim_access(struct sim_dev *sd, uint64_t iova, uint64_t len,
		      unsigned int need, uint64_t *fault)
{
	uint64_t first, last, p;

	if (!len)
		return LLA_OK;
	if (iova < LLA_IOVA_MIN || iova - LLA_IOVA_MIN >= sd->arena_size) {
		*fault = iova;
		return LLA_ERR_MMU_FAULT;
	}
	first = (iova - LLA_IOVA_MIN) >> LLA_PAGE_SHIFT;
	if (len - 1 > UINT64_MAX - iova)
		last = UINT64_MAX;
	else
		last = (iova + len - 1 - LLA_IOVA_MIN) >> LLA_PAGE_SHIFT;
	for (p = first; p <= last; p++) {
		unsigned int f = p < sd->npages ?
			atomic_load_explicit(&sd->pages[p],
					     memory_order_relaxed) : 0;

		if ((f & need) != need) {
			uint64_t at = LLA_IOVA_MIN + (p << LLA_PAGE_SHIFT);

			*fault = at > iova ? at : iova;
			return f ? LLA_ERR_MMU_PERM : LLA_ERR_MMU_FAULT;
		}
	}
	return LLA_OK;
}

static int sim_read(void *opaque, uint64_t iova, void *dst, uint64_t len,
		    uint64_t *fault)
{
	struct sim_dev *sd = opaque;
	int err = sim_access(sd, iova, len, PF_READ, fault);

	if (!err && len)
		memcpy(dst, sd->arena + (iova - LLA_IOVA_MIN), len);
	return err;
}

/*
 * The arena is one host mapping: weights are read in place (one span),
 * after the same page-permission check as sim_read.  Nothing to release:
 * a job holds a reference to every buffer it uses, and a destroyed
 * buffer's pages stay mapped in the arena (zero-filled).
 */
static int sim_map_read(void *opaque, uint64_t iova, uint64_t len,
			struct lla_span *spans, uint32_t max_spans,
			uint32_t *nspans, void **cookie, uint64_t *fault)
{
	struct sim_dev *sd = opaque;
	int err = sim_access(sd, iova, len, PF_READ, fault);

	if (err)
		return err;
	*cookie = NULL;
	*nspans = 0;
	if (len && max_spans) {
		spans[0].p = sd->arena + (iova - LLA_IOVA_MIN);
		spans[0].len = len;
		*nspans = 1;
	}
	return LLA_OK;
}

static int sim_write(void *opaque, uint64_t iova, const void *src,
		     uint64_t len, uint64_t *fault)
{
	struct sim_dev *sd = opaque;
	int err = sim_access(sd, iova, len, PF_READ | PF_WRITE, fault);

	if (!err && len)
		memcpy(sd->arena + (iova - LLA_IOVA_MIN), src, len);
	return err;
}

/* First fit; returns the first page or UINT64_MAX. */
static uint64_t extent_alloc(struct sim_dev *sd, uint64_t npages)
{
	struct extent **pp, *e;

	for (pp = &sd->free_list; (e = *pp); pp = &e->next) {
		uint64_t start = e->start;

		if (e->npages < npages)
			continue;
		e->start += npages;
		e->npages -= npages;
		if (!e->npages) {
			*pp = e->next;
			free(e);
		}
		return start;
	}
	return UINT64_MAX;
}

/* Return pages to the sorted free list, merging neighbours. */
static void extent_free(struct sim_dev *sd, uint64_t start, uint64_t npages)
{
	struct extent **pp = &sd->free_list, *e, *prev = NULL, *n;

	while ((e = *pp) && e->start < start) {
		prev = e;
		pp = &e->next;
	}
	if (prev && prev->start + prev->npages == start) {
		prev->npages += npages;
		if (e && prev->start + prev->npages == e->start) {
			prev->npages += e->npages;
			prev->next = e->next;
			free(e);
		}
		return;
	}
	if (e && start + npages == e->start) {
		e->start = start;
		e->npages += npages;
		return;
	}
	n = malloc(sizeof(*n));
	if (!n)
		return;		/* the pages are lost, memory stays safe */
	n->start = start;
	n->npages = npages;
	n->next = e;
	*pp = n;
}

static int sim_bo_create(accel_device *dev, accel_bo *bo)
{
	struct sim_dev *sd = dev->priv;
	uint64_t npg = bo->alloc_size >> LLA_PAGE_SHIFT, start;
	unsigned char f = PF_READ;

	if (!(bo->flags & ACCEL_BO_DEVICE_RO))
		f |= PF_WRITE;
	pthread_mutex_lock(&sd->alloc_lock);
	start = npg < sd->npages ? extent_alloc(sd, npg + 1) : UINT64_MAX;
	pthread_mutex_unlock(&sd->alloc_lock);
	if (start == UINT64_MAX)
		return accel_err(-ENOSPC,
				 "accel_bo_alloc: sim device memory exhausted (%llu bytes requested, arena of %llu MiB; see LIBACCEL_SIM_MEM_MB)",
				 (unsigned long long)bo->size,
				 (unsigned long long)(sd->arena_size >> 20));
	for (uint64_t p = 0; p < npg; p++)
		atomic_store(&sd->pages[start + p], f);
	bo->iova = LLA_IOVA_MIN + (start << LLA_PAGE_SHIFT);
	bo->map = sd->arena + (start << LLA_PAGE_SHIFT);
	return 0;
}

static void sim_bo_destroy(accel_device *dev, accel_bo *bo)
{
	struct sim_dev *sd = dev->priv;
	uint64_t start = (bo->iova - LLA_IOVA_MIN) >> LLA_PAGE_SHIFT;
	uint64_t npg = bo->alloc_size >> LLA_PAGE_SHIFT;

	for (uint64_t p = 0; p < npg; p++)
		atomic_store(&sd->pages[start + p], 0);
	/* Fresh zero pages for the next owner, and the memory goes back. */
	if (madvise(bo->map, bo->alloc_size, MADV_DONTNEED))
		memset(bo->map, 0, bo->alloc_size);
	pthread_mutex_lock(&sd->alloc_lock);
	extent_free(sd, start, npg + 1);
	pthread_mutex_unlock(&sd->alloc_lock);
}

/* ---------------- jobs ---------------- */

static void deadline_in(struct timespec *ts, uint64_t ns)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ns += (uint64_t)ts->tv_nsec;
	ts->tv_sec += (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

/*
 * Run one job like the device: lla_run_job(), and while a SEM_WAIT
 * blocks, re-check it whenever another job completes (and every
 * millisecond, for host writes) until the semaphore timeout.
 */
static void run_job(struct sim_dev *sd, struct sim_job *j, uint64_t start,
		    struct lla_job_result *tot)
{
	struct lla_exec_opts o = {
		.uarch = sd->uarch, .start_cycle = start, .use_lut = sd->use_lut,
		.threads = sd->threads,
	};
	struct lla_job_result r;
	uint64_t t0 = accel_now_ns();
	struct timespec ts;

	lla_run_job(&sd->mem, j->cmd_iova, j->cmd_len, &o, &r);
	*tot = r;
	while (tot->status == LLA_EXEC_BLOCKED) {
		if (accel_now_ns() - t0 > sd->sem_timeout_ns) {
			tot->status = LLA_ERR_TIMEOUT;
			break;
		}
		pthread_mutex_lock(&sd->lock);
		deadline_in(&ts, 1000000);
		pthread_cond_timedwait(&sd->done, &sd->lock, &ts);
		pthread_mutex_unlock(&sd->lock);
		o.first_cmd = tot->cmd_index;
		o.start_cycle = start + tot->cycles;
		lla_run_job(&sd->mem, j->cmd_iova, j->cmd_len, &o, &r);
		/* A resumed job is not fetched again. */
		r.bytes_read -= r.bytes_read >= j->cmd_len ? j->cmd_len : 0;
		lla_job_result_add(tot, &r);
	}
	/* Descriptor fetch and completion: once per job, as the device. */
	tot->cycles += sd->uarch->job_overhead_cycles;
}

static bool deps_done(const struct sim_job *j)
{
	for (uint32_t i = 0; i < j->ndeps; i++)
		if (!atomic_load(&j->deps[i]->done))
			return false;
	return true;
}

static void job_free(struct sim_job *j)
{
	for (uint32_t i = 0; i < j->nbos; i++)
		accel_bo_put(j->bos[i]);
	for (uint32_t i = 0; i < j->ndeps; i++)
		accel_fence_put(j->deps[i]);
	if (j->fence)
		accel_fence_put(j->fence);
	free(j->bos);
	free(j->deps);
	free(j);
}

static void complete(struct sim_queue *q, struct sim_job *j, uint64_t start,
		     const struct lla_job_result *r)
{
	struct sim_dev *sd = q->sd;
	struct accel_job_result *res = &j->fence->result;

	/* Called with sd->lock held. */
	res->status = r->status;
	res->cmd_index = r->cmd_index;
	res->fault_iova = r->fault_iova;
	res->fault_write = r->fault_write;
	res->cycles = r->cycles;
	res->start_cycle = start;
	res->end_cycle = start + r->cycles;
	res->macs = r->macs;
	res->bytes_read = r->bytes_read;
	res->bytes_written = r->bytes_written;
	accel_fence_finalize(j->fence);
	if (sd->clock < res->end_cycle)
		sd->clock = res->end_cycle;
	q->cnt.jobs++;
	q->cnt.commands += r->commands;
	q->cnt.errors += r->status != LLA_OK;
	q->cnt.busy_cycles += r->cycles;
	q->cnt.macs += r->macs;
	q->cnt.dma_rd_bytes += r->bytes_read;
	q->cnt.dma_wr_bytes += r->bytes_written;
	sd->faults += r->status == LLA_ERR_MMU_FAULT ||
		      r->status == LLA_ERR_MMU_PERM || r->status == LLA_ERR_DMA;
	atomic_store(&j->fence->done, true);
	pthread_cond_broadcast(&sd->done);
}

static void *worker(void *arg)
{
	struct sim_queue *q = arg;
	struct sim_dev *sd = q->sd;

	pthread_mutex_lock(&sd->lock);
	for (;;) {
		struct lla_job_result r;
		struct sim_job *j;
		uint64_t start;

		while (!q->head && !sd->stop)
			pthread_cond_wait(&q->work, &sd->lock);
		j = q->head;
		if (!j)
			break;		/* stopping and drained */
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		while (!deps_done(j))
			pthread_cond_wait(&sd->done, &sd->lock);
		start = sd->clock;
		pthread_mutex_unlock(&sd->lock);
		run_job(sd, j, start, &r);
		pthread_mutex_lock(&sd->lock);
		complete(q, j, start, &r);
		pthread_mutex_unlock(&sd->lock);
		job_free(j);
		pthread_mutex_lock(&sd->lock);
	}
	pthread_mutex_unlock(&sd->lock);
	return NULL;
}

static int sim_submit(accel_device *dev, const struct accel_be_submit *s,
		      accel_fence *f)
{
	struct sim_dev *sd = dev->priv;
	struct sim_queue *q = &sd->q[s->queue];
	struct sim_job *j = calloc(1, sizeof(*j));

	if (!j)
		return accel_err(-ENOMEM, "accel_submit: out of memory");
	j->bos = calloc(s->nbos + 1, sizeof(*j->bos));
	j->deps = calloc(s->ndeps + 1, sizeof(*j->deps));
	if (!j->bos || !j->deps) {
		free(j->bos);
		free(j->deps);
		free(j);
		return accel_err(-ENOMEM, "accel_submit: out of memory");
	}
	j->cmd_iova = s->cmd_bo->iova + s->cmd_offset;
	j->cmd_len = s->cmd_len;
	j->bos[j->nbos++] = s->cmd_bo;
	accel_bo_get(s->cmd_bo);
	for (uint32_t i = 0; i < s->nbos; i++) {
		j->bos[j->nbos++] = s->bos[i];
		accel_bo_get(s->bos[i]);
	}
	for (uint32_t i = 0; i < s->ndeps; i++) {
		j->deps[j->ndeps++] = s->deps[i];
		accel_fence_get(s->deps[i]);
	}
	pthread_mutex_lock(&sd->lock);
	if (sd->stop) {
		pthread_mutex_unlock(&sd->lock);
		job_free(j);
		return accel_err(-ESHUTDOWN, "accel_submit: device is closed");
	}
	j->fence = f;		/* the backend's reference from accel_submit */
	f->be = j;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&sd->lock);
	return 0;
}

/*
 * The completion is read under the lock that published it, so waiters
 * see the result record (and the job's memory writes) without relying
 * on the atomic alone; race detectors can follow that.
 */
static int sim_fence_wait(accel_device *dev, accel_fence *f,
			  int64_t timeout_ns)
{
	struct sim_dev *sd = dev->priv;
	struct timespec ts;
	bool done;
	int rc = 0;

	if (timeout_ns > 0)
		deadline_in(&ts, (uint64_t)timeout_ns);
	pthread_mutex_lock(&sd->lock);
	while (!(done = atomic_load(&f->done)) && timeout_ns && rc == 0) {
		if (timeout_ns < 0)
			pthread_cond_wait(&sd->done, &sd->lock);
		else
			rc = pthread_cond_timedwait(&sd->done, &sd->lock, &ts);
	}
	pthread_mutex_unlock(&sd->lock);
	return done ? 0 : -ETIMEDOUT;
}

static void sim_fence_fini(accel_device *dev, accel_fence *f)
{
	(void)dev;
	(void)f;
}

static int sim_counters(accel_device *dev, struct accel_counters *c)
{
	struct sim_dev *sd = dev->priv;

	pthread_mutex_lock(&sd->lock);
	c->num_queues = sd->nq;
	c->device_cycles = sd->clock;
	c->faults = sd->faults;
	for (uint32_t i = 0; i < sd->nq; i++) {
		const struct accel_queue_counters *s = &sd->q[i].cnt;

		c->queue[i] = *s;
		c->total.jobs += s->jobs;
		c->total.commands += s->commands;
		c->total.errors += s->errors;
		c->total.busy_cycles += s->busy_cycles;
		c->total.macs += s->macs;
		c->total.dma_rd_bytes += s->dma_rd_bytes;
		c->total.dma_wr_bytes += s->dma_wr_bytes;
	}
	pthread_mutex_unlock(&sd->lock);
	return 0;
}

/* ---------------- devices ---------------- */

static int sim_enumerate(struct accel_device_info *infos, uint32_t max,
			 uint32_t *count)
{
	uint32_t n = (uint32_t)env_u64("LIBACCEL_SIM_DEVICES", 1, 0, 64);

	for (uint32_t i = 0; i < n && i < max; i++) {
		infos[i].index = i;
		infos[i].backend = ACCEL_BACKEND_SIM;
		snprintf(infos[i].path, sizeof(infos[i].path), "sim:%u", i);
		snprintf(infos[i].name, sizeof(infos[i].name),
			 "llmaccel simulator (rtl-model)");
	}
	*count = n;
	return 0;
}

static void sim_free(struct sim_dev *sd)
{
	struct extent *e, *n;

	for (e = sd->free_list; e; e = n) {
		n = e->next;
		free(e);
	}
	if (sd->arena)
		munmap(sd->arena, sd->arena_size);
	free((void *)sd->pages);
	for (uint32_t i = 0; i < sd->nq; i++)
		pthread_cond_destroy(&sd->q[i].work);
	pthread_cond_destroy(&sd->done);
	pthread_mutex_destroy(&sd->lock);
	pthread_mutex_destroy(&sd->alloc_lock);
	free(sd);
}

static void sim_stop(struct sim_dev *sd)
{
	pthread_mutex_lock(&sd->lock);
	sd->stop = true;
	for (uint32_t i = 0; i < sd->nq; i++)
		pthread_cond_broadcast(&sd->q[i].work);
	pthread_mutex_unlock(&sd->lock);
	for (uint32_t i = 0; i < sd->nq; i++)
		if (sd->q[i].started)
			pthread_join(sd->q[i].thread, NULL);
}

static void init_caps(accel_device *dev, struct sim_dev *sd, uint32_t index)
{
	struct accel_caps *c = &dev->caps;

	c->caps = LLA_CAP_MMU | LLA_CAP_ATTN | LLA_CAP_SAMPLE | LLA_CAP_SEM |
		  (sd->use_lut ? LLA_CAP_LUT_TLMM : 0);
	c->num_queues = sd->nq;
	c->opcodes = (1u << LLA_OP_COUNT) - 1;
	c->wformats = (1u << LLA_WFMT_COUNT) - 1;
	c->clock_khz = sd->uarch->clock_mhz * 1000;
	c->preset = sd->uarch->preset_id;
	c->mem_size = sd->arena_size;
	c->max_bo_size = sd->arena_size - LLA_PAGE_SIZE;	/* guard page */
	c->result_fields = ACCEL_RESULT_FAULT_WRITE | ACCEL_RESULT_CLOCK |
			   ACCEL_RESULT_TRAFFIC;
	snprintf(c->name, sizeof(c->name), "llmaccel simulator (rtl-model)");
	snprintf(c->path, sizeof(c->path), "sim:%u", index);
	snprintf(c->preset_name, sizeof(c->preset_name), "%s", sd->uarch->name);
}

static int sim_open(accel_device *dev, uint32_t index, const char *path)
{
	uint32_t ndev = (uint32_t)env_u64("LIBACCEL_SIM_DEVICES", 1, 0, 64);
	const char *preset = getenv("LIBACCEL_SIM_PRESET");
	pthread_condattr_t ca;
	struct sim_dev *sd;

	(void)path;
	if (index >= ndev)
		return accel_err(-ENODEV,
				 "accel_device_open: no sim device %u (LIBACCEL_SIM_DEVICES=%u)",
				 index, ndev);
	sd = calloc(1, sizeof(*sd));
	if (!sd)
		return accel_err(-ENOMEM, "accel_device_open: out of memory");
	sd->uarch = lla_uarch_preset(preset && *preset ? preset : "default");
	if (!sd->uarch) {
		free(sd);
		return accel_err(-EINVAL,
				 "accel_device_open: LIBACCEL_SIM_PRESET '%s' is not a cycle-model preset",
				 preset);
	}
	sd->nq = (uint32_t)env_u64("LIBACCEL_SIM_QUEUES", 4, 1, LLA_MAX_QUEUES);
	sd->use_lut = (uint32_t)env_u64("LIBACCEL_SIM_LUT", 0, 0, 1);
	sd->threads = sim_threads();
	sd->sem_timeout_ns = env_u64("LIBACCEL_SIM_SEM_TIMEOUT_MS", 1000, 1,
				     3600000) * 1000000ull;
	sd->arena_size = env_u64("LIBACCEL_SIM_MEM_MB", 1024, 1, 1u << 20) << 20;
	sd->npages = sd->arena_size >> LLA_PAGE_SHIFT;
	pthread_mutex_init(&sd->lock, NULL);
	pthread_mutex_init(&sd->alloc_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sd->done, &ca);
	for (uint32_t i = 0; i < sd->nq; i++) {
		sd->q[i].sd = sd;
		pthread_cond_init(&sd->q[i].work, &ca);
	}
	pthread_condattr_destroy(&ca);
	sd->arena = mmap(NULL, sd->arena_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sd->arena == MAP_FAILED) {
		unsigned long long mb = sd->arena_size >> 20;

		sd->arena = NULL;
		sim_free(sd);
		return accel_err(-ENOMEM,
				 "accel_device_open: cannot reserve the sim arena of %llu MiB",
				 mb);
	}
	sd->pages = calloc(sd->npages, 1);
	sd->free_list = calloc(1, sizeof(*sd->free_list));
	if (!sd->pages || !sd->free_list) {
		sim_free(sd);
		return accel_err(-ENOMEM, "accel_device_open: out of memory");
	}
	sd->free_list->npages = sd->npages;
	sd->mem.opaque = sd;
	sd->mem.read = sim_read;
	sd->mem.write = sim_write;
	sd->mem.map_read = sim_map_read;
	sd->mem.unmap = NULL;
	dev->priv = sd;
	init_caps(dev, sd, index);
	for (uint32_t i = 0; i < sd->nq; i++) {
		if (pthread_create(&sd->q[i].thread, NULL, worker, &sd->q[i])) {
			sim_stop(sd);
			sim_free(sd);
			dev->priv = NULL;
			return accel_err(-ENOMEM,
					 "accel_device_open: cannot start queue threads");
		}
		sd->q[i].started = true;
	}
	return 0;
}

static void sim_close(accel_device *dev)
{
	sim_stop(dev->priv);
}

static void sim_release(accel_device *dev)
{
	sim_free(dev->priv);
	dev->priv = NULL;
}

const struct accel_backend_ops accel_sim_ops = {
	.name = "sim",
	.id = ACCEL_BACKEND_SIM,
	.enumerate = sim_enumerate,
	.open = sim_open,
	.close = sim_close,
	.release = sim_release,
	.bo_create = sim_bo_create,
	.bo_destroy = sim_bo_destroy,
	.submit = sim_submit,
	.fence_wait = sim_fence_wait,
	.fence_fini = sim_fence_fini,
	.counters = sim_counters,
};

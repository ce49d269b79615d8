// SPDX-License-Identifier: MIT
/*
 * The "kernel" backend: the llmaccel DRM accel driver through its UAPI
 * (uapi/drm/llmaccel_accel.h, docs/uapi.md).  Every operation is an ioctl
 * on the device file; nothing is emulated here.
 *
 *   enumerate   every /sys/class/accel/accelN whose device is bound to the
 *               "llmaccel" driver, in N order (accel2 before accel10)
 *   open        open(/dev/accel/accelN), DRM_IOCTL_VERSION (name must be
 *               "llmaccel"), QUERY DEVICE_INFO -> dev->caps
 *   bo_create   BO_CREATE {page-rounded size, DEVICE_READ_ONLY} -> handle
 *               + iova, BO_INFO -> mmap offset, mmap(MAP_SHARED) of the fd
 *   bo_destroy  munmap, GEM_CLOSE (a job that lists the BO keeps it alive
 *               in the kernel until it is done)
 *   submit      SYNCOBJ_CREATE (the fence's out-syncobj), SUBMIT {command
 *               buffer BO + offset + size, queue, priority, the BO list of
 *               the command buffer (every BO named by a command or added
 *               with accel_cmdbuf_use_bo), in_syncs = the dependencies'
 *               syncobjs, out_sync} -> job id
 *   fence_wait  WAIT {job id, absolute CLOCK_MONOTONIC deadline} (-ETIME
 *               -> -ETIMEDOUT), then JOB_STATUS into fence->result:
 *               status, cmd_index, fault_iova, cycles, and with driver 1.1
 *               the fault direction and start/end on the device clock
 *   fence_fini  SYNCOBJ_DESTROY
 *   counters    QUERY COUNTERS
 *
 * Job records: the driver keeps the outcome of a file's last 1024 jobs
 * (job n's record is reused by job n + 1024, and SUBMIT of n + 1024 fails
 * with EBUSY while n runs).  The backend therefore keeps every fence whose
 * outcome it has not read yet in a table indexed like the driver's
 * records, and before the SUBMIT that would reuse a slot it waits for and
 * reads the job in it.  A fence released unwaited is read there (or at
 * close).  Submissions are serialized by the device lock, so the job ids
 * (per file, from 1, consecutive) are known in advance.
 *
 * Thread safety: one lock per device serializes SUBMIT and the reading
 * of job records; WAIT runs outside it, so any number of threads can
 * wait while others submit.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "accel_priv.h"
#include "llmaccel_model.h"
#include "drm.h"
#include "llmaccel_accel.h"

/* The driver's per-file job records (LLMACCEL_JOB_RECORDS). */
#define KREC		1024u

struct kdev {
	int fd;
	pthread_mutex_t lock;		/* SUBMIT, pending[], job records */
	bool stop;
	uint64_t last_id;		/* last job id SUBMIT returned */
	accel_fence *pending[KREC];	/* not read yet, one reference each */
	uint32_t driver_version;
};

struct kfence {
	uint64_t job_id;
	uint32_t syncobj;
};

/* Copy with truncation, always terminated. */
static void copy_str(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);

	if (l >= n)
		l = n - 1;
	memcpy(dst, src, l);
	dst[l] = '\0';
}

/* Is /sys/class/accel/@name bound to the llmaccel driver? */
static bool is_llmaccel(const char *name, char *bus, size_t buslen)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/accel/%s/device/driver", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strcmp(base, "llmaccel"))
		return false;
	snprintf(path, sizeof(path), "/sys/class/accel/%s/device", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		base = strrchr(link, '/');
		copy_str(bus, buslen, base ? base + 1 : link);
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);

	/* accel2 before accel10 */
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

static int kernel_enumerate(struct accel_device_info *infos, uint32_t max,
			    uint32_t *count)
{
	DIR *d = opendir("/sys/class/accel");
	char *names[256];
	uint32_t n = 0, found = 0;
	struct dirent *de;

	*count = 0;
	if (!d)
		return 0;	/* no accel class: no devices */
	while ((de = readdir(d)) && n < 256) {
		if (strncmp(de->d_name, "accel", 5))
			continue;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (uint32_t i = 0; i < n; i++) {
		char bus[32] = "";

		if (is_llmaccel(names[i], bus, sizeof(bus))) {
			if (found < max) {
				struct accel_device_info *in = &infos[found];

				in->index = found;
				in->backend = ACCEL_BACKEND_KERNEL;
				char tmp[PATH_MAX];

				snprintf(tmp, sizeof(tmp), "/dev/accel/%s",
					 names[i]);
				copy_str(in->path, sizeof(in->path), tmp);
				snprintf(tmp, sizeof(tmp), "llmaccel %s", bus);
				copy_str(in->name, sizeof(in->name), tmp);
				copy_str(in->bus, sizeof(in->bus), bus);
			}
			found++;
		}
		free(names[i]);
	}
	*count = found;
	return 0;
}

/* ioctl that restarts after signals; returns 0 or -errno. */
static int kioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r == -1 && (errno == EINTR || errno == EAGAIN));
	return r == -1 ? -errno : 0;
}

/* The path of llmaccel device @index, or -ENODEV. */
static int kernel_path(uint32_t index, char *path, size_t len)
{
	struct accel_device_info info[64];
	uint32_t n = 0;

	memset(info, 0, sizeof(info));
	kernel_enumerate(info, 64, &n);
	if (index >= n || index >= 64)
		return accel_err(-ENODEV,
				 "accel_device_open: kernel backend: no llmaccel device %u (%u found under /sys/class/accel: is llmaccel.ko loaded? LIBACCEL_BACKEND=sim selects the simulator)",
				 index, n);
	copy_str(path, len, info[index].path);
	return 0;
}

static int query(int fd, uint32_t id, void *data, uint32_t *size)
{
	struct drm_llmaccel_query q = {
		.query = id, .size = *size, .data = (uintptr_t)data,
	};
	int err = kioctl(fd, DRM_IOCTL_LLMACCEL_QUERY, &q);

	*size = q.size;
	return err;
}

static void fill_caps(accel_device *dev, const struct drm_llmaccel_device_info *di,
		      const char *path)
{
	struct accel_caps *c = &dev->caps;
	const struct lla_uarch *u = lla_uarch_preset_id(di->preset);
	const char *base = strrchr(path, '/');
	char name[96], bus[32] = "";

	c->hw_version = di->hw_version;
	c->caps = di->caps;
	c->num_queues = di->num_queues;
	c->opcodes = di->opcodes;
	c->wformats = di->wformats;
	c->max_m = di->max_m;
	c->max_n = di->max_n;
	c->max_k = di->max_k;
	c->max_ctx = di->max_ctx;
	c->max_cmdbuf = di->max_cmdbuf;
	c->clock_khz = di->clock_khz;
	c->preset = di->preset;
	c->mem_size = 0;		/* shmem: bounded by host RAM */
	c->max_bo_size = di->max_bo_size < ACCEL_BO_MAX_SIZE ?
			 di->max_bo_size : ACCEL_BO_MAX_SIZE;
	/* Driver 1.1 reports the fault direction and the device clock. */
	c->result_fields = di->driver_version >= 0x10001 ?
			   ACCEL_RESULT_FAULT_WRITE | ACCEL_RESULT_CLOCK : 0;
	copy_str(c->path, sizeof(c->path), path);
	base = base ? base + 1 : path;
	is_llmaccel(base, bus, sizeof(bus));
	snprintf(name, sizeof(name), "llmaccel %.40s (driver %u.%u)",
		 bus[0] ? bus : base, di->driver_version >> 16,
		 di->driver_version & 0xffff);
	copy_str(c->name, sizeof(c->name), name);
	copy_str(c->preset_name, sizeof(c->preset_name),
		 u ? u->name : "unknown");
}

static int kernel_open(accel_device *dev, uint32_t index, const char *path)
{
	struct drm_llmaccel_device_info di;
	char dpath[PATH_MAX], dname[32] = "";
	struct drm_version ver;
	uint32_t size = sizeof(di);
	struct kdev *kd;
	int fd, err;

	if (!path) {
		err = kernel_path(index, dpath, sizeof(dpath));
		if (err)
			return err;
		path = dpath;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		return accel_err(err == -ENOENT ? -ENODEV : err,
				 "accel_device_open: %s: %s%s", path,
				 strerror(-err),
				 err == -EBUSY ? " (every device address space is in use)" : "");
	}
	memset(&ver, 0, sizeof(ver));
	ver.name = dname;
	ver.name_len = sizeof(dname) - 1;
	err = kioctl(fd, DRM_IOCTL_VERSION, &ver);
	if (err || strcmp(dname, "llmaccel")) {
		close(fd);
		return accel_err(-ENODEV,
				 "accel_device_open: %s is not an llmaccel device (driver '%s')",
				 path, err ? "?" : dname);
	}
	memset(&di, 0, sizeof(di));
	err = query(fd, DRM_LLMACCEL_QUERY_DEVICE_INFO, &di, &size);
	if (err) {
		close(fd);
		return accel_err(err, "accel_device_open: %s: QUERY DEVICE_INFO: %s",
				 path, strerror(-err));
	}
	kd = calloc(1, sizeof(*kd));
	if (!kd) {
		close(fd);
		return accel_err(-ENOMEM, "accel_device_open: out of memory");
	}
	kd->fd = fd;
	kd->driver_version = di.driver_version;
	pthread_mutex_init(&kd->lock, NULL);
	dev->priv = kd;
	fill_caps(dev, &di, path);
	return 0;
}

/* Read the record of @f's job, which is done (kd->lock held). */
static void read_result(struct kdev *kd, accel_fence *f)
{
	struct kfence *kf = f->be;
	struct drm_llmaccel_job_status st;
	struct accel_job_result *r = &f->result;
	int err;

	memset(&st, 0, sizeof(st));
	st.job_id = kf->job_id;
	err = kioctl(kd->fd, DRM_IOCTL_LLMACCEL_JOB_STATUS, &st);
	memset(r, 0, sizeof(*r));
	if (err || st.state != DRM_LLMACCEL_JOB_DONE) {
		/* Not reached: the record is read once the job is done. */
		r->status = ACCEL_STATUS_DEVICE_LOST;
	} else {
		r->status = st.status;
		r->cmd_index = st.cmd_index;
		r->fault_iova = st.fault_iova;
		r->cycles = st.cycles;
		r->fault_write = !!(st.result_flags &
				    DRM_LLMACCEL_RESULT_FAULT_WRITE);
		if (st.result_flags & DRM_LLMACCEL_RESULT_CLOCK) {
			r->start_cycle = st.start_cycle;
			r->end_cycle = st.start_cycle + st.cycles;
		}
	}
	accel_fence_finalize(f);
	atomic_store(&f->done, true);
}

static uint32_t kf_slot(const accel_fence *f)
{
	return (uint32_t)(((const struct kfence *)f->be)->job_id % KREC);
}

/* WAIT for the job of @f until @deadline (absolute ns, monotonic). */
static int wait_job(struct kdev *kd, accel_fence *f, int64_t deadline)
{
	struct kfence *kf = f->be;
	struct drm_llmaccel_wait w = {
		.job_id = kf->job_id, .timeout_ns = deadline,
	};
	int err = kioctl(kd->fd, DRM_IOCTL_LLMACCEL_WAIT, &w);

	return err == -ETIME ? -ETIMEDOUT : err;
}

/*
 * Wait for the job in pending slot @slot and read its outcome (kd->lock
 * held).  Returns the fence, whose table reference the caller drops
 * after unlocking.
 */
static accel_fence *retire_slot(struct kdev *kd, uint32_t slot)
{
	accel_fence *f = kd->pending[slot];

	if (!f)
		return NULL;
	kd->pending[slot] = NULL;
	if (!atomic_load(&f->done)) {
		wait_job(kd, f, INT64_MAX);
		read_result(kd, f);
	}
	return f;
}

static void kernel_close(accel_device *dev)
{
	struct kdev *kd = dev->priv;
	accel_fence *done[64];
	uint32_t n;

	pthread_mutex_lock(&kd->lock);
	kd->stop = true;
	pthread_mutex_unlock(&kd->lock);
	/* Oldest first; the references go after the lock is dropped. */
	for (uint32_t i = 0; i < KREC; ) {
		pthread_mutex_lock(&kd->lock);
		for (n = 0; n < 64 && i < KREC; i++) {
			uint32_t slot = (uint32_t)((kd->last_id + 1 + i) % KREC);
			accel_fence *f = retire_slot(kd, slot);

			if (f)
				done[n++] = f;
		}
		pthread_mutex_unlock(&kd->lock);
		while (n)
			accel_fence_put(done[--n]);
	}
}

static void kernel_release(accel_device *dev)
{
	struct kdev *kd = dev->priv;

	if (!kd)
		return;
	close(kd->fd);
	pthread_mutex_destroy(&kd->lock);
	free(kd);
	dev->priv = NULL;
}

static void gem_close(struct kdev *kd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	kioctl(kd->fd, DRM_IOCTL_GEM_CLOSE, &c);
}

static int kernel_bo_create(accel_device *dev, accel_bo *bo)
{
	struct kdev *kd = dev->priv;
	struct drm_llmaccel_bo_create c = {
		.size = bo->alloc_size,
		.flags = (bo->flags & ACCEL_BO_DEVICE_RO) ?
			 DRM_LLMACCEL_BO_DEVICE_READ_ONLY : 0,
	};
	struct drm_llmaccel_bo_info info;
	void *p;
	int err;

	err = kioctl(kd->fd, DRM_IOCTL_LLMACCEL_BO_CREATE, &c);
	if (err)
		return accel_err(err == -ENOMEM ? -ENOSPC : err,
				 "accel_bo_alloc: BO_CREATE of %llu bytes: %s",
				 (unsigned long long)bo->alloc_size,
				 strerror(-err));
	memset(&info, 0, sizeof(info));
	info.handle = c.handle;
	err = kioctl(kd->fd, DRM_IOCTL_LLMACCEL_BO_INFO, &info);
	if (err) {
		gem_close(kd, c.handle);
		return accel_err(err, "accel_bo_alloc: BO_INFO: %s",
				 strerror(-err));
	}
	p = mmap(NULL, bo->alloc_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 kd->fd, (off_t)info.mmap_offset);
	if (p == MAP_FAILED) {
		err = -errno;
		gem_close(kd, c.handle);
		return accel_err(err == -ENOMEM ? -ENOMEM : err,
				 "accel_bo_alloc: mmap of %llu bytes: %s",
				 (unsigned long long)bo->alloc_size,
				 strerror(-err));
	}
	bo->handle = c.handle;
	bo->iova = c.iova;
	bo->map = p;
	return 0;
}

static void kernel_bo_destroy(accel_device *dev, accel_bo *bo)
{
	struct kdev *kd = dev->priv;

	munmap(bo->map, bo->alloc_size);
	gem_close(kd, bo->handle);
}

static int kernel_submit(accel_device *dev, const struct accel_be_submit *s,
			 accel_fence *f)
{
	struct kdev *kd = dev->priv;
	struct drm_syncobj_create sc = { 0 };
	struct drm_syncobj_destroy sd = { 0 };
	struct drm_llmaccel_sync in[ACCEL_MAX_DEPS];
	struct drm_llmaccel_bo_ref *refs;
	struct drm_llmaccel_submit sub;
	accel_fence *old = NULL;
	struct kfence *kf;
	int err;

	if (s->nbos > DRM_LLMACCEL_MAX_BOS)
		return accel_err(-E2BIG,
				 "accel_submit: the job uses %u buffers, the driver takes at most %u",
				 s->nbos, DRM_LLMACCEL_MAX_BOS);
	kf = calloc(1, sizeof(*kf));
	refs = calloc(s->nbos + 1, sizeof(*refs));
	if (!kf || !refs) {
		free(kf);
		free(refs);
		return accel_err(-ENOMEM, "accel_submit: out of memory");
	}
	for (uint32_t i = 0; i < s->nbos; i++)
		refs[i].handle = s->bos[i]->handle;
	memset(in, 0, sizeof(in));
	for (uint32_t i = 0; i < s->ndeps; i++)
		in[i].handle = ((struct kfence *)s->deps[i]->be)->syncobj;
	err = kioctl(kd->fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc);
	if (err) {
		free(kf);
		free(refs);
		return accel_err(err, "accel_submit: SYNCOBJ_CREATE: %s",
				 strerror(-err));
	}
	kf->syncobj = sc.handle;
	memset(&sub, 0, sizeof(sub));
	sub.cmdbuf_handle = s->cmd_bo->handle;
	sub.cmdbuf_offset = s->cmd_offset;
	sub.cmdbuf_size = s->cmd_len;
	sub.queue = s->queue;
	sub.priority = s->priority;
	if (s->nbos) {
		sub.bo_count = s->nbos;
		sub.bos = (uintptr_t)refs;
		sub.bo_elem_size = sizeof(*refs);
	}
	if (s->ndeps) {
		sub.in_sync_count = s->ndeps;
		sub.in_syncs = (uintptr_t)in;
		sub.in_sync_elem_size = sizeof(in[0]);
	}
	sub.out_sync = kf->syncobj;

	pthread_mutex_lock(&kd->lock);
	if (kd->stop) {
		err = accel_err(-ESHUTDOWN, "accel_submit: device is closed");
	} else {
		/* The next job reuses this record: read its owner first. */
		old = retire_slot(kd, (uint32_t)((kd->last_id + 1) % KREC));
		err = kioctl(kd->fd, DRM_IOCTL_LLMACCEL_SUBMIT, &sub);
		if (err)
			accel_err(err, "accel_submit: SUBMIT: %s%s",
				  strerror(-err),
				  err == -EPERM ? " (high priority needs CAP_SYS_NICE)" :
				  err == -ECANCELED ? " (the context was banned after a hang; open the device again)" :
				  "");
	}
	if (!err) {
		kf->job_id = sub.job_id;
		kd->last_id = sub.job_id;
		f->be = kf;
		/* The backend's reference from accel_submit. */
		kd->pending[sub.job_id % KREC] = f;
	}
	pthread_mutex_unlock(&kd->lock);
	if (old)
		accel_fence_put(old);
	free(refs);
	if (err) {
		sd.handle = kf->syncobj;
		kioctl(kd->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &sd);
		free(kf);
	}
	return err;
}

static int kernel_fence_wait(accel_device *dev, accel_fence *f,
			     int64_t timeout_ns)
{
	struct kdev *kd = dev->priv;
	bool table_ref = true;
	int64_t deadline;
	int err;

	if (atomic_load(&f->done))
		return 0;
	if (timeout_ns < 0)
		deadline = INT64_MAX;
	else if (timeout_ns == 0)
		deadline = 0;		/* in the past: poll */
	else if (timeout_ns > INT64_MAX - (int64_t)accel_now_ns())
		deadline = INT64_MAX;
	else
		deadline = (int64_t)accel_now_ns() + timeout_ns;
	err = wait_job(kd, f, deadline);
	pthread_mutex_lock(&kd->lock);
	if (!atomic_load(&f->done)) {
		/* ENOENT: another thread read (and dropped) the record. */
		if (!err)
			read_result(kd, f);
	} else {
		err = 0;
	}
	/*
	 * Read: the table's reference can go now (the caller holds one),
	 * which frees the command buffer copy without waiting for the slot
	 * to be reused.
	 */
	if (!err && kd->pending[kf_slot(f)] == f)
		kd->pending[kf_slot(f)] = NULL;
	else
		table_ref = false;
	pthread_mutex_unlock(&kd->lock);
	if (table_ref)
		accel_fence_put(f);
	if (err && err != -ETIMEDOUT)
		return accel_err(err, "accel_fence_wait: WAIT: %s",
				 strerror(-err));
	return err;
}

static void kernel_fence_fini(accel_device *dev, accel_fence *f)
{
	struct kdev *kd = dev->priv;
	struct kfence *kf = f->be;
	struct drm_syncobj_destroy sd = { 0 };

	if (!kf)
		return;
	sd.handle = kf->syncobj;
	kioctl(kd->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &sd);
	free(kf);
	f->be = NULL;
}

static int kernel_counters(accel_device *dev, struct accel_counters *c)
{
	struct kdev *kd = dev->priv;
	struct drm_llmaccel_counters *k;
	uint32_t size = 0, nq;
	int err;

	err = query(kd->fd, DRM_LLMACCEL_QUERY_COUNTERS, NULL, &size);
	if (err)
		return accel_err(err, "accel_device_counters: QUERY COUNTERS: %s",
				 strerror(-err));
	if (size < sizeof(*k))
		size = sizeof(*k);
	k = calloc(1, size);
	if (!k)
		return accel_err(-ENOMEM, "accel_device_counters: out of memory");
	err = query(kd->fd, DRM_LLMACCEL_QUERY_COUNTERS, k, &size);
	if (err) {
		free(k);
		return accel_err(err, "accel_device_counters: QUERY COUNTERS: %s",
				 strerror(-err));
	}
	nq = k->num_queues < LLA_MAX_QUEUES ? k->num_queues : LLA_MAX_QUEUES;
	c->num_queues = nq;
	c->device_cycles = k->cycles;
	c->faults = k->faults;
	c->hangs = k->hangs;
	c->resets = k->reset_count;
	for (uint32_t i = 0; i < nq; i++) {
		struct drm_llmaccel_queue_counters qc;
		struct accel_queue_counters *q = &c->queue[i];
		size_t off = sizeof(*k) + (size_t)i * k->queue_elem_size;

		memset(&qc, 0, sizeof(qc));
		if (off + k->queue_elem_size > size)
			break;
		memcpy(&qc, (uint8_t *)k + off,
		       k->queue_elem_size < sizeof(qc) ? k->queue_elem_size :
		       sizeof(qc));
		q->jobs = qc.jobs;
		q->commands = qc.commands;
		q->errors = qc.errors;
		q->busy_cycles = qc.busy_cycles;
		q->macs = qc.macs;
		q->dma_rd_bytes = qc.dma_rd_bytes;
		q->dma_wr_bytes = qc.dma_wr_bytes;
		c->total.jobs += q->jobs;
		c->total.commands += q->commands;
		c->total.errors += q->errors;
		c->total.busy_cycles += q->busy_cycles;
		c->total.macs += q->macs;
		c->total.dma_rd_bytes += q->dma_rd_bytes;
		c->total.dma_wr_bytes += q->dma_wr_bytes;
	}
	free(k);
	return 0;
}

const struct accel_backend_ops accel_kernel_ops = {
	.name = "kernel",
	.id = ACCEL_BACKEND_KERNEL,
	.enumerate = kernel_enumerate,
	.open = kernel_open,
	.close = kernel_close,
	.release = kernel_release,
	.bo_create = kernel_bo_create,
	.bo_destroy = kernel_bo_destroy,
	.submit = kernel_submit,
	.fence_wait = kernel_fence_wait,
	.fence_fini = kernel_fence_fini,
	.counters = kernel_counters,
};

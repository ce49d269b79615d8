/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * llmaccel_lib.h: helpers of the llmaccel kselftest suite
 * (llmaccel_test.c): device access, buffer objects, jobs, syncobjs,
 * command builders, guarded user memory and an external fence source
 * (vgem) to hold jobs back without sleeping.
 *
 * Helpers that can fail return 0 or a negative errno; they never assert,
 * so every test states its own expectations.
 */
#ifndef LLMACCEL_LIB_H
#define LLMACCEL_LIB_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/wait.h>
#include <grp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>

#include "llmaccel_hw.h"
#include "llmaccel_accel.h"
#include "vgem_drm.h"

#define LLA_DEV_DEFAULT	"/dev/accel/accel0"
#define SEC_NS		1000000000ll
/* Generous: the device runs under TCG and recovery takes 1-2 checks. */
#define JOB_TIMEOUT_NS	(20 * SEC_NS)

static inline const char *lla_dev_path(void)
{
	const char *p = getenv("LLMACCEL_DEV");

	return p && *p ? p : LLA_DEV_DEFAULT;
}

static inline int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r == -1 && (errno == EINTR || errno == EAGAIN));
	return r == -1 ? -errno : 0;
}

static inline int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * SEC_NS + ts.tv_nsec;
}

static inline int lla_open(void)
{
	int fd = open(lla_dev_path(), O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* ------------------------------------------------------------------ */
/* QUERY                                                               */
/* ------------------------------------------------------------------ */

static inline int lla_query(int fd, uint32_t id, void *data, uint32_t *size)
{
	struct drm_llmaccel_query q = {
		.query = id, .size = *size, .data = (uintptr_t)data,
	};
	int r = xioctl(fd, DRM_IOCTL_LLMACCEL_QUERY, &q);

	if (!r)
		*size = q.size;
	return r;
}

static inline int lla_info(int fd, struct drm_llmaccel_device_info *info)
{
	uint32_t size = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return lla_query(fd, DRM_LLMACCEL_QUERY_DEVICE_INFO, info, &size);
}

/* Counters with room for LLA_MAX_QUEUES queues. */
struct lla_counters {
	struct drm_llmaccel_counters c;
	struct drm_llmaccel_queue_counters q[LLA_MAX_QUEUES];
};

static inline int lla_counters(int fd, struct lla_counters *c)
{
	uint32_t size = sizeof(*c);

	memset(c, 0, sizeof(*c));
	return lla_query(fd, DRM_LLMACCEL_QUERY_COUNTERS, c, &size);
}

/* ------------------------------------------------------------------ */
/* sysfs / debugfs of the device behind an fd                          */
/* ------------------------------------------------------------------ */

/* /sys/dev/char/MAJ:MIN/device/<name> of the node behind @fd. */
static inline int lla_sysfs_path(int fd, const char *name, char *buf,
				 size_t len)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	snprintf(buf, len, "/sys/dev/char/%u:%u/device/%s",
		 major(st.st_rdev), minor(st.st_rdev), name);
	return 0;
}

static inline int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

static inline int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* The driver's reset counter through sysfs; negative errno on failure. */
static inline int64_t lla_sysfs_resets(int fd)
{
	char path[PATH_MAX], buf[64];
	int r = lla_sysfs_path(fd, "reset_count", path, sizeof(path));

	if (!r)
		r = read_file(path, buf, sizeof(buf));
	return r < 0 ? r : strtoll(buf, NULL, 10);
}

/*
 * Users of the llmaccel module (/sys/module/llmaccel/refcnt): open files
 * and live jobs (each job holds one until its fences are gone).
 */
static inline int lla_module_refcnt(void)
{
	char buf[32];
	int r = read_file("/sys/module/llmaccel/refcnt", buf, sizeof(buf));

	return r < 0 ? r : atoi(buf);
}

/*
 * Wait until the module has at most @want users: a job is released a
 * little after its fence signals (free_job, then a workqueue), and jobs
 * of earlier tests may still be on their way out.  Polls, because sysfs
 * has no notification for refcnt; returns the last count read.
 */
static inline int lla_wait_module_refcnt(int want, int timeout_ms)
{
	int n = lla_module_refcnt(), i;

	for (i = 0; n > want && i < timeout_ms / 10; i++) {
		usleep(10000);
		n = lla_module_refcnt();
	}
	return n;
}

/* PCI address of the device behind @fd ("0000:00:03.0"). */
static inline int lla_pci_name(int fd, char *name, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;
	int r = lla_sysfs_path(fd, "", path, sizeof(path));

	if (r)
		return r;
	path[strlen(path) - 1] = 0;	/* drop the trailing '/' */
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	base = strrchr(target, '/');
	snprintf(name, len, "%.63s", base ? base + 1 : target);
	return 0;
}

/* Whole-device reset through debugfs; returns when it is done. */
static inline int lla_debugfs_reset(int fd)
{
	char pci[64], path[PATH_MAX];
	int r = lla_pci_name(fd, pci, sizeof(pci));

	if (r)
		return r;
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/reset", pci);
	return write_file(path, "1");
}

/* ------------------------------------------------------------------ */
/* Buffer objects                                                      */
/* ------------------------------------------------------------------ */

struct bo {
	uint32_t handle;
	uint32_t flags;
	uint64_t iova, size;
	uint8_t *map;
};

static inline int bo_create(int fd, uint64_t size, uint32_t flags,
			    uint32_t *handle, uint64_t *iova)
{
	struct drm_llmaccel_bo_create c = { .size = size, .flags = flags };
	int r = xioctl(fd, DRM_IOCTL_LLMACCEL_BO_CREATE, &c);

	if (!r) {
		*handle = c.handle;
		if (iova)
			*iova = c.iova;
	}
	return r;
}

static inline int bo_info(int fd, uint32_t handle,
			  struct drm_llmaccel_bo_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return xioctl(fd, DRM_IOCTL_LLMACCEL_BO_INFO, info);
}

/* Create, query and map a BO. */
static inline int bo_new(int fd, uint64_t size, uint32_t flags, struct bo *bo)
{
	struct drm_llmaccel_bo_info i;
	int r;

	memset(bo, 0, sizeof(*bo));
	r = bo_create(fd, size, flags, &bo->handle, &bo->iova);
	if (r)
		return r;
	r = bo_info(fd, bo->handle, &i);
	if (r)
		return r;
	bo->size = i.size;
	bo->flags = flags;
	bo->map = mmap(NULL, i.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       i.mmap_offset);
	if (bo->map == MAP_FAILED) {
		bo->map = NULL;
		return -errno;
	}
	return 0;
}

static inline int gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

static inline void bo_free(int fd, struct bo *bo)
{
	if (bo->map)
		munmap(bo->map, bo->size);
	if (bo->handle)
		gem_close(fd, bo->handle);
	memset(bo, 0, sizeof(*bo));
}

/* Import @handle of @from into @to through a dma-buf (PRIME). */
static inline int prime_import(int from, uint32_t handle, int to,
			       uint32_t *out)
{
	struct drm_prime_handle p = { .handle = handle, .flags = DRM_CLOEXEC };
	int r = xioctl(from, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);

	if (r)
		return r;
	p.handle = 0;
	p.flags = 0;
	r = xioctl(to, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	close(p.fd);
	if (!r)
		*out = p.handle;
	return r;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

/* A command buffer being built in host memory (or a mapped BO). */
struct cmds {
	uint8_t *buf;
	uint32_t len, n;
};

static inline void cmd_put(struct cmds *c, const void *cmd, uint32_t size)
{
	memcpy(c->buf + c->len, cmd, size);
	c->len += size;
	c->n++;
}

#define HDR(op, type) { .opcode = (op), .size = sizeof(type) }

static inline void cmd_nop(struct cmds *c)
{
	struct lla_cmd_nop n = { .hdr = HDR(LLA_OP_NOP, n) };

	cmd_put(c, &n, sizeof(n));
}

static inline void cmd_fill(struct cmds *c, uint64_t dst, uint64_t len,
			    uint32_t value)
{
	struct lla_cmd_fill f = {
		.hdr = HDR(LLA_OP_FILL, f),
		.dst_iova = dst, .len = len, .value = value,
	};

	cmd_put(c, &f, sizeof(f));
}

static inline void cmd_copy(struct cmds *c, uint64_t src, uint64_t dst,
			    uint64_t len)
{
	struct lla_cmd_copy k = {
		.hdr = HDR(LLA_OP_COPY, k),
		.src_iova = src, .dst_iova = dst, .len = len,
	};

	cmd_put(c, &k, sizeof(k));
}

/* ------------------------------------------------------------------ */
/* Jobs                                                                */
/* ------------------------------------------------------------------ */

/* SUBMIT arguments with the usual defaults; tests tweak fields. */
static inline struct drm_llmaccel_submit submit_args(uint32_t cmd_handle,
						     uint32_t len)
{
	struct drm_llmaccel_submit s = {
		.cmdbuf_handle = cmd_handle,
		.cmdbuf_size = len,
		.priority = DRM_LLMACCEL_PRIO_NORMAL,
	};

	return s;
}

static inline void submit_bos(struct drm_llmaccel_submit *s,
			      struct drm_llmaccel_bo_ref *refs, uint32_t n)
{
	s->bos = (uintptr_t)refs;
	s->bo_count = n;
	s->bo_elem_size = sizeof(*refs);
}

static inline void submit_in(struct drm_llmaccel_submit *s,
			     struct drm_llmaccel_sync *in, uint32_t n)
{
	s->in_syncs = (uintptr_t)in;
	s->in_sync_count = n;
	s->in_sync_elem_size = sizeof(*in);
}

static inline int do_submit(int fd, struct drm_llmaccel_submit *s,
			    uint64_t *job_id)
{
	int r = xioctl(fd, DRM_IOCTL_LLMACCEL_SUBMIT, s);

	if (!r && job_id)
		*job_id = s->job_id;
	return r;
}

/* Submit @len bytes of commands at offset 0 of @cmd on @queue. */
static inline int submit_simple(int fd, const struct bo *cmd, uint32_t len,
				uint32_t queue, uint64_t *job_id)
{
	struct drm_llmaccel_submit s = submit_args(cmd->handle, len);

	s.queue = queue;
	return do_submit(fd, &s, job_id);
}

static inline int wait_job_abs(int fd, uint64_t id, int64_t deadline)
{
	struct drm_llmaccel_wait w = { .job_id = id, .timeout_ns = deadline };

	return xioctl(fd, DRM_IOCTL_LLMACCEL_WAIT, &w);
}

static inline int wait_job(int fd, uint64_t id)
{
	return wait_job_abs(fd, id, now_ns() + JOB_TIMEOUT_NS);
}

static inline int job_status(int fd, uint64_t id,
			     struct drm_llmaccel_job_status *st)
{
	memset(st, 0, sizeof(*st));
	st->job_id = id;
	return xioctl(fd, DRM_IOCTL_LLMACCEL_JOB_STATUS, st);
}

/* Wait for the job and return its status (or a negative errno). */
static inline int64_t run_wait(int fd, uint64_t id)
{
	struct drm_llmaccel_job_status st;
	int r = wait_job(fd, id);

	if (!r)
		r = job_status(fd, id, &st);
	if (r)
		return r;
	return st.state == DRM_LLMACCEL_JOB_DONE ? (int64_t)st.status : -EBUSY;
}

/* Submit a job and wait for it: its status, or a negative errno. */
static inline int64_t run_job(int fd, const struct bo *cmd, uint32_t len,
			      uint32_t queue)
{
	uint64_t id;
	int r = submit_simple(fd, cmd, len, queue, &id);

	return r ? r : run_wait(fd, id);
}

/* ------------------------------------------------------------------ */
/* Syncobjs                                                            */
/* ------------------------------------------------------------------ */

static inline int syncobj_create(int fd, uint32_t flags, uint32_t *h)
{
	struct drm_syncobj_create c = { .flags = flags };
	int r = xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c);

	*h = r ? 0 : c.handle;
	return r;
}

static inline int syncobj_destroy(int fd, uint32_t h)
{
	struct drm_syncobj_destroy d = { .handle = h };

	return xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
}

static inline int syncobj_wait(int fd, uint32_t h, int64_t deadline)
{
	struct drm_syncobj_wait w = {
		.handles = (uintptr_t)&h, .count_handles = 1,
		.timeout_nsec = deadline,
	};

	return xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w);
}

static inline int syncobj_timeline_wait(int fd, uint32_t h, uint64_t point,
					uint32_t flags, int64_t deadline)
{
	struct drm_syncobj_timeline_wait w = {
		.handles = (uintptr_t)&h, .points = (uintptr_t)&point,
		.count_handles = 1, .timeout_nsec = deadline, .flags = flags,
	};

	return xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
}

static inline int syncobj_export_sync_file(int fd, uint32_t h, int *sf)
{
	struct drm_syncobj_handle e = {
		.handle = h,
		.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
		.fd = -1,
	};
	int r = xioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &e);

	*sf = r ? -1 : e.fd;
	return r;
}

/* SYNC_IOC_FILE_INFO of a sync_file: the fence status (1, 0, -errno). */
static inline int sync_file_status(int sf, int *status)
{
	struct {
		char name[32];
		int32_t status;
		uint32_t flags, num_fences, pad;
		uint64_t sync_fence_info;
	} info = { .num_fences = 0 };
	int r = xioctl(sf, _IOWR('>', 4, info), &info);

	if (!r)
		*status = info.status;
	return r;
}

/* SYNC_IOC_FILE_INFO with one sync_fence_info: the fence's names. */
static inline int sync_file_names(int sf, char *driver, char *timeline)
{
	struct {
		char obj_name[32], driver_name[32];
		int32_t status;
		uint32_t flags;
		uint64_t timestamp_ns;
	} fi = { .status = 0 };
	struct {
		char name[32];
		int32_t status;
		uint32_t flags, num_fences, pad;
		uint64_t sync_fence_info;
	} info = { .num_fences = 1, .sync_fence_info = (uintptr_t)&fi };
	int r = xioctl(sf, _IOWR('>', 4, info), &info);

	if (!r) {
		memcpy(driver, fi.driver_name, sizeof(fi.driver_name));
		memcpy(timeline, fi.obj_name, sizeof(fi.obj_name));
	}
	return r;
}

static inline int syncobj_import_sync_file(int fd, uint32_t h, int sf)
{
	struct drm_syncobj_handle imp = {
		.handle = h,
		.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
		.fd = sf,
	};

	return xioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &imp);
}

/* Status of the syncobj's fence as a sync_file says: 1, 0 or -errno. */
static inline int syncobj_fence_status(int fd, uint32_t h, int *status)
{
	struct drm_syncobj_handle e = {
		.handle = h,
		.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
		.fd = -1,
	};
	struct sync_file_info_min {
		char name[32];
		int32_t status;
		uint32_t flags;
		uint32_t num_fences;
		uint32_t pad;
		uint64_t sync_fence_info;
	} info = { .num_fences = 0 };
	int r = xioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &e);

	if (r)
		return r;
	/* SYNC_IOC_FILE_INFO = _IOWR('>', 4, struct sync_file_info) */
	r = xioctl(e.fd, _IOWR('>', 4, struct sync_file_info_min), &info);
	close(e.fd);
	if (!r)
		*status = info.status;
	return r;
}

/* ------------------------------------------------------------------ */
/* Unprivileged children                                               */
/* ------------------------------------------------------------------ */

#define LLA_NOBODY	65534
/* A child's exit status when it could not set itself up. */
#define LLA_EXIT_SETUP	250

/*
 * Run @fn(@arg) in a child as uid/gid 65534 (the node must be open to
 * that group): its exit status (by convention an errno, 0 for success,
 * or LLA_EXIT_SETUP), -ETIMEDOUT if it did not end within @timeout_s
 * (it is killed), or -ECHILD if it died of a signal.  The wait is for
 * SIGCHLD, not a sleep.
 */
static inline int as_nobody(int (*fn)(void *arg), void *arg, int timeout_s)
{
	struct timespec to = { .tv_sec = timeout_s };
	sigset_t set, old;
	int status, r;
	pid_t pid;

	fflush(stdout);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(LLA_NOBODY) ||
		    setuid(LLA_NOBODY))
			_exit(LLA_EXIT_SETUP);
		r = fn(arg);
		fflush(stdout);
		_exit(r);
	}
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -errno;
	}
	r = sigtimedwait(&set, NULL, &to);
	if (r < 0 && waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -ETIMEDOUT;
	}
	waitpid(pid, &status, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (!WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

/* ------------------------------------------------------------------ */
/* The kernel log                                                      */
/* ------------------------------------------------------------------ */

/*
 * Scan the whole kernel log: print the driver's warnings and errors as
 * TAP comments (for the record) and every line that shows a kernel
 * problem.  Returns the number of such lines, or a negative errno.
 */
static inline int dmesg_scan(void)
{
	static const char *const bad_log[] = {
		"WARNING:", "BUG:", "BUG ", "Oops", "Call Trace", "leak",
		"refcount_t", "general protection", "UBSAN",
		"list_add corruption", "list_del corruption", "not clean",
		"kernel NULL pointer", "hung_task", "blocked for more than",
		"Tainted: G      D", "page allocation failure",
	};
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0), n;
	char *log, *line, *save = NULL;
	int bad = 0;
	size_t i;

	if (size <= 0)
		return -EIO;
	log = calloc(1, size + 1);
	if (!log)
		return -ENOMEM;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, size);
	if (n < 0) {
		free(log);
		return -errno;
	}
	log[n] = 0;
	for (line = strtok_r(log, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "llmaccel") && line[0] == '<' &&
		    line[1] >= '0' && line[1] <= '4')
			printf("# dmesg: %s\n", line);
		for (i = 0; i < sizeof(bad_log) / sizeof(bad_log[0]); i++)
			if (strstr(line, bad_log[i])) {
				printf("# dmesg BAD: %s\n", line);
				bad++;
				break;
			}
	}
	fflush(stdout);
	free(log);
	return bad;
}

/* ------------------------------------------------------------------ */
/* Guarded user memory                                                 */
/* ------------------------------------------------------------------ */

/*
 * Two pages, the second PROT_NONE: returns a pointer to @size bytes that
 * end exactly where the readable page ends (@overhang = 0), or that run
 * @overhang bytes into the unmapped page.  *base gets the mapping.
 */
static inline void *page_end(size_t size, size_t overhang, void **base)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	mprotect(p + pg, pg, PROT_NONE);
	*base = p;
	return p + pg - size + overhang;
}

static inline void page_end_free(void *base)
{
	munmap(base, 2 * sysconf(_SC_PAGESIZE));
}

/* An address with nothing mapped (a page mapped, then unmapped). */
static inline void *unmapped_ptr(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	munmap(p, pg);
	return p;
}

/* A kernel address: never accessible from userspace. */
#define KERNEL_PTR	0xffff888000000000ull

/* ------------------------------------------------------------------ */
/* External fences (vgem): hold jobs back without sleeping             */
/* ------------------------------------------------------------------ */

/*
 * An unsignalled fence in a syncobj of our device: a vgem BO gets a
 * fence (VGEM_FENCE_ATTACH), its dma-buf exports it as a sync_file, and
 * the sync_file is imported into the syncobj.  VGEM_FENCE_SIGNAL releases
 * everything waiting on it (vgem signals it by itself after 10 s).
 */
struct gate {
	int vfd;		/* vgem card */
	uint32_t vbo;		/* vgem BO */
	uint32_t fence;		/* vgem fence id */
	uint32_t syncobj;	/* in the llmaccel file */
};

static inline int vgem_open(void)
{
	char path[PATH_MAX], name[64];
	struct drm_version v;
	int i, fd;

	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!xioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -ENODEV;
}

static inline int gate_open(int fd, struct gate *g)
{
	struct drm_mode_create_dumb d = { .width = 64, .height = 1,
					  .bpp = 32 };
	struct drm_vgem_fence_attach a = { .flags = VGEM_FENCE_WRITE };
	struct drm_prime_handle p = { .flags = DRM_CLOEXEC };
	struct dma_buf_export_sync_file e = { .flags = DMA_BUF_SYNC_RW,
					      .fd = -1 };
	struct drm_syncobj_handle imp = {
		.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
	};
	int r;

	memset(g, 0, sizeof(*g));
	g->vfd = vgem_open();
	if (g->vfd < 0)
		return g->vfd;
	r = xioctl(g->vfd, DRM_IOCTL_MODE_CREATE_DUMB, &d);
	if (r)
		return r;
	g->vbo = d.handle;
	a.handle = d.handle;
	r = xioctl(g->vfd, DRM_IOCTL_VGEM_FENCE_ATTACH, &a);
	if (r)
		return r;
	g->fence = a.out_fence;
	p.handle = d.handle;
	r = xioctl(g->vfd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	if (r)
		return r;
	r = xioctl(p.fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e);
	close(p.fd);
	if (r)
		return r;
	r = syncobj_create(fd, 0, &g->syncobj);
	if (!r) {
		imp.handle = g->syncobj;
		imp.fd = e.fd;
		r = xioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &imp);
	}
	close(e.fd);
	return r;
}

static inline int gate_release(struct gate *g)
{
	struct drm_vgem_fence_signal s = { .fence = g->fence };

	return xioctl(g->vfd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s);
}

static inline void gate_close(int fd, struct gate *g)
{
	if (g->syncobj)
		syncobj_destroy(fd, g->syncobj);
	if (g->vfd > 0)
		close(g->vfd);
	memset(g, 0, sizeof(*g));
}

/* Make @s wait for the gate. */
static inline void submit_gate(struct drm_llmaccel_submit *s,
			       struct drm_llmaccel_sync *in,
			       const struct gate *g)
{
	memset(in, 0, sizeof(*in));
	in->handle = g->syncobj;
	submit_in(s, in, 1);
}

/* ------------------------------------------------------------------ */
/* Deterministic data                                                  */
/* ------------------------------------------------------------------ */

static inline uint32_t rng_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/* Uniform float in [-1, 1). */
static inline float rng_float(uint64_t *s)
{
	return (float)((int32_t)(rng_next(s) & 0xffffff) - 0x800000) /
	       (float)0x800000;
}

#endif /* LLMACCEL_LIB_H */

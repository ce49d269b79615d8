// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel-smoke: a small end-to-end check of llmaccel.ko in the VM
 * (the kselftest suite lives in selftests/llmaccel/).  TAP output.
 *
 *   llmaccel-smoke [/dev/accel/accel0] [--bench N] [--hang QUEUE]
 *
 * Creates BOs, runs NOP/FILL/COPY jobs, checks the data through mmap,
 * JOB_STATUS of a good and of a faulting job, out-syncobj + in-syncobj
 * chaining, a few error paths, the QUERY size negotiation, and prints the
 * submit-to-completion round trip of N null jobs (p50/p99).  With --hang
 * QUEUE (a VM booted with inject-hang-queue=QUEUE) it also checks hang
 * recovery: the hung job gets LLA_ERR_HANG, its file is banned
 * (-ECANCELED) and another file's job on another queue completes.
 *
 * Build (static):
 *   cc -static -O2 -Iuapi/drm -Irtl-model/include \
 *      -I/lib/modules/$KVER/build/include/uapi/drm ... (see mk/module.mk)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "llmaccel_hw.h"
#include "llmaccel_accel.h"

static int tests, fails;

static void ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!cond)
		fails++;
	printf("%sok %d - ", cond ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r == -1 && (errno == EINTR || errno == EAGAIN));
	return r == -1 ? -errno : 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct bo {
	uint32_t handle;
	uint64_t iova, size;
	void *map;
};

static int bo_new(int fd, uint64_t size, uint32_t flags, struct bo *bo)
{
	struct drm_llmaccel_bo_create c = { .size = size, .flags = flags };
	struct drm_llmaccel_bo_info i = { 0 };
	int r = xioctl(fd, DRM_IOCTL_LLMACCEL_BO_CREATE, &c);

	if (r)
		return r;
	i.handle = c.handle;
	r = xioctl(fd, DRM_IOCTL_LLMACCEL_BO_INFO, &i);
	if (r)
		return r;
	bo->handle = c.handle;
	bo->iova = c.iova;
	bo->size = i.size;
	bo->map = mmap(NULL, i.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       i.mmap_offset);
	return bo->map == MAP_FAILED ? -errno : 0;
}

static int submit(int fd, struct bo *cmd, uint32_t len, uint32_t queue,
		  struct bo **bos, unsigned int nbos, uint32_t in_sync,
		  uint32_t out_sync, uint64_t *job_id)
{
	struct drm_llmaccel_bo_ref refs[8];
	struct drm_llmaccel_sync in = { .handle = in_sync };
	struct drm_llmaccel_submit s = {
		.cmdbuf_handle = cmd->handle,
		.cmdbuf_size = len,
		.queue = queue,
		.priority = DRM_LLMACCEL_PRIO_NORMAL,
		.out_sync = out_sync,
	};
	unsigned int i;
	int r;

	for (i = 0; i < nbos; i++)
		refs[i] = (struct drm_llmaccel_bo_ref){ .handle = bos[i]->handle };
	if (nbos) {
		s.bos = (uintptr_t)refs;
		s.bo_count = nbos;
		s.bo_elem_size = sizeof(refs[0]);
	}
	if (in_sync) {
		s.in_syncs = (uintptr_t)&in;
		s.in_sync_count = 1;
		s.in_sync_elem_size = sizeof(in);
	}
	r = xioctl(fd, DRM_IOCTL_LLMACCEL_SUBMIT, &s);
	if (!r)
		*job_id = s.job_id;
	return r;
}

static int wait_job(int fd, uint64_t id, int64_t timeout_ns)
{
	struct drm_llmaccel_wait w = {
		.job_id = id,
		.timeout_ns = now_ns() + timeout_ns,
	};

	return xioctl(fd, DRM_IOCTL_LLMACCEL_WAIT, &w);
}

static int job_status(int fd, uint64_t id, struct drm_llmaccel_job_status *st)
{
	memset(st, 0, sizeof(*st));
	st->job_id = id;
	return xioctl(fd, DRM_IOCTL_LLMACCEL_JOB_STATUS, st);
}

/* Append a command; returns the new length. */
static uint32_t put(void *buf, uint32_t len, const void *cmd, uint32_t size)
{
	memcpy((char *)buf + len, cmd, size);
	return len + size;
}

static uint32_t cmd_nop(void *buf, uint32_t len)
{
	struct lla_cmd_nop n = { .hdr = { LLA_OP_NOP, 0, 0, sizeof(n) } };

	return put(buf, len, &n, sizeof(n));
}

static uint32_t cmd_fill(void *buf, uint32_t len, uint64_t dst, uint64_t n,
			 uint32_t v)
{
	struct lla_cmd_fill f = {
		.hdr = { LLA_OP_FILL, 0, 0, sizeof(f) },
		.dst_iova = dst, .len = n, .value = v,
	};

	return put(buf, len, &f, sizeof(f));
}

static uint32_t cmd_copy(void *buf, uint32_t len, uint64_t src, uint64_t dst,
			 uint64_t n)
{
	struct lla_cmd_copy c = {
		.hdr = { LLA_OP_COPY, 0, 0, sizeof(c) },
		.src_iova = src, .dst_iova = dst, .len = n,
	};

	return put(buf, len, &c, sizeof(c));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int syncobj_create(int fd, uint32_t *h)
{
	struct drm_syncobj_create c = { 0 };
	int r = xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c);

	*h = c.handle;
	return r;
}

static int syncobj_wait(int fd, uint32_t h, int64_t timeout_ns)
{
	struct drm_syncobj_wait w = {
		.handles = (uintptr_t)&h,
		.count_handles = 1,
		.timeout_nsec = now_ns() + timeout_ns,
	};

	return xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w);
}

static void bench(int fd, struct bo *cmd, int n)
{
	uint64_t *lat = calloc(n, sizeof(*lat));
	uint32_t len = cmd_nop(cmd->map, 0);
	int i, r = 0;

	for (i = 0; i < n && !r; i++) {
		int64_t t0 = now_ns();
		uint64_t id;

		r = submit(fd, cmd, len, 0, NULL, 0, 0, 0, &id);
		if (!r)
			r = wait_job(fd, id, 5000000000ll);
		lat[i] = now_ns() - t0;
	}
	ok(!r, "bench: %d null jobs submitted and waited", n);
	if (!r) {
		qsort(lat, n, sizeof(*lat), cmp_u64);
		printf("# null-job submit-to-completion round trip over %d jobs: p50 %.1f us, p99 %.1f us, max %.1f us\n",
		       n, lat[n / 2] / 1e3, lat[(n * 99) / 100] / 1e3,
		       lat[n - 1] / 1e3);
	}
	free(lat);
}

static void hang_test(const char *path, int fd, struct bo *cmd, unsigned int q,
		      unsigned int nq)
{
	struct drm_llmaccel_job_status st;
	uint64_t hung, good, later;
	struct bo cmd2;
	int fd2, r;
	uint32_t len = cmd_nop(cmd->map, 0);

	fd2 = open(path, O_RDWR);
	ok(fd2 >= 0, "hang: second file opened");
	if (fd2 < 0)
		return;
	r = bo_new(fd2, 4096, 0, &cmd2);
	ok(!r, "hang: second file's BO");
	len = cmd_nop(cmd2.map, 0);
	r = submit(fd, cmd, len, q, NULL, 0, 0, 0, &hung);
	ok(!r, "hang: job on the hung queue %u submitted", q);
	r = submit(fd2, &cmd2, len, (q + 1) % nq, NULL, 0, 0, 0, &good);
	ok(!r, "hang: innocent job on queue %u submitted", (q + 1) % nq);
	r = wait_job(fd2, good, 30000000000ll);
	ok(!r, "hang: innocent job done (%d)", r);
	r = wait_job(fd, hung, 30000000000ll);
	ok(!r, "hang: hung job finished by recovery (%d)", r);
	job_status(fd, hung, &st);
	ok(st.state == DRM_LLMACCEL_JOB_DONE && st.status == LLA_ERR_HANG,
	   "hang: status LLA_ERR_HANG (state %u status %u)", st.state,
	   st.status);
	r = submit(fd, cmd, len, (q + 1) % nq, NULL, 0, 0, 0, &later);
	ok(r == -ECANCELED, "hang: guilty file banned: SUBMIT -ECANCELED (%d)",
	   r);
	r = submit(fd2, &cmd2, len, (q + 1) % nq, NULL, 0, 0, 0, &later);
	ok(!r && !wait_job(fd2, later, 10000000000ll),
	   "hang: innocent file still works after the reset");
	job_status(fd2, later, &st);
	ok(st.status == LLA_OK, "hang: innocent job status OK (%u)", st.status);
	close(fd2);
}

/*
 * --hold QUEUE SEC: submit a job on QUEUE, sleep (meanwhile the device is
 * unbound or hangs), then report what SUBMIT, WAIT and JOB_STATUS say.
 */
static int hold(const char *path, unsigned int q, unsigned int sec)
{
	struct drm_llmaccel_job_status st;
	struct bo cmd = { 0 };
	uint64_t id, id2;
	int fd = open(path, O_RDWR), r;

	if (fd < 0 || bo_new(fd, 4096, 0, &cmd))
		return 1;
	r = submit(fd, &cmd, cmd_nop(cmd.map, 0), q, NULL, 0, 0, 0, &id);
	printf("# hold: submitted job %llu: %d; sleeping %u s\n",
	       (unsigned long long)id, r, sec);
	fflush(stdout);
	sleep(sec);
	r = submit(fd, &cmd, 8, q, NULL, 0, 0, 0, &id2);
	printf("# hold: SUBMIT after the sleep: %d\n", r);
	r = wait_job(fd, id, 5000000000ll);
	printf("# hold: WAIT: %d\n", r);
	r = job_status(fd, id, &st);
	printf("# hold: JOB_STATUS: %d state %u status 0x%x\n", r, st.state,
	       st.status);
	cmd.map = NULL;
	close(fd);
	printf("# hold: closed\n");
	return 0;
}

/* --files N: open N files at once; the device has NUM_AS contexts. */
static int files(const char *path, int n)
{
	int fds[256], i, err = 0;

	for (i = 0; i < n && i < 256; i++) {
		fds[i] = open(path, O_RDWR);
		if (fds[i] < 0) {
			err = errno;
			break;
		}
	}
	printf("# files: opened %d of %d, then: %s\n", i, n,
	       err ? strerror(err) : "-");
	while (i--)
		close(fds[i]);
	return 0;
}

/*
 * --slow MB: one COPY of MB MiB, which takes many progress-check
 * intervals when the module is loaded with a small hang_check_ms.  A slow
 * job that keeps the device's heartbeat moving must not be declared hung.
 */
static int slow(const char *path, unsigned int mb)
{
	struct drm_llmaccel_counters c0, c1;
	struct drm_llmaccel_query q = {
		.query = DRM_LLMACCEL_QUERY_COUNTERS,
		.size = sizeof(c0),
	};
	struct drm_llmaccel_job_status st;
	uint64_t sz = (uint64_t)mb << 20, id;
	struct bo cmd = { 0 }, big = { 0 };
	int fd = open(path, O_RDWR), r;
	int64_t t0;
	uint32_t len;

	if (fd < 0 || bo_new(fd, 4096, 0, &cmd) || bo_new(fd, 2 * sz, 0, &big))
		return 1;
	q.data = (uintptr_t)&c0;
	xioctl(fd, DRM_IOCTL_LLMACCEL_QUERY, &q);
	memset(big.map, 0x5a, sz);
	len = cmd_copy(cmd.map, 0, big.iova, big.iova + sz, sz);
	t0 = now_ns();
	r = submit(fd, &cmd, len, 0, &(struct bo *){ &big }, 1, 0, 0, &id);
	if (!r)
		r = wait_job(fd, id, 120000000000ll);
	job_status(fd, id, &st);
	q.data = (uintptr_t)&c1;
	q.size = sizeof(c1);
	xioctl(fd, DRM_IOCTL_LLMACCEL_QUERY, &q);
	ok(!r && st.status == LLA_OK, "slow: %u MiB COPY done in %.0f ms, status %u",
	   mb, (now_ns() - t0) / 1e6, st.status);
	ok(c1.reset_count == c0.reset_count && c1.hangs == c0.hangs,
	   "slow: no reset, no hang (resets %llu -> %llu)",
	   (unsigned long long)c0.reset_count,
	   (unsigned long long)c1.reset_count);
	ok(!memcmp((char *)big.map + sz, big.map, sz), "slow: all data copied");
	close(fd);
	printf("1..%d\n", tests);
	return fails ? 1 : 0;
}

/*
 * --sem SEC: a job blocks in SEM_WAIT on queue 0 for SEC seconds until a
 * job on queue 1 signals it.  Reports whether the driver took the
 * blocked job for a hung one (it should not, if the device ticks its
 * heartbeat per semaphore check as docs/hw-spec.md 4.4 says).
 */
static int sem(const char *path, unsigned int sec)
{
	struct drm_llmaccel_counters c0, c1;
	struct drm_llmaccel_query q = {
		.query = DRM_LLMACCEL_QUERY_COUNTERS,
		.size = sizeof(c0),
	};
	struct drm_llmaccel_job_status st;
	struct lla_cmd_sem w = { .hdr = { LLA_OP_SEM_WAIT, 0, 0, sizeof(w) } };
	struct lla_cmd_sem sg = { .hdr = { LLA_OP_SEM_SIGNAL, 0, 0, sizeof(sg) } };
	struct bo cmd = { 0 }, cmd2 = { 0 }, data = { 0 };
	int fd = open(path, O_RDWR), r;
	uint64_t a, b;

	if (fd < 0 || bo_new(fd, 4096, 0, &cmd) || bo_new(fd, 4096, 0, &cmd2) ||
	    bo_new(fd, 4096, 0, &data))
		return 1;
	q.data = (uintptr_t)&c0;
	xioctl(fd, DRM_IOCTL_LLMACCEL_QUERY, &q);
	w.iova = data.iova;
	w.value = 1;
	w.op = LLA_SEM_GE;
	sg.iova = data.iova;
	sg.value = 1;
	sg.op = LLA_SEM_SET;
	r = submit(fd, &cmd, put(cmd.map, 0, &w, sizeof(w)), 0, NULL, 0, 0, 0,
		   &a);
	sleep(sec);
	r |= submit(fd, &cmd2, put(cmd2.map, 0, &sg, sizeof(sg)), 1, NULL, 0,
		    0, 0, &b);
	r |= wait_job(fd, a, 30000000000ll);
	job_status(fd, a, &st);
	q.data = (uintptr_t)&c1;
	xioctl(fd, DRM_IOCTL_LLMACCEL_QUERY, &q);
	ok(!r && st.status == LLA_OK,
	   "sem: job blocked %u s in SEM_WAIT completes OK (status %u)", sec,
	   st.status);
	ok(c1.hangs == c0.hangs, "sem: not taken for a hang (hangs %llu -> %llu)",
	   (unsigned long long)c0.hangs, (unsigned long long)c1.hangs);
	close(fd);
	printf("1..%d\n", tests);
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *path = "/dev/accel/accel0";
	struct drm_llmaccel_device_info info;
	struct drm_llmaccel_query qy = { 0 };
	struct drm_llmaccel_job_status st;
	struct bo cmd = { 0 }, data = { 0 }, ro = { 0 };
	int bench_n = 0, hang_q = -1, fd, r, i;
	uint64_t id, id2;
	uint32_t len, *w, sobj;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bench") && i + 1 < argc)
			bench_n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--hang") && i + 1 < argc)
			hang_q = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--sem") && i + 1 < argc)
			return sem(path, atoi(argv[++i]));
		else if (!strcmp(argv[i], "--slow") && i + 1 < argc)
			return slow(path, atoi(argv[++i]));
		else if (!strcmp(argv[i], "--files") && i + 1 < argc)
			return files(path, atoi(argv[++i]));
		else if (!strcmp(argv[i], "--hold") && i + 2 < argc)
			return hold(path, atoi(argv[i + 1]),
				    atoi(argv[i + 2]));
		else
			path = argv[i];
	}

	fd = open(path, O_RDWR);
	if (fd < 0) {
		printf("Bail out! open %s: %s\n", path, strerror(errno));
		return 1;
	}

	qy.query = DRM_LLMACCEL_QUERY_DEVICE_INFO;
	r = xioctl(fd, DRM_IOCTL_LLMACCEL_QUERY, &qy);
	ok(!r && qy.size == sizeof(info), "QUERY size probe: %u", qy.size);
	memset(&info, 0, sizeof(info));
	qy.data = (uintptr_t)&info;
	qy.size = sizeof(info);
	r = xioctl(fd, DRM_IOCTL_LLMACCEL_QUERY, &qy);
	ok(!r && info.num_queues >= 1 && info.hw_version == LLA_VERSION(1, 0),
	   "QUERY device info: %u queues, version 0x%x, %u AS", info.num_queues,
	   info.hw_version, info.num_as);
	qy.flags = 1;
	ok(xioctl(fd, DRM_IOCTL_LLMACCEL_QUERY, &qy) == -EINVAL,
	   "QUERY with flags -EINVAL");
	qy.flags = 0;

	r = bo_new(fd, 4096, 0, &cmd);
	ok(!r, "BO_CREATE + BO_INFO + mmap command BO at 0x%llx",
	   (unsigned long long)cmd.iova);
	r = bo_new(fd, 3 * 4096, 0, &data);
	ok(!r, "data BO at 0x%llx", (unsigned long long)data.iova);
	r = bo_new(fd, 4096, DRM_LLMACCEL_BO_DEVICE_READ_ONLY, &ro);
	ok(!r, "read-only BO at 0x%llx", (unsigned long long)ro.iova);
	if (!cmd.map || cmd.map == MAP_FAILED || !data.map ||
	    data.map == MAP_FAILED) {
		printf("Bail out! no buffers\n");
		return 1;
	}
	ok(cmd.iova >= LLA_IOVA_MIN && data.iova != cmd.iova,
	   "device addresses distinct and above page 0");

	w = data.map;
	for (i = 0; i < 1024; i++)
		w[i] = 0x1000 + i;
	len = cmd_nop(cmd.map, 0);
	len = cmd_fill(cmd.map, len, data.iova + 4096, 4096, 0xdeadbeef);
	len = cmd_copy(cmd.map, len, data.iova, data.iova + 8192, 4096);
	{
		struct bo *bos[] = { &data };

		r = submit(fd, &cmd, len, 0, bos, 1, 0, 0, &id);
	}
	ok(!r && id, "SUBMIT NOP+FILL+COPY: job %llu", (unsigned long long)id);
	r = wait_job(fd, id, 10000000000ll);
	ok(!r, "WAIT job done (%d)", r);
	r = job_status(fd, id, &st);
	ok(!r && st.state == DRM_LLMACCEL_JOB_DONE && st.status == LLA_OK &&
	   st.cmd_index == 3, "JOB_STATUS ok: state %u status %u cmd_index %u cycles %llu",
	   st.state, st.status, st.cmd_index, (unsigned long long)st.cycles);
	ok(w[1024] == 0xdeadbeef && w[2047] == 0xdeadbeef, "FILL result visible");
	ok(!memcmp(w, w + 2048, 4096), "COPY result visible");

	/* A job that writes an unmapped address faults; only it fails. */
	len = cmd_copy(cmd.map, 0, data.iova, 0x7f0000000000ull, 64);
	r = submit(fd, &cmd, len, 1 % info.num_queues, NULL, 0, 0, 0, &id);
	ok(!r, "SUBMIT faulting job");
	wait_job(fd, id, 10000000000ll);
	job_status(fd, id, &st);
	ok(st.status == LLA_ERR_MMU_FAULT && st.fault_iova == 0x7f0000000000ull,
	   "fault: status %u fault_iova 0x%llx cmd %u", st.status,
	   (unsigned long long)st.fault_iova, st.cmd_index);
	len = cmd_fill(cmd.map, 0, ro.iova, 64, 1);
	submit(fd, &cmd, len, 0, NULL, 0, 0, 0, &id);
	wait_job(fd, id, 10000000000ll);
	job_status(fd, id, &st);
	ok(st.status == LLA_ERR_MMU_PERM, "write to a read-only BO: MMU_PERM (%u)",
	   st.status);

	/* Syncobj chaining: job 2 waits for job 1's out-syncobj. */
	ok(!syncobj_create(fd, &sobj), "syncobj created");
	len = cmd_fill(cmd.map, 0, data.iova, 4096, 0x11111111);
	r = submit(fd, &cmd, len, 0, NULL, 0, 0, sobj, &id);
	r |= submit(fd, &cmd, len, 1 % info.num_queues, NULL, 0, sobj, 0, &id2);
	ok(!r, "SUBMIT with out-syncobj, then in-syncobj");
	ok(!syncobj_wait(fd, sobj, 10000000000ll), "syncobj signalled");
	ok(!wait_job(fd, id2, 10000000000ll), "dependent job done");

	/* Timeline syncobj: out at point 2, the next job waits for it. */
	{
		struct drm_llmaccel_sync in = { .point = 2 };
		struct drm_llmaccel_submit s = {
			.cmdbuf_handle = cmd.handle,
			.cmdbuf_size = cmd_nop(cmd.map, 0),
			.out_sync_point = 2,
		};
		struct drm_syncobj_timeline_wait tw = { 0 };
		uint64_t pt = 2;
		uint32_t tl;

		r = syncobj_create(fd, &tl);
		s.out_sync = tl;
		r |= xioctl(fd, DRM_IOCTL_LLMACCEL_SUBMIT, &s);
		in.handle = tl;
		s.out_sync = 0;
		s.out_sync_point = 0;
		s.in_syncs = (uintptr_t)&in;
		s.in_sync_count = 1;
		s.in_sync_elem_size = sizeof(in);
		r |= xioctl(fd, DRM_IOCTL_LLMACCEL_SUBMIT, &s);
		ok(!r, "SUBMIT with timeline out-syncobj point 2, then waiting on it");
		tw.handles = (uintptr_t)&tl;
		tw.points = (uintptr_t)&pt;
		tw.count_handles = 1;
		tw.timeout_nsec = now_ns() + 10000000000ll;
		ok(!xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &tw) &&
		   !wait_job(fd, s.job_id, 10000000000ll),
		   "timeline point 2 signalled, dependent job done");
	}

	/* Error paths. */
	{
		struct drm_llmaccel_submit s = {
			.cmdbuf_handle = cmd.handle, .cmdbuf_size = 8,
		};

		s.flags = 1;
		ok(xioctl(fd, DRM_IOCTL_LLMACCEL_SUBMIT, &s) == -EINVAL,
		   "SUBMIT flags -EINVAL");
		s.flags = 0;
		s.reserved = 1;
		ok(xioctl(fd, DRM_IOCTL_LLMACCEL_SUBMIT, &s) == -EINVAL,
		   "SUBMIT reserved -EINVAL");
		s.reserved = 0;
		s.cmdbuf_handle = 0xdead;
		ok(xioctl(fd, DRM_IOCTL_LLMACCEL_SUBMIT, &s) == -ENOENT,
		   "SUBMIT bad handle -ENOENT");
		s.cmdbuf_handle = cmd.handle;
		s.cmdbuf_size = 12;
		ok(xioctl(fd, DRM_IOCTL_LLMACCEL_SUBMIT, &s) == -EINVAL,
		   "SUBMIT size not a multiple of 8 -EINVAL");
		s.cmdbuf_size = 8;
		s.queue = info.num_queues;
		ok(xioctl(fd, DRM_IOCTL_LLMACCEL_SUBMIT, &s) == -EINVAL,
		   "SUBMIT bad queue -EINVAL");
		s.queue = 0;
		s.job_id = 0;
		s.cmdbuf_offset = 4096;
		ok(xioctl(fd, DRM_IOCTL_LLMACCEL_SUBMIT, &s) == -EINVAL &&
		   s.job_id == 0, "SUBMIT offset past the BO -EINVAL, job_id untouched");
	}
	{
		struct drm_llmaccel_bo_create c = { .size = 0 };

		ok(xioctl(fd, DRM_IOCTL_LLMACCEL_BO_CREATE, &c) == -EINVAL,
		   "BO_CREATE size 0 -EINVAL");
		c.size = 4096;
		c.flags = ~0u;
		ok(xioctl(fd, DRM_IOCTL_LLMACCEL_BO_CREATE, &c) == -EINVAL &&
		   !c.handle, "BO_CREATE bad flags -EINVAL");
	}
	{
		struct drm_llmaccel_wait wt = { .job_id = 12345678 };

		ok(xioctl(fd, DRM_IOCTL_LLMACCEL_WAIT, &wt) == -ENOENT,
		   "WAIT unknown job -ENOENT");
	}

	{
		struct drm_llmaccel_counters *c;
		char buf[1024];

		memset(buf, 0, sizeof(buf));
		qy.query = DRM_LLMACCEL_QUERY_COUNTERS;
		qy.data = (uintptr_t)buf;
		qy.size = sizeof(buf);
		r = xioctl(fd, DRM_IOCTL_LLMACCEL_QUERY, &qy);
		c = (void *)buf;
		ok(!r && c->num_queues == info.num_queues,
		   "QUERY counters: %u bytes, resets %llu, faults %llu, heartbeat %llu",
		   qy.size, (unsigned long long)c->reset_count,
		   (unsigned long long)c->faults,
		   (unsigned long long)c->heartbeat);
	}

	if (bench_n > 0)
		bench(fd, &cmd, bench_n);
	if (hang_q >= 0)
		hang_test(path, fd, &cmd, hang_q, info.num_queues);

	close(fd);
	printf("1..%d\n# %d passed, %d failed\n", tests, tests - fails, fails);
	return fails ? 1 : 0;
}

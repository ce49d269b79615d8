// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel_test: kselftest suite of the llmaccel DRM accel driver
 * (llmaccel.ko, uapi/drm/llmaccel_accel.h, docs/uapi.md).
 *
 * Built with the kernel's kselftest_harness.h (TAP output), statically,
 * so it runs in the busybox initramfs of the test VM (mk/selftests.mk).
 * Needs root, /dev/accel/accel0 (or $LLMACCEL_DEV), debugfs, and the
 * vgem module loaded (its fences hold jobs back, so no test sleeps).
 *
 * Every fixture reads the driver's reset counter (sysfs) in its setup
 * and fails the test in its teardown when the counter moved by anything
 * but the resets the test caused on purpose (self->f.expect_resets).
 *
 * Fixtures run in declaration order.  The fault-injection fixtures
 * (`hang`, `inject`) need a device booted with the injection properties
 * and are selected with -f; the main run excludes them with -F.  The
 * `module` fixture (unload/reload) and `final` (dmesg check) come last.
 */
#define _GNU_SOURCE
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/klog.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "llmaccel_lib.h"
#include "llmaccel_model.h"
#include "kselftest_harness.h"

/* ------------------------------------------------------------------ */
/* Common fixture: one open file, its device info and a command BO     */
/* ------------------------------------------------------------------ */

struct lla_fix {
	int fd;
	struct drm_llmaccel_device_info info;
	int64_t resets0;	/* reset_count at setup */
	int expect_resets;	/* resets this test causes on purpose */
	struct bo cmd;		/* 64 KiB, mapped */
};

static void fix_setup(struct __test_metadata *_metadata, struct lla_fix *f)
{
	f->fd = lla_open();
	ASSERT_LE(0, f->fd) TH_LOG("open %s: %s", lla_dev_path(),
				   strerror(-f->fd));
	ASSERT_EQ(0, lla_info(f->fd, &f->info));
	f->resets0 = lla_sysfs_resets(f->fd);
	ASSERT_LE(0, f->resets0) TH_LOG("no sysfs reset_count");
	ASSERT_EQ(0, bo_new(f->fd, 65536, 0, &f->cmd));
}

static void fix_teardown(struct __test_metadata *_metadata, struct lla_fix *f)
{
	int64_t now;

	if (f->fd < 0)
		f->fd = lla_open();
	ASSERT_LE(0, f->fd);
	now = lla_sysfs_resets(f->fd);
	EXPECT_EQ(f->resets0 + f->expect_resets, now)
		TH_LOG("device reset counter moved unexpectedly: %lld -> %lld (%d expected)",
		       (long long)f->resets0, (long long)now, f->expect_resets);
	bo_free(f->fd, &f->cmd);
	close(f->fd);
}

#define LLA_FIXTURE(name)						\
	FIXTURE(name) { struct lla_fix f; };				\
	FIXTURE_SETUP(name) { fix_setup(_metadata, &self->f); }		\
	FIXTURE_TEARDOWN(name) { fix_teardown(_metadata, &self->f); }

/* A command buffer written straight into the fixture's command BO. */
#define CMDS(self) ((struct cmds){ .buf = (self)->f.cmd.map })

#define SENTINEL	0xa5a5a5a5a5a5a5a5ull

/* ================================================================== */
/* QUERY                                                               */
/* ================================================================== */
LLA_FIXTURE(query);

TEST_F(query, size_probe)
{
	struct drm_llmaccel_query q = { .query = DRM_LLMACCEL_QUERY_DEVICE_INFO };
	uint8_t buf[256];

	ASSERT_EQ(0, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_QUERY, &q));
	EXPECT_EQ(sizeof(struct drm_llmaccel_device_info), q.size);
	/* size 0 with a pointer: a probe too, nothing written */
	memset(buf, 0x5a, sizeof(buf));
	q.size = 0;
	q.data = (uintptr_t)buf;
	ASSERT_EQ(0, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_QUERY, &q));
	EXPECT_EQ(sizeof(struct drm_llmaccel_device_info), q.size);
	EXPECT_EQ(0x5a, buf[0]);
	EXPECT_EQ(0x5a, buf[sizeof(buf) - 1]);
}

TEST_F(query, device_info)
{
	const struct drm_llmaccel_device_info *i = &self->f.info;

	EXPECT_EQ(LLA_VERSION_MAJOR, LLA_VERSION_GET_MAJOR(i->hw_version));
	EXPECT_LE(1, i->num_queues);
	EXPECT_GE(LLA_MAX_QUEUES, i->num_queues);
	EXPECT_LE(1, i->num_as);
	EXPECT_GE(LLA_MAX_AS, i->num_as);
	EXPECT_TRUE(i->opcodes & (1u << LLA_OP_TLMM));
	EXPECT_TRUE(i->opcodes & (1u << LLA_OP_ATTN_PREFILL));
	EXPECT_TRUE(i->caps & LLA_CAP_MMU);
	EXPECT_LT(0, i->max_cmdbuf);
	EXPECT_GE(LLA_MAX_CMDBUF_BYTES, i->max_cmdbuf);
	EXPECT_EQ(0, i->ring_entries & (i->ring_entries - 1));
	EXPECT_LE(2, i->ring_entries);
	EXPECT_EQ(LLA_PCI_VENDOR_ID, i->pci_vendor);
	EXPECT_EQ(LLA_PCI_DEVICE_ID, i->pci_device);
	EXPECT_EQ(LLA_IOVA_MIN, i->iova_min);
	EXPECT_EQ(LLA_IOVA_LIMIT, i->iova_limit);
	EXPECT_LT(0, i->max_bo_size);
	EXPECT_EQ(0, i->max_bo_size & 4095);
	EXPECT_EQ(1024, i->max_jobs_pending);
	EXPECT_EQ(1, i->driver_version >> 16);
	EXPECT_LT(0, i->clock_khz);
}

/* A shorter (older) structure gets its prefix; nothing beyond it. */
TEST_F(query, short_and_long_buffers)
{
	struct drm_llmaccel_device_info full;
	uint8_t buf[512];
	uint32_t size = 16;

	memcpy(&full, &self->f.info, sizeof(full));
	memset(buf, 0x5a, sizeof(buf));
	ASSERT_EQ(0, lla_query(self->f.fd, DRM_LLMACCEL_QUERY_DEVICE_INFO,
			       buf, &size));
	EXPECT_EQ(sizeof(full), size);
	EXPECT_EQ(0, memcmp(buf, &full, 16));
	EXPECT_EQ(0x5a, buf[16]);

	memset(buf, 0x5a, sizeof(buf));
	size = sizeof(buf);
	ASSERT_EQ(0, lla_query(self->f.fd, DRM_LLMACCEL_QUERY_DEVICE_INFO,
			       buf, &size));
	EXPECT_EQ(sizeof(full), size);
	EXPECT_EQ(0, memcmp(buf, &full, sizeof(full)));
	EXPECT_EQ(0x5a, buf[sizeof(full)]);
	EXPECT_EQ(0x5a, buf[sizeof(buf) - 1]);

	/* size ~0 over a buffer that ends where its page ends: only the
	 * structure is written, nothing beyond */
	{
		struct drm_llmaccel_device_info *tail;
		void *base;

		tail = page_end(sizeof(*tail), 0, &base);
		ASSERT_NE(NULL, tail);
		size = ~0u;
		EXPECT_EQ(0, lla_query(self->f.fd,
				       DRM_LLMACCEL_QUERY_DEVICE_INFO, tail,
				       &size));
		EXPECT_EQ(sizeof(full), size);
		EXPECT_EQ(0, memcmp(tail, &full, sizeof(full)));
		page_end_free(base);
	}
}

TEST_F(query, counters)
{
	struct lla_counters c;
	uint32_t size = 0;
	int64_t sys;

	ASSERT_EQ(0, lla_query(self->f.fd, DRM_LLMACCEL_QUERY_COUNTERS, NULL,
			       &size));
	EXPECT_EQ(sizeof(struct drm_llmaccel_counters) +
		  self->f.info.num_queues *
		  sizeof(struct drm_llmaccel_queue_counters), size);
	ASSERT_EQ(0, lla_counters(self->f.fd, &c));
	EXPECT_EQ(self->f.info.num_queues, c.c.num_queues);
	EXPECT_EQ(sizeof(struct drm_llmaccel_queue_counters),
		  c.c.queue_elem_size);
	sys = lla_sysfs_resets(self->f.fd);
	EXPECT_EQ(sys, (int64_t)c.c.reset_count);
	EXPECT_LE(1, c.c.hw_reset_count);	/* the probe's reset */
}

/* A job moves its queue's counters: jobs, submitted, commands, DMA. */
TEST_F(query, counters_count_jobs)
{
	struct lla_counters a, b;
	struct cmds c = CMDS(self);
	uint32_t q = self->f.info.num_queues - 1;

	cmd_nop(&c);
	cmd_fill(&c, self->f.cmd.iova + 4096, 4096, 7);
	ASSERT_EQ(0, lla_counters(self->f.fd, &a));
	ASSERT_EQ(LLA_OK, run_job(self->f.fd, &self->f.cmd, c.len, q));
	ASSERT_EQ(0, lla_counters(self->f.fd, &b));
	EXPECT_LE(a.q[q].jobs + 1, b.q[q].jobs);
	EXPECT_LE(a.q[q].submitted + 1, b.q[q].submitted);
	EXPECT_LE(a.q[q].commands + 2, b.q[q].commands);
	EXPECT_LE(a.q[q].dma_wr_bytes + 4096, b.q[q].dma_wr_bytes);
	EXPECT_LT(a.q[q].busy_cycles, b.q[q].busy_cycles);
	EXPECT_LE(a.c.heartbeat, b.c.heartbeat);
	EXPECT_EQ(a.c.reset_count, b.c.reset_count);
}

TEST_F(query, bad_query_id)
{
	static const uint32_t ids[] = { 2, 3, 0x100, 0xffffffffu };
	uint8_t buf[128];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		struct drm_llmaccel_query q = {
			.query = ids[i], .size = sizeof(buf),
			.data = (uintptr_t)buf,
		};

		memset(buf, 0x5a, sizeof(buf));
		EXPECT_EQ(-EINVAL, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_QUERY,
					  &q)) TH_LOG("query id 0x%x", ids[i]);
		EXPECT_EQ(sizeof(buf), q.size);
		EXPECT_EQ(0x5a, buf[0]);
	}
}

TEST_F(query, flags_and_pad_nonzero)
{
	struct drm_llmaccel_query q = { .query = DRM_LLMACCEL_QUERY_DEVICE_INFO,
					.size = 77 };
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		q.flags = 1u << bit;
		EXPECT_EQ(-EINVAL, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_QUERY,
					  &q)) TH_LOG("flags bit %u", bit);
		EXPECT_EQ(77, q.size);
	}
	q.flags = ~0u;
	EXPECT_EQ(-EINVAL, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_QUERY, &q));
	q.flags = 0;
	q.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_QUERY, &q));
	q.pad = ~0u;
	EXPECT_EQ(-EINVAL, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_QUERY, &q));
	EXPECT_EQ(77, q.size);
}

TEST_F(query, bad_data_pointers)
{
	struct drm_llmaccel_device_info *tail;
	void *base;
	const uint64_t ptrs[] = { (uintptr_t)unmapped_ptr(), KERNEL_PTR,
				  ~0ull - 7, 8 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ptrs); i++) {
		struct drm_llmaccel_query q = {
			.query = DRM_LLMACCEL_QUERY_COUNTERS, .size = 64,
			.data = ptrs[i],
		};

		EXPECT_EQ(-EFAULT, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_QUERY,
					  &q)) TH_LOG("data 0x%llx",
						      (unsigned long long)ptrs[i]);
		EXPECT_EQ(64, q.size);	/* unchanged on failure */
	}
	/* The answer would run 8 bytes into an unmapped page. */
	tail = page_end(sizeof(*tail), 8, &base);
	ASSERT_NE(NULL, tail);
	{
		struct drm_llmaccel_query q = {
			.query = DRM_LLMACCEL_QUERY_DEVICE_INFO,
			.size = sizeof(*tail), .data = (uintptr_t)tail,
		};

		EXPECT_EQ(-EFAULT, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_QUERY,
					  &q));
		EXPECT_EQ(sizeof(*tail), q.size);
	}
	page_end_free(base);
}

/* The ioctl structure itself at the end of a page. */
TEST_F(query, struct_at_page_end)
{
	struct drm_llmaccel_query *q;
	void *base;

	q = page_end(sizeof(*q), 0, &base);
	ASSERT_NE(NULL, q);
	memset(q, 0, sizeof(*q));
	q->query = DRM_LLMACCEL_QUERY_DEVICE_INFO;
	EXPECT_EQ(0, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_QUERY, q));
	EXPECT_EQ(sizeof(struct drm_llmaccel_device_info), q->size);
	page_end_free(base);

	/* Its last 8 bytes in the unmapped page: the copy-in faults. */
	q = page_end(sizeof(*q), 8, &base);
	ASSERT_NE(NULL, q);
	memset(q, 0, sizeof(*q) - 8);
	q->query = DRM_LLMACCEL_QUERY_DEVICE_INFO;
	EXPECT_EQ(-EFAULT, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_QUERY, q));
	EXPECT_EQ(0, q->size);
	page_end_free(base);
}

/* Unknown ioctls (the DRM core, docs/uapi.md section 2). */
TEST_F(query, unknown_ioctls)
{
	uint8_t buf[64] = { 0 };

	/* A driver number past the table: the DRM core says EINVAL. */
	EXPECT_EQ(-EINVAL, xioctl(self->f.fd,
				  DRM_IOWR(DRM_COMMAND_BASE + 0x06, buf), buf));
	EXPECT_EQ(-EINVAL, xioctl(self->f.fd,
				  DRM_IOWR(DRM_COMMAND_BASE + 0x3f, buf), buf));
	/* Not a DRM ioctl at all. */
	EXPECT_EQ(-ENOTTY, xioctl(self->f.fd, _IOWR('x', 1, buf), buf));
	/* DRM_IOCTL_VERSION: llmaccel 1.0 */
	{
		struct drm_version v = { 0 };
		char name[32] = { 0 };

		v.name = name;
		v.name_len = sizeof(name) - 1;
		ASSERT_EQ(0, xioctl(self->f.fd, DRM_IOCTL_VERSION, &v));
		EXPECT_STREQ("llmaccel", name);
		EXPECT_EQ(self->f.info.driver_version >> 16, v.version_major);
		EXPECT_EQ(self->f.info.driver_version & 0xffff,
			  v.version_minor);
	}
}

/*
 * Every llmaccel ioctl with its argument pointer NULL, unmapped, a kernel
 * address, or its structure running 8 bytes into an unmapped page:
 * EFAULT, and nothing happens.
 */
TEST_F(query, bad_argument_pointers)
{
	static const struct { unsigned long nr; size_t size; } io[] = {
		{ DRM_IOCTL_LLMACCEL_QUERY, sizeof(struct drm_llmaccel_query) },
		{ DRM_IOCTL_LLMACCEL_BO_CREATE,
		  sizeof(struct drm_llmaccel_bo_create) },
		{ DRM_IOCTL_LLMACCEL_BO_INFO,
		  sizeof(struct drm_llmaccel_bo_info) },
		{ DRM_IOCTL_LLMACCEL_SUBMIT, sizeof(struct drm_llmaccel_submit) },
		{ DRM_IOCTL_LLMACCEL_WAIT, sizeof(struct drm_llmaccel_wait) },
		{ DRM_IOCTL_LLMACCEL_JOB_STATUS,
		  sizeof(struct drm_llmaccel_job_status) },
	};
	struct drm_llmaccel_bo_info *bi;
	unsigned int i;
	uint32_t h;
	void *base;

	for (i = 0; i < ARRAY_SIZE(io); i++) {
		void *tail;

		EXPECT_EQ(-EFAULT, xioctl(self->f.fd, io[i].nr, NULL))
			TH_LOG("ioctl 0x%lx NULL", io[i].nr);
		EXPECT_EQ(-EFAULT, xioctl(self->f.fd, io[i].nr,
					  unmapped_ptr()))
			TH_LOG("ioctl 0x%lx unmapped", io[i].nr);
		EXPECT_EQ(-EFAULT, xioctl(self->f.fd, io[i].nr,
					  (void *)(uintptr_t)KERNEL_PTR))
			TH_LOG("ioctl 0x%lx kernel pointer", io[i].nr);
		tail = page_end(io[i].size, 8, &base);
		ASSERT_NE(NULL, tail);
		memset(tail, 0, io[i].size - 8);
		EXPECT_EQ(-EFAULT, xioctl(self->f.fd, io[i].nr, tail))
			TH_LOG("ioctl 0x%lx straddling a page end", io[i].nr);
		page_end_free(base);
	}
	/* BO_INFO ending exactly at a page end works */
	bi = page_end(sizeof(*bi), 0, &base);
	ASSERT_NE(NULL, bi);
	memset(bi, 0, sizeof(*bi));
	bi->handle = self->f.cmd.handle;
	EXPECT_EQ(0, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_BO_INFO, bi));
	EXPECT_EQ(self->f.cmd.iova, bi->iova);
	page_end_free(base);
	/* nothing was created by the faulting BO_CREATE: next handle free */
	ASSERT_EQ(0, bo_create(self->f.fd, 4096, 0, &h, NULL));
	EXPECT_EQ(self->f.cmd.handle + 1, h);
	gem_close(self->f.fd, h);
}

/* fdinfo: engine time per queue and the DRM memory keys. */
TEST_F(query, fdinfo)
{
	char path[64], buf[4096];
	struct cmds c = CMDS(self);
	struct bo big;

	ASSERT_EQ(0, bo_new(self->f.fd, 1 << 20, 0, &big));
	cmd_fill(&c, big.iova, big.size, 1);
	ASSERT_EQ(LLA_OK, run_job(self->f.fd, &self->f.cmd, c.len, 0));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", self->f.fd);
	ASSERT_LT(0, read_file(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "drm-driver:\tllmaccel"));
	EXPECT_NE(NULL, strstr(buf, "drm-client-id:"));
	EXPECT_NE(NULL, strstr(buf, "drm-engine-q0:"));
	EXPECT_NE(NULL, strstr(buf, "drm-total-memory:"));
	EXPECT_NE(NULL, strstr(buf, "drm-resident-memory:"));
	/* q0 ran a job: its engine time is not 0 */
	EXPECT_EQ(NULL, strstr(buf, "drm-engine-q0:\t0 ns"));
	bo_free(self->f.fd, &big);
}

/* sysfs: reset_count, and busy time and utilization per queue. */
TEST_F(query, sysfs_telemetry)
{
	char path[PATH_MAX], buf[256], *p, *end;
	struct cmds c = CMDS(self);
	uint64_t busy0, busy1 = 0;
	unsigned int n;
	struct bo big;

	ASSERT_EQ(0, lla_sysfs_path(self->f.fd, "busy_time_ns", path,
				    sizeof(path)));
	ASSERT_LT(0, read_file(path, buf, sizeof(buf)));
	busy0 = strtoull(buf, NULL, 10);
	ASSERT_EQ(0, bo_new(self->f.fd, 4 << 20, 0, &big));
	cmd_fill(&c, big.iova, big.size, 3);
	ASSERT_EQ(LLA_OK, run_job(self->f.fd, &self->f.cmd, c.len, 0));
	ASSERT_LT(0, read_file(path, buf, sizeof(buf)));
	for (p = buf, n = 0;; n++) {
		uint64_t v = strtoull(p, &end, 10);

		if (end == p)
			break;
		if (!n)
			busy1 = v;
		p = end;
	}
	EXPECT_EQ(self->f.info.num_queues, n);
	EXPECT_LT(busy0, busy1);

	ASSERT_EQ(0, lla_sysfs_path(self->f.fd, "utilization", path,
				    sizeof(path)));
	ASSERT_LT(0, read_file(path, buf, sizeof(buf)));
	for (p = buf, n = 0;; n++) {
		uint64_t v = strtoull(p, &end, 10);

		if (end == p)
			break;
		EXPECT_GE(100, v);
		p = end;
	}
	EXPECT_EQ(self->f.info.num_queues, n);
	EXPECT_EQ(self->f.resets0, lla_sysfs_resets(self->f.fd));
	bo_free(self->f.fd, &big);
}

/* debugfs: rings, contexts (this file's pid), counters are readable. */
TEST_F(query, debugfs_files)
{
	char pci[64], path[PATH_MAX], buf[8192], pid[32];

	ASSERT_EQ(0, lla_pci_name(self->f.fd, pci, sizeof(pci)));
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/contexts",
		 pci);
	ASSERT_LT(0, read_file(path, buf, sizeof(buf)));
	snprintf(pid, sizeof(pid), "pid %d ", getpid());
	EXPECT_NE(NULL, strstr(buf, pid)) TH_LOG("contexts: %s", buf);
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/rings", pci);
	ASSERT_LT(0, read_file(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "q0:"));
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/counters",
		 pci);
	ASSERT_LT(0, read_file(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "resets "));
	/* the reset trigger: "0" does nothing, garbage is refused */
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/reset", pci);
	EXPECT_EQ(0, write_file(path, "0"));
	EXPECT_EQ(-EINVAL, write_file(path, "banana"));
	EXPECT_EQ(self->f.resets0, lla_sysfs_resets(self->f.fd));
}

/* ================================================================== */
/* BO_CREATE, BO_INFO, mmap, GEM_CLOSE                                 */
/* ================================================================== */
LLA_FIXTURE(bo);

TEST_F(bo, create_and_info)
{
	struct drm_llmaccel_bo_create c = { .size = 4096 };
	struct drm_llmaccel_bo_info i;

	ASSERT_EQ(0, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_BO_CREATE, &c));
	EXPECT_NE(0, c.handle);
	EXPECT_EQ(0, c.iova & 4095);
	EXPECT_LE(self->f.info.iova_min, c.iova);
	EXPECT_GT(self->f.info.iova_limit, c.iova + 4096);
	ASSERT_EQ(0, bo_info(self->f.fd, c.handle, &i));
	EXPECT_EQ(4096, i.size);
	EXPECT_EQ(c.iova, i.iova);
	EXPECT_NE(0, i.mmap_offset);
	EXPECT_EQ(0, i.mmap_offset & 4095);
	EXPECT_EQ(0, i.bo_flags);
	EXPECT_EQ(0, i.pad);
	EXPECT_EQ(0, gem_close(self->f.fd, c.handle));
}

TEST_F(bo, size_rounded_to_pages)
{
	static const uint64_t in[] = { 1, 4095, 4096, 4097, 12289 };
	static const uint64_t out[] = { 4096, 4096, 4096, 8192, 16384 };
	unsigned int n;

	for (n = 0; n < 5; n++) {
		struct drm_llmaccel_bo_info i;
		uint32_t h;

		ASSERT_EQ(0, bo_create(self->f.fd, in[n], 0, &h, NULL));
		ASSERT_EQ(0, bo_info(self->f.fd, h, &i));
		EXPECT_EQ(out[n], i.size) TH_LOG("size %llu",
						 (unsigned long long)in[n]);
		gem_close(self->f.fd, h);
	}
}

TEST_F(bo, read_only_flag)
{
	struct drm_llmaccel_bo_info i;
	uint32_t h;

	ASSERT_EQ(0, bo_create(self->f.fd, 4096,
			       DRM_LLMACCEL_BO_DEVICE_READ_ONLY, &h, NULL));
	ASSERT_EQ(0, bo_info(self->f.fd, h, &i));
	EXPECT_EQ(DRM_LLMACCEL_BO_DEVICE_READ_ONLY, i.bo_flags);
	gem_close(self->f.fd, h);
}

/* Bad sizes and flags: EINVAL, and no output field written. */
TEST_F(bo, create_bad_size)
{
	const uint64_t sizes[] = { 0, self->f.info.max_bo_size + 1,
				   self->f.info.max_bo_size + 4096,
				   1ull << 63, ~0ull, ~0ull - 4095 };
	unsigned int n;

	for (n = 0; n < ARRAY_SIZE(sizes); n++) {
		struct drm_llmaccel_bo_create c = {
			.size = sizes[n], .handle = 0xa5a5a5a5u,
			.iova = SENTINEL,
		};

		EXPECT_EQ(-EINVAL, xioctl(self->f.fd,
					  DRM_IOCTL_LLMACCEL_BO_CREATE, &c))
			TH_LOG("size 0x%llx", (unsigned long long)sizes[n]);
		EXPECT_EQ(0xa5a5a5a5u, c.handle);
		EXPECT_EQ(SENTINEL, c.iova);
	}
}

TEST_F(bo, create_bad_flags)
{
	struct drm_llmaccel_bo_create c = { .size = 4096 };
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		if ((1u << bit) & DRM_LLMACCEL_BO_FLAGS)
			continue;
		c.flags = 1u << bit;
		c.handle = 0xa5a5a5a5u;
		c.iova = SENTINEL;
		EXPECT_EQ(-EINVAL, xioctl(self->f.fd,
					  DRM_IOCTL_LLMACCEL_BO_CREATE, &c))
			TH_LOG("flag bit %u", bit);
		EXPECT_EQ(0xa5a5a5a5u, c.handle);
		EXPECT_EQ(SENTINEL, c.iova);
	}
	c.flags = ~0u;
	EXPECT_EQ(-EINVAL, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_BO_CREATE,
				  &c));
	EXPECT_EQ(0xa5a5a5a5u, c.handle);
}

/* Distinct ranges with an unmapped guard page between buffers. */
TEST_F(bo, distinct_iovas_with_guard)
{
	struct { uint64_t iova, size; uint32_t h; } b[32];
	unsigned int i, j;

	for (i = 0; i < 32; i++) {
		b[i].size = 4096ull * (1 + i % 5);
		ASSERT_EQ(0, bo_create(self->f.fd, b[i].size, 0, &b[i].h,
				       &b[i].iova));
	}
	for (i = 0; i < 32; i++)
		for (j = 0; j < 32; j++) {
			if (i == j || b[i].iova > b[j].iova)
				continue;
			/* j above i: i's end plus a guard page below j */
			EXPECT_LE(b[i].iova + b[i].size + 4096, b[j].iova)
				TH_LOG("BO %u at 0x%llx and %u at 0x%llx", i,
				       (unsigned long long)b[i].iova, j,
				       (unsigned long long)b[j].iova);
		}
	for (i = 0; i < 32; i++)
		EXPECT_EQ(0, gem_close(self->f.fd, b[i].h));
}

TEST_F(bo, info_bad_handles)
{
	struct drm_llmaccel_bo_info i;
	const uint32_t handles[] = { 0, 0xdead, 0xffffffffu };
	unsigned int n;
	uint32_t h;

	ASSERT_EQ(0, bo_create(self->f.fd, 4096, 0, &h, NULL));
	ASSERT_EQ(0, gem_close(self->f.fd, h));
	for (n = 0; n < 4; n++) {
		memset(&i, 0xa5, sizeof(i));
		i.handle = n < 3 ? handles[n] : h;	/* then: closed */
		i.flags = 0;
		EXPECT_EQ(-ENOENT, xioctl(self->f.fd,
					  DRM_IOCTL_LLMACCEL_BO_INFO, &i))
			TH_LOG("handle 0x%x", i.handle);
		EXPECT_EQ(SENTINEL, i.mmap_offset);
		EXPECT_EQ(SENTINEL, i.size);
		EXPECT_EQ(SENTINEL, i.iova);
		EXPECT_EQ(0xa5a5a5a5u, i.bo_flags);
	}
}

TEST_F(bo, info_flags_nonzero)
{
	struct drm_llmaccel_bo_info i;
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		memset(&i, 0xa5, sizeof(i));
		i.handle = self->f.cmd.handle;
		i.flags = 1u << bit;
		EXPECT_EQ(-EINVAL, xioctl(self->f.fd,
					  DRM_IOCTL_LLMACCEL_BO_INFO, &i));
		EXPECT_EQ(SENTINEL, i.iova);
	}
}

/* A BO of another file, imported here through PRIME, is refused. */
TEST_F(bo, other_files_bo_refused)
{
	struct drm_llmaccel_bo_info i;
	int fd2 = lla_open();
	uint32_t h2, mine;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, bo_create(fd2, 4096, 0, &h2, NULL));
	ASSERT_EQ(0, prime_import(fd2, h2, self->f.fd, &mine));
	memset(&i, 0xa5, sizeof(i));
	i.handle = mine;
	i.flags = 0;
	EXPECT_EQ(-EINVAL, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_BO_INFO, &i));
	EXPECT_EQ(SENTINEL, i.iova);
	/* and its handle number in the other file means nothing here */
	if (h2 != self->f.cmd.handle && h2 != mine) {
		i.handle = h2;
		EXPECT_EQ(-ENOENT, xioctl(self->f.fd,
					  DRM_IOCTL_LLMACCEL_BO_INFO, &i));
	}
	/* the exporter still owns and can use it */
	EXPECT_EQ(0, bo_info(fd2, h2, &i));
	gem_close(self->f.fd, mine);
	close(fd2);
}

TEST_F(bo, mmap_coherent_with_device)
{
	struct cmds c = CMDS(self);
	struct bo a;
	uint32_t *w;
	unsigned int i;

	ASSERT_EQ(0, bo_new(self->f.fd, 8192, 0, &a));
	w = (uint32_t *)a.map;
	for (i = 0; i < 1024; i++)
		w[i] = i * 2654435761u;
	cmd_copy(&c, a.iova, a.iova + 4096, 4096);
	ASSERT_EQ(LLA_OK, run_job(self->f.fd, &self->f.cmd, c.len, 0));
	EXPECT_EQ(0, memcmp(a.map, a.map + 4096, 4096));
	bo_free(self->f.fd, &a);
}

TEST_F(bo, mmap_bad_offsets)
{
	struct drm_llmaccel_bo_info i;
	void *p;

	ASSERT_EQ(0, bo_info(self->f.fd, self->f.cmd.handle, &i));
	/* longer than the BO */
	p = mmap(NULL, i.size + 4096, PROT_READ, MAP_SHARED, self->f.fd,
		 i.mmap_offset);
	EXPECT_EQ(MAP_FAILED, p);
	/* an offset no BO has */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->f.fd,
		 i.mmap_offset + (1ull << 30));
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->f.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
}

TEST_F(bo, gem_close_twice)
{
	uint32_t h;

	ASSERT_EQ(0, bo_create(self->f.fd, 4096, 0, &h, NULL));
	EXPECT_EQ(0, gem_close(self->f.fd, h));
	EXPECT_EQ(-EINVAL, gem_close(self->f.fd, h));
	EXPECT_EQ(-EINVAL, gem_close(self->f.fd, 0));
	EXPECT_EQ(-EINVAL, gem_close(self->f.fd, 0xdead));
}

/* BO_CREATE's structure at the end of a page; straddling faults. */
TEST_F(bo, struct_at_page_end)
{
	struct drm_llmaccel_bo_create *c;
	uint32_t h1, h2;
	void *base;

	c = page_end(sizeof(*c), 0, &base);
	ASSERT_NE(NULL, c);
	memset(c, 0, sizeof(*c));
	c->size = 4096;
	ASSERT_EQ(0, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_BO_CREATE, c));
	h1 = c->handle;
	EXPECT_NE(0, h1);
	EXPECT_NE(0, c->iova);
	page_end_free(base);
	gem_close(self->f.fd, h1);

	c = page_end(sizeof(*c), 8, &base);
	ASSERT_NE(NULL, c);
	c->size = 4096;
	c->flags = 0;
	c->handle = 0;
	EXPECT_EQ(-EFAULT, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_BO_CREATE, c));
	page_end_free(base);
	/* Nothing was created: the next handle is the one just freed. */
	ASSERT_EQ(0, bo_create(self->f.fd, 4096, 0, &h2, NULL));
	EXPECT_EQ(h1, h2);
	gem_close(self->f.fd, h2);
}

TEST_F(bo, many_buffers)
{
	uint32_t h[512];
	unsigned int i;

	for (i = 0; i < 512; i++)
		ASSERT_EQ(0, bo_create(self->f.fd, 4096, 0, &h[i], NULL));
	for (i = 0; i < 512; i++)
		EXPECT_EQ(0, gem_close(self->f.fd, h[i]));
}

/* ================================================================== */
/* SUBMIT                                                              */
/* ================================================================== */
LLA_FIXTURE(submit);

TEST_F(submit, nop_job_ids_increase)
{
	struct cmds c = CMDS(self);
	uint64_t id1, id2;

	cmd_nop(&c);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id1));
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id2));
	EXPECT_EQ(1, id1);	/* a fresh file starts at 1 */
	EXPECT_EQ(id1 + 1, id2);
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id1));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id2));
}

TEST_F(submit, every_queue_and_priority)
{
	struct cmds c = CMDS(self);
	struct bo d;
	uint32_t q, p;

	ASSERT_EQ(0, bo_new(self->f.fd, 4096 * LLA_MAX_QUEUES, 0, &d));
	for (q = 0; q < self->f.info.num_queues; q++) {
		for (p = 0; p <= DRM_LLMACCEL_PRIO_HIGH; p++) {
			struct drm_llmaccel_submit s;
			uint64_t id;

			c = CMDS(self);
			cmd_fill(&c, d.iova + 4096 * q, 4096, 0x100 * q + p);
			s = submit_args(self->f.cmd.handle, c.len);
			s.queue = q;
			s.priority = p;
			/* root: HIGH is allowed (CAP_SYS_NICE) */
			ASSERT_EQ(0, do_submit(self->f.fd, &s, &id));
			EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
			EXPECT_EQ(0x100 * q + p,
				  ((uint32_t *)(d.map + 4096 * q))[1023]);
		}
	}
	bo_free(self->f.fd, &d);
}

/* HIGH priority needs CAP_SYS_NICE: a child without it gets EPERM. */
TEST_F(submit, high_priority_needs_cap)
{
	struct cmds c = CMDS(self);
	int status;
	pid_t pid;

	cmd_nop(&c);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct drm_llmaccel_submit s = submit_args(self->f.cmd.handle,
							   c.len);
		int r;

		/* Drop every capability by becoming an unprivileged user. */
		if (setgid(65534) || setuid(65534))
			_exit(2);
		s.priority = DRM_LLMACCEL_PRIO_HIGH;
		r = do_submit(self->f.fd, &s, NULL);
		if (r != -EPERM || s.job_id)
			_exit(1);
		s.priority = DRM_LLMACCEL_PRIO_LOW;
		_exit(do_submit(self->f.fd, &s, NULL) ? 3 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* One bad field at a time: EINVAL and job_id untouched. */
TEST_F(submit, bad_scalar_fields)
{
	struct drm_llmaccel_submit good, s;
	struct cmds c = CMDS(self);
	const struct drm_llmaccel_device_info *in = &self->f.info;
	unsigned int i, bit;

	cmd_nop(&c);
	good = submit_args(self->f.cmd.handle, c.len);
#define BAD(field, value) do {						\
		s = good;						\
		s.field = (value);					\
		s.job_id = SENTINEL;					\
		EXPECT_EQ(-EINVAL, do_submit(self->f.fd, &s, NULL))	\
			TH_LOG("%s = 0x%llx", #field,			\
			       (unsigned long long)(value));		\
		EXPECT_EQ(SENTINEL, s.job_id);				\
	} while (0)
	for (bit = 0; bit < 32; bit++)
		BAD(flags, 1u << bit);
	BAD(flags, ~0u);
	BAD(pad1, 1);
	BAD(pad1, ~0u);
	BAD(reserved, 1);
	BAD(reserved, 1ull << 63);
	BAD(queue, in->num_queues);
	BAD(queue, LLA_MAX_QUEUES);
	BAD(queue, ~0u);
	BAD(priority, DRM_LLMACCEL_PRIO_HIGH + 1);
	BAD(priority, ~0u);
	BAD(out_sync_point, 1);		/* without out_sync */
	/* cmdbuf sizes: 0, not a multiple of 8, over max, over the BO */
	BAD(cmdbuf_size, 0);
	BAD(cmdbuf_size, 4);
	BAD(cmdbuf_size, 12);
	BAD(cmdbuf_size, in->max_cmdbuf + 8);
	BAD(cmdbuf_size, ~0u);
	BAD(cmdbuf_size, ~0u & ~7u);
	BAD(cmdbuf_size, (uint32_t)self->f.cmd.size + 8);
	/* offsets: misaligned, at or past the end, overflowing */
	for (i = 1; i < 8; i++)
		BAD(cmdbuf_offset, i);
	BAD(cmdbuf_offset, self->f.cmd.size);
	BAD(cmdbuf_offset, self->f.cmd.size - 8 + 8 * 2);
	BAD(cmdbuf_offset, self->f.cmd.size - 4);
	BAD(cmdbuf_offset, ~0ull - 7);
	BAD(cmdbuf_offset, 1ull << 63);
	BAD(cmdbuf_offset, ~0ull);
	/* offset + size just past the end */
	s = good;
	s.cmdbuf_offset = self->f.cmd.size - 8;
	s.cmdbuf_size = 16;
	s.job_id = SENTINEL;
	EXPECT_EQ(-EINVAL, do_submit(self->f.fd, &s, NULL));
	EXPECT_EQ(SENTINEL, s.job_id);
#undef BAD
}

/* Offset + size exactly at the end of the BO is fine. */
TEST_F(submit, cmdbuf_offset_at_end)
{
	struct drm_llmaccel_submit s;
	struct cmds c = { .buf = self->f.cmd.map + self->f.cmd.size - 16 };
	uint64_t id;

	cmd_nop(&c);
	cmd_nop(&c);
	s = submit_args(self->f.cmd.handle, 16);
	s.cmdbuf_offset = self->f.cmd.size - 16;
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
}

TEST_F(submit, bad_cmdbuf_handles)
{
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	uint32_t closed, foreign, h2;
	int fd2 = lla_open();

	ASSERT_LE(0, fd2);
	cmd_nop(&c);
	ASSERT_EQ(0, bo_create(fd2, 4096, 0, &h2, NULL));
	ASSERT_EQ(0, prime_import(fd2, h2, self->f.fd, &foreign));
	/* closed last, so no later handle reuses its number */
	ASSERT_EQ(0, bo_create(self->f.fd, 4096, 0, &closed, NULL));
	ASSERT_EQ(0, gem_close(self->f.fd, closed));

	s = submit_args(0, c.len);
	s.job_id = SENTINEL;
	EXPECT_EQ(-ENOENT, do_submit(self->f.fd, &s, NULL));
	s.cmdbuf_handle = 0xdead;
	EXPECT_EQ(-ENOENT, do_submit(self->f.fd, &s, NULL));
	s.cmdbuf_handle = closed;
	EXPECT_EQ(-ENOENT, do_submit(self->f.fd, &s, NULL));
	s.cmdbuf_handle = ~0u;
	EXPECT_EQ(-ENOENT, do_submit(self->f.fd, &s, NULL));
	s.cmdbuf_handle = foreign;	/* another file's BO */
	EXPECT_EQ(-EINVAL, do_submit(self->f.fd, &s, NULL));
	EXPECT_EQ(SENTINEL, s.job_id);
	gem_close(self->f.fd, foreign);
	close(fd2);
}

TEST_F(submit, bad_bo_arrays)
{
	struct drm_llmaccel_bo_ref refs[4] = { { .handle = 0 } };
	uint8_t wide[32];
	struct drm_llmaccel_submit good, s;
	struct cmds c = CMDS(self);
	uint32_t closed;
	void *base;
	struct drm_llmaccel_bo_ref *tail;
	uint64_t id;

	cmd_nop(&c);
	refs[0].handle = self->f.cmd.handle;
	good = submit_args(self->f.cmd.handle, c.len);
	submit_bos(&good, refs, 1);
	ASSERT_EQ(0, do_submit(self->f.fd, &good, &id));	/* sanity */
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
#define BADA(err, stmt) do {						\
		s = good;						\
		stmt;							\
		s.job_id = SENTINEL;					\
		EXPECT_EQ(err, do_submit(self->f.fd, &s, NULL))		\
			TH_LOG("%s", #stmt);				\
		EXPECT_EQ(SENTINEL, s.job_id);				\
	} while (0)
	BADA(-EINVAL, s.bos = 0);			/* NULL with count */
	BADA(-EINVAL, s.bo_count = 0);			/* ptr, no count */
	BADA(-EINVAL, (s.bo_count = 0, s.bos = 0));	/* elem size, no count */
	BADA(-EINVAL, s.bo_elem_size = 0);
	BADA(-EINVAL, s.bo_elem_size = 4);
	BADA(-EINVAL, s.bo_elem_size = 12);		/* not a multiple of 8 */
	BADA(-EINVAL, s.bo_elem_size = 4096 + 8);
	BADA(-EINVAL, s.bo_elem_size = ~0u);
	BADA(-EINVAL, s.bo_count = DRM_LLMACCEL_MAX_BOS + 1);
	BADA(-EINVAL, s.bo_count = ~0u);
	BADA(-EFAULT, s.bos = (uintptr_t)unmapped_ptr());
	BADA(-EFAULT, s.bos = KERNEL_PTR);
	/* element flags and handles */
	refs[1].handle = self->f.cmd.handle;
	refs[1].flags = 1;
	BADA(-EINVAL, s.bo_count = 2);
	refs[1].flags = 0x80000000u;
	BADA(-EINVAL, s.bo_count = 2);
	refs[1].flags = 0;
	refs[1].handle = 0;
	BADA(-ENOENT, s.bo_count = 2);
	refs[1].handle = 0xdead;
	BADA(-ENOENT, s.bo_count = 2);
	ASSERT_EQ(0, bo_create(self->f.fd, 4096, 0, &closed, NULL));
	gem_close(self->f.fd, closed);
	refs[1].handle = closed;
	BADA(-ENOENT, s.bo_count = 2);
	{
		/* another file's BO, imported here: EINVAL */
		int fd2 = lla_open();
		uint32_t h2, foreign;

		ASSERT_LE(0, fd2);
		ASSERT_EQ(0, bo_create(fd2, 4096, 0, &h2, NULL));
		ASSERT_EQ(0, prime_import(fd2, h2, self->f.fd, &foreign));
		refs[1].handle = foreign;
		BADA(-EINVAL, s.bo_count = 2);
		gem_close(self->f.fd, foreign);
		close(fd2);
	}
	/* count 2 but only one element mapped: the second read faults */
	tail = page_end(sizeof(*tail), 0, &base);
	ASSERT_NE(NULL, tail);
	tail->handle = self->f.cmd.handle;
	tail->flags = 0;
	BADA(-EFAULT, (s.bos = (uintptr_t)tail, s.bo_count = 2));
	/* ...while exactly one element at the end of the page works */
	s = good;
	s.bos = (uintptr_t)tail;
	EXPECT_EQ(0, do_submit(self->f.fd, &s, &id));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
	page_end_free(base);
	/* a larger (newer) element: extra bytes zero OK, non-zero EINVAL */
	memset(wide, 0, sizeof(wide));
	memcpy(wide, &refs[0], sizeof(refs[0]));
	s = good;
	s.bos = (uintptr_t)wide;
	s.bo_elem_size = sizeof(wide);
	EXPECT_EQ(0, do_submit(self->f.fd, &s, &id));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
	wide[31] = 1;
	BADA(-EINVAL, (s.bos = (uintptr_t)wide, s.bo_elem_size = sizeof(wide)));
#undef BADA
}

TEST_F(submit, bad_sync_arrays)
{
	struct drm_llmaccel_sync in[2] = { { 0 } };
	struct drm_llmaccel_submit good, s;
	struct cmds c = CMDS(self);
	uint32_t so, so2, empty, tl;
	uint64_t id;

	cmd_nop(&c);
	ASSERT_EQ(0, syncobj_create(self->f.fd, DRM_SYNCOBJ_CREATE_SIGNALED,
				    &so));
	ASSERT_EQ(0, syncobj_create(self->f.fd, DRM_SYNCOBJ_CREATE_SIGNALED,
				    &so2));
	ASSERT_EQ(0, syncobj_create(self->f.fd, 0, &empty));
	ASSERT_EQ(0, syncobj_create(self->f.fd, 0, &tl));
	in[0].handle = so;
	good = submit_args(self->f.cmd.handle, c.len);
	submit_in(&good, in, 1);
	ASSERT_EQ(0, do_submit(self->f.fd, &good, &id));	/* sanity */
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
#define BADS(err, stmt) do {						\
		s = good;						\
		stmt;							\
		s.job_id = SENTINEL;					\
		EXPECT_EQ(err, do_submit(self->f.fd, &s, NULL))		\
			TH_LOG("%s", #stmt);				\
		EXPECT_EQ(SENTINEL, s.job_id);				\
	} while (0)
	BADS(-EINVAL, s.in_syncs = 0);
	BADS(-EINVAL, s.in_sync_count = 0);
	BADS(-EINVAL, s.in_sync_elem_size = 8);
	BADS(-EINVAL, s.in_sync_elem_size = 20);
	BADS(-EINVAL, s.in_sync_elem_size = 0);
	BADS(-EINVAL, s.in_sync_elem_size = 8192);
	BADS(-EINVAL, s.in_sync_count = DRM_LLMACCEL_MAX_SYNCS + 1);
	BADS(-EINVAL, s.in_sync_count = ~0u);
	BADS(-EFAULT, s.in_syncs = (uintptr_t)unmapped_ptr());
	BADS(-EFAULT, s.in_syncs = KERNEL_PTR);
	in[1].handle = so;
	in[1].flags = 1;
	BADS(-EINVAL, s.in_sync_count = 2);
	in[1].flags = ~0u;
	BADS(-EINVAL, s.in_sync_count = 2);
	in[1].flags = 0;
	in[1].handle = 0xdead;
	BADS(-ENOENT, s.in_sync_count = 2);
	in[1].handle = 0;
	BADS(-ENOENT, s.in_sync_count = 2);
	/* a syncobj with no fence at all, a timeline point not there yet */
	in[1].handle = empty;
	BADS(-EINVAL, s.in_sync_count = 2);
	in[1].handle = tl;
	in[1].point = 5;
	BADS(-EINVAL, s.in_sync_count = 2);
	{
		/* another file's syncobj number means nothing here */
		int fd2 = lla_open();
		uint32_t theirs[8];
		unsigned int k;

		ASSERT_LE(0, fd2);
		for (k = 0; k < 8; k++)
			ASSERT_EQ(0, syncobj_create(fd2,
				DRM_SYNCOBJ_CREATE_SIGNALED, &theirs[k]));
		in[1].handle = theirs[7];	/* beyond our 4 */
		in[1].point = 0;
		BADS(-ENOENT, s.in_sync_count = 2);
		BADS(-ENOENT, s.out_sync = theirs[7]);
		close(fd2);
	}
	/* out-syncobj: bad handles */
	BADS(-ENOENT, s.out_sync = 0xdead);
	BADS(-ENOENT, (s.out_sync = 0xdead, s.out_sync_point = 3));
	syncobj_destroy(self->f.fd, so);
	in[1].handle = so;			/* destroyed */
	in[1].point = 0;
	BADS(-ENOENT, (in[0].handle = so2, s.in_sync_count = 2));
	syncobj_destroy(self->f.fd, so2);
	syncobj_destroy(self->f.fd, empty);
	syncobj_destroy(self->f.fd, tl);
#undef BADS
}

/* The largest arrays: DRM_LLMACCEL_MAX_BOS refs, MAX_SYNCS syncobjs. */
TEST_F(submit, maximum_array_counts)
{
	static struct drm_llmaccel_bo_ref refs[DRM_LLMACCEL_MAX_BOS];
	static struct drm_llmaccel_sync in[DRM_LLMACCEL_MAX_SYNCS];
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	uint32_t so, i;
	struct bo d;
	uint64_t id;

	ASSERT_EQ(0, bo_new(self->f.fd, 4096, 0, &d));
	ASSERT_EQ(0, syncobj_create(self->f.fd, DRM_SYNCOBJ_CREATE_SIGNALED,
				    &so));
	for (i = 0; i < DRM_LLMACCEL_MAX_BOS; i++)
		refs[i].handle = i % 2 ? d.handle : self->f.cmd.handle;
	for (i = 0; i < DRM_LLMACCEL_MAX_SYNCS; i++)
		in[i].handle = so;
	cmd_fill(&c, d.iova, 4096, 0x4096);
	s = submit_args(self->f.cmd.handle, c.len);
	submit_bos(&s, refs, DRM_LLMACCEL_MAX_BOS);
	submit_in(&s, in, DRM_LLMACCEL_MAX_SYNCS);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
	EXPECT_EQ(0x4096, ((uint32_t *)d.map)[1023]);
	syncobj_destroy(self->f.fd, so);
	bo_free(self->f.fd, &d);
}

/* SUBMIT's structure at the end of a page; straddling faults. */
TEST_F(submit, struct_at_page_end)
{
	struct drm_llmaccel_submit *s;
	struct cmds c = CMDS(self);
	uint64_t id, next;
	void *base;

	cmd_nop(&c);
	s = page_end(sizeof(*s), 0, &base);
	ASSERT_NE(NULL, s);
	*s = submit_args(self->f.cmd.handle, c.len);
	ASSERT_EQ(0, do_submit(self->f.fd, s, &id));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
	page_end_free(base);

	s = page_end(sizeof(*s), 8, &base);
	ASSERT_NE(NULL, s);
	memset(s, 0, sizeof(*s) - 8);
	s->cmdbuf_handle = self->f.cmd.handle;
	s->cmdbuf_size = c.len;
	EXPECT_EQ(-EFAULT, do_submit(self->f.fd, s, NULL));
	page_end_free(base);
	/* No job was queued: the next id follows the last one. */
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &next));
	EXPECT_EQ(id + 1, next);
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, next));
}

/* A bad command fails the job (with its index), not the ioctl. */
TEST_F(submit, device_validates_commands)
{
	struct drm_llmaccel_job_status st;
	struct cmds c = CMDS(self);
	struct lla_cmd_fill f = {
		.hdr = HDR(LLA_OP_FILL, f),
		.dst_iova = self->f.cmd.iova + 8192, .len = 64,
		.reserved0 = 1,
	};
	struct lla_cmd_nop bad = { .hdr = { .opcode = 0xee, .size = 8 } };
	uint64_t id;

	cmd_nop(&c);
	cmd_put(&c, &f, sizeof(f));
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	ASSERT_EQ(0, job_status(self->f.fd, id, &st));
	EXPECT_EQ(LLA_ERR_RESERVED, st.status);
	EXPECT_EQ(1, st.cmd_index);

	c = CMDS(self);
	cmd_put(&c, &bad, sizeof(bad));
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	ASSERT_EQ(0, job_status(self->f.fd, id, &st));
	EXPECT_EQ(LLA_ERR_BAD_OPCODE, st.status);
	EXPECT_EQ(0, st.cmd_index);

	/* A command whose size runs past cmdbuf_size: truncated buffer. */
	c = CMDS(self);
	cmd_fill(&c, self->f.cmd.iova + 8192, 64, 1);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, 16, 0, &id));
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	ASSERT_EQ(0, job_status(self->f.fd, id, &st));
	EXPECT_NE(LLA_OK, st.status);
	/* the file is not banned by failed jobs */
	c = CMDS(self);
	cmd_nop(&c);
	EXPECT_EQ(LLA_OK, run_job(self->f.fd, &self->f.cmd, c.len, 0));
}

/* Jobs on one queue of one file run in submission order. */
TEST_F(submit, in_order_on_a_queue)
{
	struct cmds c;
	struct bo d;
	uint64_t ids[16];
	unsigned int i;
	uint32_t *w;

	ASSERT_EQ(0, bo_new(self->f.fd, 8192, 0, &d));
	/* job i: FILL page 0 with i, then COPY page 0 to page 1 */
	for (i = 0; i < 16; i++) {
		c = (struct cmds){ .buf = self->f.cmd.map + 1024 * i };
		cmd_fill(&c, d.iova, 4096, i);
		cmd_copy(&c, d.iova, d.iova + 4096, 4096);
		{
			struct drm_llmaccel_submit s =
				submit_args(self->f.cmd.handle, c.len);

			s.cmdbuf_offset = 1024 * i;
			ASSERT_EQ(0, do_submit(self->f.fd, &s, &ids[i]));
		}
	}
	for (i = 0; i < 16; i++)
		EXPECT_EQ(LLA_OK, run_wait(self->f.fd, ids[i]));
	w = (uint32_t *)(d.map + 4096);
	EXPECT_EQ(15, w[0]);
	EXPECT_EQ(15, w[1023]);
	bo_free(self->f.fd, &d);
}

/*
 * More jobs on one queue than its ring has slots: the scheduler's
 * credits hold the rest back; all complete, in order.
 */
TEST_F_TIMEOUT(submit, more_jobs_than_ring_slots, 120)
{
	uint32_t n = 2 * self->f.info.ring_entries + 3, i;
	struct bo d;
	uint64_t first = 0, id = 0;

	ASSERT_EQ(0, bo_new(self->f.fd, 4096, 0, &d));
	/* job i writes i: 64 command buffers of one FILL, reused in turn */
	for (i = 0; i < 64; i++) {
		struct cmds c = { .buf = self->f.cmd.map + 1024 * i };

		cmd_fill(&c, d.iova, 64, i);
	}
	for (i = 0; i < n; i++) {
		struct drm_llmaccel_submit s = submit_args(self->f.cmd.handle,
							   32);

		s.cmdbuf_offset = 1024 * (i % 64);
		ASSERT_EQ(0, do_submit(self->f.fd, &s, &id)) TH_LOG("job %u", i);
		if (!i)
			first = id;
	}
	EXPECT_EQ(first + n - 1, id);
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, first));
	EXPECT_EQ((n - 1) % 64, ((uint32_t *)d.map)[15]);
	bo_free(self->f.fd, &d);
}

/* Listed BOs stay alive while the job waits, even with handles closed. */
TEST_F(submit, bos_kept_alive_until_done)
{
	struct drm_llmaccel_bo_ref ref;
	struct drm_llmaccel_sync in;
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	struct gate g;
	struct bo d;
	uint64_t id;
	uint32_t *w;

	ASSERT_EQ(0, gate_open(self->f.fd, &g)) TH_LOG("vgem gate (modprobe vgem)");
	ASSERT_EQ(0, bo_new(self->f.fd, 4096, 0, &d));
	cmd_fill(&c, d.iova, 4096, 0xc0ffee);
	s = submit_args(self->f.cmd.handle, c.len);
	ref = (struct drm_llmaccel_bo_ref){ .handle = d.handle };
	submit_bos(&s, &ref, 1);
	submit_gate(&s, &in, &g);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id));
	/* Drop the handle; only the job (and our mmap) keep the BO. */
	ASSERT_EQ(0, gem_close(self->f.fd, d.handle));
	d.handle = 0;
	EXPECT_EQ(-ETIME, wait_job_abs(self->f.fd, id, 0));
	ASSERT_EQ(0, gate_release(&g));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
	w = (uint32_t *)d.map;
	EXPECT_EQ(0xc0ffee, w[0]);
	EXPECT_EQ(0xc0ffee, w[1023]);
	bo_free(self->f.fd, &d);
	gate_close(self->f.fd, &g);
}

/* max_jobs_pending unfinished jobs, then EBUSY; free again after. */
TEST_F_TIMEOUT(submit, max_jobs_pending, 120)
{
	struct drm_llmaccel_sync in;
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	uint32_t max = self->f.info.max_jobs_pending, i;
	uint64_t id, first = 0, last = 0;
	struct gate g;
	int64_t t0;

	ASSERT_EQ(0, gate_open(self->f.fd, &g));
	cmd_nop(&c);
	/* The first job waits for the gate; the rest queue behind it. */
	s = submit_args(self->f.cmd.handle, c.len);
	submit_gate(&s, &in, &g);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &first));
	t0 = now_ns();
	for (i = 1; i < max; i++)
		ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0,
					   &last)) TH_LOG("job %u", i);
	/* vgem expires its fences after 10 s: stay well inside that */
	ksft_print_msg("%u submits in %lld ms\n", max - 1,
		       (long long)(now_ns() - t0) / 1000000);
	EXPECT_EQ(first + max - 1, last);
	s = submit_args(self->f.cmd.handle, c.len);
	s.job_id = SENTINEL;
	EXPECT_EQ(-EBUSY, do_submit(self->f.fd, &s, NULL));
	EXPECT_EQ(SENTINEL, s.job_id);
	ASSERT_EQ(0, gate_release(&g));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, last));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, first));
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	EXPECT_EQ(last + 1, id);
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
	/* The first job's record has been reused by now. */
	EXPECT_EQ(-ENOENT, wait_job(self->f.fd, first));
	gate_close(self->f.fd, &g);
}

/* Closing a file right after queueing jobs on every queue is safe. */
TEST_F(submit, close_with_jobs_queued)
{
	struct drm_llmaccel_sync in;
	struct drm_llmaccel_submit s;
	struct cmds c;
	struct bo cmd2, d2;
	struct gate g;
	unsigned int i;
	int fd2 = lla_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, bo_new(fd2, 4096, 0, &cmd2));
	ASSERT_EQ(0, bo_new(fd2, 1 << 20, 0, &d2));
	ASSERT_EQ(0, gate_open(fd2, &g));
	c = (struct cmds){ .buf = cmd2.map };
	cmd_fill(&c, d2.iova, d2.size, 3);
	s = submit_args(cmd2.handle, c.len);
	submit_gate(&s, &in, &g);
	ASSERT_EQ(0, do_submit(fd2, &s, NULL));
	for (i = 0; i < 32; i++)
		ASSERT_EQ(0, submit_simple(fd2, &cmd2, c.len,
					   i % self->f.info.num_queues, NULL));
	ASSERT_EQ(0, gate_release(&g));
	gate_close(fd2, &g);
	munmap(cmd2.map, cmd2.size);
	munmap(d2.map, d2.size);
	/* Waits for the queued jobs (drm_sched_entity_flush), then frees. */
	close(fd2);
	c = CMDS(self);
	cmd_nop(&c);
	EXPECT_EQ(LLA_OK, run_job(self->f.fd, &self->f.cmd, c.len, 0));
}

/*
 * A job that keeps the device busy for about a minute under TCG: a
 * marker FILL, then COPYs of 8 MiB, as many as fit in @room bytes of
 * commands.  Every COPY is progress, so only a runtime limit or a
 * cancellation ends it early.  @data is 16 MiB.
 */
static uint32_t long_job(struct cmds *c, const struct bo *data, uint32_t room)
{
	cmd_fill(c, data->iova, 4, 0xfeed);
	while (c->len + sizeof(struct lla_cmd_copy) <= room)
		cmd_copy(c, data->iova + 4096, data->iova + (8 << 20),
			 (8 << 20) - 4096);
	return c->len;
}

static uint32_t cmd_room(const struct lla_fix *f)
{
	return f->info.max_cmdbuf < 60000 ? f->info.max_cmdbuf : 60000;
}

/*
 * max_runtime_ms: the job is stopped with RUNTIME_EXCEEDED within a
 * progress-check interval of its limit, although it makes progress; the
 * job queued behind it runs; the file is not banned.
 */
TEST_F(submit, max_runtime_stops_job)
{
	struct drm_llmaccel_job_status st;
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	struct bo d;
	uint64_t id, next;
	uint32_t len;

	ASSERT_EQ(0, bo_new(self->f.fd, 16 << 20, 0, &d));
	len = long_job(&c, &d, cmd_room(&self->f));
	s = submit_args(self->f.cmd.handle, len);
	s.max_runtime_ms = 200;
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id));
	c = (struct cmds){ .buf = self->f.cmd.map + 61440 };
	cmd_nop(&c);
	s = submit_args(self->f.cmd.handle, c.len);
	s.cmdbuf_offset = 61440;
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &next));
	self->f.expect_resets = 1;	/* a queue reset stops it */
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	ASSERT_EQ(0, job_status(self->f.fd, id, &st));
	EXPECT_EQ(DRM_LLMACCEL_STATUS_RUNTIME_EXCEEDED, st.status);
	EXPECT_EQ(0xfeed, *(volatile uint32_t *)d.map);	/* it did start */
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, next));
	/* not banned: the same file submits and runs */
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &next));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, next));
	bo_free(self->f.fd, &d);
}

/*
 * SIGKILL of a process whose job runs on the device: closing its file
 * cancels the job at once (its address space is switched off), so
 * another file's job on the same queue runs before the killed job has
 * done its work (the queue's DMA counter shows it stopped early), with no
 * reset.
 */
TEST_F(submit, kill_running_submitter_frees_queue)
{
	uint32_t room = cmd_room(&self->f);
	struct cmds c = CMDS(self);
	struct lla_counters c0, c1;
	uint64_t full;
	int pipefd[2], status;
	char ready;
	pid_t pid;

	/* what the whole job would read: every COPY's source */
	full = (uint64_t)((room - sizeof(struct lla_cmd_fill)) /
			  sizeof(struct lla_cmd_copy)) * ((8 << 20) - 4096);
	ASSERT_EQ(0, lla_counters(self->f.fd, &c0));
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct drm_llmaccel_bo_ref ref = { 0 };
		struct drm_llmaccel_submit s2;
		struct bo cmd2, d2;
		struct cmds c2;
		int fd2 = lla_open();

		close(pipefd[0]);
		if (fd2 < 0 || bo_new(fd2, 65536, 0, &cmd2) ||
		    bo_new(fd2, 16 << 20, 0, &d2))
			_exit(1);
		ref.handle = d2.handle;
		c2 = (struct cmds){ .buf = cmd2.map };
		s2 = submit_args(cmd2.handle, long_job(&c2, &d2, room));
		/* listed: the job keeps its data resident after the close */
		submit_bos(&s2, &ref, 1);
		if (do_submit(fd2, &s2, NULL))
			_exit(2);
		while (*(volatile uint32_t *)d2.map != 0xfeed)
			;	/* the device runs it */
		if (write(pipefd[1], "r", 1) != 1)
			_exit(3);
		pause();
		_exit(4);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &ready, 1));
	close(pipefd[0]);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	cmd_nop(&c);
	EXPECT_EQ(LLA_OK, run_job(self->f.fd, &self->f.cmd, c.len, 0));
	ASSERT_EQ(0, lla_counters(self->f.fd, &c1));
	EXPECT_GT(full, c1.q[0].dma_rd_bytes - c0.q[0].dma_rd_bytes)
		TH_LOG("the killed job ran to its end: %llu of %llu bytes",
		       (unsigned long long)(c1.q[0].dma_rd_bytes -
					    c0.q[0].dma_rd_bytes),
		       (unsigned long long)full);
}

/*
 * A process exits with jobs blocked on a fence that has not signalled:
 * its jobs are dropped, nothing hangs, the device keeps working.
 */
TEST_F(submit, exit_with_jobs_blocked)
{
	struct cmds c = CMDS(self);
	struct gate g;
	int sf, status;
	pid_t pid;

	ASSERT_EQ(0, gate_open(self->f.fd, &g));
	ASSERT_EQ(0, syncobj_export_sync_file(self->f.fd, g.syncobj, &sf));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct drm_llmaccel_sync in = { 0 };
		struct drm_llmaccel_submit s;
		struct bo cmd2;
		unsigned int i;
		int fd2 = lla_open();

		if (fd2 < 0 || bo_new(fd2, 4096, 0, &cmd2) ||
		    syncobj_create(fd2, 0, &in.handle) ||
		    syncobj_import_sync_file(fd2, in.handle, sf))
			_exit(1);
		c = (struct cmds){ .buf = cmd2.map };
		cmd_fill(&c, cmd2.iova + 2048, 1024, 3);
		for (i = 0; i < 16; i++) {
			s = submit_args(cmd2.handle, c.len);
			s.queue = i % self->f.info.num_queues;
			submit_in(&s, &in, 1);
			if (do_submit(fd2, &s, NULL))
				_exit(2);
		}
		_exit(0);	/* with everything open and blocked */
	}
	close(sf);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, gate_release(&g));
	cmd_nop(&c);
	EXPECT_EQ(LLA_OK, run_job(self->f.fd, &self->f.cmd, c.len, 0));
	gate_close(self->f.fd, &g);
}

/* ================================================================== */
/* WAIT and JOB_STATUS                                                 */
/* ================================================================== */
LLA_FIXTURE(wait);

TEST_F(wait, done_job)
{
	struct cmds c = CMDS(self);
	uint64_t id;

	cmd_nop(&c);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	EXPECT_EQ(0, wait_job(self->f.fd, id));
	/* a finished job: any deadline, even one in the past */
	EXPECT_EQ(0, wait_job_abs(self->f.fd, id, 0));
	EXPECT_EQ(0, wait_job_abs(self->f.fd, id, -1));
	EXPECT_EQ(0, wait_job_abs(self->f.fd, id, INT64_MAX));
}

TEST_F(wait, timeout_on_pending_job)
{
	struct drm_llmaccel_sync in;
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	struct gate g;
	int64_t t0, dt;
	uint64_t id;

	ASSERT_EQ(0, gate_open(self->f.fd, &g));
	cmd_nop(&c);
	s = submit_args(self->f.cmd.handle, c.len);
	submit_gate(&s, &in, &g);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id));
	/* deadline 0 (in the past): polls */
	EXPECT_EQ(-ETIME, wait_job_abs(self->f.fd, id, 0));
	/* an absolute deadline 100 ms ahead is honoured */
	t0 = now_ns();
	EXPECT_EQ(-ETIME, wait_job_abs(self->f.fd, id, t0 + 100000000));
	dt = now_ns() - t0;
	EXPECT_LE(80000000, dt);	/* jiffies rounding (HZ=250) */
	EXPECT_GT(5 * SEC_NS, dt);
	ASSERT_EQ(0, gate_release(&g));
	EXPECT_EQ(0, wait_job(self->f.fd, id));
	gate_close(self->f.fd, &g);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * WAIT is interruptible: a signal ends it with EINTR long before the
 * deadline, and the job is unaffected.
 */
TEST_F(wait, interrupted_by_signal)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { .it_value = { .tv_usec = 50000 } };
	struct drm_llmaccel_wait w = { 0 };
	struct drm_llmaccel_sync in;
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	struct gate g;
	int64_t t0, dt;
	uint64_t id;
	int r, err;

	ASSERT_EQ(0, gate_open(self->f.fd, &g));
	cmd_nop(&c);
	s = submit_args(self->f.cmd.handle, c.len);
	submit_gate(&s, &in, &g);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	w.job_id = id;
	t0 = now_ns();
	w.timeout_ns = t0 + 5 * SEC_NS;
	r = ioctl(self->f.fd, DRM_IOCTL_LLMACCEL_WAIT, &w);
	err = errno;
	dt = now_ns() - t0;
	EXPECT_EQ(-1, r);
	EXPECT_EQ(EINTR, err);
	EXPECT_GT(4 * SEC_NS, dt);
	ASSERT_EQ(0, gate_release(&g));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
	gate_close(self->f.fd, &g);
}

TEST_F(wait, bad_job_ids)
{
	struct cmds c = CMDS(self);
	uint64_t id;
	int fd2 = lla_open();
	struct bo c2;

	ASSERT_LE(0, fd2);
	cmd_nop(&c);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	EXPECT_EQ(-ENOENT, wait_job(self->f.fd, 0));
	EXPECT_EQ(-ENOENT, wait_job(self->f.fd, id + 1));	/* not yet */
	EXPECT_EQ(-ENOENT, wait_job(self->f.fd, id + 1024));
	EXPECT_EQ(-ENOENT, wait_job(self->f.fd, 0xdead));
	EXPECT_EQ(-ENOENT, wait_job(self->f.fd, ~0ull));
	/* another file's job id means nothing here */
	ASSERT_EQ(0, bo_new(fd2, 4096, 0, &c2));
	c = (struct cmds){ .buf = c2.map };
	cmd_nop(&c);
	ASSERT_EQ(0, submit_simple(fd2, &c2, c.len, 0, NULL));
	ASSERT_EQ(0, submit_simple(fd2, &c2, c.len, 0, &id));
	ASSERT_EQ(0, wait_job(fd2, id));
	EXPECT_EQ(2, id);
	EXPECT_EQ(-ENOENT, wait_job(self->f.fd, id));
	{
		struct drm_llmaccel_job_status st;

		EXPECT_EQ(-ENOENT, job_status(self->f.fd, id, &st));
	}
	bo_free(fd2, &c2);
	close(fd2);
}

TEST_F(wait, flags_and_pad_nonzero)
{
	struct drm_llmaccel_wait w = { 0 };
	struct cmds c = CMDS(self);
	unsigned int bit;
	uint64_t id;

	cmd_nop(&c);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	w.job_id = id;
	w.timeout_ns = now_ns() + JOB_TIMEOUT_NS;
	for (bit = 0; bit < 32; bit++) {
		w.flags = 1u << bit;
		EXPECT_EQ(-EINVAL, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_WAIT,
					  &w));
	}
	w.flags = 0;
	w.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_WAIT, &w));
	w.pad = ~0u;
	EXPECT_EQ(-EINVAL, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_WAIT, &w));
	w.pad = 0;
	EXPECT_EQ(0, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_WAIT, &w));
}

TEST_F(wait, struct_at_page_end)
{
	struct drm_llmaccel_wait *w;
	struct cmds c = CMDS(self);
	uint64_t id;
	void *base;

	cmd_nop(&c);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	w = page_end(sizeof(*w), 0, &base);
	ASSERT_NE(NULL, w);
	memset(w, 0, sizeof(*w));
	w->job_id = id;
	w->timeout_ns = now_ns() + JOB_TIMEOUT_NS;
	EXPECT_EQ(0, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_WAIT, w));
	page_end_free(base);
	w = page_end(sizeof(*w), 8, &base);
	ASSERT_NE(NULL, w);
	w->job_id = id;
	w->timeout_ns = now_ns() + JOB_TIMEOUT_NS;
	EXPECT_EQ(-EFAULT, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_WAIT, w));
	page_end_free(base);
}

TEST_F(wait, status_of_good_job)
{
	struct drm_llmaccel_job_status st;
	struct cmds c = CMDS(self);
	uint64_t id;

	cmd_nop(&c);
	cmd_fill(&c, self->f.cmd.iova + 8192, 4096, 9);
	cmd_nop(&c);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	memset(&st, 0xa5, sizeof(st));
	st.job_id = id;
	st.flags = 0;
	ASSERT_EQ(0, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_JOB_STATUS, &st));
	EXPECT_EQ(DRM_LLMACCEL_JOB_DONE, st.state);
	EXPECT_EQ(LLA_OK, st.status);
	EXPECT_EQ(3, st.cmd_index);
	EXPECT_EQ(0, st.fault_iova);
	EXPECT_LT(0, st.cycles);
	EXPECT_LT(0, st.duration_ns);
	EXPECT_GT(JOB_TIMEOUT_NS, st.duration_ns);
	EXPECT_EQ(0, st.pad);
	EXPECT_EQ(0, st.result_flags & DRM_LLMACCEL_RESULT_FAULT_WRITE);
	if (st.result_flags & DRM_LLMACCEL_RESULT_CLOCK)
		EXPECT_LT(0, st.start_cycle);
	EXPECT_EQ(id, st.job_id);
}

TEST_F(wait, status_of_pending_job)
{
	struct drm_llmaccel_job_status st;
	struct drm_llmaccel_sync in;
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	struct gate g;
	uint64_t id;

	ASSERT_EQ(0, gate_open(self->f.fd, &g));
	cmd_nop(&c);
	s = submit_args(self->f.cmd.handle, c.len);
	submit_gate(&s, &in, &g);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id));
	ASSERT_EQ(0, job_status(self->f.fd, id, &st));
	EXPECT_EQ(DRM_LLMACCEL_JOB_PENDING, st.state);
	EXPECT_EQ(0, st.status);
	ASSERT_EQ(0, gate_release(&g));
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	ASSERT_EQ(0, job_status(self->f.fd, id, &st));
	EXPECT_EQ(DRM_LLMACCEL_JOB_DONE, st.state);
	EXPECT_EQ(LLA_OK, st.status);
	gate_close(self->f.fd, &g);
}

TEST_F(wait, status_bad_input_leaves_outputs)
{
	struct drm_llmaccel_job_status st;
	struct cmds c = CMDS(self);
	const uint64_t ids[] = { 0, 2, 0xdead, ~0ull };
	unsigned int i, bit;
	uint64_t id;

	cmd_nop(&c);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	ASSERT_EQ(1, id);
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	for (i = 0; i < 4; i++) {
		memset(&st, 0xa5, sizeof(st));
		st.job_id = ids[i];
		st.flags = 0;
		EXPECT_EQ(-ENOENT, xioctl(self->f.fd,
					  DRM_IOCTL_LLMACCEL_JOB_STATUS, &st));
		EXPECT_EQ(0xa5a5a5a5u, st.state);
		EXPECT_EQ(0xa5a5a5a5u, st.status);
		EXPECT_EQ(SENTINEL, st.cycles);
		EXPECT_EQ(SENTINEL, st.start_cycle);
		EXPECT_EQ(0xa5a5a5a5u, st.result_flags);
	}
	for (bit = 0; bit < 32; bit++) {
		memset(&st, 0xa5, sizeof(st));
		st.job_id = id;
		st.flags = 1u << bit;
		EXPECT_EQ(-EINVAL, xioctl(self->f.fd,
					  DRM_IOCTL_LLMACCEL_JOB_STATUS, &st));
		EXPECT_EQ(0xa5a5a5a5u, st.state);
		EXPECT_EQ(SENTINEL, st.fault_iova);
	}
	/* straddling a page end: EFAULT */
	{
		struct drm_llmaccel_job_status *t;
		void *base;

		t = page_end(sizeof(*t), 8, &base);
		ASSERT_NE(NULL, t);
		t->job_id = id;
		t->flags = 0;
		EXPECT_EQ(-EFAULT, xioctl(self->f.fd,
					  DRM_IOCTL_LLMACCEL_JOB_STATUS, t));
		page_end_free(base);
		t = page_end(sizeof(*t), 0, &base);
		ASSERT_NE(NULL, t);
		memset(t, 0, sizeof(*t));
		t->job_id = id;
		EXPECT_EQ(0, xioctl(self->f.fd, DRM_IOCTL_LLMACCEL_JOB_STATUS,
				    t));
		EXPECT_EQ(DRM_LLMACCEL_JOB_DONE, t->state);
		page_end_free(base);
	}
}

/* ================================================================== */
/* Fences: syncobjs in and out                                         */
/* ================================================================== */
LLA_FIXTURE(sync);

TEST_F(sync, out_syncobj_signals)
{
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	uint32_t so;
	uint64_t id;
	int st = -1;

	cmd_nop(&c);
	ASSERT_EQ(0, syncobj_create(self->f.fd, 0, &so));
	s = submit_args(self->f.cmd.handle, c.len);
	s.out_sync = so;
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id));
	EXPECT_EQ(0, syncobj_wait(self->f.fd, so, now_ns() + JOB_TIMEOUT_NS));
	ASSERT_EQ(0, syncobj_fence_status(self->f.fd, so, &st));
	EXPECT_EQ(1, st);		/* signalled without error */
	EXPECT_EQ(0, wait_job_abs(self->f.fd, id, 0));
	syncobj_destroy(self->f.fd, so);
}

/* A failed job's fence signals with an error. */
TEST_F(sync, out_syncobj_error_on_failed_job)
{
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	uint32_t so;
	int st = 0;

	cmd_fill(&c, 0x7f0000000000ull, 64, 1);	/* unmapped */
	ASSERT_EQ(0, syncobj_create(self->f.fd, 0, &so));
	s = submit_args(self->f.cmd.handle, c.len);
	s.out_sync = so;
	ASSERT_EQ(0, do_submit(self->f.fd, &s, NULL));
	EXPECT_EQ(0, syncobj_wait(self->f.fd, so, now_ns() + JOB_TIMEOUT_NS));
	ASSERT_EQ(0, syncobj_fence_status(self->f.fd, so, &st));
	EXPECT_EQ(-EIO, st);
	syncobj_destroy(self->f.fd, so);
}

/* job 2 on another queue waits for job 1 through a syncobj. */
TEST_F(sync, chain_across_queues)
{
	struct drm_llmaccel_sync in = { 0 };
	struct drm_llmaccel_submit s;
	struct drm_llmaccel_sync gin;
	struct cmds c1 = CMDS(self);
	struct cmds c2 = { .buf = self->f.cmd.map + 4096 };
	uint32_t q2 = 1 % self->f.info.num_queues, so;
	struct gate g;
	struct bo d;
	uint64_t id1, id2;
	uint32_t *w;

	ASSERT_EQ(0, gate_open(self->f.fd, &g));
	ASSERT_EQ(0, bo_new(self->f.fd, 8192, 0, &d));
	ASSERT_EQ(0, syncobj_create(self->f.fd, 0, &so));
	cmd_fill(&c1, d.iova, 4096, 0x1234);
	cmd_copy(&c2, d.iova, d.iova + 4096, 4096);
	/* job 1 held by the gate, so job 2 really has to wait */
	s = submit_args(self->f.cmd.handle, c1.len);
	s.out_sync = so;
	submit_gate(&s, &gin, &g);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id1));
	in.handle = so;
	s = submit_args(self->f.cmd.handle, c2.len);
	s.cmdbuf_offset = 4096;
	s.queue = q2;
	submit_in(&s, &in, 1);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id2));
	EXPECT_EQ(-ETIME, wait_job_abs(self->f.fd, id2, 0));
	ASSERT_EQ(0, gate_release(&g));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id2));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id1));
	w = (uint32_t *)(d.map + 4096);
	EXPECT_EQ(0x1234, w[0]);
	EXPECT_EQ(0x1234, w[1023]);
	syncobj_destroy(self->f.fd, so);
	bo_free(self->f.fd, &d);
	gate_close(self->f.fd, &g);
}

/* A job waits for several in-syncobjs, from two files and vgem. */
TEST_F(sync, many_in_syncobjs)
{
	struct drm_llmaccel_sync in[3];
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	uint32_t a, b;
	struct gate g;
	uint64_t id;

	ASSERT_EQ(0, gate_open(self->f.fd, &g));
	ASSERT_EQ(0, syncobj_create(self->f.fd, DRM_SYNCOBJ_CREATE_SIGNALED,
				    &a));
	ASSERT_EQ(0, syncobj_create(self->f.fd, 0, &b));
	cmd_nop(&c);
	s = submit_args(self->f.cmd.handle, c.len);
	s.out_sync = b;
	ASSERT_EQ(0, do_submit(self->f.fd, &s, NULL));
	memset(in, 0, sizeof(in));
	in[0].handle = a;
	in[1].handle = b;
	in[2].handle = g.syncobj;
	s = submit_args(self->f.cmd.handle, c.len);
	submit_in(&s, in, 3);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id));
	EXPECT_EQ(0, syncobj_wait(self->f.fd, b, now_ns() + JOB_TIMEOUT_NS));
	EXPECT_EQ(-ETIME, wait_job_abs(self->f.fd, id, 0));
	ASSERT_EQ(0, gate_release(&g));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
	syncobj_destroy(self->f.fd, a);
	syncobj_destroy(self->f.fd, b);
	gate_close(self->f.fd, &g);
}

/* A failed dependency does not stop the job that waits for it. */
TEST_F(sync, failed_dependency_still_runs)
{
	struct drm_llmaccel_sync in = { 0 };
	struct drm_llmaccel_submit s;
	struct cmds c1 = CMDS(self);
	struct cmds c2 = { .buf = self->f.cmd.map + 4096 };
	uint64_t id1, id2;
	uint32_t so;

	ASSERT_EQ(0, syncobj_create(self->f.fd, 0, &so));
	cmd_fill(&c1, 0x600000000000ull, 64, 1);	/* faults */
	cmd_fill(&c2, self->f.cmd.iova + 8192, 64, 0x5eed);
	s = submit_args(self->f.cmd.handle, c1.len);
	s.out_sync = so;
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id1));
	in.handle = so;
	s = submit_args(self->f.cmd.handle, c2.len);
	s.cmdbuf_offset = 4096;
	s.queue = 1 % self->f.info.num_queues;
	submit_in(&s, &in, 1);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id2));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id2));
	EXPECT_EQ(LLA_ERR_MMU_FAULT, run_wait(self->f.fd, id1));
	EXPECT_EQ(0x5eed, ((uint32_t *)(self->f.cmd.map + 8192))[15]);
	syncobj_destroy(self->f.fd, so);
}

/* Timeline: out at point N, the next job waits for point N. */
TEST_F(sync, timeline_points)
{
	struct drm_llmaccel_sync in = { 0 };
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	uint64_t id, pt;
	uint32_t tl;

	cmd_nop(&c);
	ASSERT_EQ(0, syncobj_create(self->f.fd, 0, &tl));
	for (pt = 1; pt <= 4; pt++) {
		s = submit_args(self->f.cmd.handle, c.len);
		s.out_sync = tl;
		s.out_sync_point = pt;
		s.queue = pt % self->f.info.num_queues;
		ASSERT_EQ(0, do_submit(self->f.fd, &s, NULL));
	}
	in.handle = tl;
	in.point = 4;
	s = submit_args(self->f.cmd.handle, c.len);
	submit_in(&s, &in, 1);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id));
	EXPECT_EQ(0, syncobj_timeline_wait(self->f.fd, tl, 4, 0,
					   now_ns() + JOB_TIMEOUT_NS));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, id));
	/* point 5 never got a fence */
	EXPECT_EQ(-ETIME, syncobj_timeline_wait(self->f.fd, tl, 5,
			DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, now_ns()));
	syncobj_destroy(self->f.fd, tl);
}

/* SYNCOBJ_WAIT timeouts on an unsignalled job fence. */
TEST_F(sync, syncobj_wait_timeout)
{
	struct drm_llmaccel_sync in;
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	struct gate g;
	uint32_t so;
	int64_t t0;

	ASSERT_EQ(0, gate_open(self->f.fd, &g));
	ASSERT_EQ(0, syncobj_create(self->f.fd, 0, &so));
	cmd_nop(&c);
	s = submit_args(self->f.cmd.handle, c.len);
	s.out_sync = so;
	submit_gate(&s, &in, &g);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, NULL));
	t0 = now_ns();
	EXPECT_EQ(-ETIME, syncobj_wait(self->f.fd, so, t0 + 100000000));
	EXPECT_LE(80000000, now_ns() - t0);	/* jiffies rounding */
	ASSERT_EQ(0, gate_release(&g));
	EXPECT_EQ(0, syncobj_wait(self->f.fd, so, now_ns() + JOB_TIMEOUT_NS));
	syncobj_destroy(self->f.fd, so);
	gate_close(self->f.fd, &g);
}

/* ================================================================== */
/* Jobs whose results equal the rtl-model's                            */
/* ================================================================== */
LLA_FIXTURE(model);

/*
 * Run the command buffer at offset 0 of @job (a BO holding commands and
 * data) through lla_execute() over a flat copy of the BO, then on the
 * device; the BOs must then be identical byte for byte.
 */
static void run_against_model(struct __test_metadata *_metadata,
			      struct lla_fix *f, struct bo *job,
			      struct cmds *c, uint32_t ncmds)
{
	struct lla_exec_opts opts = { .use_lut = 1 };
	struct drm_llmaccel_bo_ref ref = { .handle = job->handle };
	struct drm_llmaccel_job_status st;
	struct drm_llmaccel_submit s;
	struct lla_job_result res;
	struct lla_flat_mem flat;
	struct lla_mem mem;
	uint32_t bad = ~0u;
	uint64_t id;
	uint8_t *want;
	int err;

	err = lla_validate(job->map, c->len, &bad);
	ASSERT_EQ(LLA_OK, err) TH_LOG("validate: %s at command %u",
				      lla_error_name(err), bad);
	want = malloc(job->size);
	ASSERT_NE(NULL, want);
	memcpy(want, job->map, job->size);
	flat.data = want;
	flat.base = job->iova;
	flat.size = job->size;
	lla_flat_mem_init(&mem, &flat);
	memset(&res, 0, sizeof(res));
	err = lla_execute(job->map, c->len, &mem, &opts, &res);
	ASSERT_EQ(LLA_OK, err) TH_LOG("model: %s at command %u",
				      lla_error_name(err), res.cmd_index);
	ASSERT_EQ(ncmds, res.commands);

	s = submit_args(job->handle, c->len);
	s.queue = f->info.num_queues - 1;
	submit_bos(&s, &ref, 1);
	ASSERT_EQ(0, do_submit(f->fd, &s, &id));
	ASSERT_EQ(0, wait_job(f->fd, id));
	ASSERT_EQ(0, job_status(f->fd, id, &st));
	EXPECT_EQ(LLA_OK, st.status) TH_LOG("device: %s at %u",
					    lla_error_name(st.status),
					    st.cmd_index);
	EXPECT_EQ(ncmds, st.cmd_index);
	EXPECT_LE(res.cycles, st.cycles);	/* plus the job overhead */
	EXPECT_EQ(0, memcmp(want, job->map, job->size)) {
		uint64_t i;

		for (i = 0; i < job->size; i++)
			if (want[i] != job->map[i])
				break;
		TH_LOG("first difference at BO offset 0x%llx",
		       (unsigned long long)i);
	}
	free(want);
}

static float *fptr(struct bo *b, uint64_t off)
{
	return (float *)(b->map + off);
}

/* NORM_QUANT -> TLMM (T2, bias + RELU2 + residual) -> TLMM (T5, int8). */
TEST_F(model, tlmm_layer_matches_model)
{
	enum { M = 4, N = 64, K = 256 };
	const uint64_t X = 0x1000, GAMMA = 0x2000, XQ = 0x2400, XS = 0x2800,
		       W2 = 0x3000, BIAS = 0x4000, RES = 0x4400, Y = 0x4800,
		       W5 = 0x5000, Y2 = 0x6000, Y2S = 0x6400;
	uint32_t w5row = lla_wfmt_row_bytes(LLA_WFMT_T5, K);
	struct cmds c;
	uint64_t seed = 42;
	int8_t w[K];
	struct bo b;
	unsigned int m, n, k;
	float fl;

	ASSERT_EQ(0, bo_new(self->f.fd, 0x8000, 0, &b));
	c = (struct cmds){ .buf = b.map };
	for (m = 0; m < M * K; m++)
		fptr(&b, X)[m] = 4.0f * rng_float(&seed);
	for (k = 0; k < K; k++)
		fptr(&b, GAMMA)[k] = 0.5f + rng_float(&seed);
	for (n = 0; n < N; n++) {
		for (k = 0; k < K; k++)
			w[k] = (int8_t)(rng_next(&seed) % 3) - 1;
		lla_pack_row(LLA_WFMT_T2, w, K, b.map + W2 + n * (K / 4));
		lla_pack_row(LLA_WFMT_T5, w, K, b.map + W5 + n * 64);
		fptr(&b, BIAS)[n] = rng_float(&seed);
	}
	for (m = 0; m < M * N; m++)
		fptr(&b, RES)[m] = rng_float(&seed);
	ASSERT_GE(64, w5row);

	{
		struct lla_cmd_norm_quant nq = {
			.hdr = { LLA_OP_NORM_QUANT, 0,
				 LLA_NQ_F_NORM | LLA_NQ_F_QUANT, sizeof(nq) },
			.x_iova = b.iova + X, .gamma_iova = b.iova + GAMMA,
			.q_iova = b.iova + XQ, .scale_iova = b.iova + XS,
			.m = M, .k = K, .x_stride = 4 * K, .q_stride = K,
		};
		struct lla_cmd_tlmm t = {
			.hdr = HDR(LLA_OP_TLMM, t),
			.x_iova = b.iova + XQ, .x_scale_iova = b.iova + XS,
			.w_iova = b.iova + W2, .y_iova = b.iova + Y,
			.m = M, .n = N, .k = K, .x_stride = K,
			.w_stride = K / 4, .y_stride = 4 * N,
			.wfmt = LLA_WFMT_T2,
			.epi = { .bias_iova = b.iova + BIAS,
				 .residual_iova = b.iova + RES,
				 .residual_stride = 4 * N,
				 .act = LLA_ACT_RELU2,
				 .out_dtype = LLA_DTYPE_F32 },
		};
		struct lla_cmd_tlmm t5 = t;

		fl = 1e-5f;
		memcpy(&nq.eps, &fl, 4);
		fl = 0.8125f;
		memcpy(&t.w_scale, &fl, 4);
		t5.w_iova = b.iova + W5;
		t5.w_stride = 64;
		t5.wfmt = LLA_WFMT_T5;
		t5.y_iova = b.iova + Y2;
		t5.y_stride = N;
		memset(&t5.epi, 0, sizeof(t5.epi));
		t5.epi.out_dtype = LLA_DTYPE_I8;
		t5.epi.y_scale_iova = b.iova + Y2S;
		cmd_put(&c, &nq, sizeof(nq));
		cmd_put(&c, &t, sizeof(t));
		cmd_put(&c, &t5, sizeof(t5));
	}
	run_against_model(_metadata, &self->f, &b, &c, 3);
	/* Not trivially zero: RELU2 + residual gives non-zero outputs. */
	for (m = 0, n = 0; m < M * N; m++)
		n += fptr(&b, Y)[m] != 0.0f;
	EXPECT_LT(M * N / 4, n);
	bo_free(self->f.fd, &b);
}

/* ROPE -> ATTN_PREFILL (8 tokens) -> ROPE -> ATTN_DECODE (token 9), GQA. */
TEST_F(model, attention_matches_model)
{
	enum { M = 8, NH = 4, NKV = 2, HD = 32, CTX = 16 };
	const uint64_t Q = 0x1000, KK = 0x3000, V = 0x4000, KC = 0x5000,
		       VC = 0x6000, O = 0x7000, TAB = 0x9000;
	const uint32_t qrow = NH * HD * 4, kvrow = NKV * HD * 4;
	struct cmds c;
	uint64_t seed = 7;
	struct bo b;
	unsigned int i, nz;
	float sc = 1.0f / sqrtf((float)HD);

	ASSERT_EQ(0, bo_new(self->f.fd, 0xa000, 0, &b));
	c = (struct cmds){ .buf = b.map };
	for (i = 0; i < (M + 1) * NH * HD; i++)
		fptr(&b, Q)[i] = rng_float(&seed);
	for (i = 0; i < (M + 1) * NKV * HD; i++) {
		fptr(&b, KK)[i] = rng_float(&seed);
		fptr(&b, V)[i] = rng_float(&seed);
	}
	lla_rope_table(fptr(&b, TAB), CTX, HD, 10000.0f);
	{
		struct lla_cmd_rope rq = {
			.hdr = HDR(LLA_OP_ROPE, rq),
			.x_iova = b.iova + Q, .table_iova = b.iova + TAB,
			.m = M, .n_head = NH, .head_dim = HD,
			.x_stride = qrow, .pos = 0, .table_len = CTX,
		};
		struct lla_cmd_rope rk = rq;
		struct lla_cmd_attn a = {
			.hdr = HDR(LLA_OP_ATTN_PREFILL, a),
			.q_iova = b.iova + Q, .k_iova = b.iova + KK,
			.v_iova = b.iova + V, .k_cache_iova = b.iova + KC,
			.v_cache_iova = b.iova + VC, .o_iova = b.iova + O,
			.m = M, .n_head = NH, .n_kv_head = NKV, .head_dim = HD,
			.max_ctx = CTX, .pos = 0, .q_stride = qrow,
			.kv_stride = kvrow, .o_stride = qrow,
			.kv_dtype = LLA_DTYPE_F16, .mask_mode = LLA_MASK_CAUSAL,
		};
		struct lla_cmd_attn d = a;

		memcpy(&a.scale, &sc, 4);
		memcpy(&d.scale, &sc, 4);
		rk.x_iova = b.iova + KK;
		rk.n_head = NKV;
		rk.x_stride = kvrow;
		cmd_put(&c, &rq, sizeof(rq));
		cmd_put(&c, &rk, sizeof(rk));
		cmd_put(&c, &a, sizeof(a));
		/* the 9th token at position 8 */
		rq.x_iova += M * qrow;
		rq.m = 1;
		rq.pos = M;
		rk.x_iova += M * kvrow;
		rk.m = 1;
		rk.pos = M;
		d.hdr.opcode = LLA_OP_ATTN_DECODE;
		d.m = 1;
		d.pos = M;
		d.q_iova += M * qrow;
		d.k_iova += M * kvrow;
		d.v_iova += M * kvrow;
		d.o_iova += M * qrow;
		cmd_put(&c, &rq, sizeof(rq));
		cmd_put(&c, &rk, sizeof(rk));
		cmd_put(&c, &d, sizeof(d));
	}
	run_against_model(_metadata, &self->f, &b, &c, 6);
	for (i = 0, nz = 0; i < (M + 1) * NH * HD; i++)
		nz += fptr(&b, O)[i] != 0.0f;
	EXPECT_LT((M + 1) * NH * HD / 2, nz);
	bo_free(self->f.fd, &b);
}

/* ================================================================== */
/* Isolation and MMU faults                                            */
/* ================================================================== */
LLA_FIXTURE(isolation);

/*
 * Another file's BO sits at an address this file has nothing mapped at:
 * a job reading or writing it faults with that address; the other
 * file's data is untouched and its concurrent job completes.
 */
TEST_F(isolation, other_contexts_address_faults)
{
	struct drm_llmaccel_job_status st;
	struct cmds c = CMDS(self);
	struct cmds cv;
	struct bo vcmd, vdata, mine;
	uint64_t target, bad, good, vjob;
	int vfd = lla_open();
	unsigned int i;
	uint32_t *w;

	ASSERT_LE(0, vfd);
	/* The victim's data far above anything this file maps. */
	ASSERT_EQ(0, bo_new(vfd, 4096, 0, &vcmd));
	for (i = 0; i < 8; i++) {
		uint32_t h;

		ASSERT_EQ(0, bo_create(vfd, 1 << 20, 0, &h, NULL));
	}
	ASSERT_EQ(0, bo_new(vfd, 1 << 16, 0, &vdata));
	memset(vdata.map, 0x77, vdata.size);
	ASSERT_EQ(0, bo_new(self->f.fd, 4096, 0, &mine));
	/* the middle of the victim's buffer: nothing of ours is there */
	target = vdata.iova + vdata.size / 2;
	ASSERT_TRUE(target >= self->f.cmd.iova + self->f.cmd.size + 4096 ||
		    target < self->f.cmd.iova);
	ASSERT_TRUE(target >= mine.iova + mine.size || target < mine.iova);

	/* write attempt */
	cmd_fill(&c, target, 256, 0xbad);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &bad));
	/* the victim's own job, concurrently, on another queue */
	cv = (struct cmds){ .buf = vcmd.map };
	cmd_fill(&cv, vdata.iova, 4096, 0x600d);
	ASSERT_EQ(0, submit_simple(vfd, &vcmd, cv.len,
				   1 % self->f.info.num_queues, &vjob));
	ASSERT_EQ(0, wait_job(self->f.fd, bad));
	ASSERT_EQ(0, job_status(self->f.fd, bad, &st));
	EXPECT_EQ(LLA_ERR_MMU_FAULT, st.status);
	EXPECT_EQ(target, st.fault_iova);
	EXPECT_EQ(0, st.cmd_index);
	if (self->f.info.driver_version >= 0x10001)	/* 1.1: access type */
		EXPECT_TRUE(st.result_flags & DRM_LLMACCEL_RESULT_FAULT_WRITE);
	EXPECT_EQ(LLA_OK, run_wait(vfd, vjob));
	w = (uint32_t *)vdata.map;
	EXPECT_EQ(0x600d, w[0]);
	EXPECT_EQ(0x77777777u, w[vdata.size / 8]);	/* target untouched */

	/* read attempt: copy from the victim into our own BO */
	c = CMDS(self);
	memset(mine.map, 0, mine.size);
	cmd_nop(&c);
	cmd_copy(&c, target, mine.iova, 256);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &bad));
	ASSERT_EQ(0, wait_job(self->f.fd, bad));
	ASSERT_EQ(0, job_status(self->f.fd, bad, &st));
	EXPECT_EQ(LLA_ERR_MMU_FAULT, st.status);
	EXPECT_EQ(target, st.fault_iova);
	EXPECT_EQ(1, st.cmd_index);
	EXPECT_FALSE(st.result_flags & DRM_LLMACCEL_RESULT_FAULT_WRITE);
	EXPECT_EQ(0, mine.map[0]);
	EXPECT_EQ(0, mine.map[255]);

	/* only those jobs failed: the faulting file still works */
	c = CMDS(self);
	cmd_fill(&c, mine.iova, 4096, 5);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &good));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, good));
	EXPECT_EQ(5, ((uint32_t *)mine.map)[1023]);
	bo_free(self->f.fd, &mine);
	close(vfd);
}

/* Two processes: the child's address is not reachable by the parent. */
TEST_F(isolation, other_process)
{
	struct drm_llmaccel_job_status st;
	struct cmds c = CMDS(self);
	int pipe_a[2], pipe_b[2], status;
	uint64_t target = 0, id;
	char ok = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipe_a));
	ASSERT_EQ(0, pipe(pipe_b));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct bo big, d;
		int fd = lla_open();
		uint64_t t;
		char go;

		if (fd < 0 || bo_new(fd, 8 << 20, 0, &big) ||
		    bo_new(fd, 4096, 0, &d))
			_exit(1);
		memset(d.map, 0x3c, 4096);
		t = d.iova + 64;
		if (write(pipe_a[1], &t, 8) != 8 || read(pipe_b[0], &go, 1) != 1)
			_exit(2);
		/* the parent's job is done: our data must be intact */
		_exit(d.map[64] == 0x3c && d.map[4095] == 0x3c ? 0 : 3);
	}
	ASSERT_EQ(8, read(pipe_a[0], &target, 8));
	cmd_fill(&c, target, 64, 0);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	ASSERT_EQ(0, job_status(self->f.fd, id, &st));
	EXPECT_EQ(LLA_ERR_MMU_FAULT, st.status);
	EXPECT_EQ(target, st.fault_iova);
	ASSERT_EQ(1, write(pipe_b[1], &ok, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Guard page: one byte past a BO faults at exactly that address. */
TEST_F(isolation, guard_page_after_bo)
{
	struct drm_llmaccel_job_status st;
	struct cmds c = CMDS(self);
	struct bo d;
	uint64_t id;

	ASSERT_EQ(0, bo_new(self->f.fd, 4096, 0, &d));
	cmd_fill(&c, d.iova + 4092, 8, 0x1234);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	ASSERT_EQ(0, job_status(self->f.fd, id, &st));
	EXPECT_EQ(LLA_ERR_MMU_FAULT, st.status);
	EXPECT_EQ(d.iova + 4096, st.fault_iova);
	bo_free(self->f.fd, &d);
}

TEST_F(isolation, read_only_bo)
{
	struct drm_llmaccel_job_status st;
	struct cmds c = CMDS(self);
	struct bo ro, rw;
	uint64_t id;

	ASSERT_EQ(0, bo_new(self->f.fd, 4096,
			    DRM_LLMACCEL_BO_DEVICE_READ_ONLY, &ro));
	ASSERT_EQ(0, bo_new(self->f.fd, 4096, 0, &rw));
	memset(ro.map, 0x42, 4096);
	/* reading is fine */
	cmd_copy(&c, ro.iova, rw.iova, 4096);
	EXPECT_EQ(LLA_OK, run_job(self->f.fd, &self->f.cmd, c.len, 0));
	EXPECT_EQ(0x42, rw.map[4095]);
	/* a read-only BO can hold the command buffer: the device only reads it */
	{
		struct bo rocmd;
		struct cmds rc;

		ASSERT_EQ(0, bo_new(self->f.fd, 4096,
				    DRM_LLMACCEL_BO_DEVICE_READ_ONLY, &rocmd));
		rc = (struct cmds){ .buf = rocmd.map };
		cmd_fill(&rc, rw.iova, 64, 0x2b);
		EXPECT_EQ(LLA_OK, run_job(self->f.fd, &rocmd, rc.len, 0));
		EXPECT_EQ(0x2b, rw.map[0]);
		bo_free(self->f.fd, &rocmd);
	}
	/* writing is not */
	c = CMDS(self);
	cmd_fill(&c, ro.iova + 64, 64, 0);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	ASSERT_EQ(0, job_status(self->f.fd, id, &st));
	EXPECT_EQ(LLA_ERR_MMU_PERM, st.status);
	EXPECT_EQ(ro.iova + 64, st.fault_iova);
	EXPECT_EQ(0x42, ro.map[64]);
	bo_free(self->f.fd, &ro);
	bo_free(self->f.fd, &rw);
}

/* A closed BO's range is unmapped at once. */
TEST_F(isolation, closed_bo_unmapped)
{
	struct drm_llmaccel_job_status st;
	struct cmds c = CMDS(self);
	uint64_t iova, id;
	uint32_t h;

	ASSERT_EQ(0, bo_create(self->f.fd, 8192, 0, &h, &iova));
	ASSERT_EQ(0, gem_close(self->f.fd, h));
	cmd_fill(&c, iova, 64, 1);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	ASSERT_EQ(0, job_status(self->f.fd, id, &st));
	EXPECT_EQ(LLA_ERR_MMU_FAULT, st.status);
	EXPECT_EQ(iova, st.fault_iova);
}

/*
 * MMU-fault storm from one file while an innocent file's jobs run:
 * every faulting job fails alone, every innocent job completes, no reset.
 */
TEST_F(isolation, fault_storm_innocent_completes)
{
	struct drm_llmaccel_job_status st;
	struct lla_counters c0, c1;
	struct cmds c = CMDS(self), ci;
	struct bo icmd, idata;
	uint64_t bad[32], good[32];
	int ifd = lla_open();
	unsigned int i, nq = self->f.info.num_queues;

	ASSERT_LE(0, ifd);
	ASSERT_EQ(0, bo_new(ifd, 4096, 0, &icmd));
	ASSERT_EQ(0, bo_new(ifd, 65536, 0, &idata));
	ASSERT_EQ(0, lla_counters(self->f.fd, &c0));
	cmd_fill(&c, 0x500000000000ull, 64, 1);
	ci = (struct cmds){ .buf = icmd.map };
	cmd_fill(&ci, idata.iova, idata.size, 0xabcd);
	for (i = 0; i < 32; i++) {
		ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len,
					   i % nq, &bad[i]));
		ASSERT_EQ(0, submit_simple(ifd, &icmd, ci.len, (i + 1) % nq,
					   &good[i]));
	}
	for (i = 0; i < 32; i++) {
		EXPECT_EQ(LLA_OK, run_wait(ifd, good[i]));
		ASSERT_EQ(0, wait_job(self->f.fd, bad[i]));
		ASSERT_EQ(0, job_status(self->f.fd, bad[i], &st));
		EXPECT_EQ(LLA_ERR_MMU_FAULT, st.status);
	}
	EXPECT_EQ(0xabcd, ((uint32_t *)idata.map)[16383]);
	ASSERT_EQ(0, lla_counters(self->f.fd, &c1));
	EXPECT_LE(c0.c.faults + 32, c1.c.faults);
	EXPECT_EQ(c0.c.reset_count, c1.c.reset_count);
	EXPECT_EQ(c0.c.hangs, c1.c.hangs);
	close(ifd);
}

/*
 * Four files, each with jobs on every queue writing its own pattern into
 * its own buffers, all at once: every job succeeds, every byte is right.
 */
TEST_F_TIMEOUT(isolation, concurrent_files_stress, 120)
{
	enum { FILES = 4, JOBS = 64 };
	int fds[FILES], i, j;
	struct bo cmd[FILES], data[FILES];
	uint64_t ids[FILES][JOBS];
	uint32_t nq = self->f.info.num_queues;

	for (i = 0; i < FILES; i++) {
		struct cmds c;

		fds[i] = lla_open();
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, bo_new(fds[i], 64 * 1024, 0, &cmd[i]));
		ASSERT_EQ(0, bo_new(fds[i], JOBS * 4096, 0, &data[i]));
		/* one command buffer per job, at 1 KiB steps */
		for (j = 0; j < JOBS; j++) {
			c = (struct cmds){ .buf = cmd[i].map + 1024 * j };
			cmd_fill(&c, data[i].iova + 4096 * j, 4096,
				 (i << 16) | j);
		}
	}
	for (j = 0; j < JOBS; j++)
		for (i = 0; i < FILES; i++) {
			struct drm_llmaccel_submit s =
				submit_args(cmd[i].handle, 32);

			s.cmdbuf_offset = 1024 * j;
			s.queue = (i + j) % nq;
			s.priority = j % 2;
			ASSERT_EQ(0, do_submit(fds[i], &s, &ids[i][j]));
		}
	for (i = 0; i < FILES; i++) {
		for (j = 0; j < JOBS; j++)
			EXPECT_EQ(LLA_OK, run_wait(fds[i], ids[i][j]));
		for (j = 0; j < JOBS; j++) {
			uint32_t *w = (uint32_t *)(data[i].map + 4096 * j);

			EXPECT_EQ((uint32_t)((i << 16) | j), w[0]);
			EXPECT_EQ((uint32_t)((i << 16) | j), w[1023]);
		}
		bo_free(fds[i], &cmd[i]);
		bo_free(fds[i], &data[i]);
		close(fds[i]);
	}
}

struct thread_arg {
	int fd, idx;
	uint32_t nq;
	const struct bo *cmd;
	uint64_t ids[256];
	int err;
};

/* Submit 256 jobs (even threads) or create and close 256 BOs (odd). */
static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	unsigned int i;

	for (i = 0; i < 256 && !a->err; i++) {
		if (a->idx % 2 == 0) {
			struct drm_llmaccel_submit s =
				submit_args(a->cmd->handle, 32);

			s.cmdbuf_offset = 1024 * a->idx;
			s.queue = (a->idx / 2 + i) % a->nq;
			a->err = do_submit(a->fd, &s, &a->ids[i]);
		} else {
			uint32_t h;

			a->err = bo_create(a->fd, 4096 * (1 + i % 3), 0, &h,
					   NULL);
			if (!a->err)
				a->err = gem_close(a->fd, h);
		}
	}
	return NULL;
}

/*
 * Threads of one process share a file: two submit 256 jobs each while
 * two create and close buffers.  Job ids are unique and dense, every
 * job completes, every buffer operation succeeds.
 */
TEST_F_TIMEOUT(isolation, threads_share_a_file, 120)
{
	struct thread_arg a[4];
	pthread_t t[4];
	struct bo d;
	int i, j;

	ASSERT_EQ(0, bo_new(self->f.fd, 4 * 4096, 0, &d));
	for (i = 0; i < 4; i += 2) {
		struct cmds c = { .buf = self->f.cmd.map + 1024 * i };

		cmd_fill(&c, d.iova + 4096 * i, 4096, 0x7700 + i);
	}
	for (i = 0; i < 4; i++) {
		a[i] = (struct thread_arg){ .fd = self->f.fd, .idx = i,
					    .nq = self->f.info.num_queues,
					    .cmd = &self->f.cmd };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, thread_main, &a[i]));
	}
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, a[i].err) TH_LOG("thread %d", i);
	/* a fresh file: together the ids are exactly 1..512 */
	{
		uint8_t seen[513] = { 0 };

		for (i = 0; i < 4; i += 2)
			for (j = 0; j < 256; j++) {
				uint64_t id = a[i].ids[j];

				ASSERT_TRUE(id >= 1 && id <= 512) TH_LOG("id %llu",
					(unsigned long long)id);
				EXPECT_EQ(0, seen[id]++);
			}
	}
	for (i = 0; i < 4; i += 2)
		for (j = 0; j < 256; j++)
			EXPECT_EQ(LLA_OK, run_wait(self->f.fd, a[i].ids[j]));
	EXPECT_EQ(0x7700, ((uint32_t *)d.map)[1023]);
	EXPECT_EQ(0x7702, ((uint32_t *)(d.map + 2 * 4096))[1023]);
	bo_free(self->f.fd, &d);
}

/*
 * The device has NUM_AS address spaces: one more open is EBUSY, and a
 * closed file (no jobs, no BOs) gives its address space back at once.
 * Files of earlier tests may still be on their way out (their last
 * context reference can be dropped from a workqueue), so the number
 * opened here may fall short of NUM_AS - 1 by a few.
 */
/*
 * A closed file gives its address space back at once, even while its BOs
 * live on in mmaps and exported dma-bufs: more files than the device has
 * address spaces are opened and closed in turn, each leaving a mapped,
 * exported BO behind; every open succeeds and every mapping still works.
 */
TEST_F(isolation, closed_file_frees_address_space)
{
	enum { N = LLA_MAX_AS + 8 };
	struct bo bos[N];
	int dmabufs[N], i, n = 0;

	for (i = 0; i < N; i++) {
		struct drm_prime_handle p = { .flags = DRM_CLOEXEC };
		int fd = lla_open();

		ASSERT_LE(0, fd) TH_LOG("open %d: %s", i, strerror(-fd));
		ASSERT_EQ(0, bo_new(fd, 4096, 0, &bos[i]));
		p.handle = bos[i].handle;
		ASSERT_EQ(0, xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p));
		dmabufs[i] = p.fd;
		((volatile uint32_t *)bos[i].map)[0] = 0xa5000000u | i;
		close(fd);
		n++;
	}
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0xa5000000u | i, ((volatile uint32_t *)bos[i].map)[0]);
		munmap(bos[i].map, bos[i].size);
		close(dmabufs[i]);
	}
}

TEST_F(isolation, address_spaces_exhausted)
{
	int fds[LLA_MAX_AS + 1], n = 0, r = 0, i;

	while (n < LLA_MAX_AS + 1) {
		r = lla_open();
		if (r < 0)
			break;
		fds[n++] = r;
	}
	EXPECT_EQ(-EBUSY, r);
	EXPECT_GE(self->f.info.num_as - 1, n);	/* the fixture holds one */
	EXPECT_LE(self->f.info.num_as - 4, n);
	ASSERT_LT(0, n);
	close(fds[--n]);
	r = lla_open();
	EXPECT_LE(0, r);
	if (r >= 0)
		fds[n++] = r;
	EXPECT_EQ(-EBUSY, lla_open());
	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* ================================================================== */
/* Recovery that needs no fault injection                              */
/* ================================================================== */
LLA_FIXTURE(recovery);

/*
 * A reset requested through debugfs: the counter moves by one, a job
 * queued behind a gate and one queued after the reset complete, jobs
 * running meanwhile complete or fail with RESET, and nobody is banned.
 */
TEST_F(recovery, debugfs_reset)
{
	struct drm_llmaccel_sync in;
	struct drm_llmaccel_submit s;
	struct lla_counters c0, c1;
	struct cmds c = CMDS(self);
	struct gate g;
	struct bo d;
	uint64_t held, busy[8], after;
	unsigned int i;

	ASSERT_EQ(0, gate_open(self->f.fd, &g));
	ASSERT_EQ(0, bo_new(self->f.fd, 1 << 20, 0, &d));
	ASSERT_EQ(0, lla_counters(self->f.fd, &c0));
	cmd_fill(&c, d.iova, d.size, 0x99);
	s = submit_args(self->f.cmd.handle, c.len);
	submit_gate(&s, &in, &g);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &held));
	/*
	 * Some work on the device while it resets: a job the reset
	 * interrupts fails with RESET (never run twice), every other one
	 * completes; none is lost.
	 */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len,
					   i % self->f.info.num_queues,
					   &busy[i]));
	ASSERT_EQ(0, lla_debugfs_reset(self->f.fd));
	self->f.expect_resets = 1;
	ASSERT_EQ(0, gate_release(&g));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, held));
	for (i = 0; i < 8; i++) {
		int64_t st = run_wait(self->f.fd, busy[i]);

		EXPECT_TRUE(st == LLA_OK || st == LLA_ERR_RESET)
			TH_LOG("job %u: status %lld", i, (long long)st);
	}
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &after));
	EXPECT_EQ(LLA_OK, run_wait(self->f.fd, after));
	EXPECT_EQ(0x99, ((uint32_t *)d.map)[(1 << 18) - 1]);
	ASSERT_EQ(0, lla_counters(self->f.fd, &c1));
	EXPECT_EQ(c0.c.reset_count + 1, c1.c.reset_count);
	EXPECT_EQ(c0.c.hangs, c1.c.hangs);
	EXPECT_LT(c0.c.hw_reset_count, c1.c.hw_reset_count);
	/* counters never go backwards across a reset */
	for (i = 0; i < self->f.info.num_queues; i++)
		EXPECT_LE(c0.q[i].jobs, c1.q[i].jobs);
	bo_free(self->f.fd, &d);
	gate_close(self->f.fd, &g);
}

/*
 * Commands whose second application differs from the first (hw-spec
 * 4.6: a job a reset interrupts is never run again).  Each works on a
 * 16 KiB region: init() fills it, emit() writes the command.  (COPY
 * with overlapping ranges is refused by the device, BAD_PARAM.)
 */
#define NI_WORK		16384

struct non_idempotent {
	const char *name;
	void (*init)(uint8_t *w);
	void (*emit)(struct cmds *c, uint64_t w);
};

static void ni_init_sem(uint8_t *w)
{
	memset(w, 0, NI_WORK);
}

static void ni_emit_sem(struct cmds *c, uint64_t w)
{
	struct lla_cmd_sem sg = { .hdr = HDR(LLA_OP_SEM_SIGNAL, sg),
				  .iova = w, .value = 1, .op = LLA_SEM_ADD };

	cmd_put(c, &sg, sizeof(sg));
}

static void ni_init_floats(uint8_t *w)
{
	float *f = (float *)w;
	unsigned int i;

	for (i = 0; i < NI_WORK / 4; i++)
		f[i] = 0.25f * (float)(i % 61) - 3.0f;
}

/* ELTWISE y = a + b with y == a. */
static void ni_emit_eltwise(struct cmds *c, uint64_t w)
{
	struct lla_cmd_eltwise e = {
		.hdr = HDR(LLA_OP_ELTWISE, e), .a_iova = w,
		.b_iova = w + 8192, .y_iova = w, .count = 1024,
		.op = LLA_ELT_ADD,
	};

	cmd_put(c, &e, sizeof(e));
}

/* ROPE in place: 2 rows of 2 heads x 16, table at w + 8192. */
static void ni_emit_rope(struct cmds *c, uint64_t w)
{
	struct lla_cmd_rope r = {
		.hdr = HDR(LLA_OP_ROPE, r), .x_iova = w,
		.table_iova = w + 8192, .m = 2, .n_head = 2, .head_dim = 16,
		.x_stride = 2 * 16 * 4, .pos = 3, .table_len = 8,
	};

	cmd_put(c, &r, sizeof(r));
}

/* SAMPLE with ADVANCE: the counter in memory moves by one per run. */
static void ni_emit_sample(struct cmds *c, uint64_t w)
{
	struct lla_cmd_sample sm = {
		.hdr = HDR(LLA_OP_SAMPLE, sm), .logits_iova = w,
		.out_iova = w + 8192, .counter_iova = w + 8200, .seed = 7,
		.n = 64, .top_k = 8, .temperature = 0x3f800000 /* 1.0 */,
		.top_p = 0x3f800000,
	};

	sm.hdr.flags = LLA_SAMPLE_F_ADVANCE;
	cmd_put(c, &sm, sizeof(sm));
}

static const struct non_idempotent non_idempotent[] = {
	{ "SEM_SIGNAL ADD", ni_init_sem, ni_emit_sem },
	{ "ELTWISE in place", ni_init_floats, ni_emit_eltwise },
	{ "ROPE in place", ni_init_floats, ni_emit_rope },
	{ "SAMPLE with ADVANCE", ni_init_floats, ni_emit_sample },
};

/*
 * A job running on the device when a reset comes is failed with
 * LLA_ERR_RESET and never run again: for every non-idempotent command,
 * the job applies it, writes a marker and blocks in SEM_WAIT; once the
 * marker is seen the test resets through debugfs.  The region must then
 * equal one application (the same command run once, without a reset)
 * and differ from two (so a replay would be seen).  Everything happens
 * well inside one progress-check interval and the device's SEM_WAIT
 * timeout.
 */
TEST_F(recovery, running_job_not_replayed_after_reset)
{
	struct lla_cmd_sem w = { .hdr = HDR(LLA_OP_SEM_WAIT, w) };
	uint8_t *once = malloc(NI_WORK), *twice = malloc(NI_WORK);
	volatile uint32_t *marker;
	struct bo d;
	unsigned int i;

	ASSERT_TRUE(self->f.info.caps & LLA_CAP_SEM);
	ASSERT_NE(NULL, once);
	ASSERT_NE(NULL, twice);
	ASSERT_EQ(0, bo_new(self->f.fd, 65536, 0, &d));
	marker = (volatile uint32_t *)((uint8_t *)d.map + 32768);
	for (i = 0; i < ARRAY_SIZE(non_idempotent); i++) {
		const struct non_idempotent *ni = &non_idempotent[i];
		struct cmds c = CMDS(self);
		int64_t deadline;
		uint64_t id;

		/* one and two applications, run normally */
		ni->init(d.map);
		ni->emit(&c, d.iova);
		ASSERT_EQ(LLA_OK, run_job(self->f.fd, &self->f.cmd, c.len, 0))
			TH_LOG("%s", ni->name);
		memcpy(once, d.map, NI_WORK);
		ni->emit(&c, d.iova);
		ni->init(d.map);
		ASSERT_EQ(LLA_OK, run_job(self->f.fd, &self->f.cmd, c.len, 0));
		memcpy(twice, d.map, NI_WORK);
		ASSERT_NE(0, memcmp(once, twice, NI_WORK))
			TH_LOG("%s: a second run changes nothing", ni->name);

		/* the same command in a job the reset interrupts */
		ni->init(d.map);
		*marker = 0;
		((volatile uint64_t *)marker)[8] = 0;
		c = CMDS(self);
		ni->emit(&c, d.iova);
		cmd_fill(&c, d.iova + 32768, 4, 0xfeed);
		w.iova = d.iova + 32768 + 64;
		w.value = 1;
		w.op = LLA_SEM_GE;
		cmd_put(&c, &w, sizeof(w));
		ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0,
					   &id));
		deadline = now_ns() + 5 * SEC_NS;
		while (*marker != 0xfeed && now_ns() < deadline)
			;	/* the device is running it: just look */
		ASSERT_EQ(0xfeed, *marker) TH_LOG("%s", ni->name);
		ASSERT_EQ(0, lla_debugfs_reset(self->f.fd));
		self->f.expect_resets++;
		EXPECT_EQ(LLA_ERR_RESET, run_wait(self->f.fd, id))
			TH_LOG("%s", ni->name);
		EXPECT_EQ(0, memcmp(once, d.map, NI_WORK))
			TH_LOG("%s: not exactly one application", ni->name);
		/* the queue goes on */
		c = CMDS(self);
		cmd_nop(&c);
		EXPECT_EQ(LLA_OK, run_job(self->f.fd, &self->f.cmd, c.len, 0));
	}
	bo_free(self->f.fd, &d);
	free(once);
	free(twice);
}

/* ================================================================== */
/* Fault injection: hung queue (device inject-hang-queue=Q)            */
/* ================================================================== */
LLA_FIXTURE(hang);

/* The hung queue: $LLMACCEL_HANG_QUEUE, default the last one. */
static uint32_t hang_queue(const struct lla_fix *f)
{
	const char *e = getenv("LLMACCEL_HANG_QUEUE");

	return e ? (uint32_t)atoi(e) : f->info.num_queues - 1;
}

/*
 * A job on the hung queue: found hung by the progress check, completes
 * with LLA_ERR_HANG, its out-fence carries -ETIMEDOUT, its later queued
 * jobs are cancelled and its file is banned; an innocent file's jobs on
 * another queue, submitted before and after, complete; one reset.
 */
TEST_F_TIMEOUT(hang, guilty_banned_innocent_completes, 90)
{
	struct drm_llmaccel_job_status st;
	struct drm_llmaccel_submit s;
	struct lla_counters c0, c1;
	struct cmds c = CMDS(self), ci;
	uint32_t hq = hang_queue(&self->f);
	uint32_t oq = (hq + 1) % self->f.info.num_queues, so;
	struct bo icmd, idata;
	uint64_t hung, good1, good2, id;
	int ifd = lla_open(), fst = 0;

	ASSERT_LE(0, ifd);
	ASSERT_NE(hq, oq);
	ASSERT_EQ(0, bo_new(ifd, 4096, 0, &icmd));
	ASSERT_EQ(0, bo_new(ifd, 4096, 0, &idata));
	ASSERT_EQ(0, lla_counters(self->f.fd, &c0));
	ASSERT_EQ(0, syncobj_create(self->f.fd, 0, &so));
	cmd_nop(&c);
	s = submit_args(self->f.cmd.handle, c.len);
	s.queue = hq;
	s.out_sync = so;
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &hung));
	ci = (struct cmds){ .buf = icmd.map };
	cmd_fill(&ci, idata.iova, 4096, 0x11);
	ASSERT_EQ(0, submit_simple(ifd, &icmd, ci.len, oq, &good1));
	EXPECT_EQ(LLA_OK, run_wait(ifd, good1));

	ASSERT_EQ(0, wait_job(self->f.fd, hung));
	self->f.expect_resets = 1;
	ASSERT_EQ(0, job_status(self->f.fd, hung, &st));
	EXPECT_EQ(DRM_LLMACCEL_JOB_DONE, st.state);
	EXPECT_EQ(LLA_ERR_HANG, st.status);
	ASSERT_EQ(0, syncobj_fence_status(self->f.fd, so, &fst));
	EXPECT_EQ(-ETIMEDOUT, fst);

	/* banned: every later submit fails, reads keep working */
	s = submit_args(self->f.cmd.handle, c.len);
	s.queue = oq;
	s.job_id = SENTINEL;
	EXPECT_EQ(-ECANCELED, do_submit(self->f.fd, &s, &id));
	EXPECT_EQ(SENTINEL, s.job_id);
	EXPECT_EQ(0, job_status(self->f.fd, hung, &st));
	EXPECT_EQ(LLA_ERR_HANG, st.status);
	EXPECT_EQ(0, lla_counters(self->f.fd, &c1));
	EXPECT_EQ(LLA_OP_NOP, self->f.cmd.map[0]);	/* mmap still readable */

	/* the innocent file carries on */
	ci = (struct cmds){ .buf = icmd.map };
	cmd_fill(&ci, idata.iova, 4096, 0x22);
	ASSERT_EQ(0, submit_simple(ifd, &icmd, ci.len, oq, &good2));
	EXPECT_EQ(LLA_OK, run_wait(ifd, good2));
	EXPECT_EQ(0x22, ((uint32_t *)idata.map)[1023]);
	ASSERT_EQ(0, lla_counters(self->f.fd, &c1));
	EXPECT_EQ(c0.c.hangs + 1, c1.c.hangs);
	EXPECT_EQ(c0.c.reset_count + 1, c1.c.reset_count);
	syncobj_destroy(self->f.fd, so);
	close(ifd);
}

/*
 * A job on the hung queue whose file is closed at once: closing cancels
 * it if it is still in the scheduler (-ECANCELED) and switches the
 * file's address space off, so the device refuses it (-EIO; neither is a
 * hang or needs a reset) or, if it had already taken it, the progress check
 * finds it hung (-ETIMEDOUT, one reset) and recovery works on a context
 * only the job keeps alive.  Either way the job is released: the
 * module's user count goes back to where it was.  Under KASAN in make
 * check-debug.
 */
TEST_F_TIMEOUT(hang, closed_file_job_on_hung_queue, 90)
{
	struct drm_llmaccel_submit s;
	struct lla_counters c0, c1;
	uint32_t hq = hang_queue(&self->f), so;
	struct pollfd pfd;
	struct bo gcmd;
	struct cmds c;
	int refs0 = lla_module_refcnt();	/* the fixture's file */
	int gfd = lla_open(), sf, st = 0;

	ASSERT_LE(0, gfd);
	ASSERT_EQ(0, bo_new(gfd, 4096, 0, &gcmd));
	ASSERT_EQ(0, lla_counters(self->f.fd, &c0));
	ASSERT_EQ(0, syncobj_create(gfd, 0, &so));
	c = (struct cmds){ .buf = gcmd.map };
	cmd_nop(&c);
	s = submit_args(gcmd.handle, c.len);
	s.queue = hq;
	s.out_sync = so;
	ASSERT_EQ(0, do_submit(gfd, &s, NULL));
	ASSERT_EQ(0, syncobj_export_sync_file(gfd, so, &sf));
	bo_free(gfd, &gcmd);
	close(gfd);

	pfd = (struct pollfd){ .fd = sf, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, JOB_TIMEOUT_NS / 1000000));
	ASSERT_EQ(0, sync_file_status(sf, &st));
	close(sf);
	EXPECT_GE(refs0, lla_wait_module_refcnt(refs0, 10000))
		TH_LOG("the job of the closed file was never released");
	ASSERT_EQ(0, lla_counters(self->f.fd, &c1));
	if (st == -ETIMEDOUT) {
		self->f.expect_resets = 1;
		EXPECT_EQ(c0.c.hangs + 1, c1.c.hangs);
	} else {
		/* refused by the device, or cancelled before it got there */
		EXPECT_TRUE(st == -EIO || st == -ECANCELED) TH_LOG("st %d", st);
		EXPECT_EQ(c0.c.hangs, c1.c.hangs);
	}
	c = CMDS(self);
	cmd_nop(&c);
	EXPECT_EQ(LLA_OK, run_job(self->f.fd, &self->f.cmd, c.len,
				  (hq + 1) % self->f.info.num_queues));
}

/*
 * The same with queue resets off: a whole-device reset, during which an
 * innocent file's jobs on the other queues are re-run and complete.
 */
TEST_F_TIMEOUT(hang, global_reset_reruns_innocent, 90)
{
	const char *param = "/sys/module/llmaccel/parameters/queue_reset";
	struct drm_llmaccel_sync in;
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self), ci;
	uint32_t hq = hang_queue(&self->f), nq = self->f.info.num_queues;
	struct bo icmd, idata;
	struct gate g;
	uint64_t hung, good[8];
	int ifd = lla_open();
	unsigned int i;
	char old[8] = "Y";

	ASSERT_LE(0, ifd);
	ASSERT_LT(0, read_file(param, old, sizeof(old)));
	ASSERT_EQ(0, write_file(param, "N"));
	ASSERT_EQ(0, bo_new(ifd, 4096, 0, &icmd));
	ASSERT_EQ(0, bo_new(ifd, 1 << 20, 0, &idata));
	ASSERT_EQ(0, gate_open(ifd, &g));
	cmd_nop(&c);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, hq, &hung));
	/* innocent jobs: idempotent fills, held until the hang is found */
	ci = (struct cmds){ .buf = icmd.map };
	cmd_fill(&ci, idata.iova, idata.size, 0x5150);
	for (i = 0; i < 8; i++) {
		uint32_t q = (hq + 1 + i % (nq - 1)) % nq;

		s = submit_args(icmd.handle, ci.len);
		s.queue = q;
		if (i >= 4)
			submit_gate(&s, &in, &g);
		ASSERT_EQ(0, do_submit(ifd, &s, &good[i]));
	}
	ASSERT_EQ(0, wait_job(self->f.fd, hung));
	self->f.expect_resets = 1;
	EXPECT_EQ(LLA_ERR_HANG, run_wait(self->f.fd, hung));
	ASSERT_EQ(0, gate_release(&g));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(LLA_OK, run_wait(ifd, good[i])) TH_LOG("job %u", i);
	EXPECT_EQ(0x5150, ((uint32_t *)idata.map)[(1 << 18) - 1]);
	write_file(param, old[0] == 'N' ? "N" : "Y");
	gate_close(ifd, &g);
	close(ifd);
}

/*
 * The guilty file's job queued behind the hung one on the same queue
 * (already on the ring) is cancelled, not run, and is no second hang:
 * one reset in all (docs/uapi.md section 10).
 */
TEST_F_TIMEOUT(hang, jobs_behind_the_hung_one_canceled, 90)
{
	struct drm_llmaccel_job_status st;
	struct lla_counters c0, c1;
	struct cmds c = CMDS(self);
	uint32_t hq = hang_queue(&self->f);
	uint64_t hung, queued;

	ASSERT_EQ(0, lla_counters(self->f.fd, &c0));
	cmd_nop(&c);
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, hq, &hung));
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, hq,
				   &queued));
	EXPECT_EQ(LLA_ERR_HANG, run_wait(self->f.fd, hung));
	self->f.expect_resets = 1;
	ASSERT_EQ(0, wait_job(self->f.fd, queued));
	ASSERT_EQ(0, job_status(self->f.fd, queued, &st));
	EXPECT_EQ(DRM_LLMACCEL_STATUS_CANCELED, st.status)
		TH_LOG("status %u (%s)", st.status, lla_error_name(st.status));
	ASSERT_EQ(0, lla_counters(self->f.fd, &c1));
	EXPECT_EQ(c0.c.hangs + 1, c1.c.hangs);
}

/* A banned file's jobs held by a fence never run: CANCELED. */
TEST_F_TIMEOUT(hang, banned_file_queued_jobs_canceled, 90)
{
	struct drm_llmaccel_job_status st;
	struct drm_llmaccel_sync in;
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	uint32_t hq = hang_queue(&self->f);
	uint32_t oq = (hq + 1) % self->f.info.num_queues;
	struct gate g;
	struct bo d;
	uint64_t hung, held;

	ASSERT_EQ(0, gate_open(self->f.fd, &g));
	ASSERT_EQ(0, bo_new(self->f.fd, 4096, 0, &d));
	cmd_fill(&c, d.iova, 4096, 0x77);
	s = submit_args(self->f.cmd.handle, c.len);
	s.queue = oq;
	submit_gate(&s, &in, &g);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &held));
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, hq, &hung));
	EXPECT_EQ(LLA_ERR_HANG, run_wait(self->f.fd, hung));
	self->f.expect_resets = 1;
	ASSERT_EQ(0, gate_release(&g));
	ASSERT_EQ(0, wait_job(self->f.fd, held));
	ASSERT_EQ(0, job_status(self->f.fd, held, &st));
	EXPECT_EQ(DRM_LLMACCEL_JOB_DONE, st.state);
	EXPECT_EQ(DRM_LLMACCEL_STATUS_CANCELED, st.status);
	EXPECT_EQ(0, ((uint32_t *)d.map)[0]);	/* it never ran */
	bo_free(self->f.fd, &d);
	gate_close(self->f.fd, &g);
}

/* ================================================================== */
/* Fault injection: DMA failure, lost IRQ, corrupt completion          */
/* (device inject-dma-fail=8,inject-drop-irq=2,inject-corrupt-compl=3: */
/* every test starts with a debugfs reset, which restarts the counts)  */
/* ================================================================== */
LLA_FIXTURE(inject);

/* Transfer 8 after the reset fails: a 64 KiB copy has 33 transfers. */
TEST_F_TIMEOUT(inject, dma_failure_fails_only_that_job, 60)
{
	struct drm_llmaccel_job_status st;
	struct lla_counters c0, c1;
	struct cmds c = CMDS(self), ci;
	struct bo d, icmd;
	uint64_t id;
	int ifd = lla_open();

	ASSERT_LE(0, ifd);
	ASSERT_EQ(0, bo_new(self->f.fd, 1 << 17, 0, &d));
	ASSERT_EQ(0, bo_new(ifd, 4096, 0, &icmd));
	cmd_copy(&c, d.iova, d.iova + 65536, 65536);
	ASSERT_EQ(0, lla_debugfs_reset(self->f.fd));
	self->f.expect_resets = 1;
	ASSERT_EQ(0, lla_counters(self->f.fd, &c0));
	ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0, &id));
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	ASSERT_EQ(0, job_status(self->f.fd, id, &st));
	EXPECT_EQ(LLA_ERR_DMA, st.status);
	EXPECT_LE(d.iova, st.fault_iova);
	EXPECT_GT(d.iova + d.size, st.fault_iova);
	ASSERT_EQ(0, lla_counters(self->f.fd, &c1));
	EXPECT_EQ(c0.c.faults + 1, c1.c.faults);
	/* completion 2 of 3: an innocent job is fine (IRQ 2 is dropped) */
	ci = (struct cmds){ .buf = icmd.map };
	cmd_nop(&ci);
	EXPECT_EQ(LLA_OK, run_job(ifd, &icmd, ci.len, 1 % self->f.info.num_queues));
	bo_free(self->f.fd, &d);
	close(ifd);
}

/* IRQ 2 after the reset is lost: the job still completes, no reset. */
TEST_F_TIMEOUT(inject, lost_interrupt_is_not_a_hang, 60)
{
	struct lla_counters c0, c1;
	int64_t t0, t1, t2;
	int jfd = lla_open(), refs0;
	struct bo jcmd;
	struct cmds c;

	ASSERT_LE(0, jfd);
	ASSERT_EQ(0, bo_new(jfd, 4096, 0, &jcmd));
	c = (struct cmds){ .buf = jcmd.map };
	cmd_nop(&c);
	ASSERT_EQ(0, lla_debugfs_reset(self->f.fd));
	self->f.expect_resets = 1;
	ASSERT_EQ(0, lla_counters(self->f.fd, &c0));
	refs0 = lla_module_refcnt() - 1;	/* less jfd's */
	t0 = now_ns();
	EXPECT_EQ(LLA_OK, run_job(jfd, &jcmd, c.len, 0));
	t1 = now_ns();
	/* this one's interrupt is dropped: found at the next check */
	EXPECT_EQ(LLA_OK, run_job(jfd, &jcmd, c.len, 0));
	t2 = now_ns();
	/* the injection took effect: the second job waited for the check */
	EXPECT_GT(t2 - t1, 100000000) TH_LOG("second job %lld ns",
					     (long long)(t2 - t1));
	EXPECT_LT(t1 - t0, t2 - t1);
	ASSERT_EQ(0, lla_counters(self->f.fd, &c1));
	EXPECT_EQ(c0.c.reset_count, c1.c.reset_count);
	EXPECT_EQ(c0.c.hangs, c1.c.hangs);
	/*
	 * The progress check retired the second job while the scheduler had
	 * it off its pending list (a timeout that is not a hang): it must
	 * still be freed, without another job completing after it.  (On one
	 * vCPU the free worker cannot run inside that window, so this checks
	 * the outcome, not the race.)  The file's job records hold the
	 * fences, so close it first.
	 */
	bo_free(jfd, &jcmd);
	close(jfd);
	EXPECT_GE(refs0, lla_wait_module_refcnt(refs0, 10000))
		TH_LOG("a job retired by the progress check was not freed");
}

/* Completion record 3 after the reset is corrupt: BAD_COMPLETION. */
TEST_F_TIMEOUT(inject, corrupt_completion_reported, 60)
{
	struct drm_llmaccel_job_status st;
	struct cmds c = CMDS(self);
	uint64_t id[4];
	unsigned int i;

	cmd_nop(&c);
	ASSERT_EQ(0, lla_debugfs_reset(self->f.fd));
	self->f.expect_resets = 1;
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, submit_simple(self->f.fd, &self->f.cmd, c.len, 0,
					   &id[i]));
		ASSERT_EQ(0, wait_job(self->f.fd, id[i]));
		ASSERT_EQ(0, job_status(self->f.fd, id[i], &st));
		EXPECT_EQ(i == 2 ? DRM_LLMACCEL_STATUS_BAD_COMPLETION : LLA_OK,
			  st.status) TH_LOG("job %u", i);
	}
}

/* ================================================================== */
/* Module unload and reload                                            */
/* ================================================================== */
LLA_FIXTURE(module);

static int sh(const char *cmd)
{
	int r = system(cmd);

	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

/*
 * Unbind the PCI device while a file is open and its job is held back by
 * a fence: every ioctl of the file then fails with ENODEV, the job's
 * fence signals with -ENODEV once it is released (DEVICE_LOST), the file
 * closes cleanly, and a rebind brings the device back in working order.
 */
TEST_F_TIMEOUT(module, unbind_with_file_open, 120)
{
	char pci[64], path[PATH_MAX];
	struct drm_llmaccel_device_info info;
	struct drm_llmaccel_sync in;
	struct drm_llmaccel_submit s;
	struct pollfd pfd;
	struct cmds c = CMDS(self);
	struct gate g;
	uint32_t so;
	uint64_t id;
	int sf, st = 0, fd;

	ASSERT_EQ(0, lla_pci_name(self->f.fd, pci, sizeof(pci)));
	ASSERT_EQ(0, gate_open(self->f.fd, &g));
	ASSERT_EQ(0, syncobj_create(self->f.fd, 0, &so));
	cmd_fill(&c, self->f.cmd.iova + 8192, 4096, 1);
	s = submit_args(self->f.cmd.handle, c.len);
	s.out_sync = so;
	submit_gate(&s, &in, &g);
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id));
	ASSERT_EQ(0, syncobj_export_sync_file(self->f.fd, so, &sf));

	ASSERT_EQ(0, write_file("/sys/bus/pci/drivers/llmaccel/unbind", pci));
	EXPECT_NE(0, access(lla_dev_path(), F_OK));
	s = submit_args(self->f.cmd.handle, c.len);
	EXPECT_EQ(-ENODEV, do_submit(self->f.fd, &s, NULL));
	EXPECT_EQ(-ENODEV, wait_job(self->f.fd, id));
	EXPECT_EQ(-ENODEV, lla_info(self->f.fd, &info));
	{
		struct drm_llmaccel_job_status jst;

		EXPECT_EQ(-ENODEV, job_status(self->f.fd, id, &jst));
	}
	/* the held job never reaches a device: its fence says -ENODEV */
	ASSERT_EQ(0, gate_release(&g));
	pfd = (struct pollfd){ .fd = sf, .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, JOB_TIMEOUT_NS / 1000000));
	ASSERT_EQ(0, sync_file_status(sf, &st));
	EXPECT_EQ(-ENODEV, st);
	close(sf);
	close(g.vfd);
	bo_free(self->f.fd, &self->f.cmd);
	close(self->f.fd);
	self->f.fd = -1;

	ASSERT_EQ(0, write_file("/sys/bus/pci/drivers/llmaccel/bind", pci));
	fd = lla_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bo_new(fd, 8192, 0, &self->f.cmd));
	c = CMDS(self);
	cmd_fill(&c, self->f.cmd.iova + 4096, 4096, 0xb1d);
	self->f.fd = fd;
	EXPECT_EQ(LLA_OK, run_job(fd, &self->f.cmd, c.len, 0));
	EXPECT_EQ(0xb1d, ((uint32_t *)self->f.cmd.map)[2047]);
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/llmaccel/%s", pci);
	EXPECT_EQ(0, access(path, F_OK));
	/* a new driver instance: its reset counter starts at 0 */
	self->f.resets0 = 0;
}

/*
 * A sync_file of a finished job outlives its file, the device's binding
 * and attempts to unload: rmmod fails with EBUSY at once (it used to wait
 * for ever in module exit), the fence's names stay readable after unbind
 * (they live in the device, which the job keeps; KASAN checks this in
 * make check-debug), and once the sync_file is closed the module unloads.
 */
TEST_F_TIMEOUT(module, sync_file_outlives_device_and_module, 120)
{
	char pci[64], drv[32], tl[32], drv2[32], tl2[32];
	struct drm_llmaccel_submit s;
	struct cmds c = CMDS(self);
	uint32_t so;
	uint64_t id;
	int sf, refs;

	ASSERT_EQ(0, lla_pci_name(self->f.fd, pci, sizeof(pci)));
	ASSERT_EQ(0, syncobj_create(self->f.fd, 0, &so));
	cmd_fill(&c, self->f.cmd.iova + 8192, 4096, 7);
	s = submit_args(self->f.cmd.handle, c.len);
	s.out_sync = so;
	ASSERT_EQ(0, do_submit(self->f.fd, &s, &id));
	ASSERT_EQ(0, wait_job(self->f.fd, id));
	ASSERT_EQ(0, syncobj_export_sync_file(self->f.fd, so, &sf));
	ASSERT_EQ(0, sync_file_names(sf, drv, tl));
	EXPECT_NE(0, tl[0]);
	syncobj_destroy(self->f.fd, so);
	bo_free(self->f.fd, &self->f.cmd);
	close(self->f.fd);
	self->f.fd = -1;

	/* only the job is left, held by the sync_file */
	refs = lla_wait_module_refcnt(1, 10000);
	EXPECT_EQ(1, refs);
	EXPECT_NE(0, sh("rmmod llmaccel 2>/dev/null"));
	EXPECT_EQ(0, access("/sys/module/llmaccel", F_OK));

	ASSERT_EQ(0, write_file("/sys/bus/pci/drivers/llmaccel/unbind", pci));
	ASSERT_EQ(0, sync_file_names(sf, drv2, tl2));
	EXPECT_STREQ(drv, drv2);
	EXPECT_STREQ(tl, tl2);
	EXPECT_NE(0, sh("rmmod llmaccel 2>/dev/null"));

	close(sf);
	EXPECT_EQ(0, lla_wait_module_refcnt(0, 10000));
	ASSERT_EQ(0, sh("rmmod llmaccel"));
	ASSERT_EQ(0, sh("modprobe llmaccel"));
	/* a new driver instance: its reset counter starts at 0 */
	self->f.resets0 = 0;
}

/* 20 times: rmmod (node gone), modprobe (node back), run a job. */
TEST_F_TIMEOUT(module, unload_reload_20_times, 300)
{
	int64_t t0 = now_ns();
	unsigned int i;

	/* Nothing of ours may stay open, or rmmod is refused. */
	EXPECT_NE(0, sh("rmmod llmaccel 2>/dev/null"));
	bo_free(self->f.fd, &self->f.cmd);
	close(self->f.fd);
	self->f.fd = -1;
	for (i = 0; i < 20; i++) {
		struct drm_llmaccel_device_info info;
		struct cmds c;
		struct bo cmd;
		int fd;

		/* the last job's release trails its fence */
		EXPECT_EQ(0, lla_wait_module_refcnt(0, 10000));
		ASSERT_EQ(0, sh("rmmod llmaccel")) TH_LOG("cycle %u", i);
		ASSERT_NE(0, access(lla_dev_path(), F_OK));
		ASSERT_EQ(0, sh("modprobe llmaccel")) TH_LOG("cycle %u", i);
		fd = lla_open();
		ASSERT_LE(0, fd) TH_LOG("cycle %u: open %d", i, fd);
		ASSERT_EQ(0, lla_info(fd, &info));
		EXPECT_EQ(0, lla_sysfs_resets(fd));
		ASSERT_EQ(0, bo_new(fd, 8192, 0, &cmd));
		c = (struct cmds){ .buf = cmd.map };
		cmd_fill(&c, cmd.iova + 4096, 4096, i);
		ASSERT_EQ(LLA_OK, run_job(fd, &cmd, c.len, i % info.num_queues));
		ASSERT_EQ(i, ((uint32_t *)cmd.map)[2047]);
		bo_free(fd, &cmd);
		close(fd);
	}
	ksft_print_msg("20 unload/reload cycles in %lld ms\n",
		       (long long)(now_ns() - t0) / 1000000);
	/* A fresh driver instance: its reset counter starts at 0. */
	self->f.resets0 = 0;
	self->f.expect_resets = 0;
}

/* ================================================================== */
/* After everything: the kernel log is clean                           */
/* ================================================================== */
LLA_FIXTURE(final);

TEST_F(final, dmesg_clean)
{
	EXPECT_EQ(0, dmesg_scan());
}

TEST_HARNESS_MAIN

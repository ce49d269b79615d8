// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel_limits_test: the limits on pinned BO memory (docs/uapi.md,
 * BO_CREATE and "Module parameters"), as an unprivileged user.
 *
 * BO pages are pinned from BO_CREATE until the object is freed.  The
 * driver bounds their total per open file and per device; beyond either
 * limit BO_CREATE fails with ENOSPC and changes nothing, and the bytes
 * come back when the object is freed (GEM_CLOSE, closing the file, the
 * last dma-buf fd going away, a killed process, a finished job).  Each
 * scenario runs in a child as uid/gid 65534 on nodes opened after
 * dropping privileges, and checks the totals to the byte in fdinfo
 * (llmaccel-pinned-memory, drm-total-memory) and sysfs (pinned_bytes,
 * pinned_limit).  Afterwards the device still runs a job and the kernel
 * log is clean.
 *
 * mk/selftests.mk loads the driver with small limits (pin_limit_mb=48,
 * pin_limit_file_mb=32) so the test is quick; one test switches to the
 * defaults (parameters 0, writable by root) and fills the device to its
 * default limit to check that MemAvailable stays above a floor.
 *
 * Needs root (to set the node's group and the parameters, to read the
 * kernel log).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <signal.h>
#include <sys/wait.h>

#include "llmaccel_lib.h"
#include "kselftest_harness.h"

#define CHILD_TIMEOUT_S	300
#define MIB		(1ull << 20)
#define BO_SIZE		(4 * MIB)
/*
 * What mk/selftests.mk passes.  Used only when the driver does not report
 * its limits (a driver without them), so that such a driver fails on
 * behaviour too, not only on the missing sysfs attribute.
 */
#define FALLBACK_DEV_LIMIT	(48 * MIB)
#define FALLBACK_FILE_LIMIT	(32 * MIB)
#define PARAM_DIR	"/sys/module/llmaccel/parameters/"

/* The limits in force, read by the fixture (the children inherit them). */
static uint64_t dev_limit, file_limit;

/* A failed check in a child: say where, exit status 1. */
#define CHK(cond) do {							\
	if (!(cond)) {							\
		printf("# %s:%d: child check failed: %s\n", __FILE__,	\
		       __LINE__, #cond);				\
		fflush(stdout);						\
		return 1;						\
	}								\
} while (0)

/* CHK for two integers, printing both. */
#define CHK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		printf("# %s:%d: child check failed: %s == %s (%lld != %lld)\n", \
		       __FILE__, __LINE__, #a, #b, _a, _b);		\
		fflush(stdout);						\
		return 1;						\
	}								\
} while (0)

/* ------------------------------------------------------------------ */
/* What the kernel reports                                              */
/* ------------------------------------------------------------------ */

/* "<key>:\t<n>[ KiB| MiB]" of /proc/self/fdinfo/<fd>, in bytes. */
static int64_t fdinfo_bytes(int fd, const char *key)
{
	char path[64], buf[4096], *line, *save = NULL;
	size_t klen = strlen(key);
	int n;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char unit[8] = "";
		unsigned long long v;

		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		if (sscanf(line + klen + 1, "%llu %7s", &v, unit) < 1)
			return -EINVAL;
		if (!strcmp(unit, "KiB"))
			v <<= 10;
		else if (!strcmp(unit, "MiB"))
			v <<= 20;
		return v;
	}
	return -ENOENT;
}

/* The charge the per-file limit applies to. */
static int64_t file_pinned(int fd)
{
	return fdinfo_bytes(fd, "llmaccel-pinned-memory");
}

/* The standard key: BOs with a handle in this file. */
static int64_t file_total(int fd)
{
	return fdinfo_bytes(fd, "drm-total-memory");
}

static int sysfs_read(int fd, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	int r = lla_sysfs_path(fd, name, path, sizeof(path));

	return r ? r : read_file(path, buf, len);
}

/* Device-wide pinned bytes (sysfs pinned_bytes). */
static int64_t dev_pinned(int fd)
{
	char buf[64];
	int r = sysfs_read(fd, "pinned_bytes", buf, sizeof(buf));

	return r < 0 ? r : strtoll(buf, NULL, 10);
}

/*
 * dev_pinned() once it is @want, polled for up to 10 s: a finished job
 * drops its BO references from the scheduler's free_job() worker, a
 * little after WAIT returns.
 */
static int64_t dev_pinned_settled(int fd, int64_t want)
{
	int64_t deadline = now_ns() + 10 * SEC_NS, v;

	while ((v = dev_pinned(fd)) != want && v >= 0 && now_ns() < deadline)
		usleep(10000);
	return v;
}

/* sysfs pinned_limit: "<device> <file>". */
static int read_limits(int fd, uint64_t *dev, uint64_t *file)
{
	unsigned long long d, f;
	char buf[128];
	int r = sysfs_read(fd, "pinned_limit", buf, sizeof(buf));

	if (r < 0)
		return r;
	if (sscanf(buf, "%llu %llu", &d, &f) != 2)
		return -EINVAL;
	*dev = d;
	*file = f;
	return 0;
}

/* A /proc/meminfo value in bytes. */
static int64_t meminfo(const char *key)
{
	char buf[8192], *p;
	size_t klen = strlen(key);
	int n = read_file("/proc/meminfo", buf, sizeof(buf));

	if (n < 0)
		return n;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ':')
			return strtoll(p + klen + 1, NULL, 10) << 10;
	return -ENOENT;
}

/* ------------------------------------------------------------------ */
/* Running as nobody                                                    */
/* ------------------------------------------------------------------ */

static int nobody_open(void)
{
	int fd = lla_open();

	if (fd < 0)
		printf("# nobody: open %s: %s\n", lla_dev_path(),
		       strerror(-fd));
	return fd;
}

/*
 * Create BOs of @size in @fd until BO_CREATE fails, at most @max: the
 * number created; *err gets the failure (0 if @max were created).
 * The handles go to @h (room for @max).
 */
static unsigned int fill(int fd, uint64_t size, unsigned int max,
			 uint32_t *h, int *err)
{
	unsigned int n;

	*err = 0;
	for (n = 0; n < max; n++) {
		*err = bo_create(fd, size, 0, &h[n], NULL);
		if (*err)
			break;
	}
	return n;
}

/* A BO_CREATE that must fail with ENOSPC and write no output. */
static int create_refused(int fd, uint64_t size)
{
	struct drm_llmaccel_bo_create c = {
		.size = size, .handle = 0xa5a5a5a5u, .iova = 0x5a5a5a5a5a5a5a5aull,
	};
	int r = xioctl(fd, DRM_IOCTL_LLMACCEL_BO_CREATE, &c);

	CHK_EQ(r, -ENOSPC);
	CHK_EQ(c.handle, 0xa5a5a5a5u);
	CHK_EQ(c.iova, 0x5a5a5a5a5a5a5a5aull);
	return 0;
}

/*
 * Fill @fd up to exactly @want bytes: BOs of BO_SIZE, then one BO of the
 * remainder; checks that the next BO_SIZE BO and then a one-page BO are
 * refused.  Handles in @h (room for @want / BO_SIZE + 2), count in *n.
 */
static int fill_to(int fd, uint64_t want, uint32_t *h, unsigned int *n)
{
	unsigned int max = want / BO_SIZE;
	uint64_t rest = want - (uint64_t)max * BO_SIZE;
	int err;

	/* One more than should fit: a driver without limits fails here. */
	*n = fill(fd, BO_SIZE, max + (rest ? 0 : 1), h, &err);
	CHK_EQ(*n, max);
	if (rest) {
		CHK_EQ(bo_create(fd, rest, 0, &h[*n], NULL), 0);
		++*n;
		CHK(!create_refused(fd, BO_SIZE));
	} else {
		CHK_EQ(err, -ENOSPC);
	}
	CHK(!create_refused(fd, 4096));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Scenarios (children)                                                 */
/* ------------------------------------------------------------------ */

#define MAX_BOS	256

/* One file up to its limit; GEM_CLOSE and close() return the bytes. */
static int scenario_file_limit(void *arg)
{
	uint32_t h[MAX_BOS];
	unsigned int n, i;
	int fd = nobody_open(), fd2;

	(void)arg;
	if (fd < 0)
		return LLA_EXIT_SETUP;
	CHK(file_limit < dev_limit && file_limit / BO_SIZE + 2 < MAX_BOS);
	CHK(!fill_to(fd, file_limit, h, &n));
	CHK_EQ(file_pinned(fd), file_limit);
	CHK_EQ(file_total(fd), file_limit);
	CHK_EQ(dev_pinned(fd), file_limit);

	/* A larger BO than the file may ever have: refused, not EINVAL. */
	CHK(!create_refused(fd, file_limit + 4096));

	/* GEM_CLOSE frees at once: the same allocation succeeds again. */
	CHK_EQ(gem_close(fd, h[0]), 0);
	CHK_EQ(file_pinned(fd), file_limit - BO_SIZE);
	CHK_EQ(dev_pinned(fd), file_limit - BO_SIZE);
	CHK_EQ(bo_create(fd, BO_SIZE, 0, &h[0], NULL), 0);
	CHK(!create_refused(fd, 4096));
	CHK_EQ(dev_pinned(fd), file_limit);

	/* Another file of the same user has its own budget. */
	fd2 = nobody_open();
	CHK(fd2 >= 0);
	CHK_EQ(bo_create(fd2, BO_SIZE, 0, &h[n], NULL), 0);
	CHK_EQ(file_pinned(fd2), BO_SIZE);
	CHK_EQ(dev_pinned(fd), file_limit + BO_SIZE);
	close(fd2);
	CHK_EQ(dev_pinned(fd), file_limit);

	/* close() frees every BO of the file. */
	close(fd);
	fd = nobody_open();
	CHK(fd >= 0);
	CHK_EQ(dev_pinned(fd), 0);
	CHK(!fill_to(fd, file_limit, h, &i));
	CHK_EQ(i, n);
	CHK_EQ(dev_pinned(fd), file_limit);
	for (i = 0; i < n; i++)
		CHK_EQ(gem_close(fd, h[i]), 0);
	CHK_EQ(file_pinned(fd), 0);
	CHK_EQ(dev_pinned(fd), 0);
	close(fd);
	return 0;
}

/* Two files up to the device limit; a third gets nothing. */
static int scenario_dev_limit(void *arg)
{
	uint32_t ha[MAX_BOS], hb[MAX_BOS], h;
	uint64_t rest = dev_limit - file_limit;
	int64_t avail = meminfo("MemAvailable");
	unsigned int na, nb;
	int a = nobody_open(), b = nobody_open(), c = nobody_open();

	(void)arg;
	if (a < 0 || b < 0 || c < 0)
		return LLA_EXIT_SETUP;
	/* the second file's share must stay under its own limit */
	CHK(rest > 0 && rest < file_limit);

	CHK(!fill_to(a, file_limit, ha, &na));
	/* b stops at the device limit, below its own */
	CHK(!fill_to(b, rest, hb, &nb));
	CHK_EQ(file_pinned(a), file_limit);
	CHK_EQ(file_pinned(b), rest);
	CHK_EQ(file_total(b), rest);
	CHK_EQ(dev_pinned(a), dev_limit);
	CHK(!create_refused(c, 4096));
	CHK_EQ(file_pinned(c), 0);
	CHK_EQ(dev_pinned(c), dev_limit);
	printf("# at the device limit (%llu MiB): MemAvailable %lld MiB (before %lld MiB)\n",
	       (unsigned long long)(dev_limit >> 20),
	       (long long)(meminfo("MemAvailable") >> 20),
	       (long long)(avail >> 20));

	/* One BO of a freed: b (under its own limit) gets it. */
	CHK_EQ(gem_close(a, ha[0]), 0);
	CHK(!create_refused(c, BO_SIZE + 4096));
	CHK_EQ(bo_create(b, BO_SIZE, 0, &h, NULL), 0);
	CHK(!create_refused(b, 4096));
	CHK(!create_refused(a, 4096));
	CHK_EQ(dev_pinned(a), dev_limit);

	/* Closing a frees its share: c can allocate it. */
	close(a);
	CHK_EQ(dev_pinned(b), rest + BO_SIZE);
	CHK(!fill_to(c, dev_limit - rest - BO_SIZE < file_limit ?
		     dev_limit - rest - BO_SIZE : file_limit, ha, &na));
	close(b);
	close(c);
	a = nobody_open();
	CHK(a >= 0);
	CHK_EQ(dev_pinned(a), 0);
	close(a);
	return 0;
}

/* An exported dma-buf keeps its BO, and the charge, until it is closed. */
static int scenario_dmabuf(void *arg)
{
	struct drm_prime_handle p = { .flags = DRM_CLOEXEC };
	uint32_t h[MAX_BOS];
	unsigned int n, i;
	int fd = nobody_open();

	(void)arg;
	if (fd < 0)
		return LLA_EXIT_SETUP;
	CHK_EQ(bo_create(fd, BO_SIZE, 0, &p.handle, NULL), 0);
	CHK_EQ(xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p), 0);
	CHK_EQ(gem_close(fd, p.handle), 0);
	/* no handle left, but the pages are still pinned and charged: */
	CHK_EQ(file_total(fd), 0);
	/* the file's budget is smaller by that much */
	CHK(!fill_to(fd, file_limit - BO_SIZE, h, &n));
	CHK_EQ(file_pinned(fd), file_limit);
	CHK_EQ(file_total(fd), file_limit - BO_SIZE);
	CHK_EQ(dev_pinned(fd), file_limit);
	for (i = 0; i < n; i++)
		CHK_EQ(gem_close(fd, h[i]), 0);
	CHK_EQ(file_pinned(fd), BO_SIZE);
	CHK_EQ(dev_pinned(fd), BO_SIZE);

	/* the file closed, the dma-buf still holds the bytes */
	close(fd);
	fd = nobody_open();
	CHK(fd >= 0);
	CHK_EQ(dev_pinned(fd), BO_SIZE);
	CHK_EQ(file_pinned(fd), 0);
	CHK_EQ(close(p.fd), 0);
	CHK_EQ(dev_pinned(fd), 0);

	/* with the dma-buf gone the whole budget is back */
	CHK(!fill_to(fd, file_limit, h, &n));
	close(fd);
	fd = nobody_open();
	CHK(fd >= 0);
	CHK_EQ(dev_pinned(fd), 0);
	close(fd);
	return 0;
}

/* The default limits: fill the device, the machine keeps its memory. */
static int scenario_defaults(void *arg)
{
	const uint64_t big = 32 * MIB;
	int64_t total = meminfo("MemTotal"), avail;
	uint64_t share[2] = { file_limit, dev_limit - file_limit };
	uint32_t *h = calloc(MAX_BOS, sizeof(*h));
	int fd[2], i, err;
	unsigned int n;

	(void)arg;
	if (!h || total <= 0)
		return LLA_EXIT_SETUP;
	for (i = 0; i < 2; i++) {
		fd[i] = nobody_open();
		if (fd[i] < 0)
			return LLA_EXIT_SETUP;
		/* big BOs first (quicker), then the exact rest */
		n = fill(fd[i], big, share[i] / big, h, &err);
		CHK_EQ(n, share[i] / big);
		if (share[i] % big)
			CHK_EQ(bo_create(fd[i], share[i] % big, 0, &h[n], NULL),
			       0);
		CHK(!create_refused(fd[i], 4096));
		CHK_EQ(file_pinned(fd[i]), share[i]);
	}
	CHK_EQ(dev_pinned(fd[0]), dev_limit);
	avail = meminfo("MemAvailable");
	printf("# default limits %llu/%llu MiB pinned: MemTotal %lld MiB, MemAvailable %lld MiB\n",
	       (unsigned long long)(dev_limit >> 20),
	       (unsigned long long)(file_limit >> 20), (long long)(total >> 20),
	       (long long)(avail >> 20));
	/* an eighth of RAM is left for everyone else */
	CHK(avail >= total / 8);
	close(fd[0]);
	close(fd[1]);
	free(h);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

FIXTURE(limits) {
	struct stat st0;	/* the node's owner and mode before */
	int fd;			/* root's file */
};

/* The node belongs to group 65534, mode 0660, as the udev rule does. */
FIXTURE_SETUP(limits)
{
	int r;

	ASSERT_EQ(0, stat(lla_dev_path(), &self->st0));
	ASSERT_EQ(0, chown(lla_dev_path(), 0, LLA_NOBODY));
	ASSERT_EQ(0, chmod(lla_dev_path(), 0660));
	self->fd = lla_open();
	ASSERT_LE(0, self->fd);
	/* (limits.reported fails when they are not) */
	r = read_limits(self->fd, &dev_limit, &file_limit);
	if (r) {
		TH_LOG("sysfs pinned_limit: %s: assuming %llu/%llu MiB",
		       strerror(-r), FALLBACK_DEV_LIMIT >> 20,
		       FALLBACK_FILE_LIMIT >> 20);
		dev_limit = FALLBACK_DEV_LIMIT;
		file_limit = FALLBACK_FILE_LIMIT;
	}
	/* small limits, from mk/selftests.mk: the test stays quick */
	ASSERT_GE(256 * MIB, dev_limit);
	ASSERT_LT(file_limit, dev_limit);
}

FIXTURE_TEARDOWN(limits)
{
	close(self->fd);
	chown(lla_dev_path(), self->st0.st_uid, self->st0.st_gid);
	chmod(lla_dev_path(), self->st0.st_mode & 07777);
}

/* The limits in force are the module parameters; nothing pinned yet. */
TEST_F(limits, reported)
{
	char buf[32];
	uint64_t d = 0, f = 0;

	ASSERT_EQ(0, read_limits(self->fd, &d, &f));
	ASSERT_LT(0, read_file(PARAM_DIR "pin_limit_mb", buf, sizeof(buf)));
	EXPECT_EQ(strtoull(buf, NULL, 10) * MIB, d);
	ASSERT_LT(0, read_file(PARAM_DIR "pin_limit_file_mb", buf,
			       sizeof(buf)));
	EXPECT_EQ(strtoull(buf, NULL, 10) * MIB, f);
	EXPECT_EQ(0, dev_pinned(self->fd));
	EXPECT_EQ(0, file_pinned(self->fd));
	EXPECT_EQ(0, file_total(self->fd));
}

TEST_F_TIMEOUT(limits, per_file, 120)
{
	EXPECT_EQ(0, as_nobody(scenario_file_limit, NULL, CHILD_TIMEOUT_S));
	EXPECT_EQ(0, dev_pinned(self->fd));
}

TEST_F_TIMEOUT(limits, device_wide, 120)
{
	EXPECT_EQ(0, as_nobody(scenario_dev_limit, NULL, CHILD_TIMEOUT_S));
	EXPECT_EQ(0, dev_pinned(self->fd));
}

TEST_F_TIMEOUT(limits, dmabuf_keeps_charge, 120)
{
	EXPECT_EQ(0, as_nobody(scenario_dmabuf, NULL, CHILD_TIMEOUT_S));
	EXPECT_EQ(0, dev_pinned(self->fd));
}

/*
 * A child killed with BOs, a mapping and a dma-buf in flight: everything
 * comes back once the process is gone.
 */
static int scenario_killed(void *arg)
{
	struct drm_prime_handle p = { .flags = 0 };
	uint32_t h[MAX_BOS];
	unsigned int n;
	struct bo m;
	int fd = nobody_open();

	(void)arg;
	if (fd < 0)
		return LLA_EXIT_SETUP;
	CHK_EQ(bo_new(fd, BO_SIZE, 0, &m), 0);
	p.handle = m.handle;
	CHK_EQ(xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p), 0);
	CHK(!fill_to(fd, file_limit - BO_SIZE, h, &n));
	raise(SIGKILL);
	return 1;
}

TEST_F_TIMEOUT(limits, killed_process_returns_bytes, 120)
{
	EXPECT_EQ(-ECHILD, as_nobody(scenario_killed, NULL, CHILD_TIMEOUT_S));
	EXPECT_EQ(0, dev_pinned(self->fd));
}

/*
 * The parameters are writable: with 0 the defaults apply (3/4 of RAM
 * minus 256 MiB, at least 1/4 of RAM; per file 3/4 of that).  Filled to
 * the default device limit, the guest keeps MemAvailable above an eighth
 * of its RAM.
 */
TEST_F_TIMEOUT(limits, defaults_keep_memory_available, 600)
{
	char dev0[32] = "", file0[32] = "";
	uint64_t ram = (uint64_t)meminfo("MemTotal"), want_dev, want_file;
	uint64_t small_dev = dev_limit, small_file = file_limit;
	int r;

	ASSERT_LT(0, read_file(PARAM_DIR "pin_limit_mb", dev0, sizeof(dev0)));
	ASSERT_LT(0, read_file(PARAM_DIR "pin_limit_file_mb", file0,
			       sizeof(file0)));
	ASSERT_EQ(0, write_file(PARAM_DIR "pin_limit_mb", "0"));
	ASSERT_EQ(0, write_file(PARAM_DIR "pin_limit_file_mb", "0"));
	ASSERT_EQ(0, read_limits(self->fd, &dev_limit, &file_limit));
	want_dev = ram / 4 * 3 - ram / 4 > 256 * MIB ?
		   ram / 4 * 3 - 256 * MIB : ram / 4;
	want_file = want_dev / 4 * 3;
	EXPECT_EQ(want_dev & ~4095ull, dev_limit);
	EXPECT_EQ(want_file & ~4095ull, file_limit);

	r = as_nobody(scenario_defaults, NULL, CHILD_TIMEOUT_S);
	EXPECT_EQ(0, r);
	EXPECT_EQ(0, dev_pinned(self->fd));

	/* back to the small limits for the tests that follow */
	EXPECT_EQ(0, write_file(PARAM_DIR "pin_limit_mb", dev0));
	EXPECT_EQ(0, write_file(PARAM_DIR "pin_limit_file_mb", file0));
	EXPECT_EQ(0, read_limits(self->fd, &dev_limit, &file_limit));
	EXPECT_EQ(small_dev, dev_limit);
	EXPECT_EQ(small_file, file_limit);
}

/* A queued job holds its BOs, and their charge, until it is done. */
TEST_F(limits, job_keeps_charge)
{
	struct drm_llmaccel_sync in;
	struct drm_llmaccel_bo_ref ref;
	struct drm_llmaccel_submit sb;
	struct gate g;
	struct bo cmd;
	struct cmds c;
	uint32_t data;
	uint64_t id;

	ASSERT_EQ(0, bo_new(self->fd, 4096, 0, &cmd));
	ASSERT_EQ(0, bo_create(self->fd, BO_SIZE, 0, &data, NULL));
	ASSERT_EQ(0, gate_open(self->fd, &g));
	c = (struct cmds){ .buf = cmd.map };
	cmd_nop(&c);
	sb = submit_args(cmd.handle, c.len);
	ref = (struct drm_llmaccel_bo_ref){ .handle = data };
	submit_bos(&sb, &ref, 1);
	submit_gate(&sb, &in, &g);
	ASSERT_EQ(0, do_submit(self->fd, &sb, &id));
	bo_free(self->fd, &cmd);
	ASSERT_EQ(0, gem_close(self->fd, data));
	/* no handle, no mapping: only the waiting job holds them */
	EXPECT_EQ(0, file_total(self->fd));
	EXPECT_EQ(BO_SIZE + 4096, file_pinned(self->fd));
	EXPECT_EQ(BO_SIZE + 4096, dev_pinned(self->fd));
	ASSERT_EQ(0, gate_release(&g));
	EXPECT_EQ(0, run_wait(self->fd, id));
	EXPECT_EQ(0, dev_pinned_settled(self->fd, 0));
	EXPECT_EQ(0, file_pinned(self->fd));
	gate_close(self->fd, &g);
}

/* Afterwards: the device still runs a job and the log is clean. */
TEST_F(limits, device_and_log_after)
{
	struct bo cmd;
	struct cmds c;

	ASSERT_EQ(0, bo_new(self->fd, 4096, 0, &cmd));
	c = (struct cmds){ .buf = cmd.map };
	cmd_nop(&c);
	EXPECT_EQ(0, run_job(self->fd, &cmd, c.len, 0));
	bo_free(self->fd, &cmd);
	EXPECT_EQ(0, dev_pinned_settled(self->fd, 0));
	EXPECT_EQ(0, dmesg_scan());
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel_core_ioctl_test: the DRM core ioctls on /dev/accel/accelN as
 * an unprivileged user (docs/uapi.md "Core ioctls").
 *
 * On 6.12 the DRM core dispatches the legacy master ioctls on accel nodes
 * (GET_MAGIC and GET_UNIQUE oops, SYNCOBJ_SIGNAL with a huge count WARNs),
 * so llmaccel.ko filters them.  Every core number 0x00-0xff and every
 * driver number past the table is tried here, each in its own child
 * running as uid/gid 65534 on a node opened after dropping privileges (as
 * a member of the node's group would): no oops (the VM runs with
 * oops=panic), no hang, no WARN, and the documented errno.  The set of
 * admitted numbers below is written from the documentation, not taken
 * from the driver.
 *
 * Needs root (to set the node's group and to read the kernel log).
 */
#define _GNU_SOURCE
#include <stddef.h>

#include "llmaccel_lib.h"
#include "kselftest_harness.h"

#define CHILD_TIMEOUT_S	10

/* The core ioctls docs/uapi.md lists as admitted on the accel node. */
static bool core_admitted(unsigned int nr)
{
	static const unsigned long admitted[] = {
		DRM_IOCTL_VERSION, DRM_IOCTL_GET_CAP, DRM_IOCTL_GEM_CLOSE,
		DRM_IOCTL_PRIME_HANDLE_TO_FD, DRM_IOCTL_PRIME_FD_TO_HANDLE,
		DRM_IOCTL_SYNCOBJ_CREATE, DRM_IOCTL_SYNCOBJ_DESTROY,
		DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
		DRM_IOCTL_SYNCOBJ_WAIT, DRM_IOCTL_SYNCOBJ_RESET,
		DRM_IOCTL_SYNCOBJ_SIGNAL, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
		DRM_IOCTL_SYNCOBJ_QUERY, DRM_IOCTL_SYNCOBJ_TRANSFER,
		DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, DRM_IOCTL_SYNCOBJ_EVENTFD,
#ifdef DRM_IOCTL_SET_CLIENT_NAME
		DRM_IOCTL_SET_CLIENT_NAME,
#endif
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(admitted); i++)
		if (_IOC_NR(admitted[i]) == nr)
			return true;
	return false;
}

struct core_fix {
	struct stat st0;	/* the node's owner and mode before */
	int fd;			/* root's file, for checks afterwards */
};

/* In a child running as nobody: the node, opened as nobody. */
static int nobody_fd(void)
{
	int fd = lla_open();

	if (fd < 0)
		_exit(LLA_EXIT_SETUP);
	return fd;
}

struct raw_ioctl {
	unsigned long cmd;
	uint8_t fill;
};

/* One ioctl with a 128-byte argument of @fill bytes at the end of a page. */
static int raw_ioctl(void *p)
{
	int fd = nobody_fd();
	const struct raw_ioctl *a = p;
	void *base;
	uint8_t *buf = page_end(128, 0, &base);

	if (!buf)
		return LLA_EXIT_SETUP;
	memset(buf, a->fill, 128);
	return -xioctl(fd, a->cmd, buf);
}

FIXTURE(core) { struct core_fix c; };

/* The node belongs to group 65534, mode 0660, as the udev rule does. */
FIXTURE_SETUP(core)
{
	ASSERT_EQ(0, stat(lla_dev_path(), &self->c.st0));
	ASSERT_EQ(0, chown(lla_dev_path(), 0, LLA_NOBODY));
	ASSERT_EQ(0, chmod(lla_dev_path(), 0660));
	self->c.fd = lla_open();
	ASSERT_LE(0, self->c.fd);
}

FIXTURE_TEARDOWN(core)
{
	close(self->c.fd);
	chown(lla_dev_path(), self->c.st0.st_uid, self->c.st0.st_gid);
	chmod(lla_dev_path(), self->c.st0.st_mode & 07777);
}

/* The filter answers before the core: nobody gets ENOTTY for the rest. */
TEST_F(core, every_core_number)
{
	unsigned int nr, fill, refused = 0, admitted = 0;

	for (nr = 0; nr <= 0xff; nr++) {
		if (nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END)
			continue;
		for (fill = 0; fill <= 0xff; fill += 0xff) {
			struct raw_ioctl a = {
				.cmd = _IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE,
					    nr, 128),
				.fill = fill,
			};
			int r = as_nobody(raw_ioctl, &a, CHILD_TIMEOUT_S);

			ASSERT_LE(0, r) TH_LOG("core nr 0x%02x fill 0x%02x: child %s",
					       nr, fill, strerror(-r));
			ASSERT_NE(LLA_EXIT_SETUP, r);
			if (core_admitted(nr)) {
				EXPECT_NE(ENOTTY, r)
					TH_LOG("core nr 0x%02x refused", nr);
				admitted++;
			} else {
				EXPECT_EQ(ENOTTY, r)
					TH_LOG("core nr 0x%02x fill 0x%02x: %s, not ENOTTY",
					       nr, fill, strerror(r));
				refused++;
			}
		}
	}
	ksft_print_msg("%u core ioctls admitted, %u refused with ENOTTY\n",
		       admitted, refused);
}

/* The legacy master ioctls of the upstream bug, with their own structs. */
TEST_F(core, master_ioctls_refused)
{
	static const unsigned long cmds[] = {
		DRM_IOCTL_GET_UNIQUE, DRM_IOCTL_GET_MAGIC, DRM_IOCTL_AUTH_MAGIC,
		DRM_IOCTL_SET_MASTER, DRM_IOCTL_DROP_MASTER,
		DRM_IOCTL_SET_VERSION, DRM_IOCTL_GET_CLIENT,
		DRM_IOCTL_GEM_FLINK, DRM_IOCTL_GEM_OPEN,
		DRM_IOCTL_MODE_GETRESOURCES, DRM_IOCTL_MODE_CREATE_LEASE,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		struct raw_ioctl a = { .cmd = cmds[i] };

		EXPECT_EQ(ENOTTY, as_nobody(raw_ioctl, &a, CHILD_TIMEOUT_S))
			TH_LOG("cmd 0x%lx", cmds[i]);
		/* root gets the same answer: the node has no master */
		EXPECT_EQ(-ENOTTY, xioctl(self->c.fd, cmds[i],
					  (uint8_t[128]){ 0 }));
	}
}

/* Driver numbers past llmaccel's table: the core's EINVAL. */
TEST_F(core, driver_numbers_past_the_table)
{
	unsigned int nr, first = DRM_COMMAND_BASE +
		_IOC_NR(DRM_IOCTL_LLMACCEL_JOB_STATUS) - DRM_COMMAND_BASE + 1;

	for (nr = first; nr < DRM_COMMAND_END; nr++) {
		struct raw_ioctl a = {
			.cmd = _IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE, nr,
				    128),
			.fill = nr & 1 ? 0xff : 0,
		};

		EXPECT_EQ(EINVAL, as_nobody(raw_ioctl, &a, CHILD_TIMEOUT_S))
			TH_LOG("driver nr 0x%02x", nr);
	}
}

/* Not DRM's type: a terminal ioctl must not land on GET_UNIQUE (nr 1). */
TEST_F(core, other_ioctl_types)
{
	struct raw_ioctl tcgets = { .cmd = 0x5401 /* TCGETS */ };
	struct raw_ioctl other = { .cmd = _IOWR('x', 0x02, uint64_t) };

	EXPECT_EQ(ENOTTY, as_nobody(raw_ioctl, &tcgets, CHILD_TIMEOUT_S));
	EXPECT_EQ(ENOTTY, as_nobody(raw_ioctl, &other, CHILD_TIMEOUT_S));
	EXPECT_EQ(0, isatty(self->c.fd));
}

struct array_case {
	unsigned long cmd;
	size_t count_off, handles_off;
	uint32_t count;
	bool real_handles;
};

/*
 * A syncobj array ioctl with @count handles: real syncobjs (created
 * signalled by the child) or garbage.
 */
static int array_ioctl(void *p)
{
	int fd = nobody_fd();
	const struct array_case *c = p;
	uint8_t args[128] = { 0 };
	uint64_t handles_ptr = 0;
	uint32_t *h = NULL, i;
	int r;

	if (c->real_handles) {
		h = calloc(c->count, sizeof(*h));
		if (!h)
			return LLA_EXIT_SETUP;
		for (i = 0; i < c->count; i++)
			if (syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED, &h[i]))
				return LLA_EXIT_SETUP;
		handles_ptr = (uintptr_t)h;
	}
	memcpy(args + c->handles_off, &handles_ptr, sizeof(handles_ptr));
	memcpy(args + c->count_off, &c->count, sizeof(c->count));
	r = -xioctl(fd, c->cmd, args);
	free(h);
	return r;
}

#define ARRAY_CASE(c, type) \
	{ .cmd = (c), .count_off = offsetof(type, count_handles), \
	  .handles_off = offsetof(type, handles) }

/* More than DRM_LLMACCEL_MAX_SYNCS handles: EINVAL before the core. */
TEST_F(core, syncobj_array_counts)
{
	static const struct array_case cases[] = {
		ARRAY_CASE(DRM_IOCTL_SYNCOBJ_WAIT, struct drm_syncobj_wait),
		ARRAY_CASE(DRM_IOCTL_SYNCOBJ_RESET, struct drm_syncobj_array),
		ARRAY_CASE(DRM_IOCTL_SYNCOBJ_SIGNAL, struct drm_syncobj_array),
		ARRAY_CASE(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
			   struct drm_syncobj_timeline_wait),
		ARRAY_CASE(DRM_IOCTL_SYNCOBJ_QUERY,
			   struct drm_syncobj_timeline_array),
		ARRAY_CASE(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
			   struct drm_syncobj_timeline_array),
	};
	static const uint32_t too_many[] = {
		DRM_LLMACCEL_MAX_SYNCS + 1, 0x10000000, 0xffffffff,
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct array_case c = cases[i];

		for (j = 0; j < ARRAY_SIZE(too_many); j++) {
			c.count = too_many[j];
			c.real_handles = false;
			EXPECT_EQ(EINVAL, as_nobody(array_ioctl, &c, CHILD_TIMEOUT_S))
				TH_LOG("cmd 0x%lx count %u", c.cmd, c.count);
		}
	}
	/* The largest allowed array still works (signalled syncobjs). */
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct array_case c = cases[i];

		/* timeline ioctls also read a points array: none here */
		if (c.cmd == DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT ||
		    c.cmd == DRM_IOCTL_SYNCOBJ_QUERY ||
		    c.cmd == DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL)
			continue;
		c.count = DRM_LLMACCEL_MAX_SYNCS;
		c.real_handles = true;
		EXPECT_EQ(0, as_nobody(array_ioctl, &c, CHILD_TIMEOUT_S))
			TH_LOG("cmd 0x%lx with %u signalled syncobjs", c.cmd,
			       c.count);
	}
}

/* What an accel client needs still works for nobody. */
static int client_basics(void *arg)
{
	int fd = nobody_fd();
	struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ };
	char name[32] = { 0 };
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
	struct bo bo;
	uint32_t h, h2;
	int r, dfd;

	(void)arg;
	if (xioctl(fd, DRM_IOCTL_VERSION, &v) || strcmp(name, "llmaccel"))
		return 1;
	if (xioctl(fd, DRM_IOCTL_GET_CAP, &cap) || cap.value != 1)
		return 2;
	if (bo_new(fd, 4096, 0, &bo))
		return 3;
	{
		struct drm_prime_handle p = { .handle = bo.handle,
					      .flags = DRM_CLOEXEC };

		if (xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
			return 4;
		dfd = p.fd;
		p.handle = 0;
		if (xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p) ||
		    p.handle != bo.handle)
			return 5;
		close(dfd);
	}
	bo_free(fd, &bo);
	if (syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED, &h) ||
	    syncobj_create(fd, 0, &h2))
		return 6;
	r = syncobj_wait(fd, h, now_ns() + SEC_NS);
	if (r)
		return 7;
	{
		struct drm_syncobj_transfer t = { .src_handle = h,
						  .dst_handle = h2,
						  .dst_point = 1 };

		if (xioctl(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &t))
			return 8;
	}
	if (syncobj_destroy(fd, h) || syncobj_destroy(fd, h2))
		return 9;
	return 0;
}

TEST_F(core, client_ioctls_work)
{
	EXPECT_EQ(0, as_nobody(client_basics, NULL, CHILD_TIMEOUT_S));
}

/* Afterwards: the device still runs jobs and the log is clean. */
TEST_F(core, device_and_log_after)
{
	struct bo cmd;
	struct cmds c;

	ASSERT_EQ(0, bo_new(self->c.fd, 4096, 0, &cmd));
	c = (struct cmds){ .buf = cmd.map };
	cmd_nop(&c);
	EXPECT_EQ(0, run_job(self->c.fd, &cmd, c.len, 0));
	bo_free(self->c.fd, &cmd);
	EXPECT_EQ(0, dmesg_scan());
}

TEST_HARNESS_MAIN

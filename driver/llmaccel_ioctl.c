// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel_ioctl.c: the file operations of /dev/accel/accelN and the
 * filter in front of drm_ioctl().
 *
 * An accel node has no drm_master, yet the DRM core (6.12) dispatches
 * every core ioctl on it, including the legacy ones that assume a master:
 * GET_UNIQUE and GET_MAGIC dereference NULL, and the syncobj array ioctls
 * ask the page allocator for whatever count userspace names.  The node is
 * open to a whole group (udev rule), so only the core ioctls an accel
 * client needs reach the core, and those with a user-sized array only
 * with a bounded count.  driver/README.md has the upstream write-up.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>
#include <drm/drm_accel.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>

#include "llmaccel_drv.h"

/* Where a core ioctl keeps its array length, if it has one. */
struct llmaccel_core_ioctl {
	unsigned int cmd;
	size_t count_off;	/* 0: no user-sized array */
};

#define CORE(c)		{ .cmd = (c) }
#define CORE_ARRAY(c, type) \
	{ .cmd = (c), .count_off = offsetof(type, count_handles) }

/*
 * The core ioctls an accel client needs: what libdrm does on any DRM node
 * (version, caps, GEM close, PRIME) and the syncobj API, as a render node
 * allows them.  No flink/open: buffers are shared through dma-buf fds.
 */
static const struct llmaccel_core_ioctl llmaccel_core_ioctls[] = {
	CORE(DRM_IOCTL_VERSION),
	CORE(DRM_IOCTL_GET_CAP),
	CORE(DRM_IOCTL_GEM_CLOSE),
	CORE(DRM_IOCTL_PRIME_HANDLE_TO_FD),
	CORE(DRM_IOCTL_PRIME_FD_TO_HANDLE),
	CORE(DRM_IOCTL_SYNCOBJ_CREATE),
	CORE(DRM_IOCTL_SYNCOBJ_DESTROY),
	CORE(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD),
	CORE(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE),
	CORE_ARRAY(DRM_IOCTL_SYNCOBJ_WAIT, struct drm_syncobj_wait),
	CORE_ARRAY(DRM_IOCTL_SYNCOBJ_RESET, struct drm_syncobj_array),
	CORE_ARRAY(DRM_IOCTL_SYNCOBJ_SIGNAL, struct drm_syncobj_array),
	CORE_ARRAY(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
		   struct drm_syncobj_timeline_wait),
	CORE_ARRAY(DRM_IOCTL_SYNCOBJ_QUERY, struct drm_syncobj_timeline_array),
	CORE(DRM_IOCTL_SYNCOBJ_TRANSFER),
	CORE_ARRAY(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
		   struct drm_syncobj_timeline_array),
	CORE(DRM_IOCTL_SYNCOBJ_EVENTFD),
#ifdef DRM_IOCTL_SET_CLIENT_NAME
	CORE(DRM_IOCTL_SET_CLIENT_NAME),
#endif
};

/*
 * 0 if @cmd may go on to the DRM core, else the errno.  The size and
 * direction bits of a core ioctl are not compared: the core copies what
 * userspace names and zero-fills the rest, as on any DRM node.
 */
static int llmaccel_ioctl_check(unsigned int cmd, unsigned long arg)
{
	unsigned int nr = _IOC_NR(cmd);
	const struct llmaccel_core_ioctl *c = NULL;
	unsigned int i;
	u32 count;

	/* Not DRM's (the core says ENOTTY), or ours: the table decides. */
	if (_IOC_TYPE(cmd) != DRM_IOCTL_BASE ||
	    (nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END))
		return 0;

	for (i = 0; i < ARRAY_SIZE(llmaccel_core_ioctls); i++) {
		if (_IOC_NR(llmaccel_core_ioctls[i].cmd) == nr) {
			c = &llmaccel_core_ioctls[i];
			break;
		}
	}
	if (!c)
		return -ENOTTY;
	if (!c->count_off || c->count_off + sizeof(count) > _IOC_SIZE(cmd))
		return 0;
	/*
	 * The core reads the structure again: a second thread can still
	 * raise the count in between, which only brings back the core's
	 * failed allocation (driver/README.md), never a check we skipped.
	 */
	if (!(_IOC_DIR(cmd) & _IOC_WRITE))
		return 0;
	if (get_user(count, (u32 __user *)(arg + c->count_off)))
		return -EFAULT;
	return count > DRM_LLMACCEL_MAX_SYNCS ? -EINVAL : 0;
}

static long llmaccel_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	int ret = llmaccel_ioctl_check(cmd, arg);

	return ret ? ret : drm_ioctl(filp, cmd, arg);
}

#ifdef CONFIG_COMPAT
/* The structures of the admitted core ioctls are 64-bit clean. */
static long llmaccel_compat_ioctl(struct file *filp, unsigned int cmd,
				  unsigned long arg)
{
	int ret = llmaccel_ioctl_check(cmd, (unsigned long)compat_ptr(arg));

	return ret ? ret : drm_compat_ioctl(filp, cmd, arg);
}
#else
#define llmaccel_compat_ioctl NULL
#endif

const struct file_operations llmaccel_fops = {
	.owner = THIS_MODULE,
	.open = accel_open,
	.release = drm_release,
	.unlocked_ioctl = llmaccel_ioctl,
	.compat_ioctl = llmaccel_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	.mmap = drm_gem_mmap,
	.show_fdinfo = drm_show_fdinfo,
	.fop_flags = FOP_UNSIGNED_OFFSET,
};

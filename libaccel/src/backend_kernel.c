// SPDX-License-Identifier: MIT
/*
 * The "kernel" backend: the llmaccel DRM accel driver.
 *
 * Enumeration already works from sysfs (every /dev/accel/accelN whose
 * device is bound to the "llmaccel" driver).  Opening a device needs the
 * driver's UAPI (uapi/drm/llmaccel_accel.h), which is not final yet, so
 * open fails with -ENODEV and says so; it never pretends.  The operations
 * table below is the whole of what the real backend must provide:
 *   open        open(path), QUERY DEVICE_INFO -> dev->caps (result_fields
 *               without FAULT_WRITE/CLOCK/TRAFFIC: JOB_STATUS lacks them)
 *   bo_create   BO_CREATE {size, DEVICE_READ_ONLY} -> handle + iova,
 *               BO_INFO -> mmap offset, mmap() of the DRM fd
 *   bo_destroy  munmap, GEM_CLOSE
 *   submit      SUBMIT {cmdbuf handle + offset + size, queue, priority,
 *               BO handle list, in_syncs = the deps' syncobjs, out_sync =
 *               a syncobj owned by the fence} -> job_id in fence->be
 *   fence_wait  WAIT {job_id, absolute CLOCK_MONOTONIC deadline} (-ETIME
 *               -> -ETIMEDOUT), then JOB_STATUS {status, cmd_index,
 *               fault_iova, cycles} into fence->result and
 *               accel_fence_finalize(), then set fence->done
 *   fence_fini  destroy the syncobj
 *   counters    QUERY COUNTERS
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "accel_priv.h"

#define KERNEL_MISSING \
	"the kernel backend is not available yet (the llmaccel driver's UAPI is not final); " \
	"set LIBACCEL_BACKEND=sim or open with ACCEL_OPEN_SIM to use the simulator"

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

static int kernel_open(accel_device *dev, uint32_t index, const char *path)
{
	(void)dev;
	if (path)
		return accel_err(-ENODEV, "accel_device_open: %s: " KERNEL_MISSING,
				 path);
	return accel_err(-ENODEV, "accel_device_open: device %u: " KERNEL_MISSING,
			 index);
}

/* Never reached while open fails; present so the table is complete. */
static void kernel_close(accel_device *dev)
{
	(void)dev;
}

static int kernel_bo_create(accel_device *dev, accel_bo *bo)
{
	(void)dev;
	(void)bo;
	return accel_err(-ENODEV, "accel_bo_alloc: " KERNEL_MISSING);
}

static void kernel_bo_destroy(accel_device *dev, accel_bo *bo)
{
	(void)dev;
	(void)bo;
}

static int kernel_submit(accel_device *dev, const struct accel_be_submit *s,
			 accel_fence *f)
{
	(void)dev;
	(void)s;
	(void)f;
	return accel_err(-ENODEV, "accel_submit: " KERNEL_MISSING);
}

static int kernel_fence_wait(accel_device *dev, accel_fence *f,
			     int64_t timeout_ns)
{
	(void)dev;
	(void)f;
	(void)timeout_ns;
	return -ENODEV;
}

static void kernel_fence_fini(accel_device *dev, accel_fence *f)
{
	(void)dev;
	(void)f;
}

static int kernel_counters(accel_device *dev, struct accel_counters *c)
{
	(void)dev;
	(void)c;
	return accel_err(-ENODEV, "accel_device_counters: " KERNEL_MISSING);
}

const struct accel_backend_ops accel_kernel_ops = {
	.name = "kernel",
	.id = ACCEL_BACKEND_KERNEL,
	.enumerate = kernel_enumerate,
	.open = kernel_open,
	.close = kernel_close,
	.release = kernel_close,
	.bo_create = kernel_bo_create,
	.bo_destroy = kernel_bo_destroy,
	.submit = kernel_submit,
	.fence_wait = kernel_fence_wait,
	.fence_fini = kernel_fence_fini,
	.counters = kernel_counters,
};

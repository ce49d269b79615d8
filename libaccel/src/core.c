// SPDX-License-Identifier: MIT
/*
 * libaccel core: error reporting, backend selection, device open/close,
 * capabilities and counters.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "accel_priv.h"
#include "llmaccel_model.h"

/* ---------------- errors ---------------- */

static _Thread_local char last_error[512];

int accel_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

void accel_err_clear(void)
{
	last_error[0] = '\0';
}

const char *accel_last_error(void)
{
	return last_error;
}

const char *accel_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case EINVAL:
		return "invalid argument";
	case ENOMEM:
		return "out of memory";
	case ENODEV:
		return "no such device or backend unavailable";
	case ETIMEDOUT:
		return "timed out";
	case EIO:
		return "job failed on the device";
	case EBUSY:
		return "job still running";
	case E2BIG:
		return "command buffer full";
	case EXDEV:
		return "handle belongs to another device";
	case ENOSPC:
		return "device memory exhausted";
	case ESHUTDOWN:
		return "device closed";
	default:
		return strerror(err);
	}
}

const char *accel_hw_error_name(uint32_t status)
{
	switch (status) {
	case ACCEL_STATUS_CANCELED:
		return "CANCELED";
	case ACCEL_STATUS_BAD_COMPLETION:
		return "BAD_COMPLETION";
	case ACCEL_STATUS_DEVICE_LOST:
		return "DEVICE_LOST";
	}
	/* lla_error_name() also knows the model-only LLA_EXEC_BLOCKED. */
	return status < LLA_ERR_COUNT ? lla_error_name((int)status) : "UNKNOWN";
}

const char *accel_hw_error_text(uint32_t status)
{
	switch (status) {
	case ACCEL_STATUS_CANCELED:
		return "not run: the context was banned after a hang";
	case ACCEL_STATUS_BAD_COMPLETION:
		return "the device wrote a corrupt completion record";
	case ACCEL_STATUS_DEVICE_LOST:
		return "the device was removed or lost";
	}
	return status < LLA_ERR_COUNT ? lla_error_text((int)status) :
	       "unknown error";
}

uint32_t accel_version(void)
{
	return (LIBACCEL_VERSION_MAJOR << 16) | LIBACCEL_VERSION_MINOR;
}

uint64_t accel_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------------- backends ---------------- */

const char *accel_backend_name(uint32_t backend)
{
	switch (backend) {
	case ACCEL_BACKEND_KERNEL:
		return "kernel";
	case ACCEL_BACKEND_SIM:
		return "sim";
	default:
		return "unknown";
	}
}

/*
 * The backend for @flags: an explicit flag wins, then LIBACCEL_BACKEND,
 * then the kernel driver.  Reports its errors under @fn.
 */
static int pick_backend(const char *fn, uint32_t flags,
			const struct accel_backend_ops **ops)
{
	const char *env;

	if (flags & ~(ACCEL_OPEN_KERNEL | ACCEL_OPEN_SIM))
		return accel_err(-EINVAL, "%s: flags has unknown bits %#x", fn,
				 flags & ~(ACCEL_OPEN_KERNEL | ACCEL_OPEN_SIM));
	if ((flags & ACCEL_OPEN_KERNEL) && (flags & ACCEL_OPEN_SIM))
		return accel_err(-EINVAL,
				 "%s: flags selects both the kernel and the sim backend",
				 fn);
	if (flags & ACCEL_OPEN_SIM) {
		*ops = &accel_sim_ops;
		return 0;
	}
	if (flags & ACCEL_OPEN_KERNEL) {
		*ops = &accel_kernel_ops;
		return 0;
	}
	env = getenv("LIBACCEL_BACKEND");
	if (!env || !*env || !strcmp(env, "kernel")) {
		*ops = &accel_kernel_ops;
		return 0;
	}
	if (!strcmp(env, "sim")) {
		*ops = &accel_sim_ops;
		return 0;
	}
	return accel_err(-EINVAL,
			 "%s: LIBACCEL_BACKEND='%s' is neither 'kernel' nor 'sim'",
			 fn, env);
}

int accel_enumerate(uint32_t flags, struct accel_device_info *infos,
		    uint32_t max, uint32_t *count)
{
	const struct accel_backend_ops *ops = NULL;
	int err;

	if (!count)
		return accel_err(-EINVAL, "accel_enumerate: count is NULL");
	*count = 0;
	if (max && !infos)
		return accel_err(-EINVAL,
				 "accel_enumerate: infos is NULL but max is %u",
				 max);
	err = pick_backend("accel_enumerate", flags, &ops);
	if (err)
		return err;
	if (infos)
		memset(infos, 0, sizeof(*infos) * max);
	return ops->enumerate(infos, max, count);
}

void accel_caps_defaults(struct accel_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->hw_version = LLA_VERSION(LLA_VERSION_MAJOR, LLA_VERSION_MINOR);
	c->max_m = LLA_MAX_M;
	c->max_n = LLA_MAX_N;
	c->max_k = LLA_MAX_K;
	c->max_ctx = LLA_MAX_CTX;
	c->max_cmdbuf = LLA_MAX_CMDBUF_BYTES;
	c->max_bo_size = ACCEL_BO_MAX_SIZE;
}

void accel_device_get(accel_device *dev)
{
	atomic_fetch_add(&dev->refs, 1);
}

void accel_device_put(accel_device *dev)
{
	if (atomic_fetch_sub(&dev->refs, 1) != 1)
		return;
	dev->ops->release(dev);
	free(dev);
}

static int open_common(const struct accel_backend_ops *ops, uint32_t index,
		       const char *path, accel_device **out)
{
	accel_device *dev = calloc(1, sizeof(*dev));
	int err;

	if (!dev)
		return accel_err(-ENOMEM, "accel_device_open: out of memory");
	atomic_init(&dev->refs, 1);
	atomic_init(&dev->closed, false);
	dev->ops = ops;
	accel_caps_defaults(&dev->caps);
	dev->caps.backend = ops->id;
	err = ops->open(dev, index, path);
	if (err) {
		free(dev);
		return err;
	}
	*out = dev;
	return 0;
}

/* A decimal index of at most 9 digits, nothing else. */
static int parse_index(const char *s, uint32_t *index)
{
	uint32_t v = 0;
	size_t n = strlen(s);

	if (!n || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	*index = v;
	return 0;
}

int accel_device_open(const char *spec, uint32_t flags, accel_device **out)
{
	const struct accel_backend_ops *ops = NULL;
	uint32_t index = 0;
	int err;

	if (!out)
		return accel_err(-EINVAL, "accel_device_open: out is NULL");
	*out = NULL;
	err = pick_backend("accel_device_open", flags, &ops);
	if (err)
		return err;
	if (!spec || !strcmp(spec, "first"))
		return open_common(ops, 0, NULL, out);
	if (!strcmp(spec, "sim"))
		return open_common(&accel_sim_ops, 0, NULL, out);
	if (!strncmp(spec, "sim:", 4)) {
		if (parse_index(spec + 4, &index))
			return accel_err(-EINVAL,
					 "accel_device_open: spec '%s': expected sim:N",
					 spec);
		return open_common(&accel_sim_ops, index, NULL, out);
	}
	if (!parse_index(spec, &index))
		return open_common(ops, index, NULL, out);
	if (spec[0] == '/')
		return open_common(&accel_kernel_ops, 0, spec, out);
	return accel_err(-EINVAL,
			 "accel_device_open: spec '%s' is not \"first\", an index, a /dev path or sim[:N]",
			 spec);
}

int accel_device_open_index(uint32_t index, uint32_t flags,
			    accel_device **out)
{
	const struct accel_backend_ops *ops = NULL;
	int err;

	if (!out)
		return accel_err(-EINVAL, "accel_device_open_index: out is NULL");
	*out = NULL;
	err = pick_backend("accel_device_open_index", flags, &ops);
	if (err)
		return err;
	return open_common(ops, index, NULL, out);
}

void accel_device_close(accel_device *dev)
{
	if (!dev)
		return;
	if (atomic_exchange(&dev->closed, true))
		return;		/* closed twice: the first one counts */
	dev->ops->close(dev);
	accel_device_put(dev);
}

int accel_device_caps(accel_device *dev, struct accel_caps *caps)
{
	if (!dev)
		return accel_err(-EINVAL, "accel_device_caps: dev is NULL");
	if (!caps)
		return accel_err(-EINVAL, "accel_device_caps: caps is NULL");
	*caps = dev->caps;
	return 0;
}

int accel_device_counters(accel_device *dev, struct accel_counters *c)
{
	if (!dev)
		return accel_err(-EINVAL, "accel_device_counters: dev is NULL");
	if (!c)
		return accel_err(-EINVAL, "accel_device_counters: c is NULL");
	memset(c, 0, sizeof(*c));
	if (atomic_load(&dev->closed))
		return accel_err(-ESHUTDOWN,
				 "accel_device_counters: device is closed");
	return dev->ops->counters(dev, c);
}

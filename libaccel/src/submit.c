// SPDX-License-Identifier: MIT
/*
 * Submission and fences.  A command buffer is uploaded into a device
 * buffer (read-only for the device) and handed to the backend as
 * {buffer, offset, length, buffer list, in-fences, queue, priority}, the
 * shape of the kernel's SUBMIT ioctl.  The upload is copy-on-write: if a
 * job may still read the previous upload, a fresh buffer is used, so a
 * submitted job never sees later changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "accel_priv.h"
#include "llmaccel_model.h"

void accel_fence_get(accel_fence *f)
{
	atomic_fetch_add(&f->refs, 1);
}

void accel_fence_put(accel_fence *f)
{
	accel_device *dev = f->dev;

	if (atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	dev->ops->fence_fini(dev, f);
	accel_bo_put((accel_bo *)f->priv);
	free(f);
	accel_device_put(dev);
}

static int upload(accel_cmdbuf *cb)
{
	accel_bo *bo = cb->dbo;
	int err;

	if (bo && !cb->dirty)
		return 0;
	if (!bo || bo->alloc_size < cb->len || atomic_load(&bo->refs) > 1) {
		uint64_t size = LLA_PAGE_SIZE;

		while (size < cb->len)
			size *= 2;
		err = accel_bo_alloc(cb->dev, size, ACCEL_BO_DEVICE_RO, &bo);
		if (err)
			return err;
		if (cb->dbo)
			accel_bo_put(cb->dbo);
		cb->dbo = bo;
	}
	memcpy(bo->map, cb->data, cb->len);
	cb->dbo_len = cb->len;
	cb->dirty = false;
	return 0;
}

static int check_opts(accel_cmdbuf *cb, const struct accel_submit_opts *o)
{
	const char *fn = "accel_submit";

	if (o->queue >= cb->dev->caps.num_queues)
		return accel_err(-EINVAL, "%s: opts->queue must be below %u (got %u)",
				 fn, cb->dev->caps.num_queues, o->queue);
	if (o->priority > ACCEL_PRIO_HIGH)
		return accel_err(-EINVAL, "%s: opts->priority must be at most %u (got %u)",
				 fn, ACCEL_PRIO_HIGH, o->priority);
	if (o->flags)
		return accel_err(-EINVAL, "%s: opts->flags must be 0 (got %#x)",
				 fn, o->flags);
	if (o->ndeps > ACCEL_MAX_DEPS)
		return accel_err(-EINVAL, "%s: opts->ndeps must be at most %u (got %u)",
				 fn, ACCEL_MAX_DEPS, o->ndeps);
	if (o->ndeps && !o->deps)
		return accel_err(-EINVAL, "%s: opts->deps is NULL but ndeps is %u",
				 fn, o->ndeps);
	for (uint32_t i = 0; i < o->ndeps; i++) {
		if (!o->deps[i])
			return accel_err(-EINVAL, "%s: opts->deps[%u] is NULL",
					 fn, i);
		if (o->deps[i]->dev != cb->dev)
			return accel_err(-EXDEV,
					 "%s: opts->deps[%u] is a fence of another device",
					 fn, i);
	}
	return 0;
}

int accel_submit(accel_cmdbuf *cb, const struct accel_submit_opts *opts,
		 accel_fence **fence)
{
	static const struct accel_submit_opts defaults = {
		.priority = ACCEL_PRIO_NORMAL,
	};
	struct accel_be_submit s;
	accel_device *dev;
	accel_fence *f;
	int err;

	if (fence)
		*fence = NULL;
	if (!cb)
		return accel_err(-EINVAL, "accel_submit: cb is NULL");
	dev = cb->dev;
	if (!opts)
		opts = &defaults;
	err = check_opts(cb, opts);
	if (err)
		return err;
	if (!cb->ncmds)
		return accel_err(-EINVAL, "accel_submit: the command buffer is empty");
	if (atomic_load(&dev->closed))
		return accel_err(-ESHUTDOWN, "accel_submit: device is closed");
	err = upload(cb);
	if (err)
		return err;
	f = calloc(1, sizeof(*f));
	if (!f)
		return accel_err(-ENOMEM, "accel_submit: out of memory");
	atomic_init(&f->refs, fence ? 2 : 1);
	atomic_init(&f->done, false);
	f->dev = dev;
	f->queue = opts->queue;
	f->submit_ns = accel_now_ns();
	/* The fence keeps the command buffer to decode failing commands. */
	f->priv = cb->dbo;
	f->cmd_len = cb->dbo_len;
	accel_bo_get(cb->dbo);
	accel_device_get(dev);
	s = (struct accel_be_submit){
		.cmd_bo = cb->dbo,
		.cmd_offset = 0,
		.cmd_len = cb->dbo_len,
		.queue = opts->queue,
		.priority = opts->priority,
		.nbos = cb->nbos,
		.bos = cb->bos,
		.deps = opts->deps,
		.ndeps = opts->ndeps,
	};
	err = dev->ops->submit(dev, &s, f);
	if (err) {
		atomic_store(&f->refs, 1);
		accel_fence_put(f);
		return err;
	}
	if (fence)
		*fence = f;
	return 0;
}

/* Opcode of command @index of the job's command buffer, or 0xff. */
static uint32_t failing_opcode(const accel_fence *f, uint32_t index)
{
	const accel_bo *bo = f->priv;
	const uint8_t *p = bo->map;
	uint64_t off = 0;
	struct lla_cmd_hdr h;

	for (uint32_t i = 0; off + sizeof(h) <= f->cmd_len; i++) {
		memcpy(&h, p + off, sizeof(h));
		if (i == index)
			return h.opcode;
		if (h.size < sizeof(h) || h.size % 8)
			break;
		off += h.size;
	}
	return 0xff;
}

int accel_job_describe(const struct accel_job_result *r, char *buf,
		       size_t len)
{
	const struct lla_cmd_desc *d;
	char what[48] = "";
	int n;

	if (!r || (!buf && len))
		return accel_err(-EINVAL, "accel_job_describe: %s is NULL",
				 r ? "buf" : "res");
	if (r->status == LLA_OK)
		return snprintf(buf, len,
				"completed: %u commands, %llu cycles",
				r->cmd_index, (unsigned long long)r->cycles);
	d = r->opcode < LLA_OP_COUNT ? lla_cmd_desc_get(r->opcode) : NULL;
	if (d)
		snprintf(what, sizeof(what), " (%s)", d->name);
	n = snprintf(buf, len, "command %u%s failed: %s (%s)", r->cmd_index,
		     what, accel_hw_error_name(r->status),
		     accel_hw_error_text(r->status));
	if (r->status == LLA_ERR_MMU_FAULT || r->status == LLA_ERR_MMU_PERM ||
	    r->status == LLA_ERR_DMA) {
		size_t used = n < 0 ? 0 : (size_t)n;

		n += snprintf(used < len ? buf + used : NULL,
			      used < len ? len - used : 0,
			      " at %#llx (%s)",
			      (unsigned long long)r->fault_iova,
			      r->fault_write ? "write" : "read");
	}
	return n;
}

void accel_fence_finalize(accel_fence *f)
{
	struct accel_job_result *r = &f->result;

	r->opcode = r->status == LLA_OK ? 0xff :
		    failing_opcode(f, r->cmd_index);
	r->wall_ns = accel_now_ns() - f->submit_ns;
}

int accel_fence_wait(accel_fence *f, int64_t timeout_ns)
{
	char msg[256];
	int err;

	if (!f)
		return accel_err(-EINVAL, "accel_fence_wait: f is NULL");
	err = f->dev->ops->fence_wait(f->dev, f, timeout_ns);
	if (err == -ETIMEDOUT)
		return accel_err(err, "accel_fence_wait: the job is still running after %lld ns",
				 (long long)timeout_ns);
	if (err)
		return accel_err(err, "accel_fence_wait: %s", accel_strerror(err));
	if (f->result.status != LLA_OK) {
		accel_job_describe(&f->result, msg, sizeof(msg));
		return accel_err(-EIO, "accel_fence_wait: queue %u: %s",
				 f->queue, msg);
	}
	return 0;
}

int accel_fence_result(accel_fence *f, struct accel_job_result *res)
{
	if (!f)
		return accel_err(-EINVAL, "accel_fence_result: f is NULL");
	if (!res)
		return accel_err(-EINVAL, "accel_fence_result: res is NULL");
	if (f->dev->ops->fence_wait(f->dev, f, 0))
		return accel_err(-EBUSY, "accel_fence_result: the job has not completed");
	*res = f->result;
	return 0;
}

void accel_fence_release(accel_fence *f)
{
	if (f)
		accel_fence_put(f);
}

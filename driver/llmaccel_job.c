// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel_job.c: SUBMIT, WAIT, JOB_STATUS and the DRM scheduler glue.
 *
 * One drm_gpu_scheduler per hardware queue; per open file one entity per
 * (queue, priority), created on first use.  A job is a command buffer
 * (BO + offset + length) plus the BOs it uses, which stay referenced, and
 * so pinned and mapped, until free_job().
 *
 * Fences: run_job() puts the descriptor on the ring and returns the job's
 * embedded hardware fence (one per job, on the queue's fence context, in
 * ring order).  It allocates nothing: everything was allocated by SUBMIT.
 * The queue interrupt completes jobs in order and signals their fences;
 * an error status also sets the fence error.  The job structure lives
 * until both free_job() and the hardware fence's release have run; it
 * holds the module and the drm_device until then (llmaccel_job_alive()),
 * because its fences, and the scheduler fences whose parent it is, name
 * them.
 *
 * Job records: every file keeps the outcome of its last
 * LLMACCEL_JOB_RECORDS jobs for JOB_STATUS and WAIT, keyed by the job id
 * SUBMIT returned.
 */
#include <linux/capability.h>
#include <linux/dma-fence-chain.h>
#include <linux/moduleparam.h>
#include <linux/uaccess.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_utils.h>

#include "llmaccel_compat.h"
#include "llmaccel_drv.h"
#include "llmaccel_pt.h"

static unsigned int hang_check_ms = 1000;
module_param(hang_check_ms, uint, 0444);
MODULE_PARM_DESC(hang_check_ms,
		 "interval of the progress check; a queue is hung when the device heartbeat did not move for one interval (default 1000)");

static inline struct llmaccel_job *to_llmaccel_job(struct drm_sched_job *sjob)
{
	return container_of(sjob, struct llmaccel_job, base);
}

/* ---------------------------------------------------------------- */
/* Hardware fences                                                   */
/* ---------------------------------------------------------------- */

static const char *llmaccel_fence_driver_name(struct dma_fence *fence)
{
	return DRIVER_NAME;
}

static const char *llmaccel_fence_timeline_name(struct dma_fence *fence)
{
	struct llmaccel_job *job = container_of(fence, struct llmaccel_job,
						hw_fence);

	return job->q->name;
}

static void llmaccel_job_release(struct kref *ref)
{
	llmaccel_job_dead(container_of(ref, struct llmaccel_job, ref));
}

static void llmaccel_fence_release(struct dma_fence *fence)
{
	struct llmaccel_job *job = container_of(fence, struct llmaccel_job,
						hw_fence);

	kref_put(&job->ref, llmaccel_job_release);
}

static const struct dma_fence_ops llmaccel_fence_ops = {
	.get_driver_name = llmaccel_fence_driver_name,
	.get_timeline_name = llmaccel_fence_timeline_name,
	.release = llmaccel_fence_release,
};

/* ---------------------------------------------------------------- */
/* Job records                                                       */
/* ---------------------------------------------------------------- */

static struct llmaccel_job_rec *llmaccel_rec(struct llmaccel_ctx *ctx,
					     u64 job_id)
{
	return &ctx->recs[job_id & (LLMACCEL_JOB_RECORDS - 1)];
}

static int llmaccel_status_errno(u32 status)
{
	switch (status) {
	case LLA_OK:
		return 0;
	case DRM_LLMACCEL_STATUS_CANCELED:
		return -ECANCELED;
	case DRM_LLMACCEL_STATUS_DEVICE_LOST:
		return -ENODEV;
	case LLA_ERR_HANG:
		return -ETIMEDOUT;
	case DRM_LLMACCEL_STATUS_RUNTIME_EXCEEDED:
		return -ETIME;
	default:
		return -EIO;
	}
}

static void llmaccel_job_record(struct llmaccel_job *job, u32 status,
				u32 cmd_index, u64 fault_iova, u64 cycles)
{
	struct llmaccel_ctx *ctx = job->ctx;
	struct llmaccel_job_rec *rec = llmaccel_rec(ctx, job->job_id);
	u64 ns = job->start ? ktime_to_ns(ktime_sub(ktime_get(), job->start))
			    : 0;
	unsigned long flags;

	if (job->start)
		atomic64_add(ns, &ctx->busy_ns[job->q->idx]);
	spin_lock_irqsave(&ctx->rec_lock, flags);
	if (rec->job_id == job->job_id) {
		rec->state = DRM_LLMACCEL_JOB_DONE;
		rec->status = status;
		rec->cmd_index = cmd_index;
		rec->fault_iova = fault_iova;
		rec->cycles = cycles;
		rec->duration_ns = ns;
		/* Set from a completion record; 0 for driver outcomes. */
		rec->result_flags = status < LLA_ERR_COUNT ? job->result_flags : 0;
		rec->start_cycle = status < LLA_ERR_COUNT ? job->start_cycle : 0;
	}
	spin_unlock_irqrestore(&ctx->rec_lock, flags);
}

/*
 * The device (or recovery) finished @job: record the outcome and signal
 * its hardware fence.  q->lock held; drops the ring's fence reference.
 */
void llmaccel_job_done(struct llmaccel_job *job, u32 status, u32 cmd_index,
		       u64 fault_iova, u64 cycles)
{
	struct llmaccel_device *ldev = job->q->ldev;

	lockdep_assert_held(&job->q->lock);
	llmaccel_job_record(job, status, cmd_index, fault_iova, cycles);
	if (status == LLA_ERR_MMU_FAULT || status == LLA_ERR_MMU_PERM ||
	    status == LLA_ERR_DMA)
		atomic64_inc(&ldev->faults);
	if (status != LLA_OK)
		dma_fence_set_error(&job->hw_fence,
				    llmaccel_status_errno(status));
	dma_fence_signal(&job->hw_fence);
	dma_fence_put(&job->hw_fence);
}

/* ---------------------------------------------------------------- */
/* Scheduler backend                                                 */
/* ---------------------------------------------------------------- */

static struct dma_fence *llmaccel_run_job(struct drm_sched_job *sjob)
{
	struct llmaccel_job *job = to_llmaccel_job(sjob);
	struct llmaccel_queue *q = job->q;
	struct llmaccel_device *ldev = q->ldev;
	unsigned long flags;
	int idx;

	if (llmaccel_ctx_dead(job->ctx)) {
		llmaccel_job_record(job, DRM_LLMACCEL_STATUS_CANCELED, 0, 0, 0);
		return ERR_PTR(-ECANCELED);
	}
	if (!drm_dev_enter(&ldev->drm, &idx)) {
		llmaccel_job_record(job, DRM_LLMACCEL_STATUS_DEVICE_LOST, 0, 0,
				    0);
		return ERR_PTR(-ENODEV);
	}

	spin_lock_irqsave(&q->lock, flags);
	job->seq = ++q->next_seq;
	dma_fence_init(&job->hw_fence, &llmaccel_fence_ops, &q->fence_lock,
		       q->fence_context, job->seq);
	job->hw_fence_init = true;
	kref_get(&job->ref);		/* dropped by the fence's release */
	dma_fence_get(&job->hw_fence);	/* the ring's reference */
	if (unlikely(!ldev->hw_running ||
		     ((q->tail + 1) & (q->entries - 1)) == q->retire)) {
		/* Not reached: recovery parks us, credits bound the ring. */
		drm_WARN_ON_ONCE(&ldev->drm, ldev->hw_running);
		llmaccel_job_done(job, DRM_LLMACCEL_STATUS_DEVICE_LOST, 0, 0, 0);
	} else {
		llmaccel_queue_write_desc(q, job);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	drm_dev_exit(idx);

	/* The initial reference goes to the scheduler. */
	return &job->hw_fence;
}

static void llmaccel_job_put_bos(struct llmaccel_job *job)
{
	u32 i;

	for (i = 0; i < job->bo_count; i++)
		drm_gem_object_put(job->bos[i]);
	kvfree(job->bos);
	job->bos = NULL;
	job->bo_count = 0;
}

static void llmaccel_free_job(struct drm_sched_job *sjob)
{
	struct llmaccel_job *job = to_llmaccel_job(sjob);

	drm_sched_job_cleanup(sjob);
	llmaccel_job_put_bos(job);
	llmaccel_ctx_as_put(job->ctx);
	llmaccel_ctx_put(job->ctx);
	kref_put(&job->ref, llmaccel_job_release);
}

static const struct drm_sched_backend_ops llmaccel_sched_ops = {
	.run_job = llmaccel_run_job,
	.timedout_job = llmaccel_timedout_job,
	.free_job = llmaccel_free_job,
};

static void llmaccel_sched_fini_action(struct drm_device *drm, void *arg)
{
	llmaccel_sched_fini(to_llmaccel(drm));
}

static void llmaccel_reset_wq_fini(struct drm_device *drm, void *arg)
{
	destroy_workqueue(to_llmaccel(drm)->reset_wq);
}

int llmaccel_sched_init(struct llmaccel_device *ldev)
{
	long timeout = msecs_to_jiffies(max(hang_check_ms, 10u));
	unsigned int i;
	int ret;

	/* Timeouts of every queue and resets are serialized here. */
	ldev->reset_wq = alloc_ordered_workqueue("llmaccel-reset", 0);
	if (!ldev->reset_wq)
		return -ENOMEM;
	ret = drmm_add_action_or_reset(&ldev->drm, llmaccel_reset_wq_fini,
				       NULL);
	if (ret)
		return ret;
	INIT_WORK(&ldev->reset_work, llmaccel_reset_work);

	for (i = 0; i < ldev->num_queues; i++) {
		struct llmaccel_queue *q = &ldev->queues[i];

		ret = lla_sched_init(&q->sched, &llmaccel_sched_ops,
				     ldev->reset_wq, q->entries - 1, timeout,
				     q->name, ldev->drm.dev);
		if (ret) {
			while (i--)
				drm_sched_fini(&ldev->queues[i].sched);
			return ret;
		}
		ldev->sched_list[i] = &q->sched;
	}
	return drmm_add_action_or_reset(&ldev->drm, llmaccel_sched_fini_action,
					NULL);
}

void llmaccel_sched_fini(struct llmaccel_device *ldev)
{
	unsigned int i;

	for (i = 0; i < ldev->num_queues; i++) {
		if (ldev->sched_list[i])
			drm_sched_fini(&ldev->queues[i].sched);
		ldev->sched_list[i] = NULL;
	}
}

static const enum drm_sched_priority llmaccel_prio_map[LLMACCEL_NUM_PRIO] = {
	[DRM_LLMACCEL_PRIO_LOW] = DRM_SCHED_PRIORITY_LOW,
	[DRM_LLMACCEL_PRIO_NORMAL] = DRM_SCHED_PRIORITY_NORMAL,
	[DRM_LLMACCEL_PRIO_HIGH] = DRM_SCHED_PRIORITY_HIGH,
};

/* ctx->lock held */
static struct drm_sched_entity *
llmaccel_ctx_entity(struct llmaccel_ctx *ctx, u32 queue, u32 prio)
{
	struct drm_sched_entity *entity = &ctx->entity[queue][prio];
	int ret;

	lockdep_assert_held(&ctx->lock);
	if (ctx->entity_ready[queue][prio])
		return entity;
	ret = drm_sched_entity_init(entity, llmaccel_prio_map[prio],
				    &ctx->ldev->sched_list[queue], 1, NULL);
	if (ret)
		return ERR_PTR(ret);
	ctx->entity_ready[queue][prio] = true;
	return entity;
}

/* postclose: wait for (or, when killed, drop) the file's queued jobs. */
void llmaccel_ctx_entities_fini(struct llmaccel_ctx *ctx)
{
	unsigned int q, p;

	mutex_lock(&ctx->lock);
	for (q = 0; q < LLA_MAX_QUEUES; q++) {
		for (p = 0; p < LLMACCEL_NUM_PRIO; p++) {
			if (!ctx->entity_ready[q][p])
				continue;
			drm_sched_entity_destroy(&ctx->entity[q][p]);
			ctx->entity_ready[q][p] = false;
		}
	}
	mutex_unlock(&ctx->lock);
}

/* ---------------------------------------------------------------- */
/* SUBMIT                                                            */
/* ---------------------------------------------------------------- */

/* A BO of this file's address space, referenced; ERR_PTR otherwise. */
static struct drm_gem_object *llmaccel_lookup_bo(struct drm_file *file,
						 u32 handle)
{
	struct llmaccel_ctx *ctx = file->driver_priv;
	struct drm_gem_object *obj = drm_gem_object_lookup(file, handle);

	if (!obj)
		return ERR_PTR(-ENOENT);
	if (!llmaccel_is_bo(obj) || to_llmaccel_bo(obj)->ctx != ctx) {
		drm_gem_object_put(obj);
		return ERR_PTR(-EINVAL);
	}
	return obj;
}

/* Copy element @i of a user array of @elem_size-byte elements. */
static int llmaccel_copy_elem(void *dst, size_t size, u64 array, u32 i,
			      u32 elem_size)
{
	void __user *src = u64_to_user_ptr(array + (u64)i * elem_size);
	int ret = copy_struct_from_user(dst, size, src, elem_size);

	return ret == -E2BIG ? -EINVAL : ret;
}

static int llmaccel_check_array(u64 ptr, u32 count, u32 elem_size,
				size_t min_size, u32 max_count)
{
	if (!count)
		return (ptr || elem_size) ? -EINVAL : 0;
	if (count > max_count || !ptr || elem_size < min_size ||
	    elem_size > PAGE_SIZE || elem_size % 8)
		return -EINVAL;
	return 0;
}

static int llmaccel_submit_check(struct llmaccel_device *ldev,
				 const struct drm_llmaccel_submit *args)
{
	int ret;

	if (args->flags || args->pad1 || args->reserved)
		return -EINVAL;
	if (args->queue >= ldev->num_queues ||
	    args->priority >= LLMACCEL_NUM_PRIO)
		return -EINVAL;
	if (!args->out_sync && args->out_sync_point)
		return -EINVAL;
	ret = llmaccel_check_array(args->bos, args->bo_count,
				   args->bo_elem_size,
				   sizeof(struct drm_llmaccel_bo_ref),
				   DRM_LLMACCEL_MAX_BOS);
	if (ret)
		return ret;
	ret = llmaccel_check_array(args->in_syncs, args->in_sync_count,
				   args->in_sync_elem_size,
				   sizeof(struct drm_llmaccel_sync),
				   DRM_LLMACCEL_MAX_SYNCS);
	if (ret)
		return ret;
	if (args->priority == DRM_LLMACCEL_PRIO_HIGH &&
	    !capable(CAP_SYS_NICE))
		return -EPERM;
	return 0;
}

static int llmaccel_job_get_bos(struct llmaccel_job *job,
				struct drm_file *file,
				const struct drm_llmaccel_submit *args)
{
	struct drm_gem_object *cmd;
	u32 i;
	int ret;

	job->bos = kvcalloc(args->bo_count + 1, sizeof(*job->bos),
			    GFP_KERNEL_ACCOUNT);
	if (!job->bos)
		return -ENOMEM;

	cmd = llmaccel_lookup_bo(file, args->cmdbuf_handle);
	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	job->bos[job->bo_count++] = cmd;
	if (!llmaccel_cmdbuf_ok(args->cmdbuf_offset, args->cmdbuf_size,
				cmd->size, job->q->ldev->max_cmdbuf))
		return -EINVAL;
	job->cmdbuf_iova = to_llmaccel_bo(cmd)->node.start +
			   args->cmdbuf_offset;
	job->cmdbuf_len = args->cmdbuf_size;
	job->max_runtime_ms = args->max_runtime_ms;

	for (i = 0; i < args->bo_count; i++) {
		struct drm_llmaccel_bo_ref ref;
		struct drm_gem_object *obj;

		ret = llmaccel_copy_elem(&ref, sizeof(ref), args->bos, i,
					 args->bo_elem_size);
		if (ret)
			return ret;
		if (ref.flags)
			return -EINVAL;
		obj = llmaccel_lookup_bo(file, ref.handle);
		if (IS_ERR(obj))
			return PTR_ERR(obj);
		job->bos[job->bo_count++] = obj;
	}
	return 0;
}

static int llmaccel_job_add_deps(struct llmaccel_job *job,
				 struct drm_file *file,
				 const struct drm_llmaccel_submit *args)
{
	u32 i;
	int ret;

	for (i = 0; i < args->in_sync_count; i++) {
		struct drm_llmaccel_sync s;

		ret = llmaccel_copy_elem(&s, sizeof(s), args->in_syncs, i,
					 args->in_sync_elem_size);
		if (ret)
			return ret;
		if (s.flags)
			return -EINVAL;
		ret = drm_sched_job_add_syncobj_dependency(&job->base, file,
							   s.handle, s.point);
		if (ret)
			return ret;
	}
	return 0;
}

/* Push an initialized job (ctx->lock held). */
static int llmaccel_job_push(struct llmaccel_ctx *ctx, struct llmaccel_job *job,
			     struct drm_syncobj *out, struct dma_fence_chain *chain,
			     u64 point, u64 *job_id)
{
	struct llmaccel_job_rec *rec;
	struct dma_fence *old = NULL, *done;
	u64 id;

	lockdep_assert_held(&ctx->lock);
	spin_lock_irq(&ctx->rec_lock);
	id = ctx->next_job_id;
	rec = llmaccel_rec(ctx, id);
	if (rec->job_id && rec->state == DRM_LLMACCEL_JOB_PENDING) {
		spin_unlock_irq(&ctx->rec_lock);
		return -EBUSY;
	}
	ctx->next_job_id++;
	spin_unlock_irq(&ctx->rec_lock);

	/* From here on nothing fails. */
	job->job_id = id;
	drm_sched_job_arm(&job->base);
	done = &job->base.s_fence->finished;

	spin_lock_irq(&ctx->rec_lock);
	old = rec->done;
	memset(rec, 0, sizeof(*rec));
	rec->job_id = id;
	rec->state = DRM_LLMACCEL_JOB_PENDING;
	rec->done = dma_fence_get(done);
	spin_unlock_irq(&ctx->rec_lock);
	dma_fence_put(old);

	if (out && chain)
		drm_syncobj_add_point(out, chain, done, point);
	else if (out)
		drm_syncobj_replace_fence(out, done);

	llmaccel_ctx_get(ctx);		/* both dropped by free_job */
	llmaccel_ctx_as_get(ctx);
	drm_sched_entity_push_job(&job->base);
	*job_id = id;
	return 0;
}

int llmaccel_submit_ioctl(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct llmaccel_device *ldev = to_llmaccel(drm);
	struct llmaccel_ctx *ctx = file->driver_priv;
	struct drm_llmaccel_submit *args = data;
	struct dma_fence_chain *chain = NULL;
	struct drm_syncobj *out = NULL;
	struct drm_sched_entity *entity;
	struct llmaccel_job *job;
	bool sched_init = false;
	u64 job_id;
	int ret;

	ret = llmaccel_submit_check(ldev, args);
	if (ret)
		return ret;
	if (READ_ONCE(ctx->banned))
		return -ECANCELED;

	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	if (!job)
		return -ENOMEM;
	kref_init(&job->ref);
	job->ldev = ldev;
	job->ctx = ctx;
	llmaccel_job_alive(job);
	job->q = &ldev->queues[args->queue];

	ret = llmaccel_job_get_bos(job, file, args);
	if (ret)
		goto err_free;

	if (args->out_sync) {
		out = drm_syncobj_find(file, args->out_sync);
		if (!out) {
			ret = -ENOENT;
			goto err_free;
		}
		if (args->out_sync_point) {
			chain = dma_fence_chain_alloc();
			if (!chain) {
				ret = -ENOMEM;
				goto err_free;
			}
		}
	}

	mutex_lock(&ctx->lock);
	entity = llmaccel_ctx_entity(ctx, args->queue, args->priority);
	if (IS_ERR(entity)) {
		ret = PTR_ERR(entity);
		goto err_unlock;
	}
	ret = lla_sched_job_init(&job->base, entity, ctx, file);
	if (ret)
		goto err_unlock;
	sched_init = true;
	ret = llmaccel_job_add_deps(job, file, args);
	if (ret)
		goto err_unlock;
	ret = llmaccel_job_push(ctx, job, out, chain, args->out_sync_point,
				&job_id);
	if (ret)
		goto err_unlock;
	mutex_unlock(&ctx->lock);

	if (out)
		drm_syncobj_put(out);
	args->job_id = job_id;
	return 0;

err_unlock:
	mutex_unlock(&ctx->lock);
	if (sched_init)
		drm_sched_job_cleanup(&job->base);
err_free:
	dma_fence_chain_free(chain);
	if (out)
		drm_syncobj_put(out);
	llmaccel_job_put_bos(job);
	kref_put(&job->ref, llmaccel_job_release);
	return ret;
}

/* ---------------------------------------------------------------- */
/* WAIT and JOB_STATUS                                               */
/* ---------------------------------------------------------------- */

/* The record of @job_id, copied, and a reference on its fence. */
static int llmaccel_rec_get(struct llmaccel_ctx *ctx, u64 job_id,
			    struct llmaccel_job_rec *copy)
{
	struct llmaccel_job_rec *rec;
	int ret = 0;

	if (!job_id)
		return -ENOENT;
	spin_lock_irq(&ctx->rec_lock);
	rec = llmaccel_rec(ctx, job_id);
	if (rec->job_id != job_id) {
		ret = -ENOENT;
	} else {
		*copy = *rec;
		dma_fence_get(copy->done);
	}
	spin_unlock_irq(&ctx->rec_lock);
	return ret;
}

int llmaccel_wait_ioctl(struct drm_device *drm, void *data,
			struct drm_file *file)
{
	struct llmaccel_ctx *ctx = file->driver_priv;
	struct drm_llmaccel_wait *args = data;
	struct llmaccel_job_rec rec;
	unsigned long timeout;
	long ret;

	if (args->flags || args->pad)
		return -EINVAL;
	ret = llmaccel_rec_get(ctx, args->job_id, &rec);
	if (ret)
		return ret;

	if (dma_fence_is_signaled(rec.done)) {
		ret = 0;
	} else {
		timeout = drm_timeout_abs_to_jiffies(args->timeout_ns);
		ret = timeout ? dma_fence_wait_timeout(rec.done, true, timeout)
			      : 0;
		if (ret == 0)
			ret = -ETIME;
		else if (ret > 0)
			ret = 0;
	}
	dma_fence_put(rec.done);
	return ret;
}

int llmaccel_job_status_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct llmaccel_ctx *ctx = file->driver_priv;
	struct drm_llmaccel_job_status *args = data;
	struct llmaccel_job_rec rec;
	bool signaled;
	int ret;

	if (args->flags)
		return -EINVAL;
	ret = llmaccel_rec_get(ctx, args->job_id, &rec);
	if (ret)
		return ret;
	signaled = dma_fence_is_signaled(rec.done);
	dma_fence_put(rec.done);
	if (signaled && rec.state == DRM_LLMACCEL_JOB_PENDING) {
		/* Read again: the record is written before the fence signals. */
		ret = llmaccel_rec_get(ctx, args->job_id, &rec);
		if (ret)
			return ret;
		if (rec.state == DRM_LLMACCEL_JOB_PENDING) {
			/* Done without reaching the device. */
			rec.state = DRM_LLMACCEL_JOB_DONE;
			rec.status = rec.done->error ?
				     DRM_LLMACCEL_STATUS_CANCELED : LLA_OK;
		}
		dma_fence_put(rec.done);
	}

	args->state = rec.state;
	args->status = rec.state == DRM_LLMACCEL_JOB_DONE ? rec.status : 0;
	args->cmd_index = rec.cmd_index;
	args->fault_iova = rec.fault_iova;
	args->cycles = rec.cycles;
	args->duration_ns = rec.duration_ns;
	args->result_flags = rec.result_flags;
	args->pad = 0;
	args->start_cycle = rec.start_cycle;
	return 0;
}

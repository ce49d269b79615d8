// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel_recovery.c: hang detection and device reset.
 *
 * The scheduler's timeout is only a sampling period.  When it fires, the
 * queue's completions are collected first (a dropped interrupt is not a
 * hang); then the job counts as hung only if neither the device's
 * HEARTBEAT nor the queue's DONE_SEQ moved since the previous sample
 * (docs/hw-spec.md section 4.7).  A slow job that keeps the heartbeat
 * moving is never declared hung.
 *
 * Recovery runs on the ordered reset workqueue that also runs every
 * queue's timeout handler.  The guilty job is the oldest job on the hung
 * queue; its context is banned: later SUBMITs fail with -ECANCELED, its
 * queued jobs are cancelled.  Then, when the device has queue resets
 * (LLA_CAP_QUEUE_RESET) and the queue_reset parameter allows it, only the
 * hung queue is reset and the other queues never notice; otherwise (and
 * for a reset requested through debugfs or by a stopped ring):
 *   1. park every scheduler's submission (drm_sched_wqueue_stop), stop
 *      the device's queues and interrupts, collect finished jobs;
 *   2. global reset, then address spaces and rings are programmed again;
 *   3. the schedulers resume.
 * Either way, the guilty job completes with LLA_ERR_HANG, and every other
 * job that was on a reset ring goes back on it and runs again from its
 * start (jobs of banned contexts go down as zero-length descriptors the
 * device rejects, so fences still signal in ring order).
 * No drm_sched_stop()/drm_sched_start(): the hardware fences of requeued
 * jobs stay armed, so the scheduler never sees them cancelled.
 */
#include <linux/iopoll.h>
#include <linux/moduleparam.h>
#include <drm/drm_drv.h>
#include <drm/drm_print.h>

#include "llmaccel_compat.h"
#include "llmaccel_drv.h"

static bool queue_reset = true;
module_param(queue_reset, bool, 0644);
MODULE_PARM_DESC(queue_reset,
		 "recover a hung queue with a queue reset when the device has one (default true); otherwise reset the whole device");

static inline struct llmaccel_job *to_job(struct drm_sched_job *sjob)
{
	return container_of(sjob, struct llmaccel_job, base);
}

/* Forget the samples: the next check always sees progress. */
static void llmaccel_watchdog_rearm(struct llmaccel_device *ldev)
{
	unsigned int i;

	for (i = 0; i < ldev->num_queues; i++) {
		ldev->queues[i].wd_heartbeat = U64_MAX;
		ldev->queues[i].wd_done_seq = U64_MAX;
	}
}

static void llmaccel_ban(struct llmaccel_device *ldev, struct llmaccel_ctx *ctx)
{
	if (READ_ONCE(ctx->banned))
		return;
	WRITE_ONCE(ctx->banned, true);
	drm_warn(&ldev->drm, "context %u (pid %d) banned after a hang: its submits now fail with -ECANCELED\n",
		 ctx->asid, ctx->pid);
}

/* Step 4 for one queue (q->lock held, device freshly programmed). */
static void llmaccel_queue_requeue(struct llmaccel_queue *q,
				   struct llmaccel_job *guilty)
{
	u32 mask = q->entries - 1;
	u32 i, n = 0;

	for (i = q->retire; i != q->tail; i = (i + 1) & mask) {
		q->scratch[n++] = q->jobs[i];
		q->jobs[i] = NULL;
	}
	q->retire = 0;
	q->tail = 0;
	if (q->busy_since) {
		q->busy_ns += ktime_to_ns(ktime_sub(ktime_get(),
						    q->busy_since));
		q->busy_since = 0;
	}
	for (i = 0; i < n; i++) {
		struct llmaccel_job *job = q->scratch[i];

		q->scratch[i] = NULL;
		if (job == guilty) {
			/* A cancelled job was never the cause: report it so. */
			llmaccel_job_done(job, job->cancel ?
					  DRM_LLMACCEL_STATUS_CANCELED :
					  LLA_ERR_HANG, 0, 0, 0);
			continue;
		}
		if (READ_ONCE(job->ctx->banned))
			job->cancel = true;
		llmaccel_queue_write_desc(q, job);
	}
}

/*
 * Reset the device and recover every queue.  @guilty: the hung job
 * (referenced through its hardware fence), or NULL for a reset on
 * request.  @tdr_job: the job the scheduler's timeout took off its
 * pending list, put back here while the schedulers are parked.  Reset
 * workqueue, drm_dev_enter() held.
 */
static void llmaccel_recover(struct llmaccel_device *ldev,
			     struct llmaccel_job *guilty,
			     struct drm_sched_job *tdr_job)
{
	struct llmaccel_ctx *ctx;
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < ldev->num_queues; i++)
		drm_sched_wqueue_stop(&ldev->queues[i].sched);

	llmaccel_hw_stop(ldev);
	for (i = 0; i < ldev->num_queues; i++) {
		struct llmaccel_queue *q = &ldev->queues[i];

		llmaccel_queue_retire(q);
		spin_lock_irqsave(&q->lock, flags);
		llmaccel_queue_save_counters(q);
		spin_unlock_irqrestore(&q->lock, flags);
	}

	mutex_lock(&ldev->ctx_lock);
	llmaccel_hw_reset(ldev);
	list_for_each_entry(ctx, &ldev->ctx_list, node)
		llmaccel_hw_as_enable(ldev, ctx->asid, ctx->mmu.root.dma);
	llmaccel_hw_start(ldev);
	for (i = 0; i < ldev->num_queues; i++) {
		struct llmaccel_queue *q = &ldev->queues[i];

		spin_lock_irqsave(&q->lock, flags);
		llmaccel_queue_requeue(q, guilty);
		spin_unlock_irqrestore(&q->lock, flags);
	}
	mutex_unlock(&ldev->ctx_lock);

	atomic64_inc(&ldev->reset_count);
	llmaccel_watchdog_rearm(ldev);
	if (tdr_job)
		lla_sched_job_requeue(tdr_job);
	for (i = 0; i < ldev->num_queues; i++)
		drm_sched_wqueue_start(&ldev->queues[i].sched);
	drm_info(&ldev->drm, "device reset done (%lld resets)\n",
		 (long long)atomic64_read(&ldev->reset_count));
}

/*
 * Reset only the hung queue @q (LLA_CAP_QUEUE_RESET): jobs on the other
 * queues are not disturbed.  Returns false, with nothing changed but the
 * counters saved, when the queue did not stop: the caller then resets
 * the whole device.
 */
static bool llmaccel_recover_queue(struct llmaccel_device *ldev,
				   struct llmaccel_queue *q,
				   struct llmaccel_job *guilty,
				   struct drm_sched_job *tdr_job)
{
	int irq = pci_irq_vector(ldev->pdev, LLA_MSIX_VEC_QUEUE(q->idx));
	unsigned long flags;
	u32 mask, st;
	int ret;

	drm_sched_wqueue_stop(&q->sched);
	/*
	 * Keep the queue's interrupt off until the ring is rebuilt: the
	 * aborted job's completion must not be taken for a real one.
	 */
	mask = lla_rd(ldev, LLA_REG_IRQ_MASK);
	lla_wr(ldev, LLA_REG_IRQ_MASK, mask & ~LLA_IRQ_QUEUE(q->idx));
	synchronize_irq(irq);
	llmaccel_queue_retire(q);

	spin_lock_irqsave(&q->lock, flags);
	llmaccel_queue_save_counters(q);
	spin_unlock_irqrestore(&q->lock, flags);

	lla_qwr(q, LLA_Q_RESET, LLA_RESET_MAGIC);
	ret = readl_poll_timeout(ldev->regs + LLA_REG_QUEUE(q->idx) +
				 LLA_Q_STATUS, st, !(st & LLA_Q_STATUS_BUSY),
				 100, 500000);
	if (ret) {
		lla_wr(ldev, LLA_REG_IRQ_MASK, mask);
		drm_sched_wqueue_start(&q->sched);
		drm_warn(&ldev->drm, "%s: queue reset did not stop it (status 0x%x)\n",
			 q->name, st);
		return false;
	}

	spin_lock_irqsave(&q->lock, flags);
	llmaccel_hw_queue_start(q);
	llmaccel_queue_requeue(q, guilty);
	spin_unlock_irqrestore(&q->lock, flags);
	lla_wr(ldev, LLA_REG_IRQ_MASK, mask | LLA_IRQ_QUEUE(q->idx));
	/* Anything that completed meanwhile. */
	llmaccel_queue_retire(q);

	atomic64_inc(&ldev->reset_count);
	q->wd_heartbeat = U64_MAX;
	q->wd_done_seq = U64_MAX;
	if (tdr_job)
		lla_sched_job_requeue(tdr_job);
	drm_sched_wqueue_start(&q->sched);
	drm_info(&ldev->drm, "%s: queue reset done (%lld resets)\n", q->name,
		 (long long)atomic64_read(&ldev->reset_count));
	return true;
}

/* The oldest job on @q's ring, with its fence referenced, or NULL. */
static struct llmaccel_job *llmaccel_oldest_job(struct llmaccel_queue *q)
{
	struct llmaccel_job *job = NULL;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	if (q->retire != q->tail) {
		job = q->jobs[q->retire];
		dma_fence_get(&job->hw_fence);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return job;
}

/* @q is hung: ban the owner of its oldest job and reset. */
static void llmaccel_recover_hang(struct llmaccel_device *ldev,
				  struct llmaccel_queue *q,
				  struct drm_sched_job *tdr_job)
{
	struct llmaccel_job *guilty = llmaccel_oldest_job(q);

	/*
	 * A cancelled job (its context already banned) stuck on the queue
	 * is collateral of the earlier hang, not a new one: reset, but do
	 * not count it or ban again.
	 */
	if (guilty && !guilty->cancel) {
		atomic64_inc(&ldev->hangs);
		drm_err(&ldev->drm, "%s: job %llu of context %u hung (no device progress for one interval)\n",
			q->name, guilty->job_id, guilty->ctx->asid);
		llmaccel_ban(ldev, guilty->ctx);
	}
	if (!queue_reset || !(ldev->caps & LLA_CAP_QUEUE_RESET) ||
	    !llmaccel_recover_queue(ldev, q, guilty, tdr_job))
		llmaccel_recover(ldev, guilty, tdr_job);
	if (guilty)
		dma_fence_put(&guilty->hw_fence);
}

enum drm_gpu_sched_stat llmaccel_timedout_job(struct drm_sched_job *sjob)
{
	struct llmaccel_job *job = to_job(sjob);
	struct llmaccel_queue *q = job->q;
	struct llmaccel_device *ldev = q->ldev;
	u64 hb, done;
	int idx;

	if (!drm_dev_enter(&ldev->drm, &idx)) {
		/* Unplugged: remove() completed or will complete the job. */
		lla_sched_job_requeue(sjob);
		return DRM_GPU_SCHED_STAT_ENODEV;
	}

	/* A lost interrupt is not a hang. */
	llmaccel_queue_retire(q);
	if (job->hw_fence_init && dma_fence_is_signaled(&job->hw_fence))
		goto not_hung;

	hb = llmaccel_rd64(ldev, LLA_REG_HEARTBEAT_LO);
	done = llmaccel_rd64(ldev, LLA_REG_QUEUE(q->idx) + LLA_Q_DONE_SEQ_LO);
	if (hb != q->wd_heartbeat || done != q->wd_done_seq) {
		q->wd_heartbeat = hb;
		q->wd_done_seq = done;
		goto not_hung;
	}

	llmaccel_recover_hang(ldev, q, sjob);
	drm_dev_exit(idx);
	return LLA_SCHED_STAT_RESET;

not_hung:
	drm_dev_exit(idx);
	return lla_sched_job_not_hung(sjob);
}

void llmaccel_reset_work(struct work_struct *work)
{
	struct llmaccel_device *ldev = container_of(work, struct llmaccel_device,
						    reset_work);
	int idx;

	atomic_set(&ldev->reset_requested, 0);
	if (!drm_dev_enter(&ldev->drm, &idx))
		return;
	llmaccel_recover(ldev, NULL, NULL);
	drm_dev_exit(idx);
}

/* Any context (the error interrupt, debugfs). */
void llmaccel_request_reset(struct llmaccel_device *ldev)
{
	if (!atomic_xchg(&ldev->reset_requested, 1))
		queue_work(ldev->reset_wq, &ldev->reset_work);
}

/*
 * remove(): the device is gone for good.  Stop it and complete every job
 * still on a ring with DRM_LLMACCEL_STATUS_DEVICE_LOST, so waiters and
 * the schedulers drain; later jobs fail in run_job().  Called after
 * drm_dev_unplug(), so no other path touches the hardware.
 */
void llmaccel_recovery_unplug(struct llmaccel_device *ldev)
{
	unsigned long flags;
	unsigned int i;

	cancel_work_sync(&ldev->reset_work);
	for (i = 0; i < ldev->num_queues; i++)
		drm_sched_wqueue_stop(&ldev->queues[i].sched);
	llmaccel_hw_stop(ldev);
	for (i = 0; i < ldev->num_queues; i++)
		llmaccel_queue_retire(&ldev->queues[i]);
	if (ldev->hw_running)
		llmaccel_hw_reset(ldev);
	ldev->hw_running = false;

	for (i = 0; i < ldev->num_queues; i++) {
		struct llmaccel_queue *q = &ldev->queues[i];
		u32 mask = q->entries - 1;

		spin_lock_irqsave(&q->lock, flags);
		while (q->retire != q->tail) {
			struct llmaccel_job *job = q->jobs[q->retire];

			q->jobs[q->retire] = NULL;
			q->retire = (q->retire + 1) & mask;
			llmaccel_job_done(job, DRM_LLMACCEL_STATUS_DEVICE_LOST,
					  0, 0, 0);
		}
		spin_unlock_irqrestore(&q->lock, flags);
		drm_sched_wqueue_start(&q->sched);
	}
}

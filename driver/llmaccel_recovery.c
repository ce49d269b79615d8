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
 * Either way, the guilty job completes with LLA_ERR_HANG, a job the reset
 * interrupted (the device marked it started) completes with
 * LLA_ERR_RESET and is never run again, and every job that had not
 * started goes back on the ring (jobs of banned contexts go down as
 * zero-length descriptors the device rejects, so fences still signal in
 * ring order).
 * No drm_sched_stop()/drm_sched_start(): the hardware fences of requeued
 * jobs stay armed, so the scheduler never sees them cancelled.
 */
#include <linux/iopoll.h>
#include <linux/moduleparam.h>
#include <drm/drm_drv.h>
#include <drm/drm_print.h>

#include "llmaccel_compat.h"
#include "llmaccel_drv.h"

static unsigned int max_job_ms = 300000;
module_param(max_job_ms, uint, 0644);
MODULE_PARM_DESC(max_job_ms,
		 "maximum runtime of one job on the device in ms, checked every hang_check_ms (default 300000; 0 = no limit but the submitter's)");

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

/*
 * Had the job in ring slot @i begun when the device was reset?  Jobs the
 * device completed were retired before the reset, so a record left with
 * STARTED or VALID belongs to a job the reset interrupted.
 */
static bool llmaccel_slot_started(struct llmaccel_queue *q, u32 i)
{
	u32 flags = le32_to_cpu((__force __le32)READ_ONCE(q->compl[i].flags));

	return flags & (LLA_COMPL_F_STARTED | LLA_COMPL_F_VALID);
}

/*
 * Step 4a for one queue, after the reset and before its ring is
 * programmed again (which clears the completion slots): take every job
 * off the ring.  The guilty job and the jobs the reset interrupted are
 * completed; the rest wait in q->scratch.  Returns their number.
 */
static u32 llmaccel_queue_collect(struct llmaccel_queue *q,
				  struct llmaccel_job *guilty,
				  u32 guilty_status)
{
	u32 mask = q->entries - 1;
	u32 i, n = 0;

	lockdep_assert_held(&q->lock);
	for (i = q->retire; i != q->tail; i = (i + 1) & mask) {
		struct llmaccel_job *job = q->jobs[i];

		q->jobs[i] = NULL;
		if (job == guilty) {
			/* A cancelled job was never the cause: report it so. */
			llmaccel_job_done(job, job->cancel ?
					  DRM_LLMACCEL_STATUS_CANCELED :
					  guilty_status, 0, 0, 0);
		} else if (llmaccel_slot_started(q, i)) {
			/*
			 * Never run a job twice: one that had begun may have
			 * made changes that do not repeat (a semaphore add,
			 * an in-place update), so it ends here.
			 */
			llmaccel_job_done(job, job->cancel ?
					  DRM_LLMACCEL_STATUS_CANCELED :
					  LLA_ERR_RESET, 0, 0, 0);
		} else {
			q->scratch[n++] = job;
		}
	}
	q->retire = 0;
	q->tail = 0;
	if (q->busy_since) {
		q->busy_ns += ktime_to_ns(ktime_sub(ktime_get(),
						    q->busy_since));
		q->busy_since = 0;
	}
	return n;
}

/* Step 4b: the @n collected jobs go back on the freshly programmed ring. */
static void llmaccel_queue_resubmit(struct llmaccel_queue *q, u32 n)
{
	u32 i;

	lockdep_assert_held(&q->lock);
	for (i = 0; i < n; i++) {
		struct llmaccel_job *job = q->scratch[i];

		q->scratch[i] = NULL;
		if (llmaccel_ctx_dead(job->ctx))
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
			     struct llmaccel_job *guilty, u32 guilty_status,
			     struct drm_sched_job *tdr_job)
{
	u32 requeue[LLA_MAX_QUEUES];
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
	for (i = 0; i < ldev->num_queues; i++) {
		struct llmaccel_queue *q = &ldev->queues[i];

		spin_lock_irqsave(&q->lock, flags);
		requeue[i] = llmaccel_queue_collect(q, guilty, guilty_status);
		spin_unlock_irqrestore(&q->lock, flags);
	}
	/* A closed file's address space stays off: its jobs stay cancelled. */
	list_for_each_entry(ctx, &ldev->ctx_list, node)
		if (!READ_ONCE(ctx->closed))
			llmaccel_hw_as_enable(ldev, ctx->asid,
					      ctx->mmu.root.dma);
	llmaccel_hw_start(ldev);
	for (i = 0; i < ldev->num_queues; i++) {
		struct llmaccel_queue *q = &ldev->queues[i];

		spin_lock_irqsave(&q->lock, flags);
		llmaccel_queue_resubmit(q, requeue[i]);
		spin_unlock_irqrestore(&q->lock, flags);
	}
	mutex_unlock(&ldev->ctx_lock);

	atomic64_inc(&ldev->reset_count);
	llmaccel_watchdog_rearm(ldev);
	if (tdr_job)
		lla_sched_job_reinsert(tdr_job);
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
				   struct llmaccel_job *guilty, u32 guilty_status,
				   struct drm_sched_job *tdr_job)
{
	int irq = pci_irq_vector(ldev->pdev, LLA_MSIX_VEC_QUEUE(q->idx));
	unsigned long flags;
	u32 mask, st, n;
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
	n = llmaccel_queue_collect(q, guilty, guilty_status);
	llmaccel_hw_queue_start(q);
	llmaccel_queue_resubmit(q, n);
	spin_unlock_irqrestore(&q->lock, flags);
	lla_wr(ldev, LLA_REG_IRQ_MASK, mask | LLA_IRQ_QUEUE(q->idx));
	/* Anything that completed meanwhile. */
	llmaccel_queue_retire(q);

	atomic64_inc(&ldev->reset_count);
	q->wd_heartbeat = U64_MAX;
	q->wd_done_seq = U64_MAX;
	if (tdr_job)
		lla_sched_job_reinsert(tdr_job);
	drm_sched_wqueue_start(&q->sched);
	drm_info(&ldev->drm, "%s: queue reset done (%lld resets)\n", q->name,
		 (long long)atomic64_read(&ldev->reset_count));
	return true;
}

/*
 * Stop the running job of @q with @status: a queue reset when the device
 * has one, else a whole-device reset.
 */
static void llmaccel_recover_stop(struct llmaccel_device *ldev,
				  struct llmaccel_queue *q,
				  struct llmaccel_job *guilty, u32 status,
				  struct drm_sched_job *tdr_job)
{
	if (!queue_reset || !(ldev->caps & LLA_CAP_QUEUE_RESET) ||
	    !llmaccel_recover_queue(ldev, q, guilty, status, tdr_job))
		llmaccel_recover(ldev, guilty, status, tdr_job);
}

/*
 * Hold a job found on a ring: its fence reference keeps the job structure,
 * its context reference the context, which free_job() may otherwise
 * release while recovery still looks at it.  q->lock held: a job on the
 * ring has not been through free_job().
 */
static void llmaccel_job_hold(struct llmaccel_job *job)
{
	lockdep_assert_held(&job->q->lock);
	dma_fence_get(&job->hw_fence);
	llmaccel_ctx_get(job->ctx);
}

static void llmaccel_job_unhold(struct llmaccel_job *job)
{
	llmaccel_ctx_put(job->ctx);
	dma_fence_put(&job->hw_fence);
}

/* The oldest job on @q's ring, held, or NULL. */
static struct llmaccel_job *llmaccel_oldest_job(struct llmaccel_queue *q)
{
	struct llmaccel_job *job = NULL;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	if (q->retire != q->tail) {
		job = q->jobs[q->retire];
		llmaccel_job_hold(job);
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
	llmaccel_recover_stop(ldev, q, guilty, LLA_ERR_HANG, tdr_job);
	if (guilty)
		llmaccel_job_unhold(guilty);
}

/*
 * The oldest job on @q if it has run longer than its limit (the
 * submitter's max_runtime_ms, at most max_job_ms), with its fence
 * referenced; else NULL.
 */
static struct llmaccel_job *llmaccel_overrun_job(struct llmaccel_queue *q)
{
	struct llmaccel_job *job = NULL;
	unsigned long flags;
	u32 limit;

	spin_lock_irqsave(&q->lock, flags);
	if (q->retire != q->tail) {
		job = q->jobs[q->retire];
		limit = job->max_runtime_ms;
		if (max_job_ms && (!limit || limit > max_job_ms))
			limit = max_job_ms;
		if (limit && !job->cancel &&
		    ktime_ms_delta(ktime_get(), q->head_since) >= limit)
			llmaccel_job_hold(job);
		else
			job = NULL;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return job;
}

enum drm_gpu_sched_stat llmaccel_timedout_job(struct drm_sched_job *sjob)
{
	struct llmaccel_job *job = to_job(sjob);
	struct llmaccel_queue *q = job->q;
	struct llmaccel_device *ldev = q->ldev;
	struct llmaccel_job *overrun;
	u64 hb, done;
	int idx;

	if (!drm_dev_enter(&ldev->drm, &idx)) {
		/* Unplugged: remove() completed or will complete the job. */
		lla_sched_job_reinsert(sjob);
		return DRM_GPU_SCHED_STAT_ENODEV;
	}

	/* A lost interrupt is not a hang. */
	llmaccel_queue_retire(q);
	if (job->hw_fence_init && dma_fence_is_signaled(&job->hw_fence))
		goto not_hung;

	/* Past its maximum runtime: stopped, however well it progresses. */
	overrun = llmaccel_overrun_job(q);
	if (overrun) {
		drm_info(&ldev->drm, "%s: job %llu of context %u stopped after its maximum runtime\n",
			 q->name, overrun->job_id, overrun->ctx->asid);
		llmaccel_recover_stop(ldev, q, overrun,
				      DRM_LLMACCEL_STATUS_RUNTIME_EXCEEDED,
				      sjob);
		llmaccel_job_unhold(overrun);
		drm_dev_exit(idx);
		return LLA_SCHED_STAT_RESET;
	}

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
	llmaccel_recover(ldev, NULL, 0, NULL);
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

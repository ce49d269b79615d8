// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel_drv.c: module, PCI driver, DRM accel device, per-file
 * contexts, QUERY and fdinfo.
 *
 * Each open file is a context with its own device address space; the
 * address-space ids come from the device's NUM_AS, so at most NUM_AS
 * files can be open at once and the next open() fails with -EBUSY.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_print.h>

#include "llmaccel_compat.h"
#include "llmaccel_drv.h"
#include "llmaccel_pt.h"

/* ---------------------------------------------------------------- */
/* Contexts                                                          */
/* ---------------------------------------------------------------- */

void llmaccel_ctx_get(struct llmaccel_ctx *ctx)
{
	kref_get(&ctx->ref);
}

/*
 * Contexts are released from a workqueue: the last reference may be
 * dropped by a scheduler's free_job(), and the release may drop the last
 * drm_device reference, whose release tears the schedulers down.
 */
static struct workqueue_struct *llmaccel_free_wq;

/*
 * A job pins what its fences point to: the module (their ops and
 * timeline names are ours) and the drm_device (the queue names and the
 * schedulers the scheduler fences read).  A sync_file or a syncobj
 * anywhere can keep a fence, so a job can outlive its file, its device's
 * binding and any attempt to unload: rmmod then fails with EBUSY rather
 * than waiting, and the device's memory stays until the last fence goes.
 * Called in SUBMIT, where the open file already holds both.
 */
void llmaccel_job_alive(struct llmaccel_job *job)
{
	__module_get(THIS_MODULE);
	drm_dev_get(&job->ldev->drm);
}

static void llmaccel_job_free_work(struct work_struct *work)
{
	struct llmaccel_job *job = container_of(work, struct llmaccel_job,
						release_work);

	drm_dev_put(&job->ldev->drm);
	/* The embedded fence may still be looked at under RCU. */
	kfree_rcu(job, rcu);
	/* Safe here: module exit drains this workqueue before it returns. */
	module_put(THIS_MODULE);
}

/*
 * The job's last reference, from free_job() or the hardware fence's
 * release, so from any context: the drm_device reference may be the last
 * one, whose release tears down the schedulers, so drop it from a
 * workqueue.
 */
void llmaccel_job_dead(struct llmaccel_job *job)
{
	INIT_WORK(&job->release_work, llmaccel_job_free_work);
	queue_work(llmaccel_free_wq, &job->release_work);
}

/*
 * The file is closed and no job of it can run any more: give the address
 * space back (device AS off, page tables freed, id free for the next
 * open), even while BOs of the context live on in mmaps or dma-bufs.
 * Process context: postclose() or a scheduler's free_job().
 */
static void llmaccel_ctx_as_release(struct kref *ref)
{
	struct llmaccel_ctx *ctx = container_of(ref, struct llmaccel_ctx,
						as_users);
	struct llmaccel_device *ldev = ctx->ldev;
	int idx;

	mutex_lock(&ldev->ctx_lock);
	list_del(&ctx->node);
	if (drm_dev_enter(&ldev->drm, &idx)) {
		if (ldev->hw_running)
			llmaccel_hw_as_disable(ldev, ctx->asid);
		drm_dev_exit(idx);
	}
	mutex_unlock(&ldev->ctx_lock);
	/* The disable's invalidate waited for accesses in flight. */
	llmaccel_mmu_release(&ctx->mmu);
	ida_free(&ldev->as_ida, ctx->asid);
}

void llmaccel_ctx_as_get(struct llmaccel_ctx *ctx)
{
	kref_get(&ctx->as_users);
}

void llmaccel_ctx_as_put(struct llmaccel_ctx *ctx)
{
	kref_put(&ctx->as_users, llmaccel_ctx_as_release);
}

static void llmaccel_ctx_free(struct llmaccel_ctx *ctx)
{
	struct llmaccel_device *ldev = ctx->ldev;
	unsigned int i;

	for (i = 0; i < LLMACCEL_JOB_RECORDS; i++)
		dma_fence_put(ctx->recs[i].done);
	kvfree(ctx->recs);
	drm_mm_takedown(&ctx->mm);
	llmaccel_mmu_fini(&ctx->mmu);
	mutex_destroy(&ctx->mm_lock);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
	drm_dev_put(&ldev->drm);
}

static void llmaccel_ctx_free_work(struct work_struct *work)
{
	llmaccel_ctx_free(container_of(work, struct llmaccel_ctx, free_work));
}

static void llmaccel_ctx_release(struct kref *ref)
{
	struct llmaccel_ctx *ctx = container_of(ref, struct llmaccel_ctx, ref);

	INIT_WORK(&ctx->free_work, llmaccel_ctx_free_work);
	queue_work(llmaccel_free_wq, &ctx->free_work);
}

static void llmaccel_ctx_release_now(struct kref *ref)
{
	llmaccel_ctx_free(container_of(ref, struct llmaccel_ctx, ref));
}

/* Any context: a last reference is released from a workqueue. */
void llmaccel_ctx_put(struct llmaccel_ctx *ctx)
{
	kref_put(&ctx->ref, llmaccel_ctx_release);
}

/*
 * postclose(): the usual last reference, released at once so the
 * address space is free for the next open(); the file still holds a
 * drm_device reference.
 */
static void llmaccel_ctx_put_sync(struct llmaccel_ctx *ctx)
{
	kref_put(&ctx->ref, llmaccel_ctx_release_now);
}

static int llmaccel_open(struct drm_device *drm, struct drm_file *file)
{
	struct llmaccel_device *ldev = to_llmaccel(drm);
	struct llmaccel_ctx *ctx;
	int ret, idx;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx) {
		ret = -ENOMEM;
		goto out;
	}
	ret = ida_alloc_max(&ldev->as_ida, ldev->num_as - 1, GFP_KERNEL);
	if (ret < 0) {
		kfree(ctx);
		ret = ret == -ENOSPC ? -EBUSY : ret;
		goto out;
	}
	ctx->asid = ret;
	ctx->recs = kvcalloc(LLMACCEL_JOB_RECORDS, sizeof(*ctx->recs),
			     GFP_KERNEL_ACCOUNT);
	ret = ctx->recs ? llmaccel_mmu_init(&ctx->mmu, drm->dev) : -ENOMEM;
	if (ret) {
		llmaccel_mmu_fini(&ctx->mmu);
		kvfree(ctx->recs);
		ida_free(&ldev->as_ida, ctx->asid);
		kfree(ctx);
		goto out;
	}
	kref_init(&ctx->ref);
	kref_init(&ctx->as_users);
	ctx->ldev = ldev;
	ctx->pid = task_tgid_nr(current);
	mutex_init(&ctx->lock);
	mutex_init(&ctx->mm_lock);
	spin_lock_init(&ctx->rec_lock);
	drm_mm_init(&ctx->mm, LLA_IOVA_MIN, LLA_IOVA_LIMIT - LLA_IOVA_MIN);
	ctx->next_job_id = 1;
	drm_dev_get(drm);		/* dropped by the context's release */

	mutex_lock(&ldev->ctx_lock);
	list_add_tail(&ctx->node, &ldev->ctx_list);
	/* During a reset the reset enables every listed context. */
	if (ldev->hw_running)
		llmaccel_hw_as_enable(ldev, ctx->asid, ctx->mmu.root.dma);
	mutex_unlock(&ldev->ctx_lock);

	file->driver_priv = ctx;
	ret = 0;
out:
	drm_dev_exit(idx);
	return ret;
}

/*
 * Closing the file cancels its jobs: with its address space off, a job of
 * the file that the device is running stops at its next memory access
 * (LLA_ERR_MMU_FAULT) and one it has not started is refused
 * (LLA_ERR_BAD_AS), so the queue is free for others at once; run_job()
 * and recovery cancel the rest (llmaccel_ctx_dead()).  The pages stay
 * pinned until the jobs are freed.
 */
static void llmaccel_ctx_close(struct llmaccel_ctx *ctx)
{
	struct llmaccel_device *ldev = ctx->ldev;
	int idx;

	mutex_lock(&ldev->ctx_lock);
	WRITE_ONCE(ctx->closed, true);
	if (drm_dev_enter(&ldev->drm, &idx)) {
		if (ldev->hw_running)
			llmaccel_hw_as_disable(ldev, ctx->asid);
		drm_dev_exit(idx);
	}
	mutex_unlock(&ldev->ctx_lock);
}

static void llmaccel_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct llmaccel_ctx *ctx = file->driver_priv;

	llmaccel_ctx_close(ctx);
	llmaccel_ctx_entities_fini(ctx);
	llmaccel_ctx_as_put(ctx);
	file->driver_priv = NULL;
	llmaccel_ctx_put_sync(ctx);
}

static void llmaccel_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	struct llmaccel_device *ldev = to_llmaccel(file->minor->dev);
	struct llmaccel_ctx *ctx = file->driver_priv;
	unsigned int i;

	for (i = 0; i < ldev->num_queues; i++)
		drm_printf(p, "drm-engine-q%u:\t%llu ns\n", i,
			   (u64)atomic64_read(&ctx->busy_ns[i]));
	drm_show_memory_stats(p, file);
	/*
	 * What the per-file limit counts: every BO this file created that is
	 * still alive, also one kept only by a dma-buf or a job.
	 */
	drm_printf(p, "llmaccel-pinned-memory:\t%llu KiB\n",
		   llmaccel_ctx_pinned(ctx) >> 10);
}

/* ---------------------------------------------------------------- */
/* QUERY                                                             */
/* ---------------------------------------------------------------- */

static void llmaccel_fill_info(struct llmaccel_device *ldev,
			       struct drm_llmaccel_device_info *info)
{
	memset(info, 0, sizeof(*info));
	info->hw_version = ldev->hw_version;
	info->caps = ldev->caps;
	info->num_queues = ldev->num_queues;
	info->num_as = ldev->num_as;
	info->opcodes = ldev->opcodes;
	info->wformats = ldev->wformats;
	info->max_m = ldev->max_m;
	info->max_n = ldev->max_n;
	info->max_k = ldev->max_k;
	info->max_ctx = ldev->max_ctx;
	info->clock_khz = ldev->clock_khz;
	info->preset = ldev->preset;
	info->max_cmdbuf = ldev->max_cmdbuf;
	info->ring_entries = 1u << ldev->ring_log2;
	info->pci_vendor = ldev->pdev->vendor;
	info->pci_device = ldev->pdev->device;
	info->iova_min = LLA_IOVA_MIN;
	info->iova_limit = LLA_IOVA_LIMIT;
	info->max_bo_size = ldev->max_bo_size;
	info->max_jobs_pending = LLMACCEL_JOB_RECORDS;
	info->driver_version = (DRIVER_MAJOR << 16) | DRIVER_MINOR;
}

static void *llmaccel_counters(struct llmaccel_device *ldev, u32 *size)
{
	struct drm_llmaccel_queue_counters *qc;
	struct drm_llmaccel_counters *c;
	u64 cnt[LLMACCEL_QCNT_NUM];
	unsigned int i;
	int idx;

	*size = sizeof(*c) + ldev->num_queues * sizeof(*qc);
	c = kzalloc(*size, GFP_KERNEL);
	if (!c)
		return NULL;
	qc = (void *)(c + 1);
	c->reset_count = atomic64_read(&ldev->reset_count);
	c->faults = atomic64_read(&ldev->faults);
	c->hangs = atomic64_read(&ldev->hangs);
	c->num_queues = ldev->num_queues;
	c->queue_elem_size = sizeof(*qc);
	if (drm_dev_enter(&ldev->drm, &idx)) {
		c->hw_reset_count = lla_rd(ldev, LLA_REG_RESET_COUNT);
		c->heartbeat = llmaccel_rd64(ldev, LLA_REG_HEARTBEAT_LO);
		c->cycles = llmaccel_rd64(ldev, LLA_REG_CYCLES_LO);
		drm_dev_exit(idx);
	}
	for (i = 0; i < ldev->num_queues; i++) {
		struct llmaccel_queue *q = &ldev->queues[i];
		unsigned long flags;

		llmaccel_queue_counters(q, cnt);
		qc[i].busy_cycles = cnt[LLMACCEL_QCNT_BUSY_CYCLES];
		qc[i].jobs = cnt[LLMACCEL_QCNT_JOBS];
		qc[i].commands = cnt[LLMACCEL_QCNT_COMMANDS];
		qc[i].macs = cnt[LLMACCEL_QCNT_MACS];
		qc[i].dma_rd_bytes = cnt[LLMACCEL_QCNT_DMA_RD];
		qc[i].dma_wr_bytes = cnt[LLMACCEL_QCNT_DMA_WR];
		qc[i].errors = cnt[LLMACCEL_QCNT_ERRORS];
		spin_lock_irqsave(&q->lock, flags);
		qc[i].submitted = q->submitted;
		spin_unlock_irqrestore(&q->lock, flags);
		qc[i].busy_ns = llmaccel_queue_busy_ns(q);
	}
	return c;
}

static int llmaccel_query_ioctl(struct drm_device *drm, void *data,
				struct drm_file *file)
{
	struct llmaccel_device *ldev = to_llmaccel(drm);
	struct drm_llmaccel_device_info info;
	struct drm_llmaccel_query *args = data;
	void *buf, *to_free = NULL;
	u32 have, len;
	int ret = 0;

	if (args->flags || args->pad)
		return -EINVAL;

	switch (args->query) {
	case DRM_LLMACCEL_QUERY_DEVICE_INFO:
		llmaccel_fill_info(ldev, &info);
		buf = &info;
		have = sizeof(info);
		break;
	case DRM_LLMACCEL_QUERY_COUNTERS:
		buf = llmaccel_counters(ldev, &have);
		if (!buf)
			return -ENOMEM;
		to_free = buf;
		break;
	default:
		return -EINVAL;
	}

	len = llmaccel_query_copy_len(args->data, args->size, have);
	if (len && copy_to_user(u64_to_user_ptr(args->data), buf, len))
		ret = -EFAULT;
	else
		args->size = have;
	kfree(to_free);
	return ret;
}

/* ---------------------------------------------------------------- */
/* DRM driver                                                        */
/* ---------------------------------------------------------------- */

static const struct drm_ioctl_desc llmaccel_ioctls[] = {
	DRM_IOCTL_DEF_DRV(LLMACCEL_QUERY, llmaccel_query_ioctl, 0),
	DRM_IOCTL_DEF_DRV(LLMACCEL_BO_CREATE, llmaccel_bo_create_ioctl, 0),
	DRM_IOCTL_DEF_DRV(LLMACCEL_BO_INFO, llmaccel_bo_info_ioctl, 0),
	DRM_IOCTL_DEF_DRV(LLMACCEL_SUBMIT, llmaccel_submit_ioctl, 0),
	DRM_IOCTL_DEF_DRV(LLMACCEL_WAIT, llmaccel_wait_ioctl, 0),
	DRM_IOCTL_DEF_DRV(LLMACCEL_JOB_STATUS, llmaccel_job_status_ioctl, 0),
};

static const struct drm_driver llmaccel_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.open = llmaccel_open,
	.postclose = llmaccel_postclose,
	.show_fdinfo = llmaccel_show_fdinfo,
	.gem_create_object = llmaccel_gem_create_object,
	.ioctls = llmaccel_ioctls,
	.num_ioctls = ARRAY_SIZE(llmaccel_ioctls),
	.fops = &llmaccel_fops,
	.name = DRIVER_NAME,
	.desc = DRIVER_DESC,
	LLA_DRIVER_DATE
	.major = DRIVER_MAJOR,
	.minor = DRIVER_MINOR,
};

/* ---------------------------------------------------------------- */
/* PCI                                                               */
/* ---------------------------------------------------------------- */

static int llmaccel_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct llmaccel_device *ldev;
	int ret;

	ldev = devm_drm_dev_alloc(&pdev->dev, &llmaccel_drm_driver,
				  struct llmaccel_device, drm);
	if (IS_ERR(ldev))
		return PTR_ERR(ldev);
	ldev->pdev = pdev;
	pci_set_drvdata(pdev, ldev);
	ida_init(&ldev->as_ida);
	mutex_init(&ldev->ctx_lock);
	INIT_LIST_HEAD(&ldev->ctx_list);
	spin_lock_init(&ldev->pin_lock);
	mutex_init(&ldev->bo_lock);
	INIT_LIST_HEAD(&ldev->bo_list);
	ldev->load_time = ktime_get();
	/* Pages are allocated at creation: keep one BO from eating all RAM. */
	ldev->max_bo_size = min_t(u64, LLMACCEL_MAX_BO_SIZE,
				  ((u64)totalram_pages() << PAGE_SHIFT) / 2);
	ldev->max_bo_size &= PAGE_MASK;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(52));
	if (ret)
		return ret;
	ldev->regs = pcim_iomap_region(pdev, LLA_BAR_REGS, DRIVER_NAME);
	if (IS_ERR(ldev->regs))
		return PTR_ERR(ldev->regs);
	if (pci_resource_len(pdev, LLA_BAR_REGS) < LLA_BAR_REGS_SIZE)
		return -ENODEV;
	pci_set_master(pdev);

	ret = llmaccel_hw_probe(ldev);
	if (ret)
		return ret;
	ret = llmaccel_hw_init(ldev);
	if (ret)
		return ret;
	ret = llmaccel_sched_init(ldev);
	if (ret)
		return ret;
	ret = llmaccel_irq_init(ldev);
	if (ret)
		return ret;

	/* Start from a known state whatever ran before us. */
	ret = llmaccel_hw_reset(ldev);
	if (ret)
		return ret;
	mutex_lock(&ldev->ctx_lock);
	llmaccel_hw_start(ldev);
	mutex_unlock(&ldev->ctx_lock);

	ret = llmaccel_sysfs_init(ldev);
	if (ret)
		goto err_stop;
	llmaccel_debugfs_init(ldev);

	ret = drm_dev_register(&ldev->drm, 0);
	if (ret)
		goto err_stop;
	return 0;

err_stop:
	llmaccel_hw_stop(ldev);
	llmaccel_hw_reset(ldev);
	return ret;
}

/*
 * The device is gone (unplugged, stopped, its jobs completed): give back
 * every DMA allocation and mapping before the driver lets go of it: the
 * page tables of contexts whose files are still open, BOs' scatter-gather
 * mappings (their pages stay for CPU mappings), the rings.  Those files
 * only get -ENODEV from now on; their BOs unmap nothing when freed.
 */
static void llmaccel_release_dma(struct llmaccel_device *ldev)
{
	struct llmaccel_ctx *ctx;

	mutex_lock(&ldev->ctx_lock);
	list_for_each_entry(ctx, &ldev->ctx_list, node)
		llmaccel_mmu_release(&ctx->mmu);
	mutex_unlock(&ldev->ctx_lock);
	llmaccel_gem_release_dma(ldev);
	llmaccel_hw_release_dma(ldev);
}

static void llmaccel_remove(struct pci_dev *pdev)
{
	struct llmaccel_device *ldev = pci_get_drvdata(pdev);

	drm_dev_unplug(&ldev->drm);
	llmaccel_recovery_unplug(ldev);
	llmaccel_release_dma(ldev);
	pci_clear_master(pdev);
}

/*
 * Vendor, device and class together: a function that reuses the IDs for
 * something else (another class) is not ours to drive.
 */
static const struct pci_device_id llmaccel_pci_ids[] = {
	{ PCI_DEVICE(LLA_PCI_VENDOR_ID, LLA_PCI_DEVICE_ID),
	  .class = LLA_PCI_CLASS << 8, .class_mask = 0xffff00 },
	{ }
};
MODULE_DEVICE_TABLE(pci, llmaccel_pci_ids);

static struct pci_driver llmaccel_pci_driver = {
	.name = DRIVER_NAME,
	.id_table = llmaccel_pci_ids,
	.probe = llmaccel_probe,
	.remove = llmaccel_remove,
};

static int __init llmaccel_init(void)
{
	int ret;

	llmaccel_free_wq = alloc_workqueue("llmaccel-free", WQ_UNBOUND, 0);
	if (!llmaccel_free_wq)
		return -ENOMEM;
	ret = pci_register_driver(&llmaccel_pci_driver);
	if (ret)
		destroy_workqueue(llmaccel_free_wq);
	return ret;
}

static void __exit llmaccel_exit(void)
{
	pci_unregister_driver(&llmaccel_pci_driver);
	/*
	 * No job is alive (each holds a module reference), but the last
	 * context and job releases may still be running: wait for them, and
	 * with them for the devices' release.
	 */
	destroy_workqueue(llmaccel_free_wq);
}

module_init(llmaccel_init);
module_exit(llmaccel_exit);

MODULE_AUTHOR("The llmaccel authors");
MODULE_DESCRIPTION(DRIVER_DESC);
MODULE_LICENSE("Dual MIT/GPL");
MODULE_VERSION("1.0");

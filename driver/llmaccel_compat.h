/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * llmaccel_compat.h: every difference between the kernels we build for
 * (Debian's 6.12.y first) and newer ones, in one place.
 *
 * Distribution kernels backport DRM scheduler API changes, so every
 * switch comes from a header probe in the top-level Kbuild (LLA_HAVE_*),
 * not from LINUX_VERSION_CODE.
 */
#ifndef LLMACCEL_COMPAT_H
#define LLMACCEL_COMPAT_H

#include <linux/module.h>
#include <drm/gpu_scheduler.h>
#include <drm/drm_file.h>

/*
 * drm_sched_init(): positional arguments until 6.15 (and 6.12.y before
 * the backport), struct drm_sched_init_args since.
 */
static inline int lla_sched_init(struct drm_gpu_scheduler *sched,
				 const struct drm_sched_backend_ops *ops,
				 struct workqueue_struct *timeout_wq,
				 u32 credit_limit, long timeout,
				 const char *name, struct device *dev)
{
#ifdef LLA_HAVE_SCHED_INIT_ARGS
	const struct drm_sched_init_args args = {
		.ops = ops,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		.credit_limit = credit_limit,
		.hang_limit = 0,
		.timeout = timeout,
		.timeout_wq = timeout_wq,
		.name = name,
		.dev = dev,
	};

	return drm_sched_init(sched, &args);
#else
	return drm_sched_init(sched, ops, NULL, DRM_SCHED_PRIORITY_COUNT,
			      credit_limit, 0, timeout, timeout_wq, NULL,
			      name, dev);
#endif
}

/* drm_sched_job_init() gained the fdinfo client id in 6.16. */
static inline int lla_sched_job_init(struct drm_sched_job *job,
				     struct drm_sched_entity *entity,
				     void *owner, struct drm_file *file)
{
#ifdef LLA_HAVE_SCHED_CLIENT_ID
	return drm_sched_job_init(job, entity, 1, owner, file->client_id);
#else
	return drm_sched_job_init(job, entity, 1, owner);
#endif
}

/*
 * A timeout that finds the device still making progress.  On 6.12 the
 * scheduler took the job off the pending list before calling
 * timedout_job(); when no reset follows, the driver must put it back
 * (as etnaviv and v3d do), or the job is never freed.  Newer kernels
 * have DRM_GPU_SCHED_STAT_NO_HANG, which makes the scheduler do it.
 */
/*
 * Put a job that the timeout handler took off the pending list back.  If
 * its fence signalled meanwhile, the free worker already ran and did not
 * find it: run it again, or the job, its BOs and its context live until
 * another job of the queue completes (upstream closed the same gap with
 * drm_sched_job_reinsert_on_false_timeout()).  drm_sched_wqueue_start()
 * is the one exported way to queue the free worker on 6.12.
 */
static inline void lla_sched_job_reinsert(struct drm_sched_job *job)
{
	struct drm_gpu_scheduler *sched = job->sched;
	bool signaled;

	/*
	 * Test the fence before the lock is dropped: from then on the free
	 * worker may take the job and free_job() clear job->s_fence.
	 */
	spin_lock(&sched->job_list_lock);
	list_add(&job->list, &sched->pending_list);
	signaled = dma_fence_is_signaled(&job->s_fence->finished);
	spin_unlock(&sched->job_list_lock);
	if (signaled)
		drm_sched_wqueue_start(sched);
}

static inline enum drm_gpu_sched_stat
lla_sched_job_not_hung(struct drm_sched_job *job)
{
#ifdef LLA_HAVE_SCHED_STAT_NO_HANG
	return DRM_GPU_SCHED_STAT_NO_HANG;
#else
	lla_sched_job_reinsert(job);
	return DRM_GPU_SCHED_STAT_NOMINAL;
#endif
}

/*
 * After a reset the driver completed (or re-queued) the timed-out job
 * itself, so it must be on the pending list again for free_job()
 * (lla_sched_job_reinsert()).
 * DRM_GPU_SCHED_STAT_NOMINAL is spelled DRM_GPU_SCHED_STAT_RESET since
 * 6.17.
 */
#ifdef LLA_HAVE_SCHED_STAT_NO_HANG
#define LLA_SCHED_STAT_RESET	DRM_GPU_SCHED_STAT_RESET
#else
#define LLA_SCHED_STAT_RESET	DRM_GPU_SCHED_STAT_NOMINAL
#endif

/* MODULE_IMPORT_NS() takes a string literal since 6.13. */
#ifdef LLA_HAVE_IMPORT_NS_STRING
#define LLA_MODULE_IMPORT_NS(ns)	MODULE_IMPORT_NS(#ns)
#else
#define LLA_MODULE_IMPORT_NS(ns)	MODULE_IMPORT_NS(ns)
#endif

/* drm_driver.date was removed in 6.14. */
#ifdef LLA_HAVE_DRIVER_DATE
#define LLA_DRIVER_DATE		.date = "20261128",
#else
#define LLA_DRIVER_DATE
#endif

#endif /* LLMACCEL_COMPAT_H */

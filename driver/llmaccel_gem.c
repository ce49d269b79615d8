// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel_gem.c: buffer objects.
 *
 * shmem-backed GEM objects, created by BO_CREATE in the caller's context:
 * the pages are pinned and DMA-mapped once (drm_gem_shmem_get_pages_sgt),
 * a device address range is allocated from the context's drm_mm and the
 * pages are mapped there for the object's whole life.  The object holds a
 * reference on the context, so the address space outlives every mapping
 * in it, even when jobs keep objects alive after the file is closed.
 *
 * Pinned pages cannot be reclaimed or swapped, so their total is bounded:
 * per file and per device (module parameters below).  BO_CREATE charges
 * the BO's size to its context and its device before allocating anything
 * and fails with -ENOSPC beyond either limit; the object's free returns
 * the bytes after its pages are released, whoever drops the last
 * reference (handle, mmap, job, dma-buf).
 */
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>

#include "llmaccel_drv.h"
#include "llmaccel_pt.h"

/*
 * 0 selects the default, computed from the RAM the kernel manages when
 * the limit is checked.  Writable at run time: a lower limit only stops
 * new BOs, nothing already pinned is taken away.
 */
static unsigned int pin_limit_mb;
module_param(pin_limit_mb, uint, 0644);
MODULE_PARM_DESC(pin_limit_mb,
		 "most MiB of BO memory pinned on one device, all files together; 0 (default): 3/4 of RAM minus 256 MiB, at least 1/4 of RAM, so the rest of the system keeps at least a quarter of RAM");

static unsigned int pin_limit_file_mb;
module_param(pin_limit_file_mb, uint, 0644);
MODULE_PARM_DESC(pin_limit_file_mb,
		 "most MiB of BO memory pinned by one open file; 0 (default): 3/4 of the device limit, so one file cannot take the whole device");

/* Kept free by the default device limit, beyond the quarter of RAM. */
#define LLMACCEL_PIN_RESERVE	SZ_256M

/* The limits in force now, in bytes (page multiples). */
void llmaccel_pin_limits(u64 *dev_limit, u64 *file_limit)
{
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;
	unsigned int dev_mb = READ_ONCE(pin_limit_mb);
	unsigned int file_mb = READ_ONCE(pin_limit_file_mb);
	u64 dev, three_q = ram / 4 * 3;

	if (dev_mb)
		dev = (u64)dev_mb << 20;
	else if (three_q - ram / 4 > LLMACCEL_PIN_RESERVE)
		dev = three_q - LLMACCEL_PIN_RESERVE;
	else
		dev = ram / 4;
	*dev_limit = dev & PAGE_MASK;
	*file_limit = (file_mb ? (u64)file_mb << 20 : dev / 4 * 3) & PAGE_MASK;
}

u64 llmaccel_dev_pinned(struct llmaccel_device *ldev)
{
	u64 v;

	spin_lock(&ldev->pin_lock);
	v = ldev->pinned;
	spin_unlock(&ldev->pin_lock);
	return v;
}

u64 llmaccel_ctx_pinned(struct llmaccel_ctx *ctx)
{
	u64 v;

	spin_lock(&ctx->ldev->pin_lock);
	v = ctx->pinned;
	spin_unlock(&ctx->ldev->pin_lock);
	return v;
}

static bool llmaccel_pin_fits(struct llmaccel_ctx *ctx, u64 size)
{
	struct llmaccel_device *ldev = ctx->ldev;
	u64 dev_limit, file_limit;

	lockdep_assert_held(&ldev->pin_lock);
	llmaccel_pin_limits(&dev_limit, &file_limit);
	return ctx->pinned + size <= file_limit &&
	       ldev->pinned + size <= dev_limit;
}

/* Before anything is allocated: -ENOSPC beyond a limit, nothing charged. */
static int llmaccel_pin_charge(struct llmaccel_ctx *ctx, u64 size)
{
	struct llmaccel_device *ldev = ctx->ldev;
	int ret = -ENOSPC;

	spin_lock(&ldev->pin_lock);
	if (llmaccel_pin_fits(ctx, size)) {
		ctx->pinned += size;
		ldev->pinned += size;
		ret = 0;
	}
	spin_unlock(&ldev->pin_lock);
	return ret;
}

static void llmaccel_pin_uncharge(struct llmaccel_ctx *ctx, u64 size)
{
	struct llmaccel_device *ldev = ctx->ldev;

	spin_lock(&ldev->pin_lock);
	WARN_ON(ctx->pinned < size || ldev->pinned < size);
	ctx->pinned -= size;
	ldev->pinned -= size;
	spin_unlock(&ldev->pin_lock);
}

static void llmaccel_bo_free(struct drm_gem_object *obj)
{
	struct llmaccel_device *dev = to_llmaccel(obj->dev);
	struct llmaccel_bo *bo = to_llmaccel_bo(obj);
	struct llmaccel_ctx *ctx = bo->ctx;
	u64 pinned = bo->pinned;

	mutex_lock(&dev->bo_lock);
	list_del(&bo->dev_node);
	mutex_unlock(&dev->bo_lock);

	if (ctx) {
		struct llmaccel_device *ldev = ctx->ldev;
		int idx;

		if (drm_mm_node_allocated(&bo->node)) {
			if (llmaccel_mmu_unmap(&ctx->mmu, bo->node.start,
					       bo->node.size) &&
			    drm_dev_enter(&ldev->drm, &idx)) {
				if (ldev->hw_running)
					llmaccel_hw_mmu_invalidate(ldev,
								   ctx->asid);
				drm_dev_exit(idx);
			}
			mutex_lock(&ctx->mm_lock);
			drm_mm_remove_node(&bo->node);
			mutex_unlock(&ctx->mm_lock);
		}
	}
	drm_gem_shmem_free(&bo->base);
	/* The pages are released (bo is gone): return their bytes. */
	if (ctx) {
		llmaccel_pin_uncharge(ctx, pinned);
		llmaccel_ctx_put(ctx);
	}
}

static enum drm_gem_object_status llmaccel_bo_status(struct drm_gem_object *obj)
{
	/* Pinned for life: always resident. */
	return DRM_GEM_OBJECT_RESIDENT;
}

static size_t llmaccel_bo_rss(struct drm_gem_object *obj)
{
	return to_drm_gem_shmem_obj(obj)->pages ? obj->size : 0;
}

/*
 * A mapping keeps the object, not the DRM file: with the file as vm_file,
 * an mmap would keep a closed file open, and with it its context's
 * address space (one of NUM_AS).  The pages come from the object's shmem
 * file anyway.
 */
static int llmaccel_bo_mmap(struct drm_gem_object *obj,
			    struct vm_area_struct *vma)
{
	int ret = drm_gem_shmem_object_mmap(obj, vma);

	if (!ret && !obj->import_attach)
		vma_set_file(vma, obj->filp);
	return ret;
}

static const struct drm_gem_object_funcs llmaccel_gem_funcs = {
	.free = llmaccel_bo_free,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = llmaccel_bo_mmap,
	.status = llmaccel_bo_status,
	.rss = llmaccel_bo_rss,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

bool llmaccel_is_bo(struct drm_gem_object *obj)
{
	return obj->funcs == &llmaccel_gem_funcs;
}

/*
 * remove(): the device is stopped and unplugged.  The DMA API wants every
 * mapping undone before the driver lets go of the device, but BOs of open
 * files, mmaps and dma-bufs live on: drop their scatter-gather mappings
 * now; their pages stay (CPU mappings), and drm_gem_shmem_free() finds no
 * sgt to unmap later.
 */
void llmaccel_gem_release_dma(struct llmaccel_device *ldev)
{
	struct llmaccel_bo *bo;

	mutex_lock(&ldev->bo_lock);
	list_for_each_entry(bo, &ldev->bo_list, dev_node) {
		struct drm_gem_shmem_object *shmem = &bo->base;

		dma_resv_lock(shmem->base.resv, NULL);
		if (shmem->sgt) {
			dma_unmap_sgtable(ldev->drm.dev, shmem->sgt,
					  DMA_BIDIRECTIONAL, 0);
			sg_free_table(shmem->sgt);
			kfree(shmem->sgt);
			shmem->sgt = NULL;
		}
		dma_resv_unlock(shmem->base.resv);
	}
	mutex_unlock(&ldev->bo_lock);
}

struct drm_gem_object *llmaccel_gem_create_object(struct drm_device *drm,
						  size_t size)
{
	struct llmaccel_bo *bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);

	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.base.funcs = &llmaccel_gem_funcs;
	INIT_LIST_HEAD(&bo->dev_node);
	return &bo->base.base;
}

static struct llmaccel_bo *llmaccel_bo_create(struct llmaccel_ctx *ctx,
					      u64 size, u32 flags)
{
	struct llmaccel_device *ldev = ctx->ldev;
	struct drm_gem_shmem_object *shmem;
	struct llmaccel_bo *bo;
	struct sg_table *sgt;
	int ret, idx;

	ret = llmaccel_pin_charge(ctx, size);
	if (ret)
		return ERR_PTR(ret);
	shmem = drm_gem_shmem_create(&ldev->drm, size);
	if (IS_ERR(shmem)) {
		llmaccel_pin_uncharge(ctx, size);
		return ERR_CAST(shmem);
	}
	bo = container_of(shmem, struct llmaccel_bo, base);
	bo->flags = flags;
	/* From here on llmaccel_bo_free() returns the charge. */
	llmaccel_ctx_get(ctx);
	bo->ctx = ctx;
	bo->pinned = size;

	/*
	 * Unbind waits for this section, then undoes every BO's DMA mapping
	 * it finds on the list (llmaccel_gem_release_dma()).
	 */
	if (!drm_dev_enter(&ldev->drm, &idx)) {
		ret = -ENODEV;
		goto err_put;
	}
	sgt = drm_gem_shmem_get_pages_sgt(shmem);
	if (!IS_ERR(sgt)) {
		mutex_lock(&ldev->bo_lock);
		list_add_tail(&bo->dev_node, &ldev->bo_list);
		mutex_unlock(&ldev->bo_lock);
	}
	drm_dev_exit(idx);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto err_put;
	}

	mutex_lock(&ctx->mm_lock);
	/* A guard page after each buffer catches small overruns. */
	ret = drm_mm_insert_node_in_range(&ctx->mm, &bo->node,
					  shmem->base.size + LLA_PAGE_SIZE,
					  LLA_PAGE_SIZE, 0, LLA_IOVA_MIN,
					  LLA_IOVA_LIMIT, DRM_MM_INSERT_BEST);
	mutex_unlock(&ctx->mm_lock);
	if (ret)
		goto err_put;

	ret = llmaccel_mmu_map_sgt(&ctx->mmu, bo->node.start, sgt,
				   shmem->base.size,
				   !(flags & DRM_LLMACCEL_BO_DEVICE_READ_ONLY));
	if (ret)
		goto err_put;
	return bo;

err_put:
	/* llmaccel_bo_free() undoes whatever was done. */
	drm_gem_object_put(&shmem->base);
	return ERR_PTR(ret);
}

int llmaccel_bo_create_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct llmaccel_ctx *ctx = file->driver_priv;
	struct drm_llmaccel_bo_create *args = data;
	struct llmaccel_bo *bo;
	u32 handle;
	int ret;

	if (args->flags & ~DRM_LLMACCEL_BO_FLAGS)
		return -EINVAL;
	if (!args->size || args->size > ctx->ldev->max_bo_size)
		return -EINVAL;

	bo = llmaccel_bo_create(ctx, PAGE_ALIGN(args->size), args->flags);
	if (IS_ERR(bo))
		return PTR_ERR(bo);

	ret = drm_gem_handle_create(file, &bo->base.base, &handle);
	if (!ret) {
		args->handle = handle;
		args->iova = bo->node.start;
	}
	drm_gem_object_put(&bo->base.base);
	return ret;
}

int llmaccel_bo_info_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct llmaccel_ctx *ctx = file->driver_priv;
	struct drm_llmaccel_bo_info *args = data;
	struct drm_gem_object *obj;
	struct llmaccel_bo *bo;
	int ret;

	if (args->flags)
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	if (obj->funcs != &llmaccel_gem_funcs ||
	    to_llmaccel_bo(obj)->ctx != ctx) {
		ret = -EINVAL;
		goto out;
	}
	bo = to_llmaccel_bo(obj);
	ret = drm_gem_create_mmap_offset(obj);
	if (ret)
		goto out;
	args->mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
	args->size = obj->size;
	args->iova = bo->node.start;
	args->bo_flags = bo->flags;
	args->pad = 0;
out:
	drm_gem_object_put(obj);
	return ret;
}

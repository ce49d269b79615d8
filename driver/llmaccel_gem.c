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
 */
#include <linux/sizes.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>

#include "llmaccel_drv.h"
#include "llmaccel_pt.h"

static void llmaccel_bo_free(struct drm_gem_object *obj)
{
	struct llmaccel_bo *bo = to_llmaccel_bo(obj);
	struct llmaccel_ctx *ctx = bo->ctx;

	if (ctx) {
		struct llmaccel_device *ldev = ctx->ldev;
		int idx;

		if (drm_mm_node_allocated(&bo->node)) {
			llmaccel_mmu_unmap(&ctx->mmu, bo->node.start,
					   bo->node.size);
			if (drm_dev_enter(&ldev->drm, &idx)) {
				if (ldev->hw_running)
					llmaccel_hw_mmu_invalidate(ldev,
								   ctx->asid);
				drm_dev_exit(idx);
			}
			mutex_lock(&ctx->mm_lock);
			drm_mm_remove_node(&bo->node);
			mutex_unlock(&ctx->mm_lock);
		}
		llmaccel_ctx_put(ctx);
	}
	drm_gem_shmem_free(&bo->base);
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

static const struct drm_gem_object_funcs llmaccel_gem_funcs = {
	.free = llmaccel_bo_free,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.status = llmaccel_bo_status,
	.rss = llmaccel_bo_rss,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

bool llmaccel_is_bo(struct drm_gem_object *obj)
{
	return obj->funcs == &llmaccel_gem_funcs;
}

struct drm_gem_object *llmaccel_gem_create_object(struct drm_device *drm,
						  size_t size)
{
	struct llmaccel_bo *bo = kzalloc(sizeof(*bo), GFP_KERNEL);

	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.base.funcs = &llmaccel_gem_funcs;
	return &bo->base.base;
}

static struct llmaccel_bo *llmaccel_bo_create(struct llmaccel_ctx *ctx,
					      u64 size, u32 flags)
{
	struct llmaccel_device *ldev = ctx->ldev;
	struct drm_gem_shmem_object *shmem;
	struct llmaccel_bo *bo;
	struct sg_table *sgt;
	int ret;

	shmem = drm_gem_shmem_create(&ldev->drm, size);
	if (IS_ERR(shmem))
		return ERR_CAST(shmem);
	bo = container_of(shmem, struct llmaccel_bo, base);
	bo->flags = flags;

	sgt = drm_gem_shmem_get_pages_sgt(shmem);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto err_put;
	}

	llmaccel_ctx_get(ctx);
	bo->ctx = ctx;
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

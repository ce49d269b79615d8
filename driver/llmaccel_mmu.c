// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel_mmu.c: the device page tables of one context.
 *
 * Four levels of 512 little-endian 64-bit entries in DMA-coherent pages
 * (docs/hw-spec.md section 5).  Tables below the root are allocated when
 * a mapping first needs them and freed with the context; unmapping only
 * clears leaf entries (the caller then invalidates the device's cache).
 * The index and entry arithmetic is in llmaccel_pt.h.
 */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "llmaccel_drv.h"
#include "llmaccel_pt.h"

static int llmaccel_pt_alloc(struct llmaccel_mmu *mmu, struct llmaccel_pt *pt,
			     bool leaf)
{
	pt->cpu = dma_alloc_coherent(mmu->dev, LLA_PAGE_SIZE, &pt->dma,
				     GFP_KERNEL);
	if (!pt->cpu)
		return -ENOMEM;
	if (!llmaccel_pte_addr_ok(pt->dma)) {
		dma_free_coherent(mmu->dev, LLA_PAGE_SIZE, pt->cpu, pt->dma);
		pt->cpu = NULL;
		return -EIO;
	}
	if (!leaf) {
		pt->child = kcalloc(LLA_PT_ENTRIES, sizeof(*pt->child),
				    GFP_KERNEL);
		if (!pt->child) {
			dma_free_coherent(mmu->dev, LLA_PAGE_SIZE, pt->cpu,
					  pt->dma);
			pt->cpu = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

static void llmaccel_pt_free(struct llmaccel_mmu *mmu, struct llmaccel_pt *pt)
{
	unsigned int i;

	if (pt->child) {
		for (i = 0; i < LLA_PT_ENTRIES; i++) {
			if (pt->child[i]) {
				llmaccel_pt_free(mmu, pt->child[i]);
				kfree(pt->child[i]);
			}
		}
		kfree(pt->child);
		pt->child = NULL;
	}
	if (pt->cpu)
		dma_free_coherent(mmu->dev, LLA_PAGE_SIZE, pt->cpu, pt->dma);
	pt->cpu = NULL;
}

int llmaccel_mmu_init(struct llmaccel_mmu *mmu, struct device *dev)
{
	mmu->dev = dev;
	mutex_init(&mmu->lock);
	return llmaccel_pt_alloc(mmu, &mmu->root, false);
}

/*
 * Free every table once the device can no longer walk them (its address
 * space is disabled and invalidated); later maps fail, unmaps do nothing.
 */
void llmaccel_mmu_release(struct llmaccel_mmu *mmu)
{
	mutex_lock(&mmu->lock);
	llmaccel_pt_free(mmu, &mmu->root);
	mmu->released = true;
	mutex_unlock(&mmu->lock);
}

void llmaccel_mmu_fini(struct llmaccel_mmu *mmu)
{
	llmaccel_pt_free(mmu, &mmu->root);
	mutex_destroy(&mmu->lock);
}

/* The leaf table covering @iova, allocated on the way when @alloc. */
static struct llmaccel_pt *llmaccel_pt_walk(struct llmaccel_mmu *mmu,
					    u64 iova, bool alloc)
{
	struct llmaccel_pt *pt = &mmu->root;
	unsigned int level;

	for (level = LLA_PT_LEVELS - 1; level > 0; level--) {
		u32 i = llmaccel_pt_index(iova, level);
		struct llmaccel_pt *next = pt->child[i];

		if (!next) {
			if (!alloc)
				return NULL;
			next = kzalloc(sizeof(*next), GFP_KERNEL);
			if (!next)
				return NULL;
			if (llmaccel_pt_alloc(mmu, next, level == 1)) {
				kfree(next);
				return NULL;
			}
			pt->child[i] = next;
			WRITE_ONCE(pt->cpu[i],
				   cpu_to_le64(llmaccel_pte_table(next->dma)));
		}
		pt = next;
	}
	return pt;
}

static void llmaccel_mmu_clear(struct llmaccel_mmu *mmu, u64 iova, u64 size)
{
	u64 end = iova + size;

	while (iova < end) {
		struct llmaccel_pt *pt = llmaccel_pt_walk(mmu, iova, false);
		u64 next = (iova | ((LLA_PAGE_SIZE << 9) - 1)) + 1;

		if (pt) {
			for (; iova < end && iova < next;
			     iova += LLA_PAGE_SIZE)
				WRITE_ONCE(pt->cpu[llmaccel_pt_index(iova, 0)],
					   0);
		}
		iova = next;
	}
}

/*
 * Map the DMA addresses of @sgt at [@iova, @iova + @size).  Adding
 * mappings needs no invalidation: the device never caches invalid
 * entries.
 */
int llmaccel_mmu_map_sgt(struct llmaccel_mmu *mmu, u64 iova,
			 struct sg_table *sgt, u64 size, bool writable)
{
	u64 start = iova, end = iova + size;
	struct scatterlist *sg;
	unsigned int i;
	int ret = 0;

	if (!llmaccel_iova_range_ok(iova, size))
		return -EINVAL;
	mutex_lock(&mmu->lock);
	if (mmu->released) {
		mutex_unlock(&mmu->lock);
		return -ENODEV;
	}
	for_each_sgtable_dma_sg(sgt, sg, i) {
		dma_addr_t addr = sg_dma_address(sg);
		u64 len = sg_dma_len(sg);

		if ((addr | len) & (LLA_PAGE_SIZE - 1)) {
			ret = -EINVAL;
			goto fail;
		}
		for (; len && iova < end; len -= LLA_PAGE_SIZE) {
			struct llmaccel_pt *pt = llmaccel_pt_walk(mmu, iova,
								  true);

			if (!pt) {
				ret = -ENOMEM;
				goto fail;
			}
			WRITE_ONCE(pt->cpu[llmaccel_pt_index(iova, 0)],
				   cpu_to_le64(llmaccel_pte_page(addr,
								 writable)));
			addr += LLA_PAGE_SIZE;
			iova += LLA_PAGE_SIZE;
		}
	}
	if (iova != end)
		ret = -EINVAL;
	else
		goto out;
fail:
	llmaccel_mmu_clear(mmu, start, iova - start);
out:
	mutex_unlock(&mmu->lock);
	/* Entries are in coherent memory: order them before any doorbell. */
	wmb();
	return ret;
}

/*
 * Returns true when entries were cleared: the caller then invalidates the
 * address space before reusing the pages.  False once the tables are
 * released (the device cannot reach them).
 */
bool llmaccel_mmu_unmap(struct llmaccel_mmu *mmu, u64 iova, u64 size)
{
	bool live;

	mutex_lock(&mmu->lock);
	live = !mmu->released;
	if (live)
		llmaccel_mmu_clear(mmu, iova, size);
	mutex_unlock(&mmu->lock);
	/* Cleared entries before the invalidate register write. */
	wmb();
	return live;
}

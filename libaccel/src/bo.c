// SPDX-License-Identifier: MIT
/* Buffer objects and tensors. */
#include <stdlib.h>
#include <string.h>
#include "accel_priv.h"
#include "llmaccel_model.h"

void accel_bo_get(accel_bo *bo)
{
	atomic_fetch_add(&bo->refs, 1);
}

void accel_bo_put(accel_bo *bo)
{
	accel_device *dev = bo->dev;

	if (atomic_fetch_sub(&bo->refs, 1) != 1)
		return;
	dev->ops->bo_destroy(dev, bo);
	free(bo);
	accel_device_put(dev);
}

int accel_bo_alloc(accel_device *dev, uint64_t size, uint32_t flags,
		   accel_bo **out)
{
	accel_bo *bo;
	int err;

	if (!out)
		return accel_err(-EINVAL, "accel_bo_alloc: out is NULL");
	*out = NULL;
	if (!dev)
		return accel_err(-EINVAL, "accel_bo_alloc: dev is NULL");
	if (!size || size > ACCEL_BO_MAX_SIZE)
		return accel_err(-EINVAL,
				 "accel_bo_alloc: size must be between 1 and 2^40 bytes (got %llu)",
				 (unsigned long long)size);
	if (size > dev->caps.max_bo_size)
		return accel_err(-ENOSPC,
				 "accel_bo_alloc: size %llu exceeds the device's largest buffer (%llu bytes)",
				 (unsigned long long)size,
				 (unsigned long long)dev->caps.max_bo_size);
	if (flags & ~ACCEL_BO_FLAGS)
		return accel_err(-EINVAL,
				 "accel_bo_alloc: flags has unknown bits %#x",
				 flags & ~ACCEL_BO_FLAGS);
	if (atomic_load(&dev->closed))
		return accel_err(-ESHUTDOWN, "accel_bo_alloc: device is closed");
	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return accel_err(-ENOMEM, "accel_bo_alloc: out of memory");
	atomic_init(&bo->refs, 1);
	bo->dev = dev;
	bo->size = size;
	bo->alloc_size = (size + LLA_PAGE_SIZE - 1) & ~(LLA_PAGE_SIZE - 1);
	bo->flags = flags;
	err = dev->ops->bo_create(dev, bo);
	if (err) {
		free(bo);
		return err;
	}
	accel_device_get(dev);
	*out = bo;
	return 0;
}

void accel_bo_free(accel_bo *bo)
{
	if (bo)
		accel_bo_put(bo);
}

int accel_bo_map(accel_bo *bo, void **ptr)
{
	if (ptr)
		*ptr = NULL;
	if (!bo)
		return accel_err(-EINVAL, "accel_bo_map: bo is NULL");
	if (!ptr)
		return accel_err(-EINVAL, "accel_bo_map: ptr is NULL");
	*ptr = bo->map;
	return 0;
}

uint64_t accel_bo_iova(const accel_bo *bo)
{
	return bo ? bo->iova : 0;
}

uint64_t accel_bo_size(const accel_bo *bo)
{
	return bo ? bo->size : 0;
}

static int bo_range(const char *fn, const accel_bo *bo, uint64_t offset,
		    const void *p, uint64_t len)
{
	if (!bo)
		return accel_err(-EINVAL, "%s: bo is NULL", fn);
	if (!p && len)
		return accel_err(-EINVAL, "%s: %s is NULL", fn,
				 fn[9] == 'w' ? "src" : "dst");
	if (offset > bo->size || len > bo->size - offset)
		return accel_err(-EINVAL,
				 "%s: offset %llu + len %llu exceeds the buffer size %llu",
				 fn, (unsigned long long)offset,
				 (unsigned long long)len,
				 (unsigned long long)bo->size);
	return 0;
}

int accel_bo_write(accel_bo *bo, uint64_t offset, const void *src,
		   uint64_t len)
{
	int err = bo_range("accel_bo_write", bo, offset, src, len);

	if (err)
		return err;
	if (len)
		memcpy((uint8_t *)bo->map + offset, src, len);
	return 0;
}

int accel_bo_read(accel_bo *bo, uint64_t offset, void *dst, uint64_t len)
{
	int err = bo_range("accel_bo_read", bo, offset, dst, len);

	if (err)
		return err;
	if (len)
		memcpy(dst, (const uint8_t *)bo->map + offset, len);
	return 0;
}

/* ---------------- tensors ---------------- */

/* Bytes of an element, or of a packed row of @inner weights for T2/T5. */
static uint64_t row_bytes(uint32_t dtype, uint64_t inner, uint32_t *esize)
{
	*esize = 1;
	switch (dtype) {
	case ACCEL_DTYPE_F32:
	case ACCEL_DTYPE_I32:
	case ACCEL_DTYPE_U32:
		*esize = 4;
		return inner * 4;
	case ACCEL_DTYPE_F16:
		*esize = 2;
		return inner * 2;
	case ACCEL_DTYPE_I8:
		return inner;
	case ACCEL_DTYPE_U64:
		*esize = 8;
		return inner * 8;
	case ACCEL_DTYPE_T2:
		return inner > UINT32_MAX ? 0 :
		       lla_wfmt_row_bytes(LLA_WFMT_T2, (uint32_t)inner);
	case ACCEL_DTYPE_T5:
		return inner > UINT32_MAX ? 0 :
		       lla_wfmt_row_bytes(LLA_WFMT_T5, (uint32_t)inner);
	default:
		return 0;
	}
}

#define TFN "accel_tensor_create"

int accel_tensor_create(accel_bo *bo, uint64_t offset, uint32_t dtype,
			uint32_t ndim, const uint64_t *shape,
			const uint64_t *strides, accel_tensor **out)
{
	accel_tensor *t;
	uint64_t rb, extent, need;
	uint32_t esize;

	if (!out)
		return accel_err(-EINVAL, TFN ": out is NULL");
	*out = NULL;
	if (!bo)
		return accel_err(-EINVAL, TFN ": bo is NULL");
	if (!ndim || ndim > ACCEL_TENSOR_MAX_DIMS)
		return accel_err(-EINVAL, TFN ": ndim must be between 1 and %u (got %u)",
				 ACCEL_TENSOR_MAX_DIMS, ndim);
	if (!shape)
		return accel_err(-EINVAL, TFN ": shape is NULL");
	for (uint32_t i = 0; i < ndim; i++)
		if (!shape[i] || shape[i] > (1ull << 40))
			return accel_err(-EINVAL,
					 TFN ": shape[%u] must be between 1 and 2^40 (got %llu)",
					 i, (unsigned long long)shape[i]);
	rb = row_bytes(dtype, shape[ndim - 1], &esize);
	if (!rb)
		return accel_err(-EINVAL, TFN ": dtype %u is not an accel_dtype",
				 dtype);
	t = calloc(1, sizeof(*t));
	if (!t)
		return accel_err(-ENOMEM, TFN ": out of memory");
	t->dtype = dtype;
	t->ndim = ndim;
	/* Innermost stride is the element size; packed outer strides. */
	need = rb;
	for (uint32_t i = ndim; i-- > 0;) {
		t->shape[i] = shape[i];
		if (i == ndim - 1) {
			t->strides[i] = esize;
			continue;
		}
		t->strides[i] = strides ? strides[i] : need;
		if (strides && strides[i] < need) {
			free(t);
			return accel_err(-EINVAL,
					 TFN ": strides[%u] = %llu is smaller than the %llu bytes it spans",
					 i, (unsigned long long)strides[i],
					 (unsigned long long)need);
		}
		if (strides && strides[i] % esize) {
			free(t);
			return accel_err(-EINVAL,
					 TFN ": strides[%u] = %llu is not a multiple of the element size %u",
					 i, (unsigned long long)strides[i], esize);
		}
		/* shape <= 2^40 and strides bounded by the BO: checked below. */
		if (t->strides[i] > ACCEL_BO_MAX_SIZE) {
			free(t);
			return accel_err(-EINVAL, TFN ": strides[%u] too large", i);
		}
		need = (shape[i] - 1) * t->strides[i] + need;
		if (need > ACCEL_BO_MAX_SIZE) {
			free(t);
			return accel_err(-EINVAL,
					 TFN ": the tensor spans more than 2^40 bytes");
		}
	}
	if (strides && strides[ndim - 1] != esize && ndim > 0 &&
	    strides[ndim - 1] != 0) {
		free(t);
		return accel_err(-EINVAL,
				 TFN ": strides[%u] (innermost) must be 0 or the element size %u",
				 ndim - 1, esize);
	}
	extent = need;
	if (offset % esize) {
		free(t);
		return accel_err(-EINVAL,
				 TFN ": offset %llu is not a multiple of the element size %u",
				 (unsigned long long)offset, esize);
	}
	if (offset > bo->size || extent > bo->size - offset) {
		free(t);
		return accel_err(-EINVAL,
				 TFN ": %llu bytes at offset %llu exceed the buffer size %llu",
				 (unsigned long long)extent,
				 (unsigned long long)offset,
				 (unsigned long long)bo->size);
	}
	t->extent = extent;
	t->offset = offset;
	t->bo = bo;
	accel_bo_get(bo);
	*out = t;
	return 0;
}

void accel_tensor_destroy(accel_tensor *t)
{
	if (!t)
		return;
	accel_bo_put(t->bo);
	free(t);
}

uint32_t accel_tensor_dtype(const accel_tensor *t)
{
	return t ? t->dtype : 0;
}

uint32_t accel_tensor_ndim(const accel_tensor *t)
{
	return t ? t->ndim : 0;
}

uint64_t accel_tensor_dim(const accel_tensor *t, uint32_t i)
{
	return t && i < t->ndim ? t->shape[i] : 0;
}

uint64_t accel_tensor_stride(const accel_tensor *t, uint32_t i)
{
	return t && i < t->ndim ? t->strides[i] : 0;
}

uint64_t accel_tensor_extent(const accel_tensor *t)
{
	return t ? t->extent : 0;
}

struct accel_addr accel_tensor_addr(const accel_tensor *t)
{
	return t ? accel_at(t->bo, t->offset) : accel_raw(0);
}

void *accel_tensor_host(const accel_tensor *t)
{
	return t ? (uint8_t *)t->bo->map + t->offset : NULL;
}

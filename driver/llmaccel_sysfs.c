// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel_sysfs.c: attributes of the PCI device
 * (/sys/class/accel/accelN/device/):
 *   reset_count    resets done by the driver (hangs, requests)
 *   busy_time_ns   per queue: wall time with work on the ring
 *   utilization    per queue: busy percent since the driver loaded
 *   pinned_bytes   BO bytes pinned on the device now, all files
 *   pinned_limit   the device-wide and the per-file limit in force on
 *                  pinned BO bytes (module parameters pin_limit_mb and
 *                  pin_limit_file_mb, or their defaults)
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "llmaccel_drv.h"

static struct llmaccel_device *llmaccel_kdev(struct device *dev)
{
	return pci_get_drvdata(to_pci_dev(dev));
}

static ssize_t reset_count_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct llmaccel_device *ldev = llmaccel_kdev(dev);

	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&ldev->reset_count));
}
static DEVICE_ATTR_RO(reset_count);

static ssize_t busy_time_ns_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct llmaccel_device *ldev = llmaccel_kdev(dev);
	unsigned int i;
	int len = 0;

	for (i = 0; i < ldev->num_queues; i++)
		len += sysfs_emit_at(buf, len, "%s%llu", i ? " " : "",
				     llmaccel_queue_busy_ns(&ldev->queues[i]));
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}
static DEVICE_ATTR_RO(busy_time_ns);

static ssize_t utilization_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct llmaccel_device *ldev = llmaccel_kdev(dev);
	u64 up = ktime_to_ns(ktime_sub(ktime_get(), ldev->load_time));
	unsigned int i;
	int len = 0;

	for (i = 0; i < ldev->num_queues; i++) {
		u64 busy = llmaccel_queue_busy_ns(&ldev->queues[i]);

		len += sysfs_emit_at(buf, len, "%s%llu", i ? " " : "",
				     up ? div64_u64(busy * 100, up) : 0);
	}
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}
static DEVICE_ATTR_RO(utilization);

static ssize_t pinned_bytes_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  llmaccel_dev_pinned(llmaccel_kdev(dev)));
}
static DEVICE_ATTR_RO(pinned_bytes);

static ssize_t pinned_limit_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	u64 dev_limit, file_limit;

	llmaccel_pin_limits(&dev_limit, &file_limit);
	return sysfs_emit(buf, "%llu %llu\n", dev_limit, file_limit);
}
static DEVICE_ATTR_RO(pinned_limit);

static struct attribute *llmaccel_attrs[] = {
	&dev_attr_reset_count.attr,
	&dev_attr_busy_time_ns.attr,
	&dev_attr_utilization.attr,
	&dev_attr_pinned_bytes.attr,
	&dev_attr_pinned_limit.attr,
	NULL
};

static const struct attribute_group llmaccel_attr_group = {
	.attrs = llmaccel_attrs,
};

int llmaccel_sysfs_init(struct llmaccel_device *ldev)
{
	return devm_device_add_group(&ldev->pdev->dev, &llmaccel_attr_group);
}

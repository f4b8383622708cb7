package dev.pgoutbox.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Spreads partitions evenly over the live instances that may serve them, moving as few as
 * it can: a partition stays with the instance serving it while that instance holds no
 * more than its share. Every instance computes it from the same list of live instances,
 * so all agree without talking to each other; the slot's lock settles the moments when
 * they briefly do not.
 */
final class PartitionAssignment {

	private PartitionAssignment() {
	}

	/**
	 * Assigns each partition to one instance. First, in partition order, a partition
	 * stays with the live instance serving it (the lowest id if several claim it) while
	 * that instance has fewer than its share, the partitions divided by the instances,
	 * rounded up. Then each remaining partition goes to the eligible instance with the
	 * fewest so far, the lowest id on a tie.
	 * @param partitions the partitions to assign
	 * @param live the live instances
	 * @return the owner of each partition that some live instance may serve
	 */
	static Map<String, String> assign(List<String> partitions, List<InstanceRegistry.Instance> live) {
		List<InstanceRegistry.Instance> instances = new ArrayList<>(live);
		instances.sort((a, b) -> a.id().compareTo(b.id()));
		List<String> sorted = partitions.stream().sorted().toList();
		int share = instances.isEmpty() ? 0 : (sorted.size() + instances.size() - 1) / instances.size();
		Map<String, Integer> load = new HashMap<>();
		Map<String, String> owners = new TreeMap<>();
		for (String partition : sorted) {
			for (InstanceRegistry.Instance instance : instances) {
				if (instance.serving().contains(partition) && instance.partitions().contains(partition)
						&& load.getOrDefault(instance.id(), 0) < share) {
					owners.put(partition, instance.id());
					load.merge(instance.id(), 1, Integer::sum);
					break;
				}
			}
		}
		for (String partition : sorted) {
			if (owners.containsKey(partition)) {
				continue;
			}
			String owner = null;
			for (InstanceRegistry.Instance instance : instances) {
				if (instance.partitions().contains(partition)
						&& (owner == null || load.getOrDefault(instance.id(), 0) < load.getOrDefault(owner, 0))) {
					owner = instance.id();
				}
			}
			if (owner != null) {
				owners.put(partition, owner);
				load.merge(owner, 1, Integer::sum);
			}
		}
		return owners;
	}

}

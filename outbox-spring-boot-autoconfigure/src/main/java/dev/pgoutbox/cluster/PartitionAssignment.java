package dev.pgoutbox.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Spreads partitions evenly over the live instances that may serve them. Every instance
 * computes it from the same list of live instances, so all agree without talking to each
 * other; the slot's lock settles the moments when they briefly do not.
 */
public final class PartitionAssignment {

	private PartitionAssignment() {
	}

	/**
	 * Assigns each partition to one instance: partitions in name order, each to the
	 * eligible instance with the fewest partitions so far, the lowest id on a tie.
	 * @param partitions the partitions to assign
	 * @param live the live instances
	 * @return the owner of each partition that some live instance may serve
	 */
	public static Map<String, String> assign(List<String> partitions, List<InstanceRegistry.Instance> live) {
		Map<String, Integer> load = new HashMap<>();
		List<InstanceRegistry.Instance> instances = new ArrayList<>(live);
		instances.sort((a, b) -> a.id().compareTo(b.id()));
		Map<String, String> owners = new TreeMap<>();
		for (String partition : partitions.stream().sorted().toList()) {
			String owner = null;
			for (InstanceRegistry.Instance instance : instances) {
				if (instance.partitions().contains(partition) && (owner == null
						|| load.getOrDefault(instance.id(), 0) < load.getOrDefault(owner, 0))) {
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

package dev.pgoutbox.cluster;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.pgoutbox.cluster.InstanceRegistry.Instance;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionAssignmentTests {

	private static final List<String> SIX = List.of("p0", "p1", "p2", "p3", "p4", "p5");

	@Test
	void spreadsPartitionsEvenlyFromScratch() {
		Map<String, String> owners = PartitionAssignment.assign(SIX,
				List.of(new Instance("c", SIX), new Instance("a", SIX), new Instance("b", SIX)));
		assertThat(owners).containsOnlyKeys(SIX);
		assertThat(load(owners)).containsOnly(Map.entry("a", 2), Map.entry("b", 2), Map.entry("c", 2));
	}

	@Test
	void aJoiningInstanceTakesOnlyItsShareFromTheOthers() {
		Map<String, String> before = PartitionAssignment.assign(SIX,
				List.of(new Instance("a", SIX), new Instance("b", SIX)));
		Map<String, String> after = PartitionAssignment.assign(SIX,
				List.of(serving("a", before), serving("b", before), new Instance("c", SIX)));
		assertThat(load(after)).containsOnly(Map.entry("a", 2), Map.entry("b", 2), Map.entry("c", 2));
		assertThat(moved(before, after)).hasSize(2)
			.allSatisfy((partition) -> assertThat(after.get(partition)).isEqualTo("c"));
	}

	@Test
	void aLeavingInstanceIsReplacedWithoutMovingTheOthersPartitions() {
		Map<String, String> before = PartitionAssignment.assign(SIX,
				List.of(new Instance("a", SIX), new Instance("b", SIX), new Instance("c", SIX)));
		Map<String, String> after = PartitionAssignment.assign(SIX,
				List.of(serving("a", before), serving("c", before)));
		assertThat(load(after)).containsOnly(Map.entry("a", 3), Map.entry("c", 3));
		assertThat(moved(before, after)).allSatisfy((partition) -> assertThat(before.get(partition)).isEqualTo("b"));
	}

	@Test
	void givesAPartitionOnlyToInstancesThatMayServeIt() {
		Map<String, String> owners = PartitionAssignment.assign(SIX,
				List.of(new Instance("a", List.of("p0", "p1")), new Instance("b", SIX)));
		assertThat(owners).containsEntry("p2", "b").containsEntry("p5", "b");
		assertThat(owners.get("p0")).isIn("a", "b");
		assertThat(PartitionAssignment.assign(List.of("p9"), List.of(new Instance("a", SIX)))).isEmpty();
	}

	@Test
	void everyInstanceComputesTheSameAssignmentWhenTwoClaimOnePartition() {
		Instance a = new Instance("a", SIX, List.of("p0", "p1"));
		Instance b = new Instance("b", SIX, List.of("p1", "p2"));
		Map<String, String> one = PartitionAssignment.assign(SIX, List.of(a, b));
		Map<String, String> other = PartitionAssignment.assign(SIX, List.of(b, a));
		assertThat(one).isEqualTo(other).containsEntry("p1", "a").containsEntry("p2", "b");
	}

	private static Instance serving(String id, Map<String, String> owners) {
		return new Instance(id, SIX,
				owners.entrySet()
					.stream()
					.filter((e) -> e.getValue().equals(id))
					.map(Map.Entry::getKey)
					.sorted()
					.toList());
	}

	private static Map<String, Integer> load(Map<String, String> owners) {
		Map<String, Integer> load = new HashMap<>();
		owners.values().forEach((owner) -> load.merge(owner, 1, Integer::sum));
		return load;
	}

	private static Collection<String> moved(Map<String, String> before, Map<String, String> after) {
		return before.keySet().stream().filter((p) -> !before.get(p).equals(after.get(p))).collect(Collectors.toList());
	}

}

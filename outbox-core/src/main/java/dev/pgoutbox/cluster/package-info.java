/**
 * Spreading partitions over application instances, with PostgreSQL as the membership
 * service; free of Spring.
 *
 * <p>
 * Internal: not an API, and it may change without notice. The
 * {@link PartitionCoordinator} and the {@link InstanceRegistry} it is built with are
 * public for the Spring glue, which runs the coordinator when several partitions are
 * configured.
 */
package dev.pgoutbox.cluster;

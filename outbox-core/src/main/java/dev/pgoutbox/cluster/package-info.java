/**
 * Spreading partitions over application instances, with PostgreSQL as the membership
 * service; free of Spring.
 */
package dev.pgoutbox.cluster;

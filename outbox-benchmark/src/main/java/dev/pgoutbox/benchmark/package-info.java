/**
 * The outbox benchmark: scenarios that measure the relay against baselines taken in the
 * same run.
 */
package dev.pgoutbox.benchmark;

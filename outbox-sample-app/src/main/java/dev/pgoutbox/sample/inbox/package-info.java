/**
 * The receiving side: a Kafka listener that records each clinic event once, in the order
 * it arrived, and shows them per patient.
 */
package dev.pgoutbox.sample.inbox;

/**
 * The clinic: treatments assigned to and finished for patients, each change written with
 * its event in one transaction.
 */
package dev.pgoutbox.sample.clinic;

/**
 * How the HTTP API reports errors: RFC 9457 problem details.
 */
package dev.pgoutbox.sample.web;

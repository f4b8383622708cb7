package dev.pgoutbox.sample.web;

/**
 * One reason a request was rejected, as listed in a problem detail's {@code errors}.
 *
 * @param name the request field or parameter
 * @param message what is wrong with it
 */
public record InvalidParameter(String name, String message) {
}

package dev.pgoutbox.benchmark;

/**
 * Progress lines, starting with {@code #} so that they never look like results.
 */
final class Progress {

	private Progress() {
	}

	static void say(String format, Object... args) {
		System.out.println("# " + String.format(format, args));
		System.out.flush();
	}

}

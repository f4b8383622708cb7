package dev.pgoutbox.benchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of this JVM and of a local PostgreSQL backend, to tell who did the work.
 */
final class Cpu {

	/** Clock ticks per second of /proc/PID/stat, 100 on every common Linux. */
	private static final double TICKS_PER_SECOND = 100.0;

	private Cpu() {
	}

	/** Returns the CPU time this JVM has used, in nanoseconds. */
	static long processNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	/**
	 * Returns the CPU seconds (user and system) a local process has used, or {@code -1}
	 * if it cannot be read.
	 */
	static double ofProcess(int pid) {
		if (pid <= 0) {
			return -1;
		}
		try {
			String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
			// the command name in parentheses may hold spaces: count fields after its end
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

}

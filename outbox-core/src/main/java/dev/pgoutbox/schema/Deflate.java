package dev.pgoutbox.schema;

import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Raw DEFLATE (RFC 1951, no zlib header) of small byte arrays, with a few compressors
 * kept for reuse: setting one up costs more than compressing a few hundred bytes, and
 * each holds native memory until it is ended, so the pools are bounded and what does not
 * fit is ended at once.
 */
final class Deflate {

	/**
	 * The most bytes DEFLATE can produce from one compressed byte, so that a length read
	 * from the WAL can be checked before anything that size is allocated.
	 */
	static final int MAX_RATIO = 1032;

	private static final int POOLED = 16;

	private static final ArrayBlockingQueue<Deflater> DEFLATERS = new ArrayBlockingQueue<>(POOLED);

	private static final ArrayBlockingQueue<Inflater> INFLATERS = new ArrayBlockingQueue<>(POOLED);

	private Deflate() {
	}

	/**
	 * Compresses, if that makes the bytes smaller.
	 * @param bytes the bytes
	 * @return the compressed bytes, or {@code null} if they would not be smaller
	 */
	static byte[] compressIfSmaller(byte[] bytes) {
		Deflater deflater = DEFLATERS.poll();
		if (deflater == null) {
			deflater = new Deflater(Deflater.BEST_SPEED, true);
		}
		try {
			deflater.setInput(bytes);
			deflater.finish();
			byte[] out = new byte[bytes.length - 1];
			int length = deflater.deflate(out);
			if (!deflater.finished()) {
				return null;
			}
			return Arrays.copyOf(out, length);
		}
		finally {
			deflater.reset();
			if (!DEFLATERS.offer(deflater)) {
				deflater.end();
			}
		}
	}

	/**
	 * Decompresses bytes that must come out exactly {@code length} bytes long.
	 * @param compressed the compressed bytes
	 * @param offset where they start
	 * @param count how many there are
	 * @param length the length they decompress to, at most {@link #MAX_RATIO} times
	 * {@code count}
	 * @return the decompressed bytes
	 * @throws DataFormatException if they are not DEFLATE data of that length
	 */
	static byte[] decompress(byte[] compressed, int offset, int count, int length) throws DataFormatException {
		Inflater inflater = INFLATERS.poll();
		if (inflater == null) {
			inflater = new Inflater(true);
		}
		try {
			inflater.setInput(compressed, offset, count);
			byte[] out = new byte[length];
			byte[] beyond = new byte[1];
			int produced = 0;
			while (!inflater.finished()) {
				// once full, one byte more either shows the end or that it is longer
				int n = (produced < length) ? inflater.inflate(out, produced, length - produced)
						: inflater.inflate(beyond);
				if (n == 0 && !inflater.finished()) {
					throw new DataFormatException("it ends before the " + length + " bytes it declares");
				}
				if (produced == length && n > 0) {
					throw new DataFormatException("it decompresses to more than the " + length + " bytes it declares");
				}
				produced += n;
			}
			if (produced != length || inflater.getRemaining() != 0) {
				throw new DataFormatException("it does not decompress to exactly the " + length + " bytes it declares");
			}
			return out;
		}
		finally {
			inflater.reset();
			if (!INFLATERS.offer(inflater)) {
				inflater.end();
			}
		}
	}

}

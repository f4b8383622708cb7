package dev.pgoutbox.pgoutput;

import java.util.Arrays;
import java.util.Objects;

/**
 * Column values of one row in text form; {@code null} for SQL {@code NULL}.
 *
 * <p>
 * Instances are immutable and thread-safe.
 */
public final class TupleData {

	private final String[] values;

	/** {@code null} when no column is unchanged, which is the case for every insert. */
	private final boolean[] unchanged;

	TupleData(String[] values, boolean[] unchanged) {
		this.values = values;
		this.unchanged = unchanged;
	}

	/**
	 * Returns the number of columns.
	 * @return the number of columns, as in the matching {@link Relation}
	 */
	int size() {
		return this.values.length;
	}

	/**
	 * Returns the text form of a column's value.
	 * @param index the column index
	 * @return the value, or {@code null} for SQL {@code NULL} or an unchanged TOAST value
	 * @throws IndexOutOfBoundsException if the index is not that of a column
	 */
	public String value(int index) {
		return this.values[index];
	}

	/**
	 * Returns whether the column is an unchanged TOAST value ('u'), whose value the
	 * server did not send.
	 * @param index the column index
	 * @return {@code true} if the value was not sent
	 * @throws IndexOutOfBoundsException if the index is not that of a column
	 */
	boolean isUnchanged(int index) {
		Objects.checkIndex(index, this.values.length);
		return this.unchanged != null && this.unchanged[index];
	}

	@Override
	public boolean equals(Object other) {
		if (this == other) {
			return true;
		}
		if (!(other instanceof TupleData that)) {
			return false;
		}
		for (int i = 0; i < this.values.length && i < that.values.length; i++) {
			if (isUnchanged(i) != that.isUnchanged(i)) {
				return false;
			}
		}
		return Arrays.equals(this.values, that.values);
	}

	@Override
	public int hashCode() {
		return Arrays.hashCode(this.values);
	}

	@Override
	public String toString() {
		StringBuilder text = new StringBuilder("TupleData[");
		for (int i = 0; i < this.values.length; i++) {
			text.append((i > 0) ? ", " : "").append(isUnchanged(i) ? "<unchanged>" : this.values[i]);
		}
		return text.append(']').toString();
	}

}

package io.jworkqueue.internal;

import java.util.Locale;
import java.util.Objects;

/**
 * Checks names of workqueues and runtimes (API.md: "1 to 32 characters, no control
 * characters, not blank"), and shows a name in a message safely: quoted, control characters
 * escaped, an over-long one shortened.
 */
public final class Names {
    /** The longest name: the kernel's {@code WQ_NAME_LEN} less the terminator. */
    public static final int MAX_LENGTH = 32;
    /** How many characters of a name a message shows at most. */
    static final int SHOWN = 40;

    private Names() {}

    /**
     * Checks {@code name}: 1 to {@code max} characters (no upper limit if {@code max} is 0), not
     * only whitespace, no control characters ({@link Character#isISOControl}) and no line or
     * paragraph separators, which would break one-line output or inject terminal escapes.
     *
     * @param kind what is named, for the message ("workqueue", "runtime")
     * @param name the name
     * @param max the longest allowed length, 0 for none
     * @return {@code name}
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if it breaks a rule, naming the rule and the name shown by {@link #show}
     */
    public static String check(String kind, String name, int max) {
        Objects.requireNonNull(name, "name");
        String range = "allowed 1.." + (max > 0 ? Integer.toString(max) : "any") + " characters, not blank, no control characters";
        if (name.isEmpty() || (max > 0 && name.length() > max)) {
            throw new IllegalArgumentException(kind + " name " + show(name) + " has length " + name.length() + "; " + range);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
                throw new IllegalArgumentException(kind + " name " + show(name) + " contains the control character "
                        + String.format(Locale.ROOT, "U+%04X", (int) c) + " at index " + i + "; " + range);
            }
        }
        if (name.isBlank()) {
            throw new IllegalArgumentException(kind + " name " + show(name) + " is blank; " + range);
        }
        return name;
    }

    /**
     * @return {@code name} in single quotes, its control characters escaped ({@code \n},
     *     {@code \t}, {@code \u001b}, ...), cut to {@value #SHOWN} characters followed by
     *     {@code ...} if longer
     */
    public static String show(String name) {
        boolean cut = name.length() > SHOWN;
        String s = cut ? name.substring(0, SHOWN) : name;
        StringBuilder sb = new StringBuilder(s.length() + 8).append('\'');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int type = Character.getType(c);
            if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (Character.isISOControl(c) || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append(cut ? "...'" : "'").toString();
    }

    /** Renders a set of CPUs as a Linux CPU list, ranges joined ({@code 0-3,6}); empty if none. */
    static String cpuList(java.util.BitSet cpus) {
        StringBuilder out = new StringBuilder();
        int from = cpus.nextSetBit(0);
        while (from >= 0) {
            int to = cpus.nextClearBit(from); // exclusive
            out.append(out.length() == 0 ? "" : ",").append(from);
            if (to - from > 1) {
                out.append('-').append(to - 1);
            }
            from = cpus.nextSetBit(to);
        }
        return out.toString();
    }
}

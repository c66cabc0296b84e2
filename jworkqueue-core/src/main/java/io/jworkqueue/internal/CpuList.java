package io.jworkqueue.internal;

import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * The Linux CPU list syntax ({@code bitmap_parselist} / {@code %*pbl}): comma-separated CPUs and
 * ranges, {@code 0-3,8-11}, with the optional group form {@code first-last:used/group}
 * ({@code 0-7:2/4} is {@code 0-1,4-5}). Used for sysfs files ({@code thread_siblings_list},
 * {@code shared_cpu_list}, {@code cpulist}, {@code online}), {@code Cpus_allowed_list} in
 * {@code /proc/self/status}, the JMX {@code Cpumask} attribute and dumps.
 */
public final class CpuList {
    /** The highest CPU number accepted: well above the kernel's largest {@code NR_CPUS} (8192). */
    public static final int MAX_CPU = 65_535;

    private CpuList() {}

    /**
     * Parses a CPU list. Blanks around the list and its items are ignored; an empty list is the
     * empty set.
     *
     * @param list the text, e.g. {@code 0-3,8-11}
     * @return the CPUs
     * @throws NullPointerException if {@code list} is null
     * @throws IllegalArgumentException naming the offending item if the text is not a CPU list,
     *     a range runs backwards, or a CPU is above {@value #MAX_CPU}
     */
    public static BitSet parse(String list) {
        Objects.requireNonNull(list, "list");
        BitSet cpus = new BitSet();
        String s = list.strip();
        if (s.isEmpty()) {
            return cpus;
        }
        for (String raw : s.split(",", -1)) {
            String item = raw.strip();
            int used = 1;
            int group = 1;
            int colon = item.indexOf(':');
            String range = item;
            if (colon >= 0) {
                range = item.substring(0, colon).strip();
                String[] ug = item.substring(colon + 1).split("/", -1);
                if (ug.length != 2) {
                    throw bad(item, "a group is written first-last:used/group");
                }
                used = number(ug[0], item);
                group = number(ug[1], item);
                if (used < 1 || group < 1 || used > group) {
                    throw bad(item, "the group needs 1 <= used <= group");
                }
            }
            int dash = range.indexOf('-');
            int first = number(dash < 0 ? range : range.substring(0, dash), item);
            int last = dash < 0 ? first : number(range.substring(dash + 1), item);
            if (last < first) {
                throw bad(item, "the range runs backwards");
            }
            for (int start = first; start <= last; start += group) {
                cpus.set(start, Math.min(start + used - 1, last) + 1);
            }
        }
        return cpus;
    }

    /**
     * Renders a CPU set as a CPU list, ranges folded: {@code 0-3,6}; the empty set is {@code ""}.
     *
     * @param cpus the CPUs
     * @return the list
     */
    public static String format(BitSet cpus) {
        StringBuilder sb = new StringBuilder();
        for (int i = cpus.nextSetBit(0); i >= 0; ) {
            int end = cpus.nextClearBit(i) - 1;
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(i);
            if (end > i) {
                sb.append('-').append(end);
            }
            i = end == Integer.MAX_VALUE ? -1 : cpus.nextSetBit(end + 1);
        }
        return sb.toString();
    }

    /**
     * Renders pods (groups of CPUs) as their CPU lists joined by {@code |}: {@code 0-1|2-3}.
     *
     * @param pods the pods, in order
     * @return the rendering
     */
    public static String formatPods(List<BitSet> pods) {
        StringBuilder sb = new StringBuilder();
        for (BitSet b : pods) {
            if (!sb.isEmpty()) {
                sb.append('|');
            }
            sb.append(format(b));
        }
        return sb.toString();
    }

    private static int number(String text, String item) {
        String t = text.strip();
        if (t.isEmpty() || t.length() > 6) {
            throw bad(item, t.isEmpty() ? "a number is missing" : "a CPU number is above " + MAX_CPU);
        }
        for (int i = 0; i < t.length(); i++) {
            if (t.charAt(i) < '0' || t.charAt(i) > '9') {
                throw bad(item, "'" + t + "' is not a CPU number");
            }
        }
        int n = Integer.parseInt(t);
        if (n > MAX_CPU) {
            throw bad(item, "a CPU number is above " + MAX_CPU);
        }
        return n;
    }

    private static IllegalArgumentException bad(String item, String why) {
        return new IllegalArgumentException("'" + item + "' is not a CPU list item (" + why + ")");
    }
}

package io.jworkqueue.cli;

import java.util.Locale;

/**
 * The layout of the kernel's {@code tools/workqueue/wq_monitor.py}: a header, one row per
 * workqueue, and the JSON keys of its {@code -j} output.
 *
 * <p>Differences: the header's blank name column holds {@code [runtime]} (a JVM may run several
 * runtimes); JSON lines are real JSON and carry a {@code runtime} key; {@code cpu_time} keeps the
 * kernel's unit, microseconds.
 */
final class MonitorTable {
    private MonitorTable() {}

    static String header(String runtime) {
        return String.format(Locale.ROOT, "%-24s %8s %5s %8s %7s %7s %7s %7s",
                fit("[" + runtime + "]"), "total", "infl", "CPUtime", "CPUitsv", "CMW/RPR", "mayday", "rescued");
    }

    static String row(WqRow r) {
        String cpuIntensive = "-", cmwRpr, mayday = "-", rescued = "-";
        if (r.unbound()) {
            cmwRpr = Long.toString(r.repatriated());
        } else {
            cpuIntensive = Long.toString(r.cpuIntensive());
            cmwRpr = Long.toString(r.cmWakeups());
        }
        if (r.memReclaim()) {
            mayday = Long.toString(r.maydays());
            rescued = Long.toString(r.rescued());
        }
        return String.format(Locale.ROOT, "%-24s %8d %5d %8.1f %7s %7s %7s %7s",
                fit(r.name()), r.started(), r.inFlight(), r.cpuTimeNanos() / 1e9, cpuIntensive, cmwRpr, mayday, rescued);
    }

    /**
     * The kernel keeps the last 24 characters of a long name. Control characters (which a
     * runtime of another version may have let into a name) become {@code ?}, so that a name
     * cannot break the row or send terminal escapes.
     */
    private static String fit(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> sb.appendCodePoint(Character.isISOControl(c)
                || Character.getType(c) == Character.LINE_SEPARATOR || Character.getType(c) == Character.PARAGRAPH_SEPARATOR ? '?' : c));
        String clean = sb.toString();
        return clean.length() <= 24 ? clean : clean.substring(clean.length() - 24);
    }

    static String json(WqRow r, double timestamp) {
        StringBuilder sb = new StringBuilder(256).append('{');
        sb.append("\"timestamp\": ").append(String.format(Locale.ROOT, "%.3f", timestamp));
        sb.append(", \"runtime\": ").append(quote(r.runtime()));
        sb.append(", \"name\": ").append(quote(r.name()));
        sb.append(", \"unbound\": ").append(r.unbound());
        sb.append(", \"mem_reclaim\": ").append(r.memReclaim());
        sb.append(", \"started\": ").append(r.started());
        sb.append(", \"completed\": ").append(r.completed());
        sb.append(", \"cpu_time\": ").append(r.cpuTimeNanos() / 1000);
        sb.append(", \"cpu_intensive\": ").append(r.cpuIntensive());
        sb.append(", \"cm_wakeup\": ").append(r.cmWakeups());
        sb.append(", \"repatriated\": ").append(r.repatriated());
        sb.append(", \"mayday\": ").append(r.maydays());
        sb.append(", \"rescued\": ").append(r.rescued());
        return sb.append('}').toString();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}

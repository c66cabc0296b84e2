package io.jworkqueue.internal;

import io.jworkqueue.Work;
import io.jworkqueue.WorkqueueFlag;
import java.util.Set;

/**
 * How the runtime renders its things as text, each in one place: a work item's function name
 * (for {@code Work.toString()}, dumps, log lines and JFR events), a pool's attributes (for dumps
 * and lockup reports) and a workqueue's flags.
 */
public final class Formats {
    private static final String LAMBDA = "$$Lambda";

    private Formats() {}

    /**
     * An item's function name: its description if it has one ({@code Work.description()}), else
     * its function's class name, a lambda's cut at {@code $$Lambda} (the hidden class's suffix
     * changes from run to run).
     *
     * @param qualified whether the class name keeps its package (JFR events do; people reading
     *     dumps and messages get the short name)
     */
    public static String function(Work w, boolean qualified) {
        String d = w.description();
        if (d != null) {
            return d;
        }
        String n = w.function().getClass().getName();
        int lambda = n.indexOf(LAMBDA);
        if (lambda >= 0) {
            n = n.substring(0, lambda + LAMBDA.length());
        }
        return qualified ? n : n.substring(n.lastIndexOf('.') + 1);
    }

    /** A pool's attributes as the kernel's dumps show them: {@code cpus=0 flags=0x0 nice=0}. */
    static String poolAttrs(WorkerPool p) {
        return "cpus=" + p.cpuList() + " flags=" + poolFlags(p.isUnbound()) + " nice=" + p.nice;
    }

    /** A pool's flags as the kernel shows them: {@code 0x4} ({@code POOL_DISASSOCIATED}) for an unbound pool, else {@code 0x0}. */
    static String poolFlags(boolean unbound) {
        return unbound ? "0x4" : "0x0";
    }

    /** @return the flags as comma-separated names in declaration order, empty if none */
    static String flags(Set<WorkqueueFlag> flags) {
        StringBuilder sb = new StringBuilder();
        for (WorkqueueFlag f : WorkqueueFlag.values()) {
            if (flags.contains(f)) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(f.name());
            }
        }
        return sb.toString();
    }
}

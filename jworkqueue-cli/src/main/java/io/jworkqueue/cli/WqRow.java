package io.jworkqueue.cli;

import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueStats;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import javax.management.openmbean.CompositeData;

/**
 * One workqueue's counters, summed over its pool workqueues: the kernel's {@code WqStats} of
 * {@code wq_monitor.py}.
 */
record WqRow(String runtime, String name, boolean unbound, boolean memReclaim, long started, long completed,
        long cpuTimeNanos, long cpuIntensive, long cmWakeups, long repatriated, long maydays, long rescued) {

    /** From one item of the MXBean's {@code Workqueues} attribute. */
    static WqRow of(String runtime, CompositeData cd) {
        Set<String> flags = Arrays.stream(((String) cd.get("flags")).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        return new WqRow(runtime, (String) cd.get("name"), (Boolean) cd.get("unbound"),
                flags.contains(WorkqueueFlag.MEM_RECLAIM.name()),
                (Long) cd.get("started"), (Long) cd.get("completed"), (Long) cd.get("cpuTimeNanos"),
                (Long) cd.get("cpuIntensive"), (Long) cd.get("cmWakeups"), (Long) cd.get("repatriated"),
                (Long) cd.get("maydays"), (Long) cd.get("rescued"));
    }

    /** From a workqueue of this JVM. */
    static WqRow of(String runtime, Workqueue wq) {
        WorkqueueStats s = wq.stats();
        Set<WorkqueueFlag> flags = wq.flags();
        return new WqRow(runtime, wq.name(), flags.contains(WorkqueueFlag.UNBOUND), flags.contains(WorkqueueFlag.MEM_RECLAIM),
                s.started(), s.completed(), s.cpuTimeNanos(), s.cpuIntensive(), s.cmWakeups(), s.repatriated(),
                s.maydays(), s.rescued());
    }

    /** {@code infl}: items started and not yet completed, never negative. */
    long inFlight() {
        return Math.max(started - completed, 0);
    }
}

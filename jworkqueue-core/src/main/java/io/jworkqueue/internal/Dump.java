package io.jworkqueue.internal;

import io.jworkqueue.Work;
import java.util.List;

/**
 * Text dumps in the kernel's formats: {@code show_all_workqueues()} (busy workqueues, then busy
 * pools) for {@code WorkqueueRuntime.dump()} and the watchdog's lockup report.
 */
final class Dump {
    private Dump() {}

    /**
     * An item's name for dumps and reports ({@link Formats#function}, short); a flush barrier is
     * the kernel's {@code wq_barrier_func}.
     */
    static String fnName(Work w) {
        return w instanceof Barrier ? "wq_barrier_func" : Formats.function(w, false);
    }

    /** {@code show_all_workqueues}. */
    static String busy(RuntimeCore rt) {
        StringBuilder sb = new StringBuilder("Showing busy workqueues and worker pools:\n");
        for (WorkqueueImpl wq : rt.workqueueImpls()) {
            StringBuilder body = new StringBuilder();
            for (PoolWorkqueue pwq : wq.pwqs) {
                pwqLine(pwq, body);
            }
            if (body.length() > 0) {
                sb.append("workqueue ").append(wq.name()).append(": flags=").append(wq.flags()).append('\n').append(body);
            }
        }
        long now = rt.nanoTime();
        for (WorkerPool p : rt.allPools()) {
            p.lockPool();
            try {
                boolean busy = !p.worklist.isEmpty() || p.nrWorkers > p.nrIdle;
                if (!busy) {
                    continue;
                }
                sb.append("pool ").append(p.id).append(": ").append(Formats.poolAttrs(p));
                if (!p.worklist.isEmpty()) {
                    sb.append(" hung=").append(Math.max(0, PoolViews.stalledLocked(p, now)) / 1_000_000_000L).append('s');
                }
                sb.append(" workers=").append(p.nrWorkers).append(" idle:");
                for (Worker w : PoolViews.workersLocked(p)) {
                    if ((w.flags & Worker.IDLE) != 0) {
                        sb.append(' ').append(w.id);
                    }
                }
                sb.append('\n');
            } finally {
                p.unlockPool();
            }
        }
        return sb.toString();
    }

    /** The first line of {@link #affinity}, which {@code jwq dump} shows as a section of its own. */
    static final String AFFINITY_HEADER = "Affinity scopes:";

    /**
     * What {@code wq_dump.py} shows under "Affinity Scopes": the topology's pods, the scope
     * {@code default} stands for, whether workers are pinned, and the attributes of every unbound
     * workqueue ({@code WorkqueueAttrs.toString()}):
     * <pre>
     * Affinity scopes:
     *   topology: 4 cpus, smt 0-1|2-3, cache 0-3, numa 0-3
     *   default scope: cache
     *   pinning: off
     *   unbound workqueue events_unbound: nice=0 cpus=all scope=default strict=0
     * </pre>
     */
    static String affinity(RuntimeCore rt) {
        RuntimeConfig c = rt.config();
        io.jworkqueue.Topology t = c.topology();
        StringBuilder sb = new StringBuilder(AFFINITY_HEADER).append('\n');
        sb.append("  topology: ").append(t.cpus()).append(" cpus");
        for (io.jworkqueue.AffinityScope s : new io.jworkqueue.AffinityScope[] {
                io.jworkqueue.AffinityScope.SMT, io.jworkqueue.AffinityScope.CACHE, io.jworkqueue.AffinityScope.NUMA}) {
            sb.append(", ").append(s.sysfsName()).append(' ').append(CpuList.formatPods(t.pods(s)));
        }
        sb.append('\n');
        sb.append("  default scope: ").append(c.defaultScope().sysfsName()).append('\n');
        sb.append("  ").append(CpuPinning.dumpLine(c)).append('\n');
        for (WorkqueueImpl wq : rt.workqueueImpls()) {
            if (wq.unbound) {
                sb.append("  unbound workqueue ").append(wq.name()).append(": ").append(wq.attrs()).append('\n');
            }
        }
        return sb.toString();
    }

    private static void pwqLine(PoolWorkqueue pwq, StringBuilder out) {
        WorkerPool p = pwq.pool;
        p.lockPool();
        try {
            StringBuilder inflight = new StringBuilder(), pending = new StringBuilder(), inactive = new StringBuilder();
            for (Worker w : PoolViews.workersLocked(p)) {
                Work cur = w.currentWork;
                if (cur != null && w.currentPwq == pwq) {
                    sep(inflight).append(w).append(':').append(fnName(cur));
                    workerDesc(w, inflight);
                    for (Work s = w.scheduled.first(); s != null; s = w.scheduled.after(s)) {
                        sep(pending).append(fnName(s));
                    }
                }
            }
            folded(p.worklist, pwq, pending);
            folded(pwq.inactive, pwq, inactive);
            if (inflight.length() == 0 && pending.length() == 0 && inactive.length() == 0) {
                return;
            }
            out.append("  pwq ").append(p.id).append(": ").append(Formats.poolAttrs(p))
               .append(" active=").append(pwq.nrActive).append('/').append(pwq.limit).append('\n');
            if (inflight.length() > 0) {
                out.append("    in-flight: ").append(inflight).append('\n');
            }
            if (pending.length() > 0) {
                out.append("    pending: ").append(pending).append('\n');
            }
            if (inactive.length() > 0) {
                out.append("    inactive: ").append(inactive).append('\n');
            }
        } finally {
            p.unlockPool();
        }
    }

    /** Appends the items of {@code pwq} on {@code list}, runs of one function folded as {@code N*fn}. */
    private static void folded(WorkList list, PoolWorkqueue pwq, StringBuilder out) {
        String run = null;
        int count = 0;
        for (Work w = list.first(); w != null; w = list.after(w)) {
            if (Node.dataVolatile(w) != pwq) {
                continue;
            }
            String n = fnName(w);
            if (n.equals(run)) {
                count++;
                continue;
            }
            flushRun(run, count, out);
            run = n;
            count = 1;
        }
        flushRun(run, count, out);
    }

    private static void flushRun(String run, int count, StringBuilder out) {
        if (run != null) {
            sep(out).append(count > 1 ? count + "*" : "").append(run);
        }
    }

    /**
     * Appends {@code " (desc)"} when the worker's running item described its work with
     * {@code WorkqueueRuntime.setWorkerDescription}, as the kernel's {@code print_worker_info}
     * appends {@code set_worker_desc}'s text.
     */
    private static void workerDesc(Worker w, StringBuilder out) {
        String d = w.desc; // racy read of a worker-confined field: for display only
        if (d != null) {
            out.append(" (").append(d).append(')');
        }
    }

    private static StringBuilder sep(StringBuilder sb) {
        return sb.length() > 0 ? sb.append(", ") : sb;
    }

    /** The stacks of a pool's busy workers, for the lockup report. */
    static String stacks(WorkerPool p) {
        StringBuilder sb = new StringBuilder();
        List<Worker> ws = PoolViews.workers(p);
        for (Worker w : ws) {
            Work cur = w.currentWork; // racy: the worker may have moved on since the snapshot
            if (cur == null || w.thread == null) {
                continue;
            }
            sb.append("Stack of ").append(w).append(" running ").append(fnName(cur));
            workerDesc(w, sb);
            sb.append(":\n");
            for (StackTraceElement e : w.thread.getStackTrace()) {
                sb.append("    at ").append(e).append('\n');
            }
        }
        return sb.toString();
    }
}

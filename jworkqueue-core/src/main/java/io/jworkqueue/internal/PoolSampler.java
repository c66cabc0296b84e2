package io.jworkqueue.internal;

import io.jworkqueue.Work;
import java.util.ArrayList;
import java.util.List;

/**
 * The concurrency monitor's reading of one pool: which running workers blocked, woke or hog
 * their CPU (platform pools), and which virtual workers hold their carriers while items stall
 * (virtual pools). The {@link ConcurrencyMonitor} thread calls it; it changes the pool's books
 * under the pool lock (L) as the kernel's scheduler hooks would.
 */
final class PoolSampler {
    /** How long a RUNNABLE worker's CPU clock must stand still before it counts as blocked. */
    static final long NATIVE_BLOCK_NANOS = 3_000_000L;

    /** A worker seen holding its CPU (or, {@code parked}, its carrier while pinned), reported once the pool is unlocked. */
    private record Hog(WorkqueueImpl wq, Work work, long nanos, boolean parked) {}

    private PoolSampler() {}

    /**
     * One sample of every worker running an item, by the {@link ConcurrencyMonitor} (the JVM has
     * no scheduler hook, so sleeping and CPU hogging are observed from outside):
     * <ul>
     *   <li>a counted worker whose thread is WAITING, TIMED_WAITING or BLOCKED, or RUNNABLE
     *       without its CPU time advancing for 3 ms (blocking native I/O), leaves
     *       nr_running as if it had slept ({@code wq_worker_sleeping}), and the pool is kicked;</li>
     *   <li>a detected sleeper that runs again is counted again ({@code wq_worker_running}), and
     *       its CPU clock for hog detection restarts; a presumed one that has not been seen
     *       blocked yet only once its CPU clock moved between two samples of the run;</li>
     *   <li>a counted worker whose item has used more than {@code cpu_intensive_thresh} of CPU
     *       since it started or last woke becomes CPU_INTENSIVE ({@code wq_worker_tick}).</li>
     * </ul>
     *
     * @return true while the pool still needs watching: items wait behind a running worker, or a
     *     detected sleeper has not been seen running again
     */
    static boolean sample(WorkerPool p, long cpuIntensiveThresholdNanos) {
        if (p.virtual) {
            return sampleVirtual(p, cpuIntensiveThresholdNanos);
        }
        List<Hog> hogs = null;
        p.lockPool();
        try {
            boolean sleepers = false;
            for (Worker w : p.workers) {
                Work current = w.currentWork;
                if (current == null || w.thread == null) {
                    continue;
                }
                boolean counted = (w.flags & Worker.NOT_RUNNING) == 0;
                if (w.sleeping && !w.sleepingDetected) {
                    continue; // inside a blocking hint: exact accounting already
                }
                long cpuNow = WorkerCpuClock.threadCpuTime(w.thread);
                long now = System.nanoTime();
                // Ran since the previous sample of this run: its CPU clock moved (without a CPU
                // clock, a second sample of the run stands in).
                boolean ranSinceLast = w.sampledWork == current && (!WorkerCpuClock.CPU_CLOCK || cpuNow != w.lastSampleCpu);
                if (w.sampledWork != current) {
                    w.sampledWork = current;
                    w.currentAtCpu = cpuNow;
                    w.lastSampleCpu = cpuNow;
                    w.lastProgressAt = now;
                } else if (cpuNow != w.lastSampleCpu) {
                    w.lastSampleCpu = cpuNow;
                    w.lastProgressAt = now;
                }
                Thread.State st = w.thread.getState();
                boolean nativeBlock = st == Thread.State.RUNNABLE && WorkerCpuClock.CPU_CLOCK && nativeBlocked(w, now);
                boolean blocked = (st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING
                        || st == Thread.State.BLOCKED || nativeBlock)
                        // a worker back from its item waits for this very lock, held by us: not asleep
                        && !p.lock.hasQueuedThread(w.thread);
                w.nativeBlock = blocked && nativeBlock; // its thread state will not tell when it wakes
                if (w.sleepingDetected) {
                    if (!blocked && w.presumed && !ranSinceLast) {
                        // Presumed asleep, and runnable but not seen running yet: it may be on its
                        // way to the blocking call (or preempted before it). Counting it back in now
                        // would stop the item started in its place, and the block that follows
                        // would have to be detected again.
                        sleepers = true;
                        continue;
                    }
                    if (!blocked) {
                        PoolSleepers.runningAgain(p, w);
                        w.currentAtCpu = cpuNow;
                    } else {
                        sleepers = true;
                        if (!w.sawBlock) {
                            p.runtime.monitor().blockSeen(now); // a new block, not one seen before
                        }
                        w.sawBlock = true;
                        w.presumed = false;
                    }
                    continue;
                }
                if (!counted) {
                    continue;
                }
                if (blocked) {
                    p.runtime.monitor().blockSeen(now);
                    w.sawBlock = true;
                    sleepers = true;
                    PoolSleepers.wentToSleep(p, w, true);
                    PoolSleepers.replaceSleeper(p, w);
                } else if (WorkerCpuClock.CPU_CLOCK && cpuNow - w.currentAtCpu > cpuIntensiveThresholdNanos) {
                    p.setFlags(w, Worker.CPU_INTENSIVE);
                    if (p.needMoreWorker()) {
                        p.kick();
                    }
                    if (w.currentPwq != null) {
                        w.currentPwq.cpuIntensive++;
                        if (hogs == null) {
                            hogs = new ArrayList<>(2);
                        }
                        hogs.add(new Hog(w.currentPwq.wq, current, cpuNow - w.currentAtCpu, false));
                    }
                }
            }
            return sleepers || (!p.worklist.isEmpty() && p.nrRunning > 0);
        } finally {
            p.unlockPool();
            if (hogs != null) { // logged after the pool is unlocked and the next worker woken
                for (Hog h : hogs) {
                    p.runtime.reportCpuHog(h.wq(), h.work(), h.nanos());
                }
            }
        }
    }

    /**
     * The monitor's cheap look between two samples, without the lock: whether a {@link #sample}
     * now could change something, judged from the thread states of the workers running items and
     * their fields read racily (a hint: a look that misses something leaves it to the next
     * regular sample, one that is wrong costs one sample). True if a counted worker's thread
     * waits (a new sleeper, unless it only waits for this pool's lock), a worker taken out of
     * nr_running by the monitor is runnable (it may run again; not if it was last seen blocked in
     * native code, which is runnable too), or one of them waits and its run has not been seen
     * blocked yet. Blocking native I/O (a thread RUNNABLE without CPU
     * progress) and CPU hogs need the clocks, so only the regular sample finds them. A virtual
     * pool is never looked at this way. Allocates nothing.
     */
    static boolean quickLook(WorkerPool p) {
        if (p.virtual) {
            return false;
        }
        for (Worker w : p.workerArray) {
            Thread t = w.thread;
            if (t == null || w.currentWork == null) {
                continue;
            }
            Thread.State st = t.getState();
            boolean waits = st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING
                    || st == Thread.State.BLOCKED;
            if (w.sleepingDetected) {
                // A worker blocked in native code is RUNNABLE all along: only the sample's clocks
                // can tell when it runs again.
                if (waits ? !w.sawBlock : st == Thread.State.RUNNABLE && !w.nativeBlock) {
                    return true;
                }
            } else if (waits && !w.sleeping && (w.flags & Worker.NOT_RUNNING) == 0 && !p.lock.hasQueuedThread(t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A RUNNABLE worker whose CPU clock stands still is either blocked in native code or merely
     * preempted. Where the kernel's scheduler state is readable it decides at once; elsewhere
     * only a standstill longer than {@link #NATIVE_BLOCK_NANOS} counts.
     */
    private static boolean nativeBlocked(Worker w, long now) {
        if (w.lastProgressAt == now) {
            return false; // the clock moved in this very sample
        }
        char state = NativeThreads.schedulerState(w.tid);
        if (state != 0) {
            return state == 'S' || state == 'D';
        }
        return now - w.lastProgressAt >= NATIVE_BLOCK_NANOS;
    }

    /** How long the monitor keeps watching a virtual pool whose worklist it saw empty, at most. */
    static final long VIRTUAL_LINGER_NANOS = 100_000_000L;

    /**
     * The monitor's sample of a virtual pool (see the overview). A virtual worker gives its
     * carrier back whenever it blocks, unless it is <em>pinned</em> (blocked in a native frame or
     * a class initialiser, in {@code synchronized} on JDK 21-23, in some file I/O), and a
     * CPU-bound one never does: there is no preemption. Enough of them take every carrier, and
     * the workers woken for the items on the worklist never run. Two observations, both under
     * the pool lock, only while items wait:
     * <ul>
     *   <li><b>Stall</b> (the action, public API only): items wait and {@link WorkerPool#nrStarted} has not
     *       moved for {@code cpu_intensive_thresh}: a woken or new virtual worker would have
     *       started one by then unless it cannot get a carrier. A platform relief worker is
     *       started ({@link PoolVirtual#relieve}), counted in the head item's pwq {@code cmWakeup}, and the
     *       next one at the earliest one threshold later if the stall goes on (the relief worker
     *       may block too). It cannot tell why carriers are missing: holders outside this pool
     *       (other virtual threads of the JVM) stall it the same way and are relieved the same
     *       way.</li>
     *   <li><b>Carrier holders</b> (the report): a busy virtual worker seen <em>mounted</em> in
     *       every sample for longer than the threshold, measured from the first sample of its
     *       item or the last one that saw it unmounted, held its carrier: CPU-bound, or blocked
     *       in native code or the VM (mounted, carrier runnable), or parked while pinned
     *       (mounted, carrier waiting). It is counted as a CPU hog ({@code cpuIntensive}) and
     *       reported like one, once per run. "Mounted" comes from
     *       {@link #carrierState(Thread)}; a hold shorter than the sampling period, or one that
     *       unmounts between samples, is not seen.</li>
     * </ul>
     *
     * @return true while the pool still needs watching
     */
    private static boolean sampleVirtual(WorkerPool p, long thresh) {
        List<Hog> holders = null;
        int relieved = 0;
        long waited = 0;
        WorkqueueImpl reliefFor = null;
        p.lockPool();
        try {
            long now = p.runtime.nanoTime(); // the runtime's clock (tests may step it)
            if (p.worklist.isEmpty() || p.closing) {
                p.stallSince = 0;
                if (p.emptySince == 0) {
                    p.emptySince = now;
                }
                if (!p.closing && now - p.emptySince < Math.min(thresh, VIRTUAL_LINGER_NANOS)) {
                    return true;
                }
                p.watched = false; // the next kick with items waiting asks again
                p.emptySince = 0;
                return false;
            }
            p.emptySince = 0;
            for (Worker w : p.workers) {
                Work current = w.currentWork;
                if (current == null || !w.virtualThread) {
                    continue;
                }
                char c = carrierState(w.thread);
                if (w.sampledWork != current || c == 'U') {
                    w.sampledWork = current; // first sample of this run, or it gave its carrier back
                    w.lastProgressAt = now;
                } else if ((w.flags & Worker.CPU_INTENSIVE) == 0 && now - w.lastProgressAt >= thresh
                        && w.currentPwq != null) {
                    p.setFlags(w, Worker.CPU_INTENSIVE); // once per run; cleared when the item returns
                    w.currentPwq.cpuIntensive++;
                    if (holders == null) {
                        holders = new ArrayList<>(2);
                    }
                    holders.add(new Hog(w.currentPwq.wq, current, now - w.lastProgressAt, c == 'P'));
                }
            }
            if (p.nrStarted != p.stallObserved || p.stallSince == 0) {
                p.stallObserved = p.nrStarted;
                p.stallSince = now;
            } else if (now - p.stallSince >= thresh) {
                Work head = p.worklist.first();
                if (PoolWorkers.createWorker(p, true)) {
                    relieved = p.nrRelief;
                    waited = now - p.stallSince;
                    if (Node.dataVolatile(head) instanceof PoolWorkqueue pwq) {
                        pwq.cmWakeup++;
                        reliefFor = pwq.wq;
                    }
                }
                p.stallSince = now; // the next relief worker one threshold later at the earliest
            }
            return true;
        } finally {
            p.unlockPool();
            if (holders != null) { // reported after the pool is unlocked
                for (Hog h : holders) {
                    p.runtime.reportCarrierHog(h.wq(), h.work(), h.nanos(), h.parked());
                }
            }
            if (relieved > 0) {
                p.runtime.reportRelief(p, reliefFor, waited, relieved);
            }
        }
    }

    /**
     * What the JDK shows of a virtual thread's carrier: {@code 'U'} unmounted (parked, or
     * waiting for a carrier), {@code 'R'} mounted with its carrier runnable (running, or blocked
     * in native code or the VM), {@code 'P'} mounted with its carrier parked or blocked (parked
     * while pinned). There is no API for it: {@code VirtualThread.toString()} names the carrier
     * while mounted ({@code "VirtualThread[#21,name]/runnable@ForkJoinPool-1-worker-1"}, the
     * format of JDK 21 to 25). If the text does not have that shape, the thread's state stands
     * in: RUNNABLE counts as {@code 'R'}, anything else as {@code 'U'} (a pinned park is then
     * not seen). Allocates; the monitor calls it only while items wait.
     */
    static char carrierState(Thread t) {
        String s = t.toString();
        int slash = s.lastIndexOf("]/");
        if (slash < 0) {
            return t.getState() == Thread.State.RUNNABLE ? 'R' : 'U';
        }
        int at = s.indexOf('@', slash);
        if (at < 0) {
            return 'U';
        }
        return s.startsWith("runnable", slash + 2) ? 'R' : 'P';
    }
}

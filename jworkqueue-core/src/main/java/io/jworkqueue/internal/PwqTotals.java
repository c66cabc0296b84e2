package io.jworkqueue.internal;

import io.jworkqueue.WorkqueueInfo;
import io.jworkqueue.WorkqueueStats;

/**
 * The statistics of a workqueue summed over its pwqs (the counters {@code wq_monitor.py} reads
 * per pwq), with those of its released pwqs kept in a running total: what {@code info()} and
 * {@code stats()} report.
 */
final class PwqTotals {
    long started, completed, cpuTime, cpuIntensive, cmWakeup, repatriated, mayday, rescued;
    int nrActive, nrInactive;

    /** Adds the counters of {@code pwq} (its pool lock held). */
    void add(PoolWorkqueue pwq) {
        add(pwq.started, pwq.completed, pwq.cpuTime, pwq.cpuIntensive, pwq.cmWakeup, pwq.repatriated,
                pwq.mayday, pwq.rescued);
    }

    /** Adds the counters of {@code o} (its item counts are not kept: they are of the moment). */
    void add(PwqTotals o) {
        add(o.started, o.completed, o.cpuTime, o.cpuIntensive, o.cmWakeup, o.repatriated, o.mayday, o.rescued);
    }

    private void add(long started, long completed, long cpuTime, long cpuIntensive, long cmWakeup,
                     long repatriated, long mayday, long rescued) {
        this.started += started;
        this.completed += completed;
        this.cpuTime += cpuTime;
        this.cpuIntensive += cpuIntensive;
        this.cmWakeup += cmWakeup;
        this.repatriated += repatriated;
        this.mayday += mayday;
        this.rescued += rescued;
    }

    /**
     * Sums the linked pwqs of {@code wq}, each under its pool lock, and its released ones.
     *
     * @param pools where to put each linked pwq's pool id, or null
     */
    static PwqTotals of(WorkqueueImpl wq, PoolWorkqueue[] all, int[] pools) {
        PwqTotals t = new PwqTotals();
        for (int i = 0; i < all.length; i++) {
            PoolWorkqueue pwq = all[i];
            if (pools != null) {
                pools[i] = pwq.pool.id;
            }
            pwq.pool.lockPool();
            try {
                t.nrActive += pwq.nrActive;
                t.nrInactive += pwq.inactive.size();
                t.add(pwq);
            } finally {
                pwq.pool.unlockPool();
            }
        }
        t.add(wq.releasedStats());
        return t;
    }

    WorkqueueStats stats(String name) {
        return new WorkqueueStats(name, started, completed, cpuTime, cpuIntensive, cmWakeup, repatriated,
                mayday, rescued);
    }

    WorkqueueInfo info(String name, String flags, int maxActive, boolean unbound, boolean ordered, String rescuer,
                       int[] pools, String attrs) {
        return new WorkqueueInfo(name, flags, maxActive, unbound, ordered, nrActive, nrInactive, started, completed,
                cpuTime, cpuIntensive, cmWakeup, repatriated, mayday, rescued, rescuer, pools, attrs);
    }
}

package io.jworkqueue;

import javax.management.ConstructorParameters;

/**
 * A snapshot of one worker pool, as {@code tools/workqueue/wq_dump.py} prints it from the
 * kernel. Returned by {@link WorkqueueRuntime#poolInfos()} and, as JMX composite data with the
 * same item names, by the {@code Pools} attribute of {@link WorkqueueRuntimeMXBean}.
 *
 * <p>Pool ids: the bound pools of CPU {@code c} are {@code 2c} (normal) and {@code 2c + 1}
 * (highpri); unbound pools, one per pod and set of attributes, are numbered from {@code 2 x cpus}
 * on as they are created (ids are not reused). Each snapshot is taken under the
 * pool's lock, so its fields are consistent with each other.
 *
 * <p>In the virtual-thread mode ({@code virtualUnboundWorkers}) the unbound pools' workers are
 * virtual threads, never counted in {@code nrRunning} (always 0 there); {@code workers} includes
 * any platform relief worker running the pool's items while its virtual workers find no free
 * carrier (counted per workqueue in {@link WorkqueueStats#cmWakeups()}).
 */
public final class PoolInfo {
    private final int id;
    private final int cpu;
    private final boolean unbound;
    private final boolean highpri;
    private final int nice;
    private final String flags;
    private final int workers;
    private final int idle;
    private final int nrRunning;
    private final int pending;
    private final long oldestWaitMillis;
    private final boolean manager;
    private final String cpus;

    /**
     * Creates a snapshot; used by the runtime and by the JMX framework.
     *
     * @param id the pool id
     * @param cpu the CPU of a bound pool, -1 for an unbound pool
     * @param unbound whether the pool is unbound
     * @param highpri whether it is a high-priority pool
     * @param nice the kernel's nice value: 0, or -20 for highpri
     * @param flags the kernel's pool flags: {@code "0x0"} bound, {@code "0x4"} unbound ({@code POOL_DISASSOCIATED})
     * @param workers worker threads
     * @param idle idle workers
     * @param nrRunning workers counted as running ({@code nr_running})
     * @param pending items on the worklist, waiting for a worker
     * @param oldestWaitMillis how long the worklist has waited without an item starting; 0 if empty
     * @param manager whether a worker is currently managing (creating workers)
     */
    @ConstructorParameters({"id", "cpu", "unbound", "highpri", "nice", "flags", "workers", "idle", "nrRunning",
            "pending", "oldestWaitMillis", "manager"})
    public PoolInfo(int id, int cpu, boolean unbound, boolean highpri, int nice, String flags, int workers,
            int idle, int nrRunning, int pending, long oldestWaitMillis, boolean manager) {
        this(id, cpu, unbound, highpri, nice, flags, workers, idle, nrRunning, pending, oldestWaitMillis, manager,
                cpu >= 0 ? String.valueOf(cpu) : "");
    }

    /**
     * Creates a snapshot with the pool's CPUs; used by the runtime and by the JMX framework.
     *
     * @param id the pool id
     * @param cpu the CPU of a bound pool, -1 for an unbound pool
     * @param unbound whether the pool is unbound
     * @param highpri whether it is a high-priority pool
     * @param nice the nice value of its workers: 0 or -20 (highpri) for a bound pool, the
     *     workqueue attributes' for an unbound one (-20 if highpri)
     * @param flags the kernel's pool flags: {@code "0x0"} bound, {@code "0x4"} unbound ({@code POOL_DISASSOCIATED})
     * @param workers worker threads
     * @param idle idle workers
     * @param nrRunning workers counted as running ({@code nr_running})
     * @param pending items on the worklist, waiting for a worker
     * @param oldestWaitMillis how long the worklist has waited without an item starting; 0 if empty
     * @param manager whether a worker is currently managing (creating workers)
     * @param cpus the pool's runtime CPUs as a Linux CPU list: the CPU of a bound pool, the pod of
     *     an unbound one ({@code "0-3"})
     */
    @ConstructorParameters({"id", "cpu", "unbound", "highpri", "nice", "flags", "workers", "idle", "nrRunning",
            "pending", "oldestWaitMillis", "manager", "cpus"})
    public PoolInfo(int id, int cpu, boolean unbound, boolean highpri, int nice, String flags, int workers,
            int idle, int nrRunning, int pending, long oldestWaitMillis, boolean manager, String cpus) {
        this.id = id;
        this.cpu = cpu;
        this.unbound = unbound;
        this.highpri = highpri;
        this.nice = nice;
        this.flags = flags;
        this.workers = workers;
        this.idle = idle;
        this.nrRunning = nrRunning;
        this.pending = pending;
        this.oldestWaitMillis = oldestWaitMillis;
        this.manager = manager;
        this.cpus = cpus;
    }

    /** @return the pool id */
    public int getId() { return id; }
    /** @return the CPU of a bound pool, -1 for an unbound one */
    public int getCpu() { return cpu; }
    /** @return true for an unbound pool */
    public boolean isUnbound() { return unbound; }
    /** @return true for a high-priority pool */
    public boolean isHighpri() { return highpri; }
    /** @return the workers' nice value: -20 for a high-priority pool, else 0 or the unbound workqueue attributes' */
    public int getNice() { return nice; }
    /** @return {@code "0x0"} for a bound pool, {@code "0x4"} for an unbound one */
    public String getFlags() { return flags; }
    /** @return worker threads */
    public int getWorkers() { return workers; }
    /** @return idle workers */
    public int getIdle() { return idle; }
    /** @return workers counted in {@code nr_running} */
    public int getNrRunning() { return nrRunning; }
    /** @return the worklist's length */
    public int getPending() { return pending; }
    /** @return how long the worklist has waited without an item starting, 0 if it is empty */
    public long getOldestWaitMillis() { return oldestWaitMillis; }
    /** @return the pool's runtime CPUs as a Linux CPU list: a bound pool's CPU, an unbound pool's pod */
    public String getCpus() { return cpus; }
    /** @return true while a worker manages the pool (creates a worker) */
    public boolean isManager() { return manager; }

    @Override
    public String toString() {
        return "PoolInfo[" + id + (unbound ? " unbound cpus=" + cpus : " cpu=" + cpu) + " flags=" + flags + " nice=" + nice
                + " workers=" + workers + " idle=" + idle + " nrRunning=" + nrRunning + " pending=" + pending
                + " oldestWaitMillis=" + oldestWaitMillis + (manager ? " manager" : "") + "]";
    }
}

package io.jworkqueue;

/**
 * The JMX view of a {@link WorkqueueRuntime}, registered on the platform MBean server while the
 * runtime is open, as
 * <pre>
 *   io.jworkqueue:type=WorkqueueRuntime,name=&lt;runtime name&gt;
 * </pre>
 * (the value is quoted with {@link javax.management.ObjectName#quote} only if it holds one of
 * the characters {@code , = : " * ? \n}). Registration happens when the runtime is built, the
 * global one when it is first used; {@link WorkqueueRuntime#close()} unregisters it. A failing
 * registration (e.g. a name taken by another runtime) is logged and does not affect the runtime.
 *
 * <p>Attributes: {@code Name}, {@code Cpus}, {@code LockupsReported}, {@code InternalErrors}, {@code WorkerCount},
 * {@code Workqueues} (an array of {@link WorkqueueInfo} composites) and {@code Pools} (an array
 * of {@link PoolInfo} composites); operation {@code dump()}. The kernel's counterpart is the
 * state {@code tools/workqueue/wq_dump.py} reads with drgn.
 */
public interface WorkqueueRuntimeMXBean {

    /** @return the runtime's name ({@link WorkqueueRuntime#name()}) */
    String getName();

    /** @return the number of CPUs */
    int getCpus();

    /** @return how many lockups the watchdog has reported */
    long getLockupsReported();

    /** @return {@link WorkqueueRuntime#internalErrors()}: failures the runtime caught and survived */
    long getInternalErrors();

    /** @return live worker threads over all pools */
    int getWorkerCount();

    /** @return a snapshot of every live workqueue, system ones first, in allocation order */
    WorkqueueInfo[] getWorkqueues();

    /** @return a snapshot of every worker pool, by id */
    PoolInfo[] getPools();

    /** @return {@link WorkqueueRuntime#dump()} */
    String dump();
}

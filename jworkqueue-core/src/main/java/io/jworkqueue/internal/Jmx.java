package io.jworkqueue.internal;

import io.jworkqueue.AffinityScope;
import io.jworkqueue.PoolInfo;
import io.jworkqueue.WorkqueueAttrs;
import io.jworkqueue.WorkqueueInfo;
import io.jworkqueue.WorkqueueMXBean;
import io.jworkqueue.WorkqueueRuntimeMXBean;
import java.lang.management.ManagementFactory;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The JMX registrations of one runtime (the kernel's {@code WQ_SYSFS}): the runtime's
 * {@link WorkqueueRuntimeMXBean} and one {@link WorkqueueMXBean} per {@code SYSFS} workqueue,
 * on the platform MBean server.
 *
 * <p>Failures never reach the runtime: they are logged at WARNING. The MBeans hold the runtime
 * and the workqueues weakly, so a runtime dropped without {@code close()} can still be
 * collected; a {@link Cleaner} then unregisters what is left.
 */
final class Jmx {
    private static final System.Logger LOG = System.getLogger("io.jworkqueue");
    private static final Cleaner CLEANER = Cleaner.create();
    /** Characters that force {@link ObjectName#quote}. */
    private static final String SPECIAL = ",=:\"*?\n\\";

    private final String runtimeName; // I
    /** The names registered so far and not yet unregistered (shared with the cleaning action). */
    private final Set<ObjectName> registered = ConcurrentHashMap.newKeySet();
    private volatile Cleaner.Cleanable cleanable;

    Jmx(String runtimeName) {
        this.runtimeName = runtimeName;
    }

    /** @return {@code s} as an ObjectName value: unchanged, or quoted if it holds special characters */
    static String value(String s) {
        if (s.isEmpty()) {
            return ObjectName.quote(s);
        }
        for (int i = 0; i < s.length(); i++) {
            if (SPECIAL.indexOf(s.charAt(i)) >= 0) {
                return ObjectName.quote(s);
            }
        }
        return s;
    }

    /** @return {@code io.jworkqueue:type=WorkqueueRuntime,name=<name>} */
    static ObjectName runtimeObjectName(String runtimeName) throws JMException {
        return new ObjectName("io.jworkqueue:type=WorkqueueRuntime,name=" + value(runtimeName));
    }

    private static MBeanServer server() {
        return ManagementFactory.getPlatformMBeanServer();
    }

    /** Registers the runtime's MXBean; logs and returns on failure. */
    void registerRuntime(RuntimeCore core) {
        Set<ObjectName> names = registered;
        cleanable = CLEANER.register(core.api(), () -> unregisterAll(names));
        try {
            ObjectName on = runtimeObjectName(runtimeName);
            server().registerMBean(new RuntimeBean(core), on);
            registered.add(on);
        } catch (JMException | RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "workqueue runtime '" + runtimeName
                    + "': cannot register its MXBean (the runtime works without it): " + e);
        }
    }

    /**
     * Registers a {@code SYSFS} workqueue's MXBean, appending {@code #2}, {@code #3}, ... while
     * the name is taken.
     *
     * @return the name registered, or null on failure (logged)
     */
    ObjectName registerWorkqueue(WorkqueueImpl wq) {
        try {
            MBeanServer server = server();
            WorkqueueBean bean = new WorkqueueBean(wq);
            for (int n = 1; ; n++) {
                String name = n == 1 ? wq.name() : wq.name() + "#" + n;
                ObjectName on = new ObjectName("io.jworkqueue:type=Workqueue,runtime=" + value(runtimeName)
                        + ",name=" + value(name));
                try {
                    server.registerMBean(bean, on);
                    registered.add(on);
                    return on;
                } catch (InstanceAlreadyExistsException taken) {
                    if (n >= 10_000) {
                        throw taken;
                    }
                }
            }
        } catch (JMException | RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "workqueue '" + wq.name()
                    + "': cannot register its MXBean (the workqueue works without it): " + e);
            return null;
        }
    }

    void unregister(ObjectName on) {
        if (on != null && registered.remove(on)) {
            unregister0(on);
        }
    }

    /** Unregisters everything (runtime close). */
    void close() {
        Cleaner.Cleanable c = cleanable;
        if (c != null) {
            c.clean();
        }
    }

    private static void unregisterAll(Set<ObjectName> names) {
        for (ObjectName on : names.toArray(new ObjectName[0])) {
            if (names.remove(on)) {
                unregister0(on);
            }
        }
    }

    private static void unregister0(ObjectName on) {
        try {
            server().unregisterMBean(on);
        } catch (InstanceNotFoundException gone) {
            // someone else removed it: nothing to do
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot unregister MXBean " + on + ": " + e);
        }
    }

    // ------------------------------------------------------------------ the beans

    /** The runtime's MXBean; holds the runtime weakly. */
    static final class RuntimeBean implements WorkqueueRuntimeMXBean {
        private final WeakReference<RuntimeCore> core;
        private final String name;

        RuntimeBean(RuntimeCore core) {
            this.core = new WeakReference<>(core);
            this.name = core.api().name();
        }

        private RuntimeCore core() {
            RuntimeCore c = core.get();
            if (c == null) {
                throw new IllegalStateException("workqueue runtime '" + name + "' was garbage-collected without close()");
            }
            return c;
        }

        @Override public String getName() { return name; }
        @Override public int getCpus() { return core().cpus(); }
        @Override public long getLockupsReported() { return core().lockupsReported(); }
        @Override public long getInternalErrors() { return core().internalErrors(); }
        @Override public int getWorkerCount() { return core().workerCount(); }
        @Override public WorkqueueInfo[] getWorkqueues() { return core().workqueueInfos().toArray(new WorkqueueInfo[0]); }
        @Override public PoolInfo[] getPools() { return core().poolInfos().toArray(new PoolInfo[0]); }
        @Override public String dump() { return core().dump(); }

        @Override public long getCpuIntensiveThresholdMicros() { return core().cpuIntensiveThresholdNanos() / 1_000; }
        @Override public void setCpuIntensiveThresholdMicros(long micros) {
            core().api().setCpuIntensiveThreshold(Duration.of(micros, ChronoUnit.MICROS));
        }
        @Override public long getWatchdogThresholdMillis() { return core().watchdogThresholdNanos() / 1_000_000; }
        @Override public void setWatchdogThresholdMillis(long millis) {
            core().api().setWatchdogThreshold(Duration.ofMillis(millis));
        }
        @Override public boolean isPowerEfficient() { return core().powerEfficient(); }
        @Override public void setPowerEfficient(boolean enabled) { core().setPowerEfficient(enabled); }
        @Override public void freeze() { core().freeze(); }
        @Override public void thaw() { core().thaw(); }
        @Override public boolean isFrozen() { return core().isFreezing(); }
        @Override public boolean isFreezeBusy() { return core().isFreezeBusy(); }
    }

    /** A {@code SYSFS} workqueue's MXBean; holds the workqueue weakly. */
    static final class WorkqueueBean implements WorkqueueMXBean {
        private final WeakReference<WorkqueueImpl> wq;
        private final String name;

        WorkqueueBean(WorkqueueImpl wq) {
            this.wq = new WeakReference<>(wq);
            this.name = wq.name();
        }

        private WorkqueueImpl wq() {
            WorkqueueImpl w = wq.get();
            if (w == null) {
                throw new IllegalStateException("workqueue '" + name + "' was garbage-collected");
            }
            return w;
        }

        private WorkqueueInfo info() {
            return wq().info();
        }

        @Override public String getName() { return name; }
        @Override public String getFlags() { return Formats.flags(wq().flags()); }
        @Override public boolean isOrdered() { return wq().isOrdered(); }
        @Override public boolean isPerCpu() { return !wq().unbound; }
        @Override public int getMaxActive() { return wq().maxActive(); }
        @Override public void setMaxActive(int maxActive) { wq().setMaxActive(maxActive); }
        @Override public String getCpumask() {
            WorkqueueAttrs a = unboundAttrs();
            return a == null ? "" : a.cpus().isEmpty() ? "all" : CpuList.format(a.cpus());
        }
        @Override public void setCpumask(String cpus) {
            Objects.requireNonNull(cpus, "cpumask");
            String v = cpus.strip();
            BitSet set;
            try {
                set = v.equalsIgnoreCase("all") ? new BitSet() : CpuList.parse(v);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("workqueue '" + name + "': cpumask '" + cpus + "' is not a CPU list ("
                        + e.getMessage() + ")", e);
            }
            update(b -> b.cpus(set));
        }
        @Override public int getNice() {
            WorkqueueAttrs a = unboundAttrs();
            return a == null ? 0 : a.nice();
        }
        @Override public void setNice(int nice) { update(b -> b.nice(nice)); }
        @Override public String getAffinityScope() {
            WorkqueueAttrs a = unboundAttrs();
            return a == null ? "" : a.affinityScope().sysfsName();
        }
        @Override public void setAffinityScope(String scope) {
            update(b -> b.affinityScope(AffinityScope.ofSysfsName(scope)));
        }
        @Override public boolean isAffinityStrict() {
            WorkqueueAttrs a = unboundAttrs();
            return a != null && a.affinityStrict();
        }
        @Override public void setAffinityStrict(boolean strict) { update(b -> b.affinityStrict(strict)); }

        /** @return the attributes of an unbound workqueue, null for a bound one (reads are neutral there) */
        private WorkqueueAttrs unboundAttrs() {
            WorkqueueImpl w = wq();
            return w.unbound ? w.attrs() : null;
        }

        /**
         * Changes one field of the current attributes and applies them ({@code wq_sysfs_prep_attrs}
         * then {@code apply_workqueue_attrs_locked}); one write at a time per workqueue, so two
         * writes of different fields both take effect. A value the builder refuses fails with its
         * message, prefixed by the workqueue's name.
         */
        private synchronized void update(java.util.function.Consumer<WorkqueueAttrs.Builder> change) {
            WorkqueueImpl w = wq();
            WorkqueueAttrs.Builder b = w.attrs().toBuilder(); // a bound workqueue: IllegalStateException
            try {
                change.accept(b);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("workqueue '" + name + "': " + e.getMessage(), e);
            }
            w.applyAttrs(b.build());
        }

        @Override public int getNrActive() { return info().getNrActive(); }
        @Override public int getNrInactive() { return info().getNrInactive(); }
        @Override public long getStarted() { return wq().stats().started(); }
        @Override public long getCompleted() { return wq().stats().completed(); }
        @Override public long getCpuTimeNanos() { return wq().stats().cpuTimeNanos(); }
        @Override public long getCpuIntensive() { return wq().stats().cpuIntensive(); }
        @Override public long getCmWakeups() { return wq().stats().cmWakeups(); }
        @Override public long getRepatriated() { return wq().stats().repatriated(); }
        @Override public long getMaydays() { return wq().stats().maydays(); }
        @Override public long getRescued() { return wq().stats().rescued(); }
    }

}

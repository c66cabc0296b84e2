package io.jworkqueue.micrometer;

import io.jworkqueue.PoolInfo;
import io.jworkqueue.WorkqueueInfo;
import io.jworkqueue.WorkqueueRuntime;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for one {@link WorkqueueRuntime}, named in the {@code executor.*} vocabulary
 * of Micrometer's {@code ExecutorServiceMetrics} where the meaning matches (same names, base
 * units, descriptions and the {@code name} tag, so dashboards built for it show workqueues), and
 * {@code workqueue.*} for what only cmwq has.
 *
 * <pre>{@code
 * new JworkqueueMetrics(runtime, Tags.of("app", "indexer")).bindTo(registry);
 * }</pre>
 *
 * <p><b>Per workqueue</b> (tags {@code name} (the workqueue's), {@code runtime}, plus the extra
 * tags; in a Prometheus registry shared with {@code ExecutorServiceMetrics}, give those executors a
 * {@code runtime} tag too, so each family keeps one label set):
 * <table>
 *   <caption>workqueue meters</caption>
 *   <tr><th>name</th><th>type</th><th>unit</th><th>value</th></tr>
 *   <tr><td>{@code executor.completed}</td><td>FunctionCounter</td><td>tasks</td><td>items finished</td></tr>
 *   <tr><td>{@code executor}</td><td>FunctionTimer</td><td>seconds</td><td>count: items finished; total time: the
 *       CPU time they consumed (the pool workqueues count CPU time, not wall time; nothing is
 *       measured per item)</td></tr>
 *   <tr><td>{@code workqueue.started}</td><td>FunctionCounter</td><td>tasks</td><td>items started</td></tr>
 *   <tr><td>{@code executor.active}</td><td>Gauge</td><td>threads</td><td>items running now (started - completed), each on a worker</td></tr>
 *   <tr><td>{@code executor.queued}</td><td>Gauge</td><td>tasks</td><td>items queued and not started (on a pool's worklist or inactive)</td></tr>
 *   <tr><td>{@code workqueue.inactive}</td><td>Gauge</td><td>tasks</td><td>items held back by max_active (the inactive list)</td></tr>
 *   <tr><td>{@code workqueue.max.active}</td><td>Gauge</td><td>tasks</td><td>max_active (per CPU for bound workqueues)</td></tr>
 *   <tr><td>{@code executor.cpu.time}</td><td>FunctionCounter</td><td>seconds</td><td>CPU time consumed by items</td></tr>
 *   <tr><td>{@code workqueue.cpu.intensive}</td><td>FunctionCounter</td><td>tasks</td><td>items detected as CPU hogs</td></tr>
 *   <tr><td>{@code workqueue.cm.wakeups}</td><td>FunctionCounter</td><td>wakeups</td><td>concurrency-management wake-ups</td></tr>
 *   <tr><td>{@code workqueue.repatriated}</td><td>FunctionCounter</td><td>workers</td><td>unbound workers repatriated</td></tr>
 *   <tr><td>{@code workqueue.maydays}</td><td>FunctionCounter</td><td>maydays</td><td>maydays sent to the rescuer</td></tr>
 *   <tr><td>{@code workqueue.rescued}</td><td>FunctionCounter</td><td>tasks</td><td>items run by the rescuer</td></tr>
 * </table>
 *
 * <p><b>Per worker pool</b> (tags {@code runtime}, {@code pool} (the pool id), {@code cpu} (the CPU
 * or {@code unbound}), {@code highpri}): {@code workqueue.pool.size} (threads: workers; not
 * {@code executor.pool.size}, whose family is ExecutorServiceMetrics' per-executor one),
 * {@code workqueue.pool.idle} (threads: idle workers), {@code workqueue.pool.running} (threads:
 * nr_running, the concurrency level), {@code workqueue.pool.pending} (tasks on the worklist),
 * {@code workqueue.pool.oldest.wait} (TimeGauge: how long the oldest pending item has waited).
 * Unbound pools come and go with the workqueues and attributes that use them: a pool first seen
 * by a later reading gets its meters then; a retired pool's gauges read 0.
 *
 * <p><b>Per runtime</b> (tag {@code runtime}): {@code workqueue.count} (Gauge: live workqueues),
 * {@code workqueue.lockups} (FunctionCounter: lockups reported by the watchdog).
 *
 * <p><b>New workqueues</b> are registered lazily: every read of a meter takes a snapshot of the
 * runtime (at most one per {@code snapshotTtl}, default 1 s, shared by all meters), and a
 * snapshot that holds a workqueue name not yet seen registers that workqueue's meters in every
 * registry this binder is bound to; they appear from the next publication or scrape. Workqueues
 * of the same name are summed into one set of meters. After a workqueue is destroyed its
 * counters keep their last value and its gauges read 0.
 *
 * <p><b>The runtime is held weakly</b>, as Micrometer's {@code ExecutorServiceMetrics} and
 * {@code CacheMeterBinder} hold theirs: the binder and its meters do not keep it alive, and once
 * it has been collected every meter reads {@code NaN}. The meters keep this binder's small state
 * (the last snapshot) reachable through the {@code workqueue.count} gauge.
 */
public final class JworkqueueMetrics implements MeterBinder {

    /** The tag naming the workqueue, as {@code ExecutorServiceMetrics} names its executor. */
    static final String NAME = "name";

    private final State state;

    /**
     * @param runtime the runtime to observe (held weakly)
     */
    public JworkqueueMetrics(WorkqueueRuntime runtime) {
        this(runtime, Tags.empty());
    }

    /**
     * @param runtime the runtime to observe (held weakly)
     * @param tags extra tags for every meter
     */
    public JworkqueueMetrics(WorkqueueRuntime runtime, Iterable<Tag> tags) {
        this(runtime, tags, Duration.ofSeconds(1));
    }

    /**
     * @param runtime the runtime to observe (held weakly)
     * @param tags extra tags for every meter
     * @param snapshotTtl how long one snapshot of the runtime serves meter reads (zero: every read
     *     takes a new one)
     */
    public JworkqueueMetrics(WorkqueueRuntime runtime, Iterable<Tag> tags, Duration snapshotTtl) {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(tags, "tags");
        Objects.requireNonNull(snapshotTtl, "snapshotTtl");
        if (snapshotTtl.isNegative()) {
            throw new IllegalArgumentException("snapshotTtl " + snapshotTtl + " is negative");
        }
        this.state = new State(runtime, Tags.concat(tags, "runtime", runtime.name()), snapshotTtl.toNanos());
    }

    /**
     * Binds meters for {@code runtime} to {@code registry}.
     *
     * @param registry the registry
     * @param runtime the runtime (held weakly)
     * @param tags extra tags
     * @return the binder
     */
    public static JworkqueueMetrics monitor(MeterRegistry registry, WorkqueueRuntime runtime, Tag... tags) {
        JworkqueueMetrics m = new JworkqueueMetrics(runtime, Tags.of(tags));
        m.bindTo(registry);
        return m;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        state.bind(registry);
    }

    /** What the meters read: the weak runtime, the last snapshot, the registries bound. */
    private static final class State {
        final WeakReference<WorkqueueRuntime> runtime;
        final Tags tags;
        final long ttlNanos;
        final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
        // Guarded by this:
        private long takenAt;
        private boolean taken;
        private Map<String, Totals> byName = Map.of();
        private Map<Integer, PoolInfo> pools = Map.of();
        private int workqueueCount;
        /** Last totals of every name ever seen, so counters of destroyed workqueues stay monotonic. */
        private final Map<String, Totals> lastSeen = new HashMap<>();
        /** Ids of every pool ever seen (unbound pools come and go with workqueues and their attributes). */
        private final java.util.Set<Integer> poolsSeen = new java.util.HashSet<>();
        /** Pools the last refresh saw for the first time, to be registered by the caller (guarded by this). */
        private List<PoolInfo> newPools = List.of();

        State(WorkqueueRuntime rt, Tags tags, long ttlNanos) {
            this.runtime = new WeakReference<>(rt);
            this.tags = tags;
            this.ttlNanos = ttlNanos;
        }

        void bind(MeterRegistry registry) {
            registries.add(registry);
            Gauge.builder("workqueue.count", this, s -> s.read(x -> x.workqueueCount))
                    .strongReference(true) // keeps this state reachable for the weakly held function meters
                    .tags(tags).description("Live workqueues of the runtime").baseUnit("workqueues")
                    .register(registry);
            FunctionCounter.builder("workqueue.lockups", this, s -> {
                WorkqueueRuntime rt = s.runtime.get();
                return rt == null ? Double.NaN : rt.lockupsReported();
            }).tags(tags).description("Workqueue lockups reported by the watchdog").baseUnit("lockups").register(registry);
            WorkqueueRuntime rt = runtime.get();
            if (rt != null) {
                for (PoolInfo p : rt.poolInfos()) {
                    registerPool(registry, p);
                }
            }
            List<String> names;
            synchronized (this) {
                refresh(true);
                names = List.copyOf(lastSeen.keySet());
            }
            for (String n : names) {
                registerWorkqueue(registry, n);
            }
        }

        /** Reads a figure of the current snapshot; NaN once the runtime is gone. */
        double read(ToDoubleFunction<State> f) {
            List<String> added;
            List<PoolInfo> addedPools;
            double v;
            synchronized (this) {
                added = refresh(false);
                addedPools = newPools;
                newPools = List.of();
                v = runtime.get() == null ? Double.NaN : f.applyAsDouble(this);
            }
            if (!added.isEmpty() || !addedPools.isEmpty()) {
                for (MeterRegistry r : registries) {
                    for (String n : added) {
                        registerWorkqueue(r, n);
                    }
                    for (PoolInfo p : addedPools) { // registering a meter again returns the existing one
                        registerPool(r, p);
                    }
                }
            }
            return v;
        }

        /** @return names seen for the first time (guarded by this) */
        private List<String> refresh(boolean force) {
            long now = System.nanoTime();
            if (!force && taken && now - takenAt < ttlNanos) {
                return List.of();
            }
            WorkqueueRuntime rt = runtime.get();
            if (rt == null) {
                byName = Map.of();
                pools = Map.of();
                return List.of();
            }
            List<WorkqueueInfo> infos = rt.workqueueInfos();
            Map<String, Totals> m = new LinkedHashMap<>();
            for (WorkqueueInfo i : infos) {
                m.computeIfAbsent(i.getName(), k -> new Totals()).add(i);
            }
            Map<Integer, PoolInfo> p = new HashMap<>();
            List<PoolInfo> np = new java.util.ArrayList<>();
            for (PoolInfo pi : rt.poolInfos()) {
                p.put(pi.getId(), pi);
                if (poolsSeen.add(pi.getId()) && taken) {
                    np.add(pi);
                }
            }
            if (!np.isEmpty()) {
                List<PoolInfo> all = new java.util.ArrayList<>(newPools);
                all.addAll(np);
                newPools = all;
            }
            List<String> added = new java.util.ArrayList<>();
            for (Map.Entry<String, Totals> e : m.entrySet()) {
                if (lastSeen.put(e.getKey(), e.getValue()) == null && taken) {
                    added.add(e.getKey());
                }
            }
            byName = m;
            pools = p;
            workqueueCount = infos.size();
            taken = true;
            takenAt = now;
            return added;
        }

        private void registerWorkqueue(MeterRegistry r, String name) {
            Tags t = tags.and(NAME, name);
            // executor.* meters carry ExecutorServiceMetrics' units and descriptions, so that in a
            // registry they share with it each family has one unit and one HELP text.
            counter(r, "executor.completed", t, "tasks", "The approximate total number of tasks that have completed execution",
                    x -> x.completed);
            // ExecutorServiceMetrics' "executor" timer, from the counters the pool workqueues keep
            // (nothing is measured per item): count = items finished, total = their CPU time. No
            // description: ExecutorServiceMetrics' timer has none.
            FunctionTimer.builder("executor", this,
                            s -> (long) s.read(x -> lastSeen(x, name, c -> c.completed)), // NaN (runtime gone): 0
                            s -> s.read(x -> lastSeen(x, name, c -> c.cpuTimeNanos)), TimeUnit.NANOSECONDS)
                    .tags(t).register(r);
            counter(r, "workqueue.started", t, "tasks", "Items started", x -> x.started);
            gauge(r, "executor.active", t, "threads", "The approximate number of threads that are actively executing tasks",
                    x -> Math.max(0, x.started - x.completed));
            gauge(r, "executor.queued", t, "tasks", "The approximate number of tasks that are queued for execution",
                    x -> Math.max(0, x.nrActive + x.nrInactive - (x.started - x.completed)));
            gauge(r, "workqueue.inactive", t, "tasks", "Items held back by max_active", x -> x.nrInactive);
            gauge(r, "workqueue.max.active", t, "tasks", "max_active", x -> x.maxActive);
            counter(r, "executor.cpu.time", t, "seconds", "CPU time consumed by items", x -> x.cpuTimeNanos / 1e9);
            counter(r, "workqueue.cpu.intensive", t, "tasks", "Items detected as CPU hogs", x -> x.cpuIntensive);
            counter(r, "workqueue.cm.wakeups", t, "wakeups", "Concurrency-management wake-ups", x -> x.cmWakeups);
            counter(r, "workqueue.repatriated", t, "workers", "Unbound workers repatriated", x -> x.repatriated);
            counter(r, "workqueue.maydays", t, "maydays", "Maydays sent to the rescuer", x -> x.maydays);
            counter(r, "workqueue.rescued", t, "tasks", "Items run by the rescuer", x -> x.rescued);
        }

        private static String nameOf(Tags t) {
            return t.stream().filter(tag -> tag.getKey().equals(NAME)).findFirst().orElseThrow().getValue();
        }

        /** A counter's value: from the live workqueues or, once destroyed, the last value seen (guarded by this). */
        private static double lastSeen(State s, String name, ToDoubleFunction<Totals> f) {
            Totals cur = s.lastSeen.get(name);
            return cur == null ? 0 : f.applyAsDouble(cur);
        }

        private void counter(MeterRegistry r, String meter, Tags t, String unit, String desc, ToDoubleFunction<Totals> f) {
            String name = nameOf(t);
            FunctionCounter.builder(meter, this, s -> s.read(x -> lastSeen(x, name, f)))
                    .tags(t).baseUnit(unit).description(desc).register(r);
        }

        private void gauge(MeterRegistry r, String meter, Tags t, String unit, String desc, ToDoubleFunction<Totals> f) {
            String name = nameOf(t);
            Gauge.builder(meter, this, s -> s.read(x -> {
                Totals cur = x.byName.get(name);
                return cur == null ? 0 : f.applyAsDouble(cur);
            })).tags(t).baseUnit(unit).description(desc).register(r);
        }

        private void registerPool(MeterRegistry r, PoolInfo p) {
            int id = p.getId();
            Tags t = tags.and("pool", Integer.toString(id), "cpu", p.getCpu() < 0 ? "unbound" : Integer.toString(p.getCpu()),
                    "highpri", Boolean.toString(p.isHighpri()));
            poolGauge(r, "workqueue.pool.size", t, "threads", "Worker threads of the pool", id, PoolInfo::getWorkers);
            poolGauge(r, "workqueue.pool.idle", t, "threads", "Idle worker threads", id, PoolInfo::getIdle);
            poolGauge(r, "workqueue.pool.running", t, "threads", "Running (not sleeping) workers, the concurrency level", id, PoolInfo::getNrRunning);
            poolGauge(r, "workqueue.pool.pending", t, "tasks", "Items on the pool's worklist", id, PoolInfo::getPending);
            TimeGauge.builder("workqueue.pool.oldest.wait", this, TimeUnit.MILLISECONDS, s -> s.read(x -> {
                PoolInfo cur = x.pools.get(id);
                return cur == null ? 0 : cur.getOldestWaitMillis();
            })).tags(t).description("How long the oldest item on the worklist has waited").register(r);
        }

        private void poolGauge(MeterRegistry r, String meter, Tags t, String unit, String desc, int id, ToDoubleFunction<PoolInfo> f) {
            Gauge.builder(meter, this, s -> s.read(x -> {
                PoolInfo cur = x.pools.get(id);
                return cur == null ? 0 : f.applyAsDouble(cur);
            })).tags(t).baseUnit(unit).description(desc).register(r);
        }
    }

    /** The figures of the workqueues of one name, summed. */
    private static final class Totals {
        long started, completed, cpuTimeNanos, cpuIntensive, cmWakeups, repatriated, maydays, rescued;
        int nrActive, nrInactive, maxActive;

        void add(WorkqueueInfo i) {
            started += i.getStarted();
            completed += i.getCompleted();
            cpuTimeNanos += i.getCpuTimeNanos();
            cpuIntensive += i.getCpuIntensive();
            cmWakeups += i.getCmWakeups();
            repatriated += i.getRepatriated();
            maydays += i.getMaydays();
            rescued += i.getRescued();
            nrActive += i.getNrActive();
            nrInactive += i.getNrInactive();
            maxActive = Math.max(maxActive, i.getMaxActive());
        }
    }
}

package io.jworkqueue.internal.jfr;

import io.jworkqueue.Work;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

/**
 * The JFR events of jworkqueue, the kernel's workqueue tracepoints:
 * <table>
 *   <caption>Events</caption>
 *   <tr><th>event</th><th>kernel</th><th>fields</th></tr>
 *   <tr><td>{@code io.jworkqueue.QueueWork}</td><td>{@code workqueue_queue_work}</td>
 *       <td>workqueue, function, requestedCpu, cpu</td></tr>
 *   <tr><td>{@code io.jworkqueue.ActivateWork}</td><td>{@code workqueue_activate_work}</td>
 *       <td>workqueue, function</td></tr>
 *   <tr><td>{@code io.jworkqueue.ExecuteWork} (duration)</td>
 *       <td>{@code workqueue_execute_start} / {@code _end}</td><td>workqueue, function, worker</td></tr>
 *   <tr><td>{@code io.jworkqueue.Lockup}</td><td>the watchdog's lockup report</td>
 *       <td>pool, poolAttributes, stuckMillis</td></tr>
 *   <tr><td>{@code io.jworkqueue.CpuHog}</td><td>{@code wq_cpu_intensive_report}</td>
 *       <td>workqueue, function, cpuMillis</td></tr>
 *   <tr><td>{@code io.jworkqueue.Mayday}</td><td>{@code send_mayday}</td><td>workqueue, pool</td></tr>
 * </table>
 *
 * <h2>Cost when off</h2>
 * Every call site is guarded by {@link #on()}, a read of one static volatile boolean that is
 * true only while some JFR recording is running. It is maintained by a
 * {@link FlightRecorderListener}, which does not initialise JFR by being registered. So with no
 * recording running, the hot paths (queueing, activation, execution) pay one load and a
 * not-taken branch, and allocate nothing: no event object is created. While a recording runs,
 * the usual JFR idiom applies (an event object, {@code shouldCommit()}, fields filled only if
 * the event is enabled in that recording's settings). The per-item events are checked first
 * against their {@link EventType}'s enabled state, so a running recording in which they are off
 * (the JDK's {@code default} and {@code profile} settings) creates no event object per item
 * either.
 *
 * <h2>Defaults</h2>
 * The per-item events ({@code QueueWork}, {@code ActivateWork}, {@code ExecuteWork}) would cost
 * a production recording one event per item, so they are off in the JDK's {@code default} and
 * {@code profile} settings: {@code QueueWork} and {@code ActivateWork} are disabled
 * ({@code @Enabled(false)}; {@code QueueWork} records no stack trace by default) and
 * {@code ExecuteWork} has a 20 ms threshold, so only runs that long are recorded. The rare
 * events ({@code Lockup}, {@code CpuHog}, {@code Mayday}) are on. The settings file
 * {@code io/jworkqueue/jworkqueue.jfc} in the core jar turns everything on (with a stack trace
 * per {@code QueueWork} and no {@code ExecuteWork} threshold); see docs/MONITORING.md, JFR.
 */
public final class Jfr {
    /** True while at least one recording is RUNNING (see the class comment). */
    private static volatile boolean on;

    static {
        try {
            FlightRecorder.addListener(new Listener());
        } catch (RuntimeException | LinkageError e) {
            System.getLogger("io.jworkqueue").log(System.Logger.Level.DEBUG, "JFR events unavailable: " + e);
        }
    }

    private Jfr() {}

    /** @return true while some JFR recording runs; false means every event is off */
    public static boolean on() {
        return on;
    }

    private static final class Listener implements FlightRecorderListener {
        @Override
        public void recorderInitialized(FlightRecorder recorder) {
            update();
        }

        @Override
        public void recordingStateChanged(Recording recording) {
            update();
        }
    }

    /**
     * Recomputes {@link #on} from the recordings' states. Lock-free (listeners may be called
     * with JFR's own locks held): whoever writes re-reads the states afterwards and writes again
     * if they changed meanwhile, so the last writer's value matches the states it last saw.
     */
    private static void update() {
        boolean any;
        do {
            any = anyRunning();
            on = any;
        } while (anyRunning() != any);
    }

    private static boolean anyRunning() {
        try {
            for (Recording r : FlightRecorder.getFlightRecorder().getRecordings()) {
                if (r.getState() == RecordingState.RUNNING) {
                    return true;
                }
            }
            return false;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The per-item event types, looked up on first use (only while a recording runs, so JFR's
     * metadata is not touched before).
     */
    private static final class Types {
        static final EventType QUEUE = EventType.getEventType(QueueWorkEvent.class);
        static final EventType ACTIVATE = EventType.getEventType(ActivateWorkEvent.class);
        static final EventType EXECUTE = EventType.getEventType(ExecuteWorkEvent.class);
    }

    /**
     * An item's name for events: its description if it has one, else its function's class, a
     * lambda's cut at {@code $$Lambda}.
     */
    static String function(Work w) {
        return io.jworkqueue.internal.Formats.function(w, true);
    }

    // ------------------------------------------------------------------ emitters (call only when on())

    /** {@code workqueue_queue_work}. */
    public static void queueWork(String workqueue, Work w, int requestedCpu, int cpu) {
        if (!Types.QUEUE.isEnabled()) {
            return;
        }
        QueueWorkEvent e = new QueueWorkEvent();
        if (e.shouldCommit()) {
            e.workqueue = workqueue;
            e.function = function(w);
            e.requestedCpu = requestedCpu;
            e.cpu = cpu;
            e.commit();
        }
    }

    /** {@code workqueue_activate_work}. */
    public static void activateWork(String workqueue, Work w) {
        if (!Types.ACTIVATE.isEnabled()) {
            return;
        }
        ActivateWorkEvent e = new ActivateWorkEvent();
        if (e.shouldCommit()) {
            e.workqueue = workqueue;
            e.function = function(w);
            e.commit();
        }
    }

    /**
     * {@code workqueue_execute_start}.
     *
     * @return the started event, or null if the event is not enabled
     */
    public static Object executeStart() {
        if (!Types.EXECUTE.isEnabled()) {
            return null;
        }
        ExecuteWorkEvent e = new ExecuteWorkEvent();
        if (!e.isEnabled()) {
            return null;
        }
        e.begin();
        return e;
    }

    /**
     * {@code workqueue_execute_end}.
     *
     * @param started what {@link #executeStart()} returned (non-null)
     */
    public static void executeEnd(Object started, String workqueue, Work w, String worker) {
        ExecuteWorkEvent e = (ExecuteWorkEvent) started;
        e.end();
        if (e.shouldCommit()) {
            e.workqueue = workqueue;
            e.function = function(w);
            e.worker = worker;
            e.commit();
        }
    }

    /** The watchdog's lockup report. */
    public static void lockup(int pool, String poolAttributes, long stuckMillis) {
        LockupEvent e = new LockupEvent();
        if (e.shouldCommit()) {
            e.pool = pool;
            e.poolAttributes = poolAttributes;
            e.stuckMillis = stuckMillis;
            e.commit();
        }
    }

    /** {@code wq_cpu_intensive_report}: every detection, not rate-limited like the log line. */
    public static void cpuHog(String workqueue, Work w, long cpuMillis) {
        CpuHogEvent e = new CpuHogEvent();
        if (e.shouldCommit()) {
            e.workqueue = workqueue;
            e.function = function(w);
            e.cpuMillis = cpuMillis;
            e.commit();
        }
    }

    /** {@code send_mayday}. */
    public static void mayday(String workqueue, int pool) {
        MaydayEvent e = new MaydayEvent();
        if (e.shouldCommit()) {
            e.workqueue = workqueue;
            e.pool = pool;
            e.commit();
        }
    }
}

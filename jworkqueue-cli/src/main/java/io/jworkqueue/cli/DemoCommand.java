package io.jworkqueue.cli;

import io.jworkqueue.DelayedWork;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jwq demo}: the README's first command. Prints the reference timelines, then runs a mixed
 * workload on a runtime named {@code demo} while showing the monitor table, and ends by itself.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {
            "Runs a workload in this JVM and shows the monitor table; ends by itself.",
            "",
            "First the SEMANTICS.md 12 reference timelines, drawn as text; then a mixed",
            "workload (bound, unbound, ordered, delayed, debounced and sleeping items and",
            "a CPU hog) on a runtime named 'demo' while the monitor table is redrawn (on",
            "a terminal) or printed every few seconds."})
final class DemoCommand implements java.util.concurrent.Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--seconds", defaultValue = "20", paramLabel = "N",
            description = "How long the mixed workload runs (1..600). Default: ${DEFAULT-VALUE}.")
    int seconds;

    @Option(names = {"-i", "--interval"}, paramLabel = "SECS",
            description = "Table refresh interval in seconds, 0.1..86400. Default: 1 on a terminal, 5 otherwise.")
    Double interval;

    @Option(names = "--plain", description = "Print the table periodically instead of redrawing it, even on a terminal.")
    boolean plain;

    @Option(names = "--no-timelines", description = "Skip the reference timelines.")
    boolean noTimelines;

    @Override
    public Integer call() throws InterruptedException {
        if (seconds < 1 || seconds > 600) {
            throw new CliException(Jwq.USAGE, "--seconds " + seconds + " is out of range 1..600");
        }
        boolean redraw = !plain && interactive();
        double every = interval != null ? interval : redraw ? 1 : 5;
        Jwq.checkInterval(every, false);
        PrintWriter out = spec.commandLine().getOut();
        long pid = ProcessHandle.current().pid();
        out.println("jworkqueue demo (pid " + pid + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, Java "
                + Runtime.version().feature() + ")");
        out.println();
        if (!noTimelines) {
            Timelines.runAll(out);
            out.println();
        }
        out.printf(Locale.ROOT, "Mixed workload for %d s on runtime 'demo'. From another terminal: bin/jwq monitor %d  /  bin/jwq dump %d%n",
                seconds, pid, pid);
        out.flush();
        // While the table is redrawn in place, the runtime's log messages (a CPU hog report, say)
        // are shown in the frame: printed to the terminal between two frames they would shift
        // the lines, and the next redraw would leave the top of the previous frame on screen.
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("demo").build();
                FrameLog log = redraw ? FrameLog.capture() : null) {
            Workload w = new Workload(rt);
            Thread producer = Thread.ofPlatform().name("demo-producer").daemon(true).start(w::produce);
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            long step = (long) (every * 1e9);
            Frames frames = new Frames(out, redraw, log);
            long next = start + (redraw ? 0 : step);
            while (true) {
                long now = System.nanoTime();
                if (now >= end) {
                    break;
                }
                if (now >= next) {
                    frames.draw(table(rt, (now - start) / 1e9, seconds));
                    next += step;
                }
                LockSupport.parkNanos(Math.max(1, Math.min(next, end) - System.nanoTime()));
            }
            w.stop();
            producer.join(10_000);
            w.drainAll();
            // The last frame, with the drained totals, then the summary: the last thing on screen.
            frames.draw(table(rt, (System.nanoTime() - start) / 1e9, seconds));
            out.println();
            out.println("Summary");
            out.println("-------");
            w.summary(out);
        }
        out.flush();
        return Jwq.OK;
    }

    /** Draws the table: in place on a terminal (cursor up over the last frame), else one after another. */
    static final class Frames {
        private final PrintWriter out;
        private final boolean redraw;
        private final FrameLog log;
        private int drawn;

        Frames(PrintWriter out, boolean redraw, FrameLog log) {
            this.out = out;
            this.redraw = redraw;
            this.log = log;
        }

        void draw(List<String> table) {
            List<String> lines = new ArrayList<>(table);
            if (log != null) {
                lines.addAll(log.lines());
            }
            if (!redraw) {
                out.println();
            } else if (drawn > 0) {
                out.print("\033[" + drawn + "F\033[J"); // back to the frame's first line, clear below
            }
            lines.forEach(out::println);
            out.flush();
            drawn = lines.size();
        }
    }

    /**
     * The {@code io.jworkqueue} log records (through {@code java.util.logging}, the default
     * {@code System.Logger} backend) kept for the frame instead of printed, while it is open; the
     * logger's own handlers are restored on close. Each message is shown on one line cut to the
     * table's width, so no line wraps and the frame's height is its number of lines.
     */
    static final class FrameLog extends java.util.logging.Handler implements AutoCloseable {
        static final int SHOWN = 3;
        static final int WIDTH = 80;
        private final java.util.logging.Logger logger = java.util.logging.Logger.getLogger("io.jworkqueue");
        private final boolean useParent;
        private final java.util.ArrayDeque<String> last = new java.util.ArrayDeque<>();
        private long count;

        private FrameLog() {
            useParent = logger.getUseParentHandlers();
            setFormatter(new java.util.logging.SimpleFormatter());
        }

        static FrameLog capture() {
            FrameLog l = new FrameLog();
            l.logger.addHandler(l);
            l.logger.setUseParentHandlers(false);
            return l;
        }

        @Override
        public synchronized void publish(java.util.logging.LogRecord r) {
            String m = r.getLevel() + ": " + getFormatter().formatMessage(r);
            int nl = m.indexOf('\n');
            m = (nl >= 0 ? m.substring(0, nl) : m).replace('\r', ' ').replace('\t', ' ');
            last.addLast(m.length() > WIDTH ? m.substring(0, WIDTH - 3) + "..." : m);
            if (last.size() > SHOWN) {
                last.removeFirst();
            }
            count++;
        }

        /** @return nothing before the first message; then a blank line, a count and the last messages */
        synchronized List<String> lines() {
            if (count == 0) {
                return List.of();
            }
            List<String> l = new ArrayList<>();
            l.add("");
            l.add("log messages: " + count + (count > SHOWN ? " (the last " + SHOWN + ")" : ""));
            l.addAll(last);
            return l;
        }

        @Override
        public void flush() {
            // nothing buffered outside lines()
        }

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setUseParentHandlers(useParent);
        }
    }

    private static List<String> table(WorkqueueRuntime rt, double elapsed, int seconds) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "t=%5.1f/%d s   workers=%d", elapsed, seconds, rt.workerCount()));
        lines.add(MonitorTable.header(rt.name()));
        for (Workqueue wq : rt.workqueues()) {
            lines.add(MonitorTable.row(WqRow.of(rt.name(), wq)));
        }
        return lines;
    }

    /** A terminal on both ends: {@code Console.isTerminal()} where the JDK has it (22+), else a console at all. */
    static boolean interactive() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        java.io.Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            Method m = java.io.Console.class.getMethod("isTerminal");
            return (Boolean) m.invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /** The demo's workload: what a service with a few subsystems might queue. */
    static final class Workload {
        final WorkqueueRuntime rt;
        final Workqueue indexer, fetch, journal, crunch, writeback;
        final Work[] indexItems = new Work[64];
        final Work[] fetchItems = new Work[16];
        final Work[] sleepyItems = new Work[8];
        final Work[] writebackItems = new Work[4];
        final Work hog;
        final DelayedWork autosave, heartbeat;
        final AtomicLong indexed = new AtomicLong(), fetched = new AtomicLong(), slept = new AtomicLong(),
                written = new AtomicLong(), hogs = new AtomicLong(), saves = new AtomicLong(), beats = new AtomicLong();
        final AtomicLong journalNext = new AtomicLong(), journalOutOfOrder = new AtomicLong();
        final AtomicInteger journalQueued = new AtomicInteger();
        long edits;
        volatile boolean stopping;

        Workload(WorkqueueRuntime rt) {
            this.rt = rt;
            indexer = rt.alloc("indexer", Set.of(), 0);
            fetch = rt.alloc("fetch", EnumSet.of(WorkqueueFlag.UNBOUND), 4);
            journal = rt.allocOrdered("journal", Set.of());
            crunch = rt.alloc("crunch", Set.of(), 1);
            writeback = rt.alloc("writeback", EnumSet.of(WorkqueueFlag.MEM_RECLAIM, WorkqueueFlag.SYSFS), 2);
            for (int i = 0; i < indexItems.length; i++) {
                indexItems[i] = new Work(self -> {
                    spinMicros(ThreadLocalRandom.current().nextInt(100, 1500));
                    indexed.incrementAndGet();
                });
            }
            for (int i = 0; i < fetchItems.length; i++) {
                fetchItems[i] = new Work(self -> {
                    Thread.sleep(ThreadLocalRandom.current().nextInt(20, 60)); // a remote call
                    fetched.incrementAndGet();
                });
            }
            for (int i = 0; i < sleepyItems.length; i++) {
                sleepyItems[i] = new Work(self -> {
                    spinMicros(300);
                    Thread.sleep(ThreadLocalRandom.current().nextInt(3, 12)); // a lock or a disk read
                    spinMicros(300);
                    slept.incrementAndGet();
                });
            }
            for (int i = 0; i < writebackItems.length; i++) {
                writebackItems[i] = new Work(self -> {
                    WorkqueueRuntime.blocking(() -> {
                        Thread.sleep(15); // explicit hint: a write the code knows will block
                        return null;
                    });
                    written.incrementAndGet();
                });
            }
            hog = new Work(self -> {
                Timelines.burn(150); // a CPU hog: detected after 10 ms, the others keep running
                hogs.incrementAndGet();
            });
            autosave = new DelayedWork(self -> saves.incrementAndGet());
            heartbeat = new DelayedWork(self -> {
                beats.incrementAndGet();
                if (!stopping) {
                    rt.systemPowerEfficient().queueDelayed((DelayedWork) self, Duration.ofMillis(500));
                }
            });
        }

        static void spinMicros(long us) {
            long end = System.nanoTime() + us * 1000;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
        }

        /** The producer thread: ticks every 10 ms until stopped. */
        void produce() {
            rt.system().queueDelayed(heartbeat, Duration.ofMillis(500));
            ThreadLocalRandom r = ThreadLocalRandom.current();
            for (long tick = 0; !stopping; tick++) {
                for (int i = 0; i < 4; i++) {
                    indexer.queueOn(r.nextInt(rt.cpus()), indexItems[r.nextInt(indexItems.length)]); // spread over the CPUs
                }
                if (tick % 2 == 0) {
                    fetch.queue(fetchItems[r.nextInt(fetchItems.length)]);
                    rt.system().queueOn(r.nextInt(rt.cpus()), sleepyItems[r.nextInt(sleepyItems.length)]);
                }
                if (tick % 5 == 0) {
                    writeback.queue(writebackItems[r.nextInt(writebackItems.length)]);
                    long seq = journalQueued.getAndIncrement();
                    journal.queue(new Work(self -> {
                        if (journalNext.getAndIncrement() != seq) {
                            journalOutOfOrder.incrementAndGet();
                        }
                    }));
                }
                // Edits come in bursts; autosave runs 300 ms after the last edit of a burst.
                if ((tick / 50) % 2 == 0 && r.nextInt(3) == 0) {
                    edits++;
                    rt.system().modDelayed(autosave, Duration.ofMillis(300));
                }
                if (tick % 300 == 150) {
                    crunch.queue(hog);
                }
                LockSupport.parkNanos(10_000_000);
            }
        }

        void stop() {
            stopping = true;
        }

        void drainAll() {
            heartbeat.cancelSync();
            autosave.flush();
            for (Workqueue wq : List.of(indexer, fetch, journal, crunch, writeback)) {
                wq.flush();
            }
        }

        void summary(PrintWriter out) {
            out.printf(Locale.ROOT, "indexer    %6d short CPU-bound items (bound, concurrency managed)%n", indexed.get());
            out.printf(Locale.ROOT, "fetch      %6d remote calls of 20-60 ms (unbound, max_active 4)%n", fetched.get());
            out.printf(Locale.ROOT, "events     %6d items that slept 3-12 ms: each sleep let the next item start (CMW/RPR)%n", slept.get());
            out.printf(Locale.ROOT, "writeback  %6d writes announced with WorkqueueRuntime.blocking (MEM_RECLAIM, rescuer %s)%n",
                    written.get(), rt.workqueueInfos().stream().filter(i -> i.getName().equals("writeback"))
                            .map(i -> i.getRescuer()).findFirst().orElse("?"));
            out.printf(Locale.ROOT, "journal    %6d ordered items, %d out of order%n", journalNext.get(), journalOutOfOrder.get());
            out.printf(Locale.ROOT, "crunch     %6d CPU hogs of 150 ms, detected as CPU-intensive (CPUitsv)%n", hogs.get());
            out.printf(Locale.ROOT, "autosave   %6d edits debounced into %d saves (modDelayed, 300 ms)%n", edits, saves.get());
            out.printf(Locale.ROOT, "heartbeat  %6d self-requeueing delayed items every 500 ms%n", beats.get());
        }
    }
}

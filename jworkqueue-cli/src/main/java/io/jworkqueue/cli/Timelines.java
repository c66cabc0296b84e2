package io.jworkqueue.cli;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The reference timelines of SEMANTICS.md section 12 (the kernel's "Example Execution Scenarios"
 * in {@code Documentation/core-api/workqueue.rst}), ten times slower: three items queued on CPU 0;
 * w0 burns 50 ms, sleeps 100 ms, burns 50 ms; w1 and w2 burn 50 ms then sleep 100 ms. Each run
 * is drawn as text, one character per 10 ms.
 */
final class Timelines {
    private static final int START = 0, SLEEP = 1, WAKE = 2, FINISH = 3;
    private static final int MS_PER_CHAR = 10;

    enum Scenario {
        MAX_ACTIVE_3("max_active >= 3", "w1 starts when w0 sleeps (50 ms), w2 when w1 sleeps (100 ms); all done by 250 ms"),
        MAX_ACTIVE_2("max_active == 2", "w2 waits on the inactive list until w0 finishes (200 ms); done by 350 ms"),
        CPU_INTENSIVE("w1, w2 on a CPU_INTENSIVE workqueue", "both start when w0 sleeps (50 ms); done by 200 ms"),
        ORDERED("ordered workqueue (the pre-cmwq single thread)", "strictly one after another; done by 500 ms");

        final String title, expected;

        Scenario(String title, String expected) {
            this.title = title;
            this.expected = expected;
        }
    }

    private Timelines() {}

    /** Runs the four scenarios on a one-CPU runtime and prints each timeline. */
    static void runAll(PrintWriter out) throws InterruptedException {
        out.println("Reference timelines (SEMANTICS.md 12, ten times slower): three items on CPU 0;");
        out.println("w0 burns 50 ms, sleeps 100 ms, burns 50 ms; w1 and w2 burn 50 ms, sleep 100 ms.");
        out.println("One character per 10 ms:  # on CPU   ~ sleeping   . queued, not started");
        out.println("(the CPU-hog threshold is raised for these: the kernel's 5 ms burns never trip its 10 ms)");
        out.flush();
        run(Scenario.MAX_ACTIVE_3); // warm-up, not shown: the first run pays for class loading and JIT
        for (Scenario s : Scenario.values()) {
            long[][] t = run(s);
            out.println();
            out.println(render(s, t));
            out.flush();
        }
    }

    /** @return per item (w0, w1, w2) the start, sleep, wake and finish times in ms since queueing */
    static long[][] run(Scenario s) throws InterruptedException {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("timelines").cpus(1)
                .cpuIntensiveThreshold(Duration.ofSeconds(10)).build()) {
            Workqueue q0, q1;
            switch (s) {
                case MAX_ACTIVE_3 -> q0 = q1 = rt.alloc("ma3", Set.of(), 3);
                case MAX_ACTIVE_2 -> q0 = q1 = rt.alloc("ma2", Set.of(), 2);
                case CPU_INTENSIVE -> {
                    q0 = rt.alloc("normal", Set.of(), 0);
                    q1 = rt.alloc("intensive", EnumSet.of(WorkqueueFlag.CPU_INTENSIVE), 0);
                }
                case ORDERED -> q0 = q1 = rt.allocOrdered("ordered", Set.of());
                default -> throw new AssertionError(s);
            }
            AtomicLongArray t = new AtomicLongArray(12);
            CountDownLatch done = new CountDownLatch(3);
            Work[] ws = new Work[3];
            ws[0] = new Work(self -> {
                t.set(START, System.nanoTime());
                burn(50);
                t.set(SLEEP, System.nanoTime());
                Thread.sleep(100);
                t.set(WAKE, System.nanoTime());
                burn(50);
                t.set(FINISH, System.nanoTime());
                done.countDown();
            });
            for (int i = 1; i < 3; i++) {
                int base = i * 4;
                ws[i] = new Work(self -> {
                    t.set(base + START, System.nanoTime());
                    burn(50);
                    t.set(base + SLEEP, System.nanoTime());
                    Thread.sleep(100);
                    long now = System.nanoTime();
                    t.set(base + WAKE, now);
                    t.set(base + FINISH, now);
                    done.countDown();
                });
            }
            long t0 = System.nanoTime();
            q0.queueOn(0, ws[0]);
            q1.queueOn(0, ws[1]);
            q1.queueOn(0, ws[2]);
            if (!done.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("timeline " + s + ": the three items did not finish in 30 s");
            }
            long[][] r = new long[3][4];
            for (int i = 0; i < 3; i++) {
                for (int e = 0; e < 4; e++) {
                    r[i][e] = Math.max(0, (t.get(i * 4 + e) - t0) / 1_000_000);
                }
            }
            return r;
        }
    }

    /** Spins on the CPU for {@code ms} of wall time. */
    static void burn(long ms) {
        long end = System.nanoTime() + ms * 1_000_000;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    static String render(Scenario s, long[][] t) {
        long last = 0;
        for (long[] item : t) {
            last = Math.max(last, item[FINISH]);
        }
        int width = (int) (Math.max(last, 250) / MS_PER_CHAR) + 1;
        StringBuilder sb = new StringBuilder();
        sb.append(s.title).append(": ").append(s.expected).append('\n');
        StringBuilder scale = new StringBuilder("      ");
        StringBuilder ruler = new StringBuilder("      ");
        for (int c = 0; c < width; c++) {
            if (c % 10 == 0) {
                String label = Integer.toString(c * MS_PER_CHAR);
                scale.append(label);
                c += label.length() - 1;
            } else {
                scale.append(' ');
            }
        }
        for (int c = 0; c < width; c++) {
            ruler.append(c % 10 == 0 ? '|' : '-');
        }
        sb.append(scale.append(" ms")).append('\n').append(ruler).append('\n');
        for (int i = 0; i < 3; i++) {
            long[] e = t[i];
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  w%d  ", i));
            for (int c = 0; c < width; c++) {
                long mid = c * MS_PER_CHAR + MS_PER_CHAR / 2;
                char ch;
                if (mid < e[START]) {
                    ch = '.';
                } else if (mid < e[SLEEP]) {
                    ch = '#';
                } else if (mid < e[WAKE]) {
                    ch = '~';
                } else if (mid < e[FINISH]) {
                    ch = '#';
                } else {
                    ch = ' ';
                }
                line.append(ch);
            }
            line.append(String.format(Locale.ROOT, "  start %3d  finish %3d ms", e[START], e[FINISH]));
            sb.append(line).append('\n');
        }
        return sb.toString();
    }
}

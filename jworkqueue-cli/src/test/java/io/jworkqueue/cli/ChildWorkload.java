package io.jworkqueue.cli;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The target of the CLI tests: a runtime named "child" whose workqueues receive items
 * continuously. Prints READY once the first items ran; exits when its stdin closes (the test
 * ended or died) or after five minutes.
 */
public final class ChildWorkload {
    private ChildWorkload() {}

    public static void main(String[] args) throws Exception {
        ExitWithParent.install();
        WorkqueueRuntime rt = WorkqueueRuntime.builder().name("child").build();
        Workqueue bound = rt.alloc("child_bound", Set.of(), 0);
        Workqueue unbound = rt.alloc("child_unbound", EnumSet.of(WorkqueueFlag.UNBOUND), 4);
        Workqueue reclaim = rt.alloc("child_reclaim", EnumSet.of(WorkqueueFlag.MEM_RECLAIM, WorkqueueFlag.SYSFS), 1);
        Work[] items = new Work[8];
        for (int i = 0; i < items.length; i++) {
            items[i] = new Work(self -> Thread.sleep(2));
        }
        Work slow = new Work(self -> Thread.sleep(200)); // keeps the unbound queue busy for the dump
        Work reclaimItem = new Work(self -> { });
        for (int i = 0; i < items.length; i++) {
            bound.queue(items[i]);
        }
        bound.flush();
        System.out.println("READY");
        System.out.flush();
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        for (int tick = 0; System.nanoTime() < end; tick++) {
            bound.queue(items[tick % items.length]);
            unbound.queue(slow);
            reclaim.queue(reclaimItem);
            LockSupport.parkNanos(1_000_000);
        }
        System.exit(0);
    }

    /** Exits the JVM when stdin reaches end of file. */
    static final class ExitWithParent {
        static void install() {
            Thread.ofPlatform().daemon(true).name("exit-with-parent").start(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // ignore input
                    }
                } catch (java.io.IOException ignored) {
                    // parent gone
                }
                Runtime.getRuntime().halt(0);
            });
        }
    }
}

package io.jworkqueue;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void queueFlushDelayedCancel() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> runs.incrementAndGet());
            assertTrue(rt.system().queue(w));
            rt.system().flush();
            assertEquals(1, runs.get());
            Workqueue ub = rt.alloc("ub", Set.of(WorkqueueFlag.UNBOUND), 0);
            CountDownLatch l = new CountDownLatch(1);
            DelayedWork d = new DelayedWork(self -> l.countDown());
            assertTrue(ub.queueDelayed(d, Duration.ofMillis(20)));
            assertFalse(ub.queueDelayed(d, Duration.ofMillis(20)));
            assertTrue(l.await(5, TimeUnit.SECONDS));
            DelayedWork never = new DelayedWork(self -> fail());
            assertTrue(ub.queueDelayed(never, Duration.ofHours(1)));
            assertTrue(never.cancel());
            assertFalse(never.isPending());
            Workqueue ord = rt.allocOrdered("ord", Set.of());
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                int k = i;
                ord.queue(new Work(self -> sb.append(k).append(',')));
            }
            ord.flush();
            assertTrue(sb.toString().startsWith("0,1,2,3,"), sb.toString());
            assertTrue(sb.toString().endsWith("98,99,"));
            System.out.println(ub.stats() + " " + rt.system().stats() + " workers=" + rt.workerCount());
        }
    }
}

package io.jworkqueue.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The meters as Prometheus sees them, in one registry with a {@code ThreadPoolExecutor} that
 * Micrometer's own {@code ExecutorServiceMetrics} instruments: the scrape parses, every family
 * has one label set, and the {@code executor.*} families hold both executors under the
 * {@code name} tag, so a dashboard built for {@code ExecutorServiceMetrics} shows workqueues too.
 */
class PrometheusScrapeTest {

    /** One sample line of the text format: name, labels, value. */
    record Sample(String family, String name, Map<String, String> labels, double value) {}

    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"(,|$)");

    /** Parses the Prometheus text format (0.0.4), failing on any line it cannot read. */
    static List<Sample> parse(String scrape) {
        List<Sample> samples = new ArrayList<>();
        String family = null;
        for (String line : scrape.split("\n")) {
            if (line.isEmpty() || line.startsWith("# HELP ")) {
                continue;
            }
            Matcher t = TYPE.matcher(line);
            if (t.matches()) {
                family = t.group(1);
                continue;
            }
            Matcher s = SAMPLE.matcher(line);
            assertTrue(s.matches(), "not a sample line: " + line);
            assertNotNull(family, "a sample before any # TYPE: " + line);
            assertTrue(s.group(1).startsWith(family), "sample " + s.group(1) + " outside its family " + family);
            Map<String, String> labels = new TreeMap<>();
            if (s.group(2) != null && !s.group(2).isEmpty()) {
                Matcher l = LABEL.matcher(s.group(2));
                int end = 0;
                while (l.find() && l.start() == end) {
                    labels.put(l.group(1), l.group(2));
                    end = l.end();
                }
                assertEquals(s.group(2).length(), end, "unreadable labels: " + line);
            }
            samples.add(new Sample(family, s.group(1), labels, Double.parseDouble(s.group(3))));
        }
        return samples;
    }

    private static Sample one(List<Sample> samples, String name, String executor) {
        List<Sample> found = samples.stream().filter(s -> s.name().equals(name) && executor.equals(s.labels().get("name"))).toList();
        assertEquals(1, found.size(), name + "{name=" + executor + "}: " + found);
        return found.getFirst();
    }

    @Test
    @Timeout(120)
    void scrape_besideExecutorServiceMetrics_oneLabelSetPerFamilyAndBothExecutorsInTheExecutorFamilies() throws Exception {
        PrometheusMeterRegistry reg = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ThreadPoolExecutor tpe = new ThreadPoolExecutor(2, 2, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>());
        // docs/MONITORING.md's advice: an ExecutorServiceMetrics executor in the same registry gets a
        // runtime tag as well, so each executor.* family keeps one label set.
        ExecutorService jdk = ExecutorServiceMetrics.monitor(reg, tpe, "jdk-pool", Tags.of("app", "scrape", "runtime", "jdk"));
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("scrape").cpus(2).build()) {
            Workqueue wq = rt.alloc("scrape_wq", Set.of(), 0);
            new JworkqueueMetrics(rt, List.of(Tag.of("app", "scrape")), Duration.ZERO).bindTo(reg);
            QueueWaitProbe probe = QueueWaitProbe.start(wq, Duration.ofMillis(10), List.of(Tag.of("app", "scrape")));
            probe.bindTo(reg);
            QueueWaitProbeTest.awaitCondition("a queue-wait sample",
                    () -> reg.find("executor.idle").tag("name", "scrape_wq").timer().count() >= 1);
            probe.close();
            int items = 20;
            for (int i = 0; i < items; i++) {
                wq.queue(new Work(self -> spin(TimeUnit.MILLISECONDS.toNanos(2))));
                wq.flush(); // one item at a time: every queue() queues a fresh item
            }
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                done.add(jdk.submit(() -> spin(TimeUnit.MILLISECONDS.toNanos(1))));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }

            String scrape = reg.scrape();
            List<Sample> samples = parse(scrape);
            assertFalse(samples.isEmpty(), scrape);

            // One label set per family (a summary's quantile label aside).
            Map<String, Set<Set<String>>> keysByFamily = new LinkedHashMap<>();
            for (Sample s : samples) {
                Set<String> keys = new TreeSet<>(s.labels().keySet());
                keys.remove("quantile");
                keysByFamily.computeIfAbsent(s.family(), f -> new java.util.HashSet<>()).add(keys);
            }
            keysByFamily.forEach((family, sets) -> assertEquals(1, sets.size(), family + " has label sets " + sets + "\n" + scrape));

            // ExecutorServiceMetrics' families hold the workqueue beside the ThreadPoolExecutor.
            for (String n : new String[] {"executor_completed_tasks_total", "executor_active_threads", "executor_queued_tasks",
                    "executor_seconds_count", "executor_seconds_sum", "executor_idle_seconds_count"}) {
                Sample ours = one(samples, n, "scrape_wq");
                Sample theirs = one(samples, n, "jdk-pool");
                assertEquals(ours.family(), theirs.family(), n);
                assertEquals("scrape", ours.labels().get("runtime"), n + " keeps the runtime tag");
            }
            long probes = (long) one(samples, "executor_idle_seconds_count", "scrape_wq").value();
            assertTrue(probes >= 1, "queue-wait samples: " + probes);
            assertEquals(items + probes, one(samples, "executor_completed_tasks_total", "scrape_wq").value(), "the items and the probes");
            assertEquals(3, one(samples, "executor_completed_tasks_total", "jdk-pool").value());
            // The execution-time timer, from the pool workqueues' counters: items finished and their CPU time.
            assertEquals(items + probes, one(samples, "executor_seconds_count", "scrape_wq").value());
            double cpu = one(samples, "executor_seconds_sum", "scrape_wq").value();
            assertTrue(cpu > 0 && cpu <= rt.workqueueInfos().stream()
                    .filter(i -> i.getName().equals("scrape_wq")).mapToLong(i -> i.getCpuTimeNanos()).sum() / 1e9,
                    "CPU seconds of the items: " + cpu);
            assertEquals(0, one(samples, "executor_active_threads", "scrape_wq").value());
            // Per-workqueue workqueue.* meters use the same name tag; per-pool meters have their own family.
            assertEquals(items + probes, one(samples, "workqueue_started_tasks_total", "scrape_wq").value());
            assertTrue(samples.stream().anyMatch(s -> s.name().equals("workqueue_pool_size_threads") && s.labels().containsKey("pool")), scrape);
            assertTrue(samples.stream().noneMatch(s -> s.name().startsWith("executor_pool_size") && s.labels().containsKey("pool")),
                    "pools are not executors: no pool in ExecutorServiceMetrics' executor_pool_size family\n" + scrape);
        } finally {
            jdk.shutdownNow();
            assertTrue(jdk.awaitTermination(60, TimeUnit.SECONDS));
        }
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}

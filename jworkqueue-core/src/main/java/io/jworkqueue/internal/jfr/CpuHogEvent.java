package io.jworkqueue.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** {@code io.jworkqueue.CpuHog}: A running work item used more CPU than cpuIntensiveThreshold and was made CPU-intensive (wq_cpu_intensive_report). */
@Name("io.jworkqueue.CpuHog")
@Label("CPU Hog")
@Category({"jworkqueue"})
@Description("A running work item used more CPU than cpuIntensiveThreshold and was made CPU-intensive (wq_cpu_intensive_report).")
@StackTrace(false)
public final class CpuHogEvent extends jdk.jfr.Event {
    @Label("Workqueue")
    @Description("The workqueue's name")
    String workqueue;

    @Label("Function")
    @Description("The item's description (Work.description()), else its function's class")
    String function;

    @jdk.jfr.Timespan(jdk.jfr.Timespan.MILLISECONDS)
    @Label("CPU Time")
    @Description("CPU time the item had used when detected")
    long cpuMillis;

}

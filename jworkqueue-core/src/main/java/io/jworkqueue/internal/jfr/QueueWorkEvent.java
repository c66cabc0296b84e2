package io.jworkqueue.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** {@code io.jworkqueue.QueueWork}: A work item was queued on a workqueue (the kernel's workqueue_queue_work tracepoint). */
@Name("io.jworkqueue.QueueWork")
@Label("Queue Work")
@Category({"jworkqueue"})
@Description("A work item was queued on a workqueue (the kernel's workqueue_queue_work tracepoint).")
@StackTrace(false)
@Enabled(false) // per item: off in the JDK's default and profile settings; jworkqueue.jfc turns it on
public final class QueueWorkEvent extends jdk.jfr.Event {
    @Label("Workqueue")
    @Description("The workqueue's name")
    String workqueue;

    @Label("Function")
    @Description("The item's description (Work.description()), else its function's class")
    String function;

    @Label("Requested CPU")
    @Description("The CPU asked for by queueOn, -1 for queue (the current CPU)")
    int requestedCpu;

    @Label("CPU")
    @Description("The CPU of the pool the item went to, -1 for an unbound pool")
    int cpu;

}

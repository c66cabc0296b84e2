package io.jworkqueue.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** {@code io.jworkqueue.ExecuteWork}: One run of a work item's function, from start to end (workqueue_execute_start / workqueue_execute_end). */
@Name("io.jworkqueue.ExecuteWork")
@Label("Execute Work")
@Category({"jworkqueue"})
@Description("One run of a work item's function, from start to end (workqueue_execute_start / workqueue_execute_end).")
@StackTrace(false)
@Threshold("20 ms") // per item: only long runs in the default and profile settings; jworkqueue.jfc records all
public final class ExecuteWorkEvent extends jdk.jfr.Event {
    @Label("Workqueue")
    @Description("The workqueue's name")
    String workqueue;

    @Label("Function")
    @Description("The item's description (Work.description()), else its function's class")
    String function;

    @Label("Worker")
    @Description("The worker thread's name (kworker/...)")
    String worker;

}

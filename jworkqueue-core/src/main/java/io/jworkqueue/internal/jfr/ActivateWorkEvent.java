package io.jworkqueue.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** {@code io.jworkqueue.ActivateWork}: A work item became active: it went onto its pool's worklist, at once or after waiting for max_active (workqueue_activate_work). */
@Name("io.jworkqueue.ActivateWork")
@Label("Activate Work")
@Category({"jworkqueue"})
@Description("A work item became active: it went onto its pool's worklist, at once or after waiting for max_active (workqueue_activate_work).")
@StackTrace(false)
@Enabled(false) // per item: off in the JDK's default and profile settings; jworkqueue.jfc turns it on
public final class ActivateWorkEvent extends jdk.jfr.Event {
    @Label("Workqueue")
    @Description("The workqueue's name")
    String workqueue;

    @Label("Function")
    @Description("The item's description (Work.description()), else its function's class")
    String function;

}

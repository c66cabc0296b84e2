package io.jworkqueue.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** {@code io.jworkqueue.Mayday}: A pool that cannot create a worker asked a MEM_RECLAIM workqueue's rescuer for help (send_mayday). */
@Name("io.jworkqueue.Mayday")
@Label("Mayday")
@Category({"jworkqueue"})
@Description("A pool that cannot create a worker asked a MEM_RECLAIM workqueue's rescuer for help (send_mayday).")
@StackTrace(false)
public final class MaydayEvent extends jdk.jfr.Event {
    @Label("Workqueue")
    @Description("The workqueue's name")
    String workqueue;

    @Label("Pool")
    @Description("The id of the pool that sent the mayday")
    int pool;

}

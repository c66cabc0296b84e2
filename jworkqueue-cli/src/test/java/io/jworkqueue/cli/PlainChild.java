package io.jworkqueue.cli;

import java.util.concurrent.TimeUnit;

/** A JVM without jworkqueue: prints READY and sleeps until stdin closes or five minutes pass. */
public final class PlainChild {
    private PlainChild() {}

    public static void main(String[] args) throws Exception {
        ChildWorkload.ExitWithParent.install();
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(TimeUnit.MINUTES.toMillis(5));
    }
}

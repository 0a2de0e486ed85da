package dev.courier.bench;

import java.util.Arrays;

/**
 * The bench programs, one per sub-command; bench/run.sh starts them and reads the one line each prints.
 *
 * <ul>
 *   <li>{@code target}: the HTTP target ({@link TargetServer});
 *   <li>{@code load}: fixed-rate load on {@code POST /v1/invocations} ({@link OpenLoopLoad});
 *   <li>{@code cache-lag}: write → visible-on-a-replica lag ({@link CacheLag});
 *   <li>{@code body}: prints an invocation request of a given size ({@link RequestBodies});
 *   <li>{@code status-load}: fills the status read model and reads it back ({@link StatusLoad}).
 * </ul>
 */
public final class Bench {
    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: Bench target|load|cache-lag|body|status-load --option value ...");
            System.exit(2);
        }
        Options options = new Options(args, 1);
        switch (args[0]) {
            case "target" -> TargetServer.run(options);
            case "load" -> OpenLoopLoad.run(options);
            case "cache-lag" -> CacheLag.run(options);
            case "body" -> RequestBodies.print(options);
            case "status-load" -> StatusLoad.run(options);
            default -> {
                System.err.println("unknown program " + args[0] + " in " + Arrays.toString(args));
                System.exit(2);
            }
        }
    }
}

// Java threads and monitors (OpenJDK 17): exercises the JVM's SIGSEGV-based
// safepoints, stack guard pages and many threads under the LibOS.
public class Threads {
  public static void main(String[] a) throws Exception {
    Thread[] ts = new Thread[4];
    final long[] sum = new long[1];
    for (int i = 0; i < 4; i++) { final int k = i; ts[i] = new Thread(() -> { long s = 0; for (int j = 0; j < 1000000; j++) s += j % (k + 1); synchronized (sum) { sum[0] += s; } }); ts[i].start(); }
    for (Thread t : ts) t.join();
    System.out.println("java threads sum=" + sum[0]);
  }
}

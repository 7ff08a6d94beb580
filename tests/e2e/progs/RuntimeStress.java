// A demanding JVM workload (run with ZGC and a small heap on two cores):
// 200 threads, pools, fork-join, wait/notify, interrupts; allocation by
// eight threads at once; ProcessBuilder children; java.nio files, mapped
// buffers, locks, a WatchService; a selector echo server.
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import java.nio.file.*;
import java.nio.*;
import java.nio.channels.*;
import java.net.*;
import java.io.*;

public class RuntimeStress {
    static void threads() throws Exception {
        int n = 200;
        Thread[] ts = new Thread[n];
        AtomicLong sum = new AtomicLong();
        CyclicBarrier barrier = new CyclicBarrier(n);
        for (int i = 0; i < n; i++) {
            final int k = i;
            ts[i] = new Thread(() -> {
                try { barrier.await(); } catch (Exception e) { throw new RuntimeException(e); }
                long s = 0;
                for (int j = 0; j < 10000; j++) s += j ^ k;
                sum.addAndGet(s);
            });
            ts[i].start();
        }
        for (Thread t : ts) t.join();
        System.out.println("threads sum " + sum.get());
        ExecutorService ex = Executors.newFixedThreadPool(16);
        List<Future<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 2000; i++) { final int k = i; fs.add(ex.submit(() -> k * 2)); }
        long t = 0; for (Future<Integer> f : fs) t += f.get();
        ex.shutdown(); ex.awaitTermination(1, TimeUnit.MINUTES);
        System.out.println("pool sum " + t);
        ForkJoinPool fj = new ForkJoinPool(8);
        long r = fj.submit(() -> java.util.stream.LongStream.range(0, 5_000_000).parallel().map(x -> x % 7).sum()).get();
        System.out.println("fj sum " + r);
        // wait/notify ping pong
        final Object lock = new Object();
        final int[] turn = {0};
        Thread a = new Thread(() -> { for (int i = 0; i < 20000; i++) synchronized (lock) { while (turn[0] != 0) try { lock.wait(); } catch (InterruptedException e) {} turn[0] = 1; lock.notifyAll(); } });
        Thread b = new Thread(() -> { for (int i = 0; i < 20000; i++) synchronized (lock) { while (turn[0] != 1) try { lock.wait(); } catch (InterruptedException e) {} turn[0] = 0; lock.notifyAll(); } });
        a.start(); b.start(); a.join(); b.join();
        System.out.println("pingpong done");
        // interrupt a sleeping thread, and parkNanos
        Thread sl = new Thread(() -> { try { Thread.sleep(100000); System.out.println("no interrupt!"); } catch (InterruptedException e) { System.out.println("interrupted"); } });
        sl.start(); Thread.sleep(50); sl.interrupt(); sl.join();
        long st = System.nanoTime();
        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        System.out.println("parkNanos >= 20ms " + (System.nanoTime() - st >= 20_000_000));
    }

    static void gc() {
        List<byte[]> keep = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < 200000; i++) {
            byte[] b = new byte[(i % 100) * 100 + 16];
            total += b.length;
            if (i % 50 == 0) keep.add(b);
            if (keep.size() > 1000) keep.subList(0, 500).clear();
        }
        // allocation by many threads concurrently
        Thread[] ts = new Thread[8];
        AtomicLong cnt = new AtomicLong();
        for (int i = 0; i < 8; i++) {
            ts[i] = new Thread(() -> {
                Map<Integer, String> m = new HashMap<>();
                for (int j = 0; j < 200000; j++) { m.put(j % 5000, "v" + j); }
                cnt.addAndGet(m.size());
            });
            ts[i].start();
        }
        for (Thread t : ts) try { t.join(); } catch (InterruptedException e) {}
        System.gc();
        System.out.println("gc total " + total + " maps " + cnt.get());
    }

    static void processes() throws Exception {
        for (int i = 0; i < 10; i++) {
            Process p = new ProcessBuilder("sh", "-c", "echo out" + i + "; echo err >&2; exit " + (i % 3)).start();
            String o = new String(p.getInputStream().readAllBytes()).trim();
            String e = new String(p.getErrorStream().readAllBytes()).trim();
            System.out.println("proc " + o + " " + e + " rc=" + p.waitFor());
        }
        Process p = new ProcessBuilder("cat").start();
        Thread w = new Thread(() -> { try (OutputStream os = p.getOutputStream()) { byte[] b = new byte[8192]; for (int i = 0; i < 500; i++) { Arrays.fill(b, (byte) i); os.write(b); } } catch (IOException e) { throw new UncheckedIOException(e); } });
        w.start();
        byte[] all = p.getInputStream().readAllBytes();
        w.join();
        System.out.println("cat bytes " + all.length + " rc=" + p.waitFor());
        Process s = new ProcessBuilder("sleep", "100").start();
        s.destroy();
        System.out.println("destroyed rc=" + s.waitFor());
        Process r = new ProcessBuilder("sh", "-c", "pwd; echo $FOO").directory(new File("/tmp")).redirectErrorStream(true).start();
        System.out.println("dir/env: " + new String(r.getInputStream().readAllBytes()).replace('\n', ' ') + r.waitFor());
    }

    static void files() throws Exception {
        Path dir = Files.createTempDirectory("jstress");
        for (int i = 0; i < 200; i++) Files.writeString(dir.resolve("f" + i + ".txt"), "content " + i + "\n".repeat(i));
        long size = 0; int cnt = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) { for (Path p : ds) { size += Files.size(p); cnt++; } }
        System.out.println("files " + cnt + " size " + size);
        try (FileChannel fc = FileChannel.open(dir.resolve("big"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer mb = fc.map(FileChannel.MapMode.READ_WRITE, 0, 1 << 20);
            for (int i = 0; i < (1 << 20); i += 4096) mb.putInt(i, i);
            mb.force();
            ByteBuffer bb = ByteBuffer.allocate(4);
            fc.read(bb, 8192); bb.flip();
            System.out.println("mapped read " + bb.getInt() + " size " + fc.size());
            try (FileLock l = fc.lock()) { System.out.println("locked " + l.isValid()); }
        }
        Files.walk(dir).sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        System.out.println("deleted " + !Files.exists(dir));
        // WatchService
        Path wd = Files.createTempDirectory("jwatch");
        WatchService ws = FileSystems.getDefault().newWatchService();
        wd.register(ws, StandardWatchEventKinds.ENTRY_CREATE);
        Files.writeString(wd.resolve("x"), "x");
        WatchKey k = ws.poll(10, TimeUnit.SECONDS);
        System.out.println("watch " + (k != null ? k.pollEvents().get(0).context() : "none"));
        ws.close();
        Files.delete(wd.resolve("x")); Files.delete(wd);
    }

    static void selectors() throws Exception {
        Selector sel = Selector.open();
        ServerSocketChannel ss = ServerSocketChannel.open();
        ss.bind(new InetSocketAddress("127.0.0.1", 0));
        ss.configureBlocking(false);
        ss.register(sel, SelectionKey.OP_ACCEPT);
        int port = ((InetSocketAddress) ss.getLocalAddress()).getPort();
        int clients = 20;
        Thread[] cs = new Thread[clients];
        AtomicInteger ok = new AtomicInteger();
        for (int i = 0; i < clients; i++) {
            final int k = i;
            cs[i] = new Thread(() -> {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    OutputStream o = s.getOutputStream(); InputStream in = s.getInputStream();
                    for (int j = 0; j < 100; j++) {
                        byte[] msg = ("m" + k + "-" + j + "\n").getBytes();
                        o.write(msg);
                        byte[] got = in.readNBytes(msg.length);
                        if (Arrays.equals(got, msg)) ok.incrementAndGet();
                    }
                } catch (IOException e) { System.out.println("client " + e); }
            });
            cs[i].start();
        }
        int closed = 0;
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (closed < clients) {
            sel.select(5000);
            Iterator<SelectionKey> it = sel.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next(); it.remove();
                if (key.isAcceptable()) {
                    SocketChannel c = ss.accept();
                    if (c == null) continue;
                    c.configureBlocking(false);
                    c.register(sel, SelectionKey.OP_READ);
                } else if (key.isReadable()) {
                    SocketChannel c = (SocketChannel) key.channel();
                    buf.clear();
                    int n = c.read(buf);
                    if (n < 0) { c.close(); closed++; continue; }
                    buf.flip();
                    while (buf.hasRemaining()) c.write(buf);
                }
            }
        }
        for (Thread t : cs) t.join();
        sel.close(); ss.close();
        System.out.println("selector echoes " + ok.get());
        // Pipe + selector wakeup from another thread
        Selector s2 = Selector.open();
        Thread wk = new Thread(() -> { try { Thread.sleep(50); } catch (InterruptedException e) {} s2.wakeup(); });
        wk.start();
        int n = s2.select();
        wk.join();
        System.out.println("wakeup select " + n);
        s2.close();
    }

    public static void main(String[] args) throws Exception {
        String w = args.length > 0 ? args[0] : "all";
        if (w.equals("all") || w.equals("threads")) threads();
        if (w.equals("all") || w.equals("gc")) gc();
        if (w.equals("all") || w.equals("proc")) processes();
        if (w.equals("all") || w.equals("files")) files();
        if (w.equals("all") || w.equals("sel")) selectors();
        System.out.println("end");
    }
}

// com.sun.net.httpserver.HttpServer with a fixed thread pool, driven by
// concurrent curl children (and java.net.http.HttpClient), then stopped.
import com.sun.net.httpserver.HttpServer;
import java.io.*;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicInteger;

public class HttpServerLoad {
  static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 8; i++) s.append(String.format("%02x", b[i]));
    return s.toString();
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return p.waitFor() + ":" + out;
  }

  public static void main(String[] args) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    server.setExecutor(pool);
    AtomicInteger hits = new AtomicInteger();
    Set<String> threads = ConcurrentHashMap.newKeySet();
    server.createContext("/hello", ex -> {
      hits.incrementAndGet();
      threads.add(Thread.currentThread().getName());
      byte[] body = ("hello " + ex.getRequestURI().getQuery() + "\n").getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream o = ex.getResponseBody()) { o.write(body); }
    });
    server.createContext("/echo", ex -> {
      byte[] in = ex.getRequestBody().readAllBytes();
      String reply;
      try {
        reply = in.length + " " + hex(MessageDigest.getInstance("SHA-256").digest(in)) + "\n";
      } catch (Exception e) { reply = e.toString(); }
      byte[] body = reply.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream o = ex.getResponseBody()) { o.write(body); }
    });
    server.createContext("/big", ex -> {
      ex.sendResponseHeaders(200, 0);  // chunked
      try (OutputStream o = ex.getResponseBody()) {
        byte[] line = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n".getBytes();
        for (int i = 0; i < 32768; i++) o.write(line);
      }
    });
    server.createContext("/slow", ex -> {
      try { Thread.sleep(300); } catch (InterruptedException e) { }
      byte[] body = "slow\n".getBytes();
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream o = ex.getResponseBody()) { o.write(body); }
    });
    server.start();
    String url = "http://127.0.0.1:" + server.getAddress().getPort();

    System.out.println("curl: " + run("curl", "-s", "-m", "20", url + "/hello?x=1").trim());
    // 16 concurrent curl processes against the 4-thread pool.
    List<Process> ps = new ArrayList<>();
    for (int i = 0; i < 16; i++)
      ps.add(new ProcessBuilder("curl", "-s", "-m", "20", url + "/hello?n=" + i).start());
    TreeSet<String> answers = new TreeSet<>();
    for (Process p : ps) {
      answers.add(new String(p.getInputStream().readAllBytes()).trim());
      p.waitFor();
    }
    System.out.println("concurrent curl answers: " + answers.size());
    System.out.println("big via curl: " + run("sh", "-c", "curl -s -m 20 " + url + "/big | wc -c").trim());
    System.out.println("echo via curl: " + run("sh", "-c", "seq 1 200000 | curl -s -m 20 --data-binary @- " + url + "/echo").trim());

    // java.net.http.HttpClient: its own selector thread, async requests.
    HttpClient client = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(2)).build();
    List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
    for (int i = 0; i < 8; i++)
      fs.add(client.sendAsync(HttpRequest.newBuilder(URI.create(url + "/slow")).build(),
                              HttpResponse.BodyHandlers.ofString()));
    int ok = 0;
    for (var f : fs) if (f.get(30, TimeUnit.SECONDS).body().equals("slow\n")) ok++;
    System.out.println("async slow requests: " + ok);
    byte[] post = new byte[1 << 20];
    for (int i = 0; i < post.length; i++) post[i] = (byte) (i * 31);
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url + "/echo"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(post)).build(), HttpResponse.BodyHandlers.ofString());
    System.out.println("HttpClient POST: " + r.statusCode() + " " + r.body().trim());
    HttpResponse<String> miss = client.send(HttpRequest.newBuilder(URI.create(url + "/nothere")).build(),
        HttpResponse.BodyHandlers.ofString());
    System.out.println("missing: " + miss.statusCode());
    System.out.println("hits " + hits.get() + ", pool threads used <= 4: " + (threads.size() <= 4));
    server.stop(0);
    pool.shutdown();
    System.out.println("pool terminated: " + pool.awaitTermination(10, TimeUnit.SECONDS));
    System.exit(0);
  }
}

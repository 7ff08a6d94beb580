// jshell run with a script file (tests/e2e/realapps.cmake): methods, a
// parallel stream (the common fork-join pool), a record, a child process,
// files; its remote agent JVM talks to jshell over a loopback socket.
int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
System.out.println("fib(25) = " + fib(25));
var list = java.util.stream.IntStream.rangeClosed(1, 100000).boxed().toList();
System.out.println("parallel sum = " + list.parallelStream().mapToLong(i -> i).sum());
record Point(int x, int y) { int dist2() { return x * x + y * y; } }
System.out.println(new Point(3, 4) + " " + new Point(3, 4).dist2());
var p = new ProcessBuilder("sh", "-c", "echo from a child of jshell").start();
System.out.println(new String(p.getInputStream().readAllBytes()).trim() + " exit " + p.waitFor());
var f = java.nio.file.Files.createTempFile("jsh", ".txt");
java.nio.file.Files.writeString(f, "line1\nline2\n");
System.out.println(java.nio.file.Files.readAllLines(f));
java.nio.file.Files.delete(f);
/exit 3

# Ruby under load: threads (Mutex, Queue, ConditionVariable, Thread#raise/kill),
# Fibers and stack overflow detection (sigaltstack + SIGSEGV), Ractors,
# fork/waitpid/spawn/Open3/popen, IO.select and nonblocking pipes,
# Signal.trap (USR1, CHLD, IGNORE), Timeout, TCP/UDP/UNIX sockets over
# loopback (also accepted in a forked child), flock, GC with threads.
require 'socket'
require 'open3'
require 'tempfile'
require 'timeout'
$stdout.sync = true

# threads + mutex + queue + condvar
q = Queue.new
m = Mutex.new
total = 0
ths = 8.times.map { |i| Thread.new { 1000.times { |k| m.synchronize { total += k } }; q << i } }
ths.each(&:join)
puts "threads total=#{total} q=#{8.times.map { q.pop }.sort.inspect}"
cv = ConditionVariable.new; ready = false
t = Thread.new { m.synchronize { cv.wait(m) until ready; puts "condvar woke" } }
sleep 0.05; m.synchronize { ready = true; cv.signal }; t.join

# thread-local, Thread#value, exceptions across threads
v = Thread.new { Thread.current[:x] = 5; Thread.current[:x] * 2 }.value
puts "value #{v}"
begin
  Thread.new { Thread.current.report_on_exception = false; raise ArgumentError, "boom" }.join
rescue ArgumentError => e
  puts "thread exc #{e.message}"
end
# Thread#raise / kill on a sleeping thread
t = Thread.new { begin; sleep 10; rescue => e; puts "woken by #{e.class}"; end }
sleep 0.05; t.raise(RuntimeError); t.join
t = Thread.new { sleep 10 }; sleep 0.02; t.kill; t.join; puts "killed status=#{t.status.inspect}"

# Fibers
f = Fiber.new { |x| y = Fiber.yield(x + 1); Fiber.yield(y * 2); :done }
puts "fiber #{f.resume(1)} #{f.resume(10)} #{f.resume} #{f.alive?}"
e = Enumerator.new { |y| a, b = 0, 1; loop { y << a; a, b = b, a + b } }
puts "enum #{e.take(15).inspect}"
# Many fibers (each has its own machine stack)
fs = 2000.times.map { |i| Fiber.new { Fiber.yield i; i * 2 } }
puts "fibers #{fs.sum { |x| x.resume }} #{fs.sum { |x| x.resume }}"

# Process.fork / waitpid / exit status
pid = fork { exit!(7) }
_, st = Process.waitpid2(pid)
puts "fork exit #{st.exitstatus}"
r, w = IO.pipe
pids = 4.times.map { |i| fork { r.close; w.write("child#{i}\n"); w.close; exit!(0) } }
w.close
pids.each { |p| Process.waitpid(p) }
puts "pipe children #{r.read.lines.sort.join.inspect}"
r.close
pid = fork { sleep 10 }
Process.kill(:TERM, pid)
_, st = Process.waitpid2(pid)
puts "signaled #{st.signaled?} #{st.termsig}"

# spawn, backticks, system, Open3
puts `echo backtick; echo err 1>&2`.inspect
puts system("exit 3").inspect + " #{$?.exitstatus}"
pid = spawn("sh", "-c", "echo spawned $0", "x", out: :out)
Process.wait(pid)
o, e, s = Open3.capture3("sh -c 'cat; echo e >&2; exit 4'", stdin_data: "in data\n")
puts "open3 #{o.inspect} #{e.inspect} #{s.exitstatus}"
Open3.popen3("tr a-z A-Z") { |i, o, e, th| i.write("hello popen3\n"); i.close; puts o.read; th.value }
IO.popen(["seq", "1", "5"]) { |io| puts "popen #{io.read.split.map(&:to_i).sum}" }
big = "x" * 300_000
out, _ = Open3.capture2("wc -c", stdin_data: big)
puts "big pipe #{out.strip}"

# IO.select on pipes with timeout
r, w = IO.pipe
puts "select empty #{IO.select([r], nil, nil, 0.05).inspect}"
w.write "abc"
rs, = IO.select([r], nil, nil, 1)
puts "select ready #{rs.size} #{r.read_nonblock(10)}"
begin
  r.read_nonblock(10)
rescue IO::WaitReadable
  puts "EAGAIN ok"
end

# Signal.trap
got = []
Signal.trap("USR1") { got << :usr1 }
Signal.trap("USR2") { got << :usr2 }
Process.kill("USR1", Process.pid); Process.kill("USR2", Process.pid)
sleep 0.1
puts "traps #{got.sort.inspect}"
old = Signal.trap("INT", "IGNORE"); Process.kill("INT", Process.pid); sleep 0.05; puts "int ignored"
Signal.trap("CHLD") { got << :chld }
pid = fork { exit!(0) }; Process.wait(pid); sleep 0.05
puts "chld #{got.include?(:chld)}"
Signal.trap("CHLD", "DEFAULT")

# Timeout
begin
  Timeout.timeout(0.1) { sleep 5 }
rescue Timeout::Error
  puts "timeout fired"
end

# Sockets over loopback
srv = TCPServer.new("127.0.0.1", 0)
port = srv.addr[1]
acceptor = Thread.new do
  5.times.map do
    c = srv.accept
    Thread.new(c) { |s| while (d = s.readpartial(65536) rescue nil); s.write(d); end; s.close }
  end.each(&:join)
end
res = 5.times.map do |i|
  Thread.new do
    sock = TCPSocket.new("127.0.0.1", port)
    msg = (i.to_s * 50_000)
    writer = Thread.new { sock.write(msg); sock.close_write }
    back = sock.read
    writer.join; sock.close
    back == msg
  end
end.map(&:value)
acceptor.join
puts "tcp #{res.inspect}"
srv.close
# UNIX socket pair and UDP
a, b = UNIXSocket.pair
a.send("dgram", 0); puts "unix #{b.recv(10)}"
u1 = UDPSocket.new; u1.bind("127.0.0.1", 0)
u2 = UDPSocket.new; u2.send("udp hi", 0, "127.0.0.1", u1.addr[1])
msg, = u1.recvfrom(100); puts "udp #{msg}"
# non-blocking connect to a closed port
begin
  TCPSocket.new("127.0.0.1", 1)
rescue => e
  puts "connect refused #{e.class}"
end
# Forked server with socket inheritance
srv = TCPServer.new("127.0.0.1", 0)
pid = fork { c = srv.accept; c.write("from child #{c.gets}"); c.close; exit!(0) }
s = TCPSocket.new("127.0.0.1", srv.addr[1]); s.puts "ping"; puts s.read; s.close
Process.wait(pid)

# Files
Tempfile.create("rt2") do |tf|
  tf.write("line\n" * 1000); tf.flush
  puts "file lines #{File.readlines(tf.path).size} size #{File.size(tf.path)}"
  File.open(tf.path) { |fh| fh.flock(File::LOCK_EX); puts "flock ok" }
end
puts "dir #{Dir.glob("/etc/host*").sort.first}"

# GC pressure with threads
arr = 4.times.map { Thread.new { lst = []; 100_000.times { |i| lst << "s#{i}" }; lst.size } }.map(&:value)
GC.start
puts "gc #{arr.sum}"

def deep(n); deep(n + 1); end
begin; deep(0); rescue SystemStackError => e; puts "stack overflow caught #{e.class}"; end
t = Thread.new { begin; deep(0); rescue SystemStackError; puts "thread stack overflow caught"; end }; t.join
f = Fiber.new { begin; deep(0); rescue SystemStackError; puts "fiber stack overflow caught"; end }; f.resume
r = Ractor.new { Ractor.receive * 2 } rescue nil
if r; r.send(21); puts "ractor #{r.take}"; end
rs = 4.times.map { |i| Ractor.new(i) { |x| (1..200_000).sum * x } }
puts "ractors #{rs.map(&:take).sum}"
th = Thread.new { sleep }
pid = fork { puts "child threads #{Thread.list.size}"; exit!(0) }
Process.wait(pid); th.kill
Process.setrlimit(:NOFILE, 512); puts "nofile #{Process.getrlimit(:NOFILE).first}"
require 'socket'; puts "addrinfo #{Addrinfo.getaddrinfo("localhost", 80, :INET, :STREAM).first.ip_address}"
puts "cpu #{Process.clock_gettime(Process::CLOCK_PROCESS_CPUTIME_ID) > 0}"
r, w = IO.pipe; pid = fork { r.close; $stdout.reopen(w); exec("echo", "exec'd") }; w.close; Process.wait(pid); puts r.read
df = "/tmp/ruby_stress_daemon_#{Process.pid}.txt"
pid = fork { Process.daemon(true, true); File.write(df, "up"); exit!(0) }
Process.wait(pid)
50.times { break if File.exist?(df); sleep 0.05 }
puts "daemon #{File.exist?(df)}"
File.delete(df) rescue nil
puts "done"

# Children of a process that ignores SIGCHLD (SIG_IGN) or sets
# SA_NOCLDWAIT are reaped at once (run by proc_peer_view_test.sh): once
# they have exited or been killed, neither /proc nor ps lists them and
# kill -0 finds none; a wait has none to wait for (ECHILD).
echo "== SIG_IGN"
python3 - <<'PY'
import errno, os, signal, time
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
a = os.fork()
if a == 0:
    os._exit(0)
b = os.fork()
if b == 0:
    time.sleep(30); os._exit(0)
os.kill(b, signal.SIGKILL)
def gone(p):
    try:
        os.kill(p, 0); return False
    except OSError as e:
        return e.errno == errno.ESRCH
for _ in range(400):
    if gone(a) and gone(b): break
    time.sleep(0.01)
for name, p in (("exited", a), ("killed", b)):
    print(name, "kill -0 ESRCH:", gone(p), "/proc/PID:", os.path.exists("/proc/%d" % p),
          "listed:", str(p) in os.listdir("/proc"))
print("zombies listed:", os.popen("ps -eo stat= | grep -c Z").read().strip())
try:
    os.wait(); print("wait: a child")
except OSError as e:
    print("wait:", errno.errorcode[e.errno])
PY
echo "== SA_NOCLDWAIT"
perl -e '
use POSIX;
my $got = 0;
sigaction(SIGCHLD, POSIX::SigAction->new(sub { $got++ }, POSIX::SigSet->new, SA_NOCLDWAIT)) or die;
my $a = fork(); if ($a == 0) { POSIX::_exit(0); }
my $b = fork(); if ($b == 0) { sleep 30; POSIX::_exit(0); }
kill 9, $b;
for (1..400) { last if !kill(0, $a) && !kill(0, $b); select(undef, undef, undef, 0.01); }
for ([exited => $a], [killed => $b]) {
  my ($n, $p) = @$_;
  printf "%s kill -0: %d /proc/PID: %d\n", $n, kill(0, $p), (-e "/proc/$p") ? 1 : 0;
}
my $z = `ps -eo stat= | grep -c Z`; chomp $z; print "zombies listed: $z\n";
my $w = wait(); print "wait: ", ($w == -1 ? "ECHILD" : "a child"), "\n";
'
echo "== end"

<?php
// PHP CLI: proc_open/shell_exec/exec/popen, pcntl_fork with waitpid and
// exit codes, async signals and pcntl_alarm, stream sockets accepted from a
// forked client, stream_select, the sockets extension (UDP), flock, files.
echo "php ", PHP_MAJOR_VERSION, "\n";
// proc_open with pipes
$p = proc_open(["sh", "-c", "cat; echo err >&2; exit 5"], [0 => ["pipe", "r"], 1 => ["pipe", "w"], 2 => ["pipe", "w"]], $pipes);
fwrite($pipes[0], str_repeat("abc", 50000)); fclose($pipes[0]);
$out = stream_get_contents($pipes[1]); $err = stream_get_contents($pipes[2]);
fclose($pipes[1]); fclose($pipes[2]);
echo "proc_open ", strlen($out), " ", trim($err), " ", proc_close($p), "\n";
echo "shell_exec ", trim(shell_exec("echo hi | tr a-z A-Z")), "\n";
exec("ls /nonexistent 2>/dev/null", $o, $rc); echo "exec rc $rc\n";
echo "popen ", trim(fgets(popen("seq 3 | paste -sd+", "r"))), "\n";
// pcntl
if (function_exists('pcntl_fork')) {
  $kids = [];
  for ($i = 0; $i < 4; $i++) { $pid = pcntl_fork(); if ($pid == 0) { exit($i + 10); } $kids[] = $pid; }
  $codes = [];
  foreach ($kids as $k) { pcntl_waitpid($k, $st); $codes[] = pcntl_wexitstatus($st); }
  sort($codes); echo "pcntl codes ", implode(",", $codes), "\n";
  pcntl_async_signals(true);
  $got = 0; pcntl_signal(SIGUSR1, function() use (&$got) { $got++; });
  posix_kill(posix_getpid(), SIGUSR1); posix_kill(posix_getpid(), SIGUSR1); usleep(10000);
  echo "signals $got\n";
  $pid = pcntl_fork(); if ($pid == 0) { sleep(10); exit(0); }
  posix_kill($pid, SIGTERM); pcntl_waitpid($pid, $st);
  echo "termsig ", pcntl_wifsignaled($st) ? pcntl_wtermsig($st) : -1, "\n";
  pcntl_alarm(1); pcntl_signal(SIGALRM, function() { echo "alarm\n"; }); sleep(2);
} else { echo "no pcntl\n"; }
// sockets
$srv = stream_socket_server("tcp://127.0.0.1:0", $errno, $errstr);
$name = stream_socket_get_name($srv, false);
$pid = function_exists('pcntl_fork') ? pcntl_fork() : -1;
if ($pid == 0) {
  for ($i = 0; $i < 3; $i++) { $c = stream_socket_client("tcp://$name"); fwrite($c, "msg$i\n"); echo ""; $r = fgets($c); fclose($c); }
  exit(0);
}
for ($i = 0; $i < 3; $i++) { $c = stream_socket_accept($srv, 5); $l = fgets($c); fwrite($c, strtoupper($l)); echo "server got ", trim($l), "\n"; fclose($c); }
pcntl_waitpid($pid, $st);
// stream_select with many
list($a, $b) = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
$r = [$a]; $w = null; $e = null;
echo "select0 ", stream_select($r, $w, $e, 0, 50000), "\n";
fwrite($b, "x"); $r = [$a];
echo "select1 ", stream_select($r, $w, $e, 1), "\n";
// sockets extension
if (function_exists('socket_create')) {
  $s = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP); socket_bind($s, "127.0.0.1", 0); socket_getsockname($s, $addr, $port);
  $c = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP); socket_sendto($c, "udp!", 4, 0, "127.0.0.1", $port);
  socket_recvfrom($s, $buf, 100, 0, $from, $fport); echo "udp $buf\n";
}
// files
$f = tempnam("/tmp", "rt2php"); file_put_contents($f, str_repeat("z", 100000));
$h = fopen($f, "r+"); echo "flock ", flock($h, LOCK_EX) ? "ok" : "no", "\n"; fclose($h);
clearstatcache(); echo "size ", filesize($f), " ", md5_file($f), "\n"; unlink($f);
echo "glob ", count(glob("/etc/*.conf")) > 0 ? "yes" : "no", "\n";

echo "hrtime ", hrtime(true) > 0 ? "ok" : "no", "\n";
echo "done\n";

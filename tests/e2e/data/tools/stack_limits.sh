# RLIMIT_STACK as a shell's `ulimit -s` sets it for the programs it execs:
# the main stack grows to the limit and faults past it (a 1 KiB-frame
# recursion of $1), and execve's argument space is a quarter of it
# (E2BIG for more, and for any one string over 128 KiB) — an E2BIG
# the caller gets, not a process killed after its old image is gone.
# $2 sets limits below 128 KiB in the exec's caller.
deep=$1
arg_rlimit=$2
ulimit -c 0
a=$(head -c 100000 /dev/zero | tr '\0' a)
big=$(head -c 140000 /dev/zero | tr '\0' b)
a10="$a $a $a $a $a $a $a $a $a $a"
for s in 1024 8192 65536 unlimited; do
  (
    ulimit -s $s
    "$deep" 700; echo "$s: 700 KiB deep rc=$?"
    "$deep" 30000 2>/dev/null; echo "$s: 30000 KiB deep rc=$?"
    /bin/true $big 2>/dev/null; echo "$s: one 140 KB string rc=$?"
    /bin/true $a $a $a 2>/dev/null; echo "$s: 300 KB of arguments rc=$?"
    /bin/true $a10 $a10 $a 2>/dev/null; echo "$s: 2.1 MB of arguments rc=$?"
    A1=$a10 /bin/true $a10 $a10 2>/dev/null; echo "$s: 1 MB environment and 2 MB of arguments rc=$?"
    BIG=$big /bin/true 2>/dev/null; echo "$s: one 140 KB environment string rc=$?"
    getconf ARG_MAX
  ) 2>/dev/null
done
"$arg_rlimit"

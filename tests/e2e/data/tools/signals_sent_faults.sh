# SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP sent by kill (no fault): the default
# action, or the guest's handler (a file says when perl has installed it).
# (No EXIT trap: a child killed before its exec is still bash and would run it.)
dir=$(mktemp -d); cd "$dir" || exit 1
for sig in SEGV BUS ILL FPE TRAP; do
  sleep 5 & p=$!
  kill -$sig $p; wait $p; echo "$sig to a sleeper: rc=$?"
done
rm -f ready
for sig in SEGV BUS ILL FPE TRAP; do
  perl -e '$SIG{'$sig'} = sub { print "perl handled $_[0]\n"; exit 3 };
    open(my $f, ">", "ready") or die; close $f; sleep 1 while 1' & p=$!
  until [ -e ready ]; do sleep 0.05; done; rm -f ready
  kill -$sig $p; wait $p; echo "handler rc=$?"
done
cd / && rm -rf "$dir"

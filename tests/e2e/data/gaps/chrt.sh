# chrt(1) natively and under junction: it reads a task's policy with
# sched_getattr (falling back to the older calls on ENOSYS) and sets
# SCHED_DEADLINE with sched_setattr. Pids differ between the runs.
{
chrt -m
chrt -p $$
chrt -b 0 sh -c 'chrt -p $$'
chrt -i 0 sh -c 'chrt -p $$'
chrt -f 10 sh -c 'chrt -p $$'
chrt -r -R 5 sh -c 'chrt -p $$; sh -c "chrt -p \$\$"'
chrt -d -T 1000000 -D 2000000 -P 3000000 0 chrt -p 0
chrt -d -T 1000000 -D 2000000 0 sh -c '/bin/true; echo "fork: $?"'
chrt -R -d -T 1000000 -D 2000000 0 sh -c 'chrt -p $$; /bin/true && echo "fork with reset-on-fork: $?"'
chrt -d -T 100 -D 2000000 0 true; echo "runtime 100 ns: $?"
chrt -d -T 1000000 -D 2000000 -P 5000000000 0 true; echo "period 5 s: $?"
sleep 0.3 & chrt -f -p 20 $!; chrt -p $!; chrt -b -p 0 $!; chrt -p $!; wait
} 2>&1 | sed -e 's/pid [0-9]*/pid N/' -e 's/^[a-z/]*sh: [0-9]*: //'

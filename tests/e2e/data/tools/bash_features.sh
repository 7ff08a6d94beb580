# bash features scripts lean on: traps (EXIT, ERR, USR1, TERM in a
# subshell), set -e/pipefail, process substitution both ways, here-docs,
# a coprocess, read -t, ulimit, fd juggling, fifos, kill to a process group.
dir=$(mktemp -d); cd "$dir" || exit 1
f() { echo in f; return 3; }
f || echo "f rc=$?"
( set -e; false; echo not reached ) || echo "subshell rc=$?"
diff <(printf 'a\nb\n') <(printf 'a\nc\n') || echo "diff rc=$?"
while read -r l; do echo "line:$l"; done < <(seq 3)
paste <(seq 3) <(seq 4 6)
exec 5> >(sort -r > sorted); p=$!; printf '1\n3\n2\n' >&5; exec 5>&-; wait $p; cat sorted
seq 1000 > s1000; tee >(wc -l > c1) < s1000 >/dev/null; wait $!; cat c1
cat <<EOT
heredoc $((1+2))
EOT
cat <<'EOT'
literal $HOME
EOT
cat <<<"herestring"
coproc BC { while read x; do echo $((x*2)); done; }
echo 21 >&${BC[1]}
read -r y <&${BC[0]}; echo "coproc says $y"; cp=$BC_PID; eval "exec ${BC[1]}>&-"; wait $cp; echo "coproc rc=$?"
if read -t 0.2 z < <(sleep 2); then echo read-got; else echo "read -t rc=$?"; fi
ulimit -n; (ulimit -n 100; ulimit -n); ulimit -c; ulimit -v 1000000; ulimit -v
trap 'echo got USR1' USR1; kill -USR1 $$
( trap 'echo child TERM; exit 5' TERM; kill -TERM $BASHPID; sleep 1 ); echo "child rc=$?"
sleep 5 & p=$!; kill $p; wait $p; echo "killed rc=$?"
sleep 5 & p=$!; kill -STOP $p; kill -CONT $p; kill $p; wait $p; echo "stop/cont/kill rc=$?"
trap 'echo ERR at $LINENO' ERR; false; trap - ERR
set -o pipefail; false | true; echo "pipefail rc=$?"; yes | head -1 >/dev/null; echo "yes|head ${PIPESTATUS[*]}"; set +o pipefail
seq 5 > f; x=$(<f); echo $x; mapfile -t arr < f; echo ${#arr[@]} ${arr[4]}
exec 3>out3; echo to3 >&3; exec 3>&-; cat out3
exec {fd}<f; read -u $fd a; echo "fd read $a"; exec {fd}<&-
echo hi > rw; exec 6<>rw; read -u 6 w; echo more >&6; exec 6>&-; cat rw
set -o noclobber; { echo x > rw; } 2>/dev/null || echo noclobber-works; set +o noclobber
umask 027; touch um; stat -c %a um; umask 022
mkfifo ff; (while read l; do echo "got $l"; done < ff) & printf 'a\nb\n' > ff; wait
cat /dev/stdin <<<"via stdin"
set -m; (sleep 5 & sleep 5 & wait) & pg=$!; kill -- -$pg; wait $pg; echo "group kill rc=$?"; set +m
set -m; bash -c 'trap "echo sub got TERM" TERM; kill -TERM 0; echo after kill0'; echo "kill0 rc=$?"; set +m
sh -c 'kill -SEGV $$'; echo "segv rc=$?"
(ulimit -f 10; head -c 20000 /dev/zero > big); echo "ulimit -f rc=$?"; stat -c %s big
big=$(head -c 100000 /dev/zero | tr '\0' a); /bin/echo "$big" | wc -c; BIG=$big sh -c 'echo ${#BIG}'
cd / && rm -rf "$dir"

# dash's vfork+exec of `cat` with a heredoc on stdin, many times: the shell
# (pid 1 here) must stay suspended until each child has exec'd. A parent
# that went on early closed its end of the vfork channel and the child's
# byte at exec found no reader: `cat` died of SIGPIPE (status 141) a few
# times in 300 on two cores.
i=0; bad=0
while [ $i -lt 400 ]; do
  cat <<'X' >/dev/null
a heredoc line
X
  rc=$?
  if [ $rc -ne 0 ]; then bad=$((bad+1)); echo "spawn $i: status $rc"; fi
  i=$((i+1))
done
echo "spawns $i failed $bad"

# Pipelines, command substitution, background jobs, redirections, traps.
echo one two three | tr a-z A-Z | wc -w
x=$(echo inner; echo "$(echo nested)")
echo "$x"
sleep 0.1 & p1=$!
(exit 3) & p2=$!
wait $p1; echo "bg1 $?"
wait $p2; echo "bg2 $?"
for i in $(seq 200); do /bin/true; done; echo "200 spawns"
echo to-stderr >&2 2>/dev/null
tmp=$(mktemp); echo redirected > "$tmp"; cat < "$tmp"; echo more >> "$tmp"; wc -l < "$tmp"; rm -f "$tmp"
trap 'echo caught INT' INT; kill -INT $$; echo after trap
{ echo a; echo b; } | sort -r
false | true; echo "pipe status ${PIPESTATUS[*]}"

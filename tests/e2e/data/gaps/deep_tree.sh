# Everyday tools on a directory tree deeper than PATH_MAX: mkdir -p of a
# 5000-byte path (made by steps), find, du, tar and rm -r, which walk it
# with *at calls and chdir; pwd, which asks getcwd and then walks "..".
set -u
top=$(mktemp -d /tmp/deep_tree.XXXXXX)
# A step that fails part-way must not leave a tree deeper than PATH_MAX in /tmp.
trap 'cd /; rm -rf "$top"' EXIT
cd "$top"
name=$(printf 'd%.0s' $(seq 1 120))
long=$(for i in $(seq 1 45); do printf '%s%02d/' "$name" "$i"; done)
echo "path length ${#long}"
mkdir -p "$long" 2>&1 | sed "s|$top|TOP|"; echo "mkdir -p: ${PIPESTATUS[0]}"
# Step down in pieces (cd takes each piece as an argument below PATH_MAX).
half=$(for i in $(seq 1 22); do printf '%s%02d/' "$name" "$i"; done)
cd "$half" && cd "${long#"$half"}" && echo "cd: ok"
echo data > leaf.txt && echo "write: $(cat leaf.txt)"
p=$(pwd -P); echo "pwd -P length ${#p}, below top: $([ "${p#"$top"}" != "$p" ] && echo yes)"
/bin/pwd >/dev/null 2>&1; echo "/bin/pwd: $?"
cd "$top"
echo "find: $(find . | wc -l) names, $(find . -name leaf.txt | wc -l) leaf"
echo "du dirs: $(du . | wc -l)"
tar cf - "${long%%/*}" 2>&1 | tar tf - 2>&1 | tail -1 | wc -c
rm -r "${long%%/*}"; echo "rm -r: $?"
ls -A | wc -l
cd /; rmdir "$top"

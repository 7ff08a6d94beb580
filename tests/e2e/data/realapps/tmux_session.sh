# tmux: a server daemon on a unix socket with panes on ptys, driven by
# tmux clients (new-session, send-keys, capture-pane, windows, buffers).
dir=$(mktemp -d); cd "$dir" || exit 1
export TMUX_TMPDIR=$dir HOME=$dir TERM=xterm
# Windows named here: tmux's automatic names follow the pane's foreground
# process, which races with its exec (on Linux too).
tmux -f /dev/null new-session -d -s t -n main -x 80 -y 24 'sh'; echo "new rc=$?"
tmux has-session -t t; echo "has rc=$?"
# Keys typed before the shell's first prompt are echoed before it.
for i in $(seq 100); do [ -n "$(tmux capture-pane -p -t t | tr -d ' \n')" ] && break; sleep 0.05; done
tmux send-keys -t t 'echo hello $((6*7)); seq 3' Enter
for i in $(seq 50); do tmux capture-pane -p -t t | grep -q '^3$' && break; sleep 0.1; done
tmux capture-pane -p -t t | grep -v '^$' | grep -v '^\$ *$' | sed 's/^\$ //'
tmux new-window -t t -n second 'sleep 30'; tmux list-windows -t t -F '#{window_index} #{window_name}'
tmux split-window -t t:0 'sleep 30'; tmux list-panes -t t:0 | wc -l
tmux set-buffer -b b1 'buffer text'; tmux show-buffer -b b1; echo
tmux kill-window -t t:1; tmux list-windows -t t -F '#{window_index} #{window_name}'
tmux kill-server; echo "kill rc=$?"
tmux has-session -t t 2>/dev/null; echo "after kill rc=$?"
cd / && rm -rf "$dir"

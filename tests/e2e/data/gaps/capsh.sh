# capsh(1) (libcap) natively and under junction, as root: it reads the
# sets with capget and prctl, drops from the bounding set, sets the
# process's sets with capset and shows them in /proc/self/status.
capsh --print
capsh --drop=cap_sys_admin --caps="cap_kill+eip cap_chown+ep" -- -c 'capsh --print | head -3; grep -E "^(Cap|NoNewPrivs)" /proc/self/status'
capsh --caps="cap_kill+eip" --addamb=cap_kill -- -c 'grep CapAmb /proc/self/status'
capsh --user=nobody -- -c 'grep -E "^Cap(Prm|Eff)" /proc/self/status' 2>&1

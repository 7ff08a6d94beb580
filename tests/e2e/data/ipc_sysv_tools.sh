# util-linux's ipcmk, ipcs and ipcrm round trip (no text tools in the
# container: the comparison's filter, ipc_sysv_tools_filter.sh, drops the
# ids, keys, pids and times outside it).
m=$(ipcmk -M 8192 -p 0640); m=${m##* }
s=$(ipcmk -S 3 -p 0600); s=${s##* }
q=$(ipcmk -Q -p 0660); q=${q##* }
echo "ids $m $s $q"
ipcs -m -i "$m"
ipcs -s -i "$s"
ipcs -q -i "$q"
ipcs -m
ipcs -s
ipcs -q
ipcs -l
ipcs -u
ipcrm -m "$m" -s "$s" -q "$q"
echo "ipcrm: $?"
ipcs -m -i "$m" 2>&1
ipcs -s -i "$s" 2>&1
ipcs -q -i "$q" 2>&1
ipcrm -m "$m" 2>&1
echo "second ipcrm: $?"

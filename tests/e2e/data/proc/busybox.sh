echo one two | busybox tr a-z A-Z
x=$(busybox echo sub); echo "$x"
busybox sleep 0.1 & wait; echo "waited $?"
i=0; while [ $i -lt 50 ]; do busybox true; i=$((i+1)); done; echo "$i spawns"
busybox seq 5 | busybox sort -r | busybox head -2

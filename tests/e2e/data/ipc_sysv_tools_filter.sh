#!/bin/sh
# Filter for ipc_sysv_tools.sh's output: keeps, of the listings, only the
# test's own objects, and drops what differs between any two runs (ids,
# keys, pids, times) and SEMMNS (the LibOS's is smaller: docs/ipc.md).
awk '
  /^ids / { m = $2; s = $3; q = $4; print "ids"; next }
  /^0x[0-9a-f]+ / { if ($2 == m || $2 == s || $2 == q) { $1 = "KEY"; $2 = "ID"; print } ; next }
  # ipcs -u: the namespace-wide usage, which other tests running natively share.
  /^(segments allocated|pages allocated|pages resident|pages swapped|Swap performance|used arrays|allocated semaphores|allocated queues|used headers|used space)/ { next }
  /time/ { next }
  /semaphores system wide/ { next }
  { gsub(/cpid=[0-9]+/, "cpid=P"); gsub(/id=[0-9]+/, "id=N"); gsub(/ id [0-9]+/, " id N"); gsub(/\([0-9]+\)/, "(N)"); print }
'

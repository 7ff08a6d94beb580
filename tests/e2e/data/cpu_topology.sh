# What a program learns of the CPU topology from sysfs (hwloc, Erlang's
# scheduler binding): cpuN/topology and the NUMA node holding the cores.
cd /sys/devices/system/cpu
for c in cpu[0-9]*; do
  for f in $(ls $c/topology); do echo "$c/$f: $(cat $c/topology/$f)"; done
done
ls /sys/devices/system/node | grep -E '^(node[0-9]+|online|possible|has_cpu|has_memory|has_normal_memory)$'
for f in online possible has_cpu has_memory has_normal_memory; do echo "node/$f: $(cat /sys/devices/system/node/$f)"; done
ls /sys/devices/system/node/node0 | grep -E '^(cpu[0-9]+|cpulist|cpumap)$'
echo "node0 cpulist $(cat /sys/devices/system/node/node0/cpulist) cpumap $(cat /sys/devices/system/node/node0/cpumap)"
for l in /sys/devices/system/node/node0/cpu[0-9]*; do echo "$l -> $(readlink $l) $(cat $l/topology/core_id)"; done

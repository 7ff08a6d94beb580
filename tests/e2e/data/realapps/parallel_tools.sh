# Coreutils and findutils that run work in parallel: sort --parallel=2
# (threads) on a file larger than its buffer (temporary files merged),
# xargs -P2 running children two at a time.
dir=$(mktemp -d); cd "$dir" || exit 1
seq 200000 | awk '{print ($1 * 7919) % 200003, $1}' > big.txt
sort --parallel=2 -S 1M -n big.txt | md5sum
sort --parallel=2 -k2,2nr big.txt | head -3
sort --parallel=2 -S 64K -T "$dir" -u -k1,1n big.txt | wc -l
sort --parallel=2 -c big.txt; echo "sort -c rc=$?"
mkdir t; for i in $(seq 40); do seq $i > t/f$i; done
find t -type f -print0 | xargs -0 -P2 -n3 wc -l | grep -v total | sort | md5sum
find t -name 'f1*' | xargs -P2 -I{} sh -c 'echo $(basename {}) $(wc -l < {})' | sort
seq 10 | xargs -P2 -n1 sh -c 'exit $(($1 == 7 ? 3 : 0))' sh; echo "xargs child failed rc=$?"
seq 6 | xargs -P2 -n2 sh -c 'sleep 0.1; echo $(($1 + $2))' sh | sort -n
cd / && rm -rf "$dir"

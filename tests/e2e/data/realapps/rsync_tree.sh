# rsync of a directory tree on one machine: a sender and a receiver
# process (forked, over a socketpair), with permissions, times, links,
# deletions, delta updates, compression and checksums.
dir=$(mktemp -d); cd "$dir" || exit 1
mkdir -p src/a/b/c; for i in $(seq 50); do seq $((i * 500)) > src/a/f$i; done
head -c 3000000 /dev/urandom > src/a/b/big.bin; ln -s f1 src/a/sym; ln src/a/f2 src/a/hard
chmod 640 src/a/f3; touch -d '2020-01-02 03:04:05' src/a/f4
rsync -a src/ dst/; echo "rsync rc=$?"
diff -r src dst && echo same-tree; stat -c '%n %a %Y' dst/a/f4; stat -c '%n %a' dst/a/f3; readlink dst/a/sym
rsync -aH --delete --stats src/ dst2/ | grep -E 'Number of (files|regular files transferred)'
ls -i dst2/a/f2 dst2/a/hard | awk '{print $1}' | uniq | wc -l
echo change >> src/a/f10; rm src/a/f11; head -c 1000 /dev/zero >> src/a/b/big.bin
# Times of their own: the same second as the first copy's or not is a race.
touch -d '2021-01-01 00:00:00' src/a src/a/f10 src/a/b/big.bin
rsync -a --delete -i src/ dst/ | sort
diff -r src dst && echo same-after-update
rsync -a --no-whole-file --stats src/ dst/ | grep -E '^Number of regular files transferred'
rsync -a -z --checksum src/ dst3/; echo "z rc=$?"; diff -r src dst3 && echo same-z
rsync -a --partial --inplace src/a/b/big.bin dst/inplace.bin; cmp src/a/b/big.bin dst/inplace.bin && echo inplace-ok
rsync -n -a --delete -v dst/ src/ | grep -c deleting
rsync -a "$dir/nonexist/" x/ 2>&1 | grep -c 'change_dir .* failed: No such file or directory'; echo "missing rc=${PIPESTATUS[0]}"
cd / && rm -rf "$dir"

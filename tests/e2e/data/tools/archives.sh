# tar with gzip, xz (-T2), bzip2 and zstd children, extraction and
# listing through pipes, compressor round trips and their errors.
dir=$(mktemp -d); cd "$dir" || exit 1
mkdir -p src/sub/deeper; for i in $(seq 30); do seq $((i*1000)) > src/f$i; done
ln -s f1 src/sym; ln src/f2 src/hard; mkfifo src/fifo; chmod 750 src/sub; touch -d '2020-01-02 03:04:05' src/f3
seq 100000 | sha256sum | head -c 64 > src/rand.bin; for i in $(seq 12); do cat src/rand.bin src/rand.bin > src/r2; mv src/r2 src/rand.bin; done
tar czf a.tgz src; echo "czf rc=$?"
tar cJf a.txz src; echo "cJf rc=$?"
tar cjf a.tbz src; echo "cjf rc=$?"
tar --zstd -cf a.tzst src; echo "zstd rc=$?"
tar -I 'xz -T2' -cf a2.txz src; echo "xz -T2 rc=$?"
tar cf a.tar src; echo "cf rc=$?"
for f in a.tgz a.txz a.tbz a.tzst a2.txz a.tar; do
  rm -rf x; mkdir x; tar xf $f -C x; echo "$f x rc=$?"; (cd x && find . -printf '%p %y %m %s %l\n' | sort | md5sum)
  diff -r src x/src >/dev/null 2>&1; echo "diff rc=$?"; stat -c '%Y %h' x/src/f3
done
tar tvzf a.tgz | awk '{print $1, $3, $6}' | sort | head -5
tar czf - src | tar tzf - | sort | md5sum
tar cf - src | gzip -9 | gunzip | tar tf - | wc -l
gzip -k src/f30; gzip -t src/f30.gz; zcat src/f30.gz | md5sum; gzip -l src/f30.gz | tail -1 | awk '{print $2}'
xz -k -T2 src/f29; xz -t src/f29.xz; xzcat src/f29.xz | md5sum; xz -d -c src/f29.xz | cmp - src/f29 && echo xz-roundtrip
zstd -q -T2 src/f28 -o f28.zst; zstd -q -d -c f28.zst | cmp - src/f28 && echo zstd-roundtrip
bzip2 -k src/f27; bunzip2 -c src/f27.bz2 | cmp - src/f27 && echo bz-roundtrip
printf 'garbage' > bad.gz; gzip -d bad.gz; echo "bad gz rc=$?"
tar xzf bad.gz 2>&1; echo "tar bad rc=$?"
tar xf nonexist.tar; echo "tar missing rc=$?"
cpio --version >/dev/null 2>&1 && (find src -name 'f1*' | cpio -o 2>/dev/null | md5sum)
cd / && rm -rf "$dir"

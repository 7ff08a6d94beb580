# git daemon serving a bare repository over git:// (a forked
# upload-pack or receive-pack per connection): ls-remote, clones (four at
# once, a shallow one), a push; then a protocol v2 clone over file://.
here=$(cd "$(dirname "$0")/../runtimes" && pwd)
dir=$(mktemp -d); cd "$dir" || exit 1
export GIT_AUTHOR_NAME=A GIT_AUTHOR_EMAIL=a@x GIT_COMMITTER_NAME=A GIT_COMMITTER_EMAIL=a@x
export GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
export HOME=$PWD GIT_CONFIG_NOSYSTEM=1
git config --global init.defaultBranch main
git init -q srv/repo; cd srv/repo; for i in $(seq 60); do seq $i 3000 > f$i; done; git add .; git commit -qm one; for i in $(seq 10); do echo $i >> f1; git commit -qam c$i; done; cd ../..
git clone -q --bare srv/repo srv/repo.git; touch srv/repo.git/git-daemon-export-ok
git -C srv/repo.git config daemon.receivepack true
port=$("$here"/free_port.sh)
git daemon --reuseaddr --base-path=$PWD/srv --export-all --enable=receive-pack --listen=127.0.0.1 --port=$port $PWD/srv >/dev/null 2>&1 &
d=$!
for i in $(seq 100); do git ls-remote git://127.0.0.1:$port/repo.git >/dev/null 2>&1 && break; sleep 0.1; done
git ls-remote git://127.0.0.1:$port/repo.git
git clone -q git://127.0.0.1:$port/repo.git c1; echo "clone rc=$?"; git -C c1 log --oneline | wc -l
(for i in 1 2 3 4; do git clone -q git://127.0.0.1:$port/repo.git p$i && git -C p$i rev-parse HEAD & done; wait) | sort | uniq -c
cd c1; echo new > new; git add new; git commit -qm new; git push -q origin HEAD:refs/heads/pushed 2>&1; echo "push rc=$?"; cd ..
git ls-remote git://127.0.0.1:$port/repo.git | grep -c pushed
git clone -q --depth 3 git://127.0.0.1:$port/repo.git shallow; git -C shallow log --oneline | wc -l
kill $d; wait $d 2>/dev/null
git -c protocol.version=2 clone -q file://$PWD/srv/repo.git v2; echo "v2 rc=$?"
cd / && rm -rf "$dir"

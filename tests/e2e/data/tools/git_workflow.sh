# git as a user drives it: init, commits, branches, merge, log/diff, gc/fsck,
# local clones (hard links, --no-local, file://), push, stash, bisect,
# worktree, archive: many forks and execs, mmap of packs, lockfiles.
dir=$(mktemp -d); cd "$dir" || exit 1
export GIT_AUTHOR_NAME=A GIT_AUTHOR_EMAIL=a@x GIT_COMMITTER_NAME=A GIT_COMMITTER_EMAIL=a@x
export GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
export HOME=$PWD GIT_CONFIG_NOSYSTEM=1
git config --global init.defaultBranch main; git config --global gc.auto 0
git init -q repo; cd repo
for i in $(seq 20); do seq $i 100 > f$i.txt; done
git add . && git commit -q -m initial; echo "commit rc=$?"
git branch feature; git checkout -q feature
sed -i 's/^5$/five/' f1.txt f2.txt; git commit -qam "feat"; echo "feat rc=$?"
git checkout -q main; echo extra >> f3.txt; git commit -qam "main change"
git merge -q --no-edit feature; echo "merge rc=$?"
git log --oneline --graph --all | cat
git diff HEAD~2 --stat | tail -1
git diff HEAD~1 HEAD -- f1.txt | head -12
git status --porcelain; echo "status rc=$?"
git rev-parse HEAD; git cat-file -p HEAD | head -3
git tag v1; git describe --tags
for i in $(seq 30); do echo $i >> f4.txt; git commit -qam "c$i"; done
git rev-list --count HEAD
git gc -q; echo "gc rc=$?"; ls .git/objects/pack | sed 's/-[0-9a-f]*\./-X./' | sort
git fsck --strict 2>&1; echo "fsck rc=$?"
git repack -adq; git count-objects -v | grep -E '^(count|in-pack|packs)'
cd ..; git clone -q repo clone1; echo "clone rc=$?"; git -C clone1 log --oneline | wc -l
git clone -q --no-local repo clone2; echo "clone2 rc=$?"; git -C clone2 rev-parse HEAD
git clone -q --bare repo bare.git; git -C bare.git log --oneline -1
git clone -q file://$PWD/repo clone3; echo "clone3 rc=$?"; git -C clone3 branch -a | cat
cd clone1; echo new > new.txt; git add new.txt; git commit -qm new; git push -q origin HEAD:refs/heads/pushed 2>&1; echo "push rc=$?"
cd ../repo; git branch | cat; git log --format='%H %s' pushed -1
git stash list; echo dirty >> f5.txt; git stash -q; git stash list; git stash pop -q; git diff --stat | tail -1
git blame -s f1.txt | head -3
git grep -n five | head; git log -S five --oneline | cat
git archive --format=tar.gz HEAD | tar tzf - | wc -l
git bisect start HEAD HEAD~10 >/dev/null; git bisect run sh -c 'test $(wc -l < f4.txt) -lt 25' | grep 'is the first bad'; git bisect reset -q
git worktree add -q ../wt2 feature 2>&1; git -C ../wt2 log --oneline -1; git worktree remove ../wt2
git stash -q; git rebase -q main feature; echo "rebase rc=$?"; git log --oneline -3 | cat
git cherry-pick HEAD 2>&1 | tail -1; git reflog | wc -l >/dev/null
git notes add -m note HEAD; git notes show HEAD
git format-patch -1 --stdout | grep -c '^diff'
cd / && rm -rf "$dir"

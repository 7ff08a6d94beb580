# ssh-agent, a daemon on a unix socket (SSH_AUTH_SOCK): keys added,
# listed, used to sign through the agent, removed; the agent killed.
dir=$(mktemp -d); cd "$dir" || exit 1
eval "$(ssh-agent -s -a $dir/agent.sock)" >/dev/null; echo "agent rc=$?"
ssh-keygen -q -t ed25519 -N '' -C test -f k1; ssh-keygen -q -t ecdsa -N '' -C test2 -f k2
ssh-add -q k1 k2 2>&1; echo "add rc=$?"
ssh-add -l | awk '{print $1, $3, $4}'
echo data > f; ssh-keygen -q -Y sign -n file -f k1.pub -U f 2>/dev/null <&-; echo "sign via agent rc=$?"
printf 'test %s\n' "$(cut -d' ' -f1,2 k1.pub)" > allowed
ssh-keygen -Y verify -f allowed -I test -n file -s f.sig < f | sed "s/SHA256:.*/SHA256:(a new key)/"
ssh-add -d k2.pub 2>&1 | sed 's/(.*)//'; ssh-add -l | wc -l
ssh-add -D 2>&1; ssh-add -l; echo "list rc=$?"
ssh-agent -k >/dev/null; echo "kill rc=$?"
cd / && rm -rf "$dir"

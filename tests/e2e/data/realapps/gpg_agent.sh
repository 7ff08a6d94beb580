# gpg with its agent, which gpg starts as a daemon and talks to over a
# unix socket in GNUPGHOME: keys made, encryption, signatures.
dir=$(mktemp -d); cd "$dir" || exit 1
export GNUPGHOME=$dir/gnupg; mkdir -m 700 $GNUPGHOME
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-gen-key 'Test <t@x>' ed25519 sign 1d 2>/dev/null; echo "gen rc=$?"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-add-key $(gpg --list-keys --with-colons | awk -F: '/^fpr/{print $10; exit}') cv25519 encr 1d 2>/dev/null; echo "addkey rc=$?"
gpg --list-keys --with-colons | awk -F: '/^(pub|sub|uid)/{print $1, $2, $4, $10}'
seq 10000 > data.txt
gpg --batch --quiet --yes -r t@x -e -o data.gpg data.txt 2>/dev/null; echo "enc rc=$?"
gpg --batch --quiet -d data.gpg 2>/dev/null | md5sum
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --detach-sign -o data.sig data.txt 2>/dev/null; echo "sign rc=$?"
gpg --batch --verify data.sig data.txt 2>&1 | grep -c 'Good signature'
echo changed >> data.txt; gpg --batch --verify data.sig data.txt 2>&1 | grep -c 'BAD signature'
gpg --batch -c --passphrase pw --pinentry-mode loopback -o sym.gpg data.txt 2>/dev/null; gpg --batch -q --passphrase pw --pinentry-mode loopback -d sym.gpg 2>/dev/null | md5sum
gpgconf --kill gpg-agent; echo "kill rc=$?"
cd / && rm -rf "$dir"

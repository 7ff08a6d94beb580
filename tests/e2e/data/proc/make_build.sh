# make -j2 builds a small C project with gcc (make forks/execs gcc, which
# forks cc1, as and collect2/ld), then the program runs. Command lines are
# sorted: with two jobs their order varies.
set -e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$(dirname "$0")/make_project/." "$tmp/"
make -C "$tmp" -j2 --no-print-directory CC=gcc | sort
ls "$tmp" | sort
"$tmp/prog"
echo "prog exit $?"
make -C "$tmp" --no-print-directory CC=gcc
make -C "$tmp" --no-print-directory -s clean
ls "$tmp"

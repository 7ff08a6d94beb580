// child_process: execSync through /bin/sh, spawn with piped stdio and an
// exit code, execFileSync with input, and a spawned process killed by a
// signal.
const cp = require('child_process');

console.log(cp.execSync('echo hello; echo $((6 * 7))').toString().trim());
console.log(cp.execFileSync('/usr/bin/tr', ['a-z', 'A-Z'], {input: 'upper me'}).toString());
try {
  cp.execSync('exit 3', {stdio: 'ignore'});
} catch (e) {
  console.log('execSync status', e.status);
}

const child = cp.spawn('/bin/sh', ['-c', 'read x; echo "got $x"; echo err >&2; exit 5']);
let out = '', err = '';
child.stdout.on('data', (d) => (out += d));
child.stderr.on('data', (d) => (err += d));
child.on('close', (code, signal) => {
  console.log('spawn', JSON.stringify(out), JSON.stringify(err), code, signal);
  const sleeper = cp.spawn('/bin/sleep', ['30']);
  sleeper.on('exit', (code, signal) => console.log('killed', code, signal));
  setTimeout(() => sleeper.kill('SIGTERM'), 50);
});
child.stdin.end('line\n');

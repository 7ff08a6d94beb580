// Node's cluster module: a primary forks two workers that share one
// listening socket, handed over the IPC channel (SCM_RIGHTS over a unix
// socketpair); with SCHED_RR (argv[3] "rr") the primary accepts and hands
// each connection to a worker. curl children drive it; a worker that
// crashes is respawned. The workers listen on port 0: cluster gives them
// all the one port the primary learns from their 'listening' events.
const cluster = require('cluster');
const http = require('http');
const { execFile } = require('child_process');
if (cluster.isPrimary) {
  cluster.schedulingPolicy = process.argv[2] === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
  const run = (cmd, args) => new Promise((resolve) =>
    execFile(cmd, args, (err, stdout) => resolve({ status: err ? err.code : 0, stdout })));
  let port = 0;
  const curl = (path) => run('curl', ['-s', '-m', '10', `http://127.0.0.1:${port}${path}`]);
  const listening = () => new Promise((resolve) => cluster.once('listening', (w, address) => {
    if (port && address.port !== port) console.log('another port', address.port);
    port = address.port;
    resolve();
  }));
  const exited = () => new Promise((resolve) =>
    cluster.once('exit', (w, code, signal) => resolve(`${code}/${signal}`)));
  const messages = (worker) => new Promise((resolve) => worker.once('message', resolve));
  (async () => {
    const up = [listening(), listening()];
    const workers = [cluster.fork(), cluster.fork()];
    await Promise.all(up);
    console.log('hello:', (await curl('/hello')).stdout.trim());
    const pids = await Promise.all(Array.from({ length: 20 }, () => curl('/pid')));
    const distinct = new Set(pids.map((r) => r.stdout));
    console.log('answers', pids.filter((r) => r.status === 0).length, 'by at most two workers', distinct.size <= 2);
    console.log('big', (await curl('/big')).stdout.length);
    const acks = await Promise.all(workers.map((w) => { const m = messages(w); w.send({ ping: w.id }); return m; }));
    console.log('ipc acks', acks.map((m) => m.ack).sort().join(','));
    const gone = exited();
    const crash = await curl('/crash');
    console.log('crash: curl status', crash.status, 'bytes', crash.stdout.length);
    console.log('exit', await gone);
    const again = listening();
    cluster.fork();
    await again;
    const after = await Promise.all(Array.from({ length: 10 }, () => curl('/pid')));
    console.log('after respawn answers', after.filter((r) => r.status === 0).length);
    const ends = Object.values(cluster.workers).map(() => exited());
    for (const w of Object.values(cluster.workers)) w.kill();
    console.log('ends', (await Promise.all(ends)).join(' '));
  })();
} else {
  process.on('message', (m) => process.send({ ack: m.ping }));
  http.createServer((req, res) => {
    if (req.url === '/hello') res.end('hello from a worker\n');
    else if (req.url === '/pid') res.end(`${process.pid}`);
    else if (req.url === '/big') res.end('x'.repeat(1 << 20));
    else if (req.url === '/crash') process.exit(3);
    else { res.statusCode = 404; res.end(); }
  }).listen(0, '127.0.0.1');
}

// Node's cluster as a server: the primary forks two workers that share one
// listening socket; a worker that exits is replaced; SIGTERM to the
// primary stops the workers and then the primary.
const cluster = require('cluster');
const http = require('http');
// usage: node node_cluster_server.js PORT none|rr ADDRESS
const port = Number(process.argv[2]);
if (cluster.isPrimary) {
  cluster.schedulingPolicy = process.argv[3] === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
  let stopping = false;
  cluster.fork(); cluster.fork();
  cluster.on('exit', () => { if (!stopping) cluster.fork(); });
  process.on('SIGTERM', () => {
    stopping = true;
    for (const w of Object.values(cluster.workers)) w.kill();
    cluster.disconnect(() => process.exit(0));
  });
} else {
  http.createServer((req, res) => {
    if (req.url === '/pid') res.end(`${process.pid}\n`);
    else if (req.url === '/big') res.end('y'.repeat(3 << 20));
    else if (req.url === '/exit') { res.end('bye\n', () => process.exit(5)); }
    else if (req.method === 'POST') {
      let n = 0;
      req.on('data', (d) => { n += d.length; });
      req.on('end', () => res.end(`got ${n}\n`));
    } else res.end('hello from a cluster worker\n');
  }).listen(port, process.argv[4]);
}

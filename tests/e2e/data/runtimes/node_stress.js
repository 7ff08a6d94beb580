// A demanding Node workload: worker_threads with SharedArrayBuffer atomics
// and terminate(), child_process (exec, spawnSync, pipes, kill, fork IPC),
// fs.promises with 500 files, streams through zlib, brotli, timers.
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const cp = require('child_process');
const fs = require('fs');
const fsp = require('fs/promises');
const path = require('path');
const os = require('os');
const zlib = require('zlib');
const crypto = require('crypto');

if (!isMainThread) {
  // CPU work + SharedArrayBuffer atomics
  const { id, sab } = workerData;
  const arr = new Int32Array(sab);
  let h = crypto.createHash('sha256');
  for (let i = 0; i < 20000; i++) h.update(String(i * id));
  for (let i = 0; i < 10000; i++) Atomics.add(arr, 0, 1);
  Atomics.add(arr, 1, 1);
  Atomics.notify(arr, 1);
  parentPort.on('message', (m) => {
    if (m === 'exit') process.exit(0);
    parentPort.postMessage({ id, echo: m, digest: h.digest('hex').slice(0, 8) });
    h = crypto.createHash('sha256');
  });
  parentPort.postMessage({ ready: id });
  return;
}

async function workers() {
  const sab = new SharedArrayBuffer(8);
  const n = 8;
  const ws = [];
  const results = [];
  await Promise.all(Array.from({ length: n }, (_, id) => new Promise((res, rej) => {
    const w = new Worker(__filename, { workerData: { id, sab } });
    ws.push(w);
    w.on('error', rej);
    w.once('message', () => {
      w.once('message', (m) => { results[id] = m.digest; res(); });
      w.postMessage('hi ' + id);
    });
  })));
  const arr = new Int32Array(sab);
  console.log('workers', results.join(','), Atomics.load(arr, 0), Atomics.load(arr, 1));
  const exits = await Promise.all(ws.map(w => new Promise(r => { w.on('exit', r); w.postMessage('exit'); })));
  console.log('worker exits', exits.join(','));
  // terminate() of a busy worker
  const busy = new Worker('while (true) {}', { eval: true });
  await new Promise(r => setTimeout(r, 50));
  await busy.terminate(); console.log('terminated busy');
}

async function children() {
  const outs = await Promise.all(Array.from({ length: 12 }, (_, i) => new Promise((res) => {
    cp.exec(`echo c${i}; seq 1 ${i * 1000} | sort -rn | head -1`, (err, so, se) => res(so.replace(/\n/g, ' ') + (err ? err.code : 0)));
  })));
  console.log('exec', outs.join('|'));
  const r = cp.spawnSync('sh', ['-c', 'cat; exit 3'], { input: 'x'.repeat(1 << 20) });
  console.log('spawnSync', r.status, r.stdout.length);
  const big = cp.execFileSync('head', ['-c', '5000000', '/dev/zero'], {maxBuffer: 1e8});
  console.log('execFileSync', big.length);
  // piping between two children
  await new Promise((res) => {
    const a = cp.spawn('seq', ['1', '200000']);
    const b = cp.spawn('wc', ['-l']);
    a.stdout.pipe(b.stdin);
    let out = '';
    b.stdout.on('data', d => out += d);
    b.on('close', (code) => { console.log('pipe', out.trim(), code); res(); });
  });
  // kill
  await new Promise((res) => {
    const s = cp.spawn('sleep', ['100']);
    s.on('exit', (code, sig) => { console.log('killed', code, sig); res(); });
    setTimeout(() => s.kill('SIGTERM'), 20);
  });
  // fork with IPC
  await new Promise((res) => {
    const f = cp.fork(__filename, ['child-ipc']);
    let n = 0;
    f.on('message', (m) => { n += m; if (n >= 4950) f.send('done'); });
    f.on('exit', (c) => { console.log('fork ipc', n, c); res(); });
  });
}

async function files() {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'nstress-'));
  await Promise.all(Array.from({ length: 500 }, (_, i) => fsp.writeFile(path.join(dir, 'f' + i), 'data'.repeat(i))));
  const names = await fsp.readdir(dir);
  let total = 0;
  await Promise.all(names.map(async (n) => { const b = await fsp.readFile(path.join(dir, n)); total += b.length; }));
  const st = await Promise.all(names.map(n => fsp.stat(path.join(dir, n))));
  console.log('files', names.length, total, st.reduce((a, s) => a + s.size, 0));
  const fh = await fsp.open(path.join(dir, 'big'), 'w+');
  for (let i = 0; i < 100; i++) await fh.write(Buffer.alloc(65536, i), 0, 65536, i * 65536);
  const rb = Buffer.alloc(10);
  await fh.read(rb, 0, 10, 99 * 65536);
  await fh.close();
  console.log('big', rb[0], (await fsp.stat(path.join(dir, 'big'))).size);
  // streams + zlib
  await new Promise((res, rej) => {
    const src = fs.createReadStream(path.join(dir, 'big'));
    const gz = zlib.createGzip();
    const dst = fs.createWriteStream(path.join(dir, 'big.gz'));
    src.pipe(gz).pipe(dst).on('finish', res).on('error', rej);
  });
  const gz = await fsp.readFile(path.join(dir, 'big.gz'));
  const un = zlib.gunzipSync(gz);
  console.log('gzip roundtrip', un.length, crypto.createHash('md5').update(un).digest('hex'));
  const br = zlib.brotliCompressSync(un);
  console.log('brotli', zlib.brotliDecompressSync(br).equals(un));
  // async zlib in threadpool, many at once
  const parts = await Promise.all(Array.from({ length: 32 }, (_, i) => new Promise((r, j) => zlib.deflate(Buffer.alloc(100000, i), (e, b) => e ? j(e) : r(b.length)))));
  console.log('deflate parts', parts.length, parts[5]);
  await fsp.rm(dir, { recursive: true });
  console.log('rm', fs.existsSync(dir));
}

async function timers() {
  let n = 0;
  await new Promise((res) => { const iv = setInterval(() => { if (++n === 50) { clearInterval(iv); res(); } }, 1); });
  const order = [];
  await new Promise((res) => {
    for (let i = 10; i >= 0; i--) setTimeout(() => { order.push(i); if (order.length === 11) res(); }, i * 3);
  });
  setImmediate(() => order.push('imm'));
  process.nextTick(() => order.push('tick'));
  await new Promise(r => setTimeout(r, 5));
  console.log('timers', n, order.join(','));
  await new Promise(r => setTimeout(r, 30));
}

if (process.argv[2] === 'child-ipc') {
  for (let i = 0; i < 100; i++) process.send(i);
  process.on('message', (m) => { if (m === 'done') process.exit(0); });
} else {
  (async () => {
    const w = process.argv[2] || 'all';
    if (w === 'all' || w === 'workers') await workers();
    if (w === 'all' || w === 'children') await children();
    if (w === 'all' || w === 'files') await files();
    if (w === 'all' || w === 'timers') await timers();
    console.log('end');
  })();
}

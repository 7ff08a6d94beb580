// A worker thread and a timer in Node (libuv: epoll, eventfd, threads).
const { Worker } = require('worker_threads');
const w = new Worker("require('worker_threads').parentPort.postMessage(6 * 7)", { eval: true });
w.on('message', (m) => {
  console.log('worker said', m);
  process.exit(0);
});
setTimeout(() => console.log('timer fired'), 5);

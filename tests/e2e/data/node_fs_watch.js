// fs.watch (libuv: inotify through epoll) on each directory named on the
// command line in turn: a file written, renamed and removed, then a
// directory whose event ends the watch.
const fs = require('fs');
const path = require('path');

function watchOne(base) {
  return new Promise((resolve) => {
    const d = fs.mkdtempSync(path.join(base, 'node-fs-watch-'));
    const seen = [];
    const w = fs.watch(d, (ev, name) => {
      seen.push(`${ev} ${name}`);
      if (name !== 'done') return;
      w.close();
      fs.rmSync(d, {recursive: true});
      resolve(seen);
    });
    fs.writeFileSync(path.join(d, 'a'), 'x');
    fs.renameSync(path.join(d, 'a'), path.join(d, 'b'));
    fs.unlinkSync(path.join(d, 'b'));
    fs.mkdirSync(path.join(d, 'done'));
  });
}

(async () => {
  for (const base of process.argv.slice(2)) {
    console.log(`${base}:`);
    for (const line of await watchOne(base)) console.log(`  ${line}`);
  }
})();

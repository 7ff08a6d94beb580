// fs.promises round trip of a temporary file, then a timer and an immediate.
const fs = require('fs').promises;
const os = require('os');
const path = require('path').join(os.tmpdir(), 'jn-' + process.pid);
(async () => {
  await fs.writeFile(path, 'abc');
  console.log(await fs.readFile(path, 'utf8'));
  await fs.unlink(path);
  setTimeout(() => console.log('timer'), 20);
  setImmediate(() => console.log('immediate'));
})();

// A CommonJS file: a member of require() called directly, and a require assigned to a name.
module.exports = function wipe(dir) {
  require("node:fs").rmSync(dir, { recursive: true });
  const cp = require("child_process");
  cp.fork("worker.js");
};

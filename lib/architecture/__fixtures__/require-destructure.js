// A CommonJS file: destructured require with an alias.
const { execFileSync: run } = require("node:child_process");

module.exports = function reload() {
  return run("cscli", ["hub", "update"]);
};

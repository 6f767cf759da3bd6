#!/usr/bin/env node
// The headless command. Runs the TypeScript sources through tsx (installed by `npm install`), so it works on a
// fresh clone without a build step. See docs/cli.md.
'use strict'
const path = require('node:path')
require('tsx/cjs/api').register()
const { main } = require(path.join(__dirname, '..', 'src', 'main', 'cli', 'main.ts'))
main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status
  },
  (err) => {
    process.stderr.write(`vmm-workbench: internal error: ${err && err.stack ? err.stack : err}\n`)
    process.exitCode = 70
  }
)

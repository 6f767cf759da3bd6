// Worker bootstrap: load a TypeScript worker module through tsx (workerData.tsEntry is its path).
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS bootstrap: tsx registers before the TS module loads */
const { workerData } = require('node:worker_threads')
require('tsx/cjs/api').register()
require(workerData.tsEntry)

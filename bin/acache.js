#!/usr/bin/env node
// CommonJS (bin/package.json): starting through require, not the ES module
// loader, is a few milliseconds sooner, and the bundle is CommonJS too.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')
const { pathToFileURL } = require('node:url')

// The bundled CLI starts faster (dist/bundle, made by `npm run build`); the
// modules tsc compiled are used when there is no bundle or it is older than
// them (after a bare `tsc`), so a rebuild is never shadowed by a stale bundle.
const dist = path.join(__dirname, '..', 'dist')
const bundle = path.join(dist, 'bundle', 'main.cjs')
const compiled = path.join(dist, 'src', 'cli', 'main.js')
let useBundle = false
try { useBundle = fs.statSync(bundle).mtimeMs >= fs.statSync(compiled).mtimeMs } catch {}

/**
 * Runs the bundle, compiled with V8's code cache when there is one for this
 * Node's V8 (bundle + '.' + V8 version [+ '.' + command] + '.cache', made by
 * `npm run build`); writes the cache as the process exits when there was
 * none or it was refused. The commands run all day have one each (`cache`,
 * preload.ts's codeCacheOf), holding only what they compile; the others
 * share one. One file per V8 version, so that two Node versions used in turn
 * do not keep replacing each other's. A cache that cannot be written
 * (read-only install) only costs the time.
 */
function loadBundle (file, cache) {
  const cacheFile = `${file}.${process.versions.v8}${cache === undefined ? '' : '.' + cache}.cache`
  let cachedData
  try { cachedData = fs.readFileSync(cacheFile) } catch {}
  // the bundle is ASCII (scripts/bundle.mjs), so latin1 reads it as UTF-8 would, without decoding
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'latin1')), { filename: file, cachedData })
  if (cachedData === undefined || script.cachedDataRejected === true) {
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}`
        fs.writeFileSync(tmp, script.createCachedData())
        fs.renameSync(tmp, cacheFile)
      } catch {}
    })
  }
  const mod = { exports: {} }
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file))
  return mod.exports
}

async function start () {
  const argv = process.argv.slice(2)
  // status, commit and diff of a large working root: a helper thread starts on
  // the lstat of every tracked file now, while the rest of acache loads.
  // bin/git-remote-acache.js starts the same code at its own entry
  const entry = globalThis.__acacheEntry ?? 'main'
  if (useBundle) {
    if (entry !== 'main') return loadBundle(bundle)[entry]
    const preload = require(path.join(dist, 'bundle', 'preload.cjs'))
    preload.preloadStats(argv)
    return loadBundle(bundle, preload.codeCacheOf(argv)).main
  }
  if (entry === 'main') (await import(pathToFileURL(path.join(dist, 'src', 'worktree', 'status', 'preload.js')).href)).preloadStats(argv)
  return (await import(pathToFileURL(compiled).href))[entry]
}

// Output piped into a command that stopped reading (acache log | head): stop quietly, as git does.
// The handler is added when a stream is first asked for: process.stdout and process.stderr are made
// on first use (about 2 ms: streams, and node:tty on a terminal), and a command that prints nothing
// (commit -q) then makes neither.
for (const name of ['stdout', 'stderr']) {
  const made = Object.getOwnPropertyDescriptor(process, name)
  if (made?.get === undefined || made.configurable !== true) {
    process[name].on('error', onStreamError)
    continue
  }
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: made.enumerable,
    get () {
      const stream = made.get.call(process)
      Object.defineProperty(process, name, { configurable: true, enumerable: made.enumerable, writable: false, value: stream })
      stream.on('error', onStreamError)
      return stream
    }
  })
}
function onStreamError (err) {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  else throw err
}

start().then((main) => main(process.argv.slice(2))).then((code) => {
  process.exitCode = code
}, (err) => {
  process.stderr.write(`acache: internal error: ${err?.stack ?? err}\n`)
  process.exitCode = 70
})

#!/usr/bin/env node
import fs from 'node:fs'
import path from 'node:path'
import vm from 'node:vm'
import Module, { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

// The bundled CLI starts faster (dist/bundle, made by `npm run build`); the
// modules tsc compiled are used when there is no bundle or it is older than
// them (after a bare `tsc`), so a rebuild is never shadowed by a stale bundle.
const bundle = fileURLToPath(new URL('../dist/bundle/main.cjs', import.meta.url))
const compiled = new URL('../dist/src/cli/main.js', import.meta.url)
let useBundle = false
try { useBundle = fs.statSync(bundle).mtimeMs >= fs.statSync(compiled).mtimeMs } catch {}

// status, commit and diff of a large working root: a helper thread starts on
// the lstat of every tracked file now, while the rest of acache loads.
const preload = new URL(useBundle ? '../dist/bundle/preload.js' : '../dist/src/worktree/preload.js', import.meta.url)
const { preloadStats } = await import(preload.href)
preloadStats(process.argv.slice(2))

const { main } = useBundle ? loadBundle(bundle) : await import(compiled.href)

/**
 * Runs the bundle as CommonJS, compiled with V8's code cache when there is
 * one for this Node (bundle + '.cache'); writes the cache when there was none
 * or it was refused, as the process exits (so it holds what ran). A cache
 * that cannot be written (read-only install) only costs the time.
 */
function loadBundle (file) {
  const cacheFile = file + '.cache'
  let cachedData
  try { cachedData = fs.readFileSync(cacheFile) } catch {}
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData })
  if (cachedData === undefined || script.cachedDataRejected === true) {
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}`
        fs.writeFileSync(tmp, script.createCachedData())
        fs.renameSync(tmp, cacheFile)
      } catch {}
    })
  }
  const module = { exports: {} }
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file))
  return module.exports
}

// Output piped into a command that stopped reading (acache log | head): stop quietly, as git does.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => { if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0); else throw err })
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
}, (err) => {
  process.stderr.write(`acache: internal error: ${err?.stack ?? err}\n`)
  process.exitCode = 70
})

#!/usr/bin/env node
import fs from 'node:fs'

// The bundled CLI starts faster (dist/bundle, made by `npm run build`); the
// modules tsc compiled are used when there is no bundle or it is older than
// them (after a bare `tsc`), so a rebuild is never shadowed by a stale bundle.
const bundle = new URL('../dist/bundle/main.js', import.meta.url)
const compiled = new URL('../dist/src/cli/main.js', import.meta.url)
let useBundle = false
try { useBundle = fs.statSync(bundle).mtimeMs >= fs.statSync(compiled).mtimeMs } catch {}

// status, commit and diff of a large working root: a helper thread starts on
// the lstat of every tracked file now, while the rest of acache loads.
const preload = new URL(useBundle ? '../dist/bundle/preload.js' : '../dist/src/worktree/preload.js', import.meta.url)
const { preloadStats } = await import(preload.href)
preloadStats(process.argv.slice(2))

const { main } = await import((useBundle ? bundle : compiled).href)

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

#!/usr/bin/env node
import fs from 'node:fs'

// The bundled CLI starts faster (dist/bundle, made by `npm run build`); the
// modules tsc compiled are used when there is no bundle or it is older than
// them (after a bare `tsc`), so a rebuild is never shadowed by a stale bundle.
const bundle = new URL('../dist/bundle/main.js', import.meta.url)
const compiled = new URL('../dist/src/cli/main.js', import.meta.url)
let entry = compiled
try { if (fs.statSync(bundle).mtimeMs >= fs.statSync(compiled).mtimeMs) entry = bundle } catch {}
const { main } = await import(entry.href)

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

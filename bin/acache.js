#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js'

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

import fs from 'node:fs'
import { createRequire } from 'node:module'

/**
 * Whether a descriptor is a terminal, as tty.isatty answers, without making
 * process.stdout or process.stderr (a stream each, and node:tty brings net
 * and streams: about 2 ms of a command that prints nothing) for a pipe, a
 * file or /dev/null: node:tty is loaded only for a character device other
 * than /dev/null, as every terminal is. The bundle gives chalk's
 * supports-color this in place of node:tty (scripts/lazy-tty.mjs).
 */
let devNull: number | undefined
export function isTerminal (fd: number): boolean {
  let st: fs.Stats
  try { st = fs.fstatSync(fd) } catch { return false }
  if (!st.isCharacterDevice()) return false
  if (devNull === undefined) { try { devNull = fs.statSync('/dev/null').rdev } catch { devNull = -1 } }
  return st.rdev !== devNull && (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd)
}

/** The width of the terminal stdout is, or undefined when it is none. */
export function terminalColumns (): number | undefined {
  return isTerminal(1) ? process.stdout.columns : undefined
}

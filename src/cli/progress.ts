import { createRequire } from 'node:module'
import type cliProgressType from 'cli-progress'
import { Progress, noProgress } from '../context.js'
import { humanBytes } from '../util/human.js'
import { isTerminal } from '../util/tty.js'


/** A progress bar on stderr, only when stderr is a terminal and output is for people. */
export function terminalProgress (enabled: boolean): Progress {
  if (!enabled || !isTerminal(2)) return noProgress
  let bar: cliProgressType.SingleBar | undefined
  let value = 0
  let unit = ''
  let startedAt = 0
  return {
    start (label, total, u = '') {
      unit = u
      value = 0
      startedAt = Date.now()
      // loaded only when a bar is drawn
      const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof cliProgressType
      bar = new cliProgress.SingleBar({
        stream: process.stderr,
        clearOnComplete: true,
        hideCursor: true,
        format: total === undefined ? `${label} {amount}` : `${label} [{bar}] {percentage}% {amount}`,
        formatValue: (v, _o, type) => type === 'value' || type === 'total' ? (unit === 'bytes' ? humanBytes(v) : String(v)) : String(v)
      }, cliProgress.Presets.shades_classic)
      bar.start(total ?? 0, 0, { amount: '' })
    },
    tick (n = 1) {
      value += n
      // Show nothing for jobs that end quickly.
      if (bar !== undefined && Date.now() - startedAt > 300) bar.update(value, { amount: unit === 'bytes' ? humanBytes(value) : String(value) })
    },
    done () {
      bar?.stop()
      bar = undefined
    }
  }
}

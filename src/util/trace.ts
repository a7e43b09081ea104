/**
 * ACACHE_TRACE=1 prints each named step of a command with the milliseconds
 * since the process started, on stderr: how the time of a command is spent.
 * Helper threads print theirs on the same clock, marked [helper]. Each
 * line ends with the memory at that moment (resident, V8's heap used of
 * its size, buffers outside it); the last line, at exit, gives the
 * process's peak resident memory.
 */
import { writeSync } from 'node:fs'
import { knob } from './knobs.js'
import { workerThreads } from './builtins.js'

const on = knob('ACACHE_TRACE') === '1'
/** (worker_threads is loaded only when tracing) */
const isMainThread = on ? workerThreads().isMainThread : true
/** work counted while tracing: blocks read from the store, blocks fetched from a remote, reads a mount answered */
const counts = { read: 0, fetched: 0, answered: 0 }
// the exit line says the peak resident memory and the work done (what tests of bounded work read: no clock)
if (on && isMainThread) process.on('exit', () => trace(`exit (peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB; blocks read ${counts.read}, fetched ${counts.fetched}${counts.answered > 0 ? `, mount reads answered ${counts.answered}` : ''})`))

/** Counts a unit of work (only while tracing: otherwise it costs a comparison). */
export function tally (what: keyof typeof counts, n = 1): void {
  if (on) counts[what] += n
}

export function trace (step: string): void {
  // written at once: a helper's stderr otherwise goes through the main thread, which may be busy or gone
  if (!on) return
  const m = process.memoryUsage()
  writeSync(2, `trace ${(process.uptime() * 1000).toFixed(1)} ${isMainThread ? '' : '[helper] '}${step} [rss ${m.rss >> 20} MiB, heap ${m.heapUsed >> 20} MiB of ${m.heapTotal >> 20}, buffers ${m.arrayBuffers >> 20}]\n`)
}

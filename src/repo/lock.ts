import fs from 'node:fs'
import { fail } from '../errors.js'

const held = new Set<string>()
let exitHook = false

/** When a process started (clock ticks since boot, /proc/PID/stat field 22); undefined where there is no /proc. */
function startTime (pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) may hold spaces and parentheses: count from the last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch { return undefined }
}

const me = `${process.pid} ${startTime(process.pid) ?? '-'}\n`

/** Whether the process that wrote `content` ("PID START") still runs: same pid AND same start time, so a reused pid is not taken for it. */
function holderAlive (content: string): boolean | undefined {
  const [p, start] = content.trim().split(/\s+/)
  const pid = parseInt(p, 10)
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  try { process.kill(pid, 0) } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false }
  if (start === undefined || start === '-') return true
  const now = startTime(pid)
  return now === undefined ? true : now === start
}

/** Creates `file` holding our pid and start time, atomically (link fails if it exists). */
function tryCreate (file: string): boolean {
  const tmp = `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}`
  fs.writeFileSync(tmp, me)
  try {
    fs.linkSync(tmp, file)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return false
  } finally {
    fs.rmSync(tmp, { force: true })
  }
}

const pause = (ms: number): void => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms) }

/**
 * An exclusive lock on a repository: a file created atomically holding our
 * pid and process start time. A lock whose process is gone (killed, or its
 * pid now belongs to another process) is stale, and is removed only by
 * whoever holds the breaker (`lock.break`, held for a few system calls),
 * and only if it is still the same file judged stale: so two processes that
 * both find a stale lock can never both take it (the second finds the
 * first's new lock alive). A live lock is a clear LOCKED error. Released on
 * exit, including on Ctrl-C.
 */
export function acquireLock (file: string, what = 'repository', opts: { waitMs?: number } = {}): () => void {
  const until = Date.now() + (opts.waitMs ?? 0)
  const breaker = `${file}.break`
  const locked = (pid?: string): never => fail('LOCKED', `the ${what} is locked by another acache process${pid !== undefined ? ` (pid ${pid})` : ''}`, {
    data: { lock: file, ...(pid !== undefined ? { pid: Number(pid) } : {}) },
    hint: 'wait for it to finish and run the command again'
  })
  for (let attempt = 0; attempt < 200; attempt++) {
    if (tryCreate(file)) {
      held.add(file)
      if (!exitHook) {
        exitHook = true
        process.on('exit', () => { for (const f of held) { try { fs.rmSync(f, { force: true }) } catch {} } })
      }
      return () => {
        if (held.delete(file)) fs.rmSync(file, { force: true })
      }
    }
    let content = ''
    let st: fs.Stats | undefined
    try { st = fs.statSync(file); content = fs.readFileSync(file, 'utf8') } catch { continue } // gone meanwhile: try again
    const alive = holderAlive(content)
    if (alive === true) {
      // a lock held for moments (the refs lock) is waited for, briefly
      if (Date.now() < until) { pause(2); attempt--; continue }
      locked(content.split(/\s/)[0])
    }
    // being written this very moment (no pid yet): give it a moment
    if (alive === undefined && Date.now() - st.mtimeMs < 2000) {
      if (Date.now() < until) { pause(2); attempt--; continue }
      locked()
    }
    // stale: break it, but only under the breaker and only if it is still the file we judged
    if (!tryCreate(breaker)) {
      let b = ''
      let bst: fs.Stats | undefined
      try { bst = fs.statSync(breaker); b = fs.readFileSync(breaker, 'utf8') } catch {}
      // a breaker is held for microseconds: one whose holder died (or that is old) is removed
      if (bst !== undefined && (holderAlive(b) === false || Date.now() - bst.mtimeMs > 10_000)) fs.rmSync(breaker, { force: true })
      pause(5)
      continue
    }
    try {
      // still the stale file (an inode number can be reused at once: its holder must still be dead too)
      const now = fs.statSync(file, { throwIfNoEntry: false })
      let again = ''
      try { again = fs.readFileSync(file, 'utf8') } catch {}
      if (now !== undefined && now.ino === st.ino && now.dev === st.dev && again === content && holderAlive(again) !== true) fs.rmSync(file, { force: true })
    } finally {
      fs.rmSync(breaker, { force: true })
    }
  }
  return fail('LOCKED', `could not lock the ${what}`, { data: { lock: file } })
}

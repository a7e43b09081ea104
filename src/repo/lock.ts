import fs from 'node:fs'
import path from 'node:path'
import { fail } from '../errors.js'

const held = new Set<string>()
let exitHook = false

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

/**
 * An exclusive lock on a repository: a file created with O_EXCL holding our
 * pid. A lock whose process is gone (killed) is taken over; a live one is a
 * clear LOCKED error. Released on exit, including on Ctrl-C.
 */
export function acquireLock (dir: string, what = 'repository'): () => void {
  const file = path.join(dir, 'lock')
  for (let attempt = 0; attempt < 3; attempt++) {
    // The pid is written first, then the lock appears whole with link(), which
    // fails if it exists: a process killed at any moment never leaves an empty lock.
    const tmp = `${file}.${process.pid}.${Date.now()}`
    fs.writeFileSync(tmp, `${process.pid}\n`)
    try {
      fs.linkSync(tmp, file)
      fs.rmSync(tmp, { force: true })
      held.add(file)
      if (!exitHook) {
        exitHook = true
        process.on('exit', () => { for (const f of held) { try { fs.rmSync(f, { force: true }) } catch {} } })
      }
      return () => {
        if (held.delete(file)) fs.rmSync(file, { force: true })
      }
    } catch (err) {
      fs.rmSync(tmp, { force: true })
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    let pid = NaN
    try { pid = parseInt(fs.readFileSync(file, 'utf8'), 10) } catch {}
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      fail('LOCKED', `the ${what} is locked by another acache process (pid ${pid})`, {
        data: { pid, lock: file },
        hint: 'wait for it to finish and run the command again'
      })
    }
    if (Number.isNaN(pid)) {
      // A lock being written this very moment has no pid yet: give it a moment.
      const st = fs.statSync(file, { throwIfNoEntry: false })
      if (st !== undefined && Date.now() - st.mtimeMs < 2000) {
        fail('LOCKED', `the ${what} is locked by another acache process`, { data: { lock: file }, hint: 'wait for it to finish and run the command again' })
      }
    }
    // The holder is gone (killed): the lock is stale.
    fs.rmSync(file, { force: true })
  }
  return fail('LOCKED', `could not lock the ${what}`, { data: { lock: file } })
}

import fs from 'node:fs'
import { createRequire } from 'node:module'
import { execFileSync } from 'node:child_process'
import { fail } from '../errors.js'
import { knob } from '../util/knobs.js'

const INSTALL_HINT = 'install FUSE: apt-get install fuse libfuse2 (and npm install fuse-native, an optional dependency of acache)'

/** fuse-native, loaded only by `mount`: everything else works without FUSE. */
export function loadFuse (): any {
  if (!fs.existsSync('/dev/fuse')) fail('FUSE_MISSING', 'FUSE is not available here: /dev/fuse does not exist', { hint: INSTALL_HINT })
  try {
    // ACACHE_FUSE_MODULE names another build of the binding (and lets tests take it away)
    return createRequire(import.meta.url)(knob('ACACHE_FUSE_MODULE') ?? 'fuse-native')
  } catch (err) {
    return fail('FUSE_MISSING', `FUSE cannot be loaded: ${(err as Error).message.split('\n')[0]}`, { hint: INSTALL_HINT })
  }
}

/** Whether `mp` is a mount point now (per /proc/self/mountinfo). */
export function isMounted (mp: string): boolean {
  try {
    const target = fs.realpathSync.native(mp)
    return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some(l => l.split(' ')[4] === target.replace(/ /g, '\\040'))
  } catch {
    return false
  }
}

/** A mount whose process died: the kernel answers ENOTCONN. */
export function isStale (mp: string): boolean {
  try { fs.statSync(mp); return false } catch (err) { return (err as NodeJS.ErrnoException).code === 'ENOTCONN' }
}

export function unmount (mp: string, opts: { lazy?: boolean } = {}): void {
  try {
    execFileSync('fusermount', ['-u', ...(opts.lazy === true ? ['-z'] : []), mp], { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    const msg = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()
    if (/busy/i.test(msg)) fail('LOCKED', `${mp} is busy: a process still has a file open there`, { hint: 'close it, or `acache umount --lazy` to detach now and finish when it closes' })
    if (/not found|not mounted|Invalid argument/i.test(msg)) fail('USAGE', `${mp} is not mounted`)
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') fail('FUSE_MISSING', 'fusermount is not installed', { hint: INSTALL_HINT })
    fail('UNREACHABLE', `could not unmount ${mp}: ${msg}`)
  }
}

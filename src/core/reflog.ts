import { Repo } from '../repo/repo.js'
import { fail } from '../errors.js'

export interface RefLogLine { n: number, selector: string, commit?: string, old?: string, time: string, message: string }

/** `reflog [REF]`: where HEAD (or a branch, even a deleted one) has been, newest first. */
export function reflog (repo: Repo, name = 'HEAD'): { ref: string, entries: RefLogLine[] } {
  const ref = name === 'HEAD' || name.startsWith('refs/') ? name : `refs/heads/${name}`
  const entries = repo.refs.readLog(ref)
  if (entries.length === 0 && name !== 'HEAD' && !repo.refs.withLogs().includes(ref)) {
    fail('UNKNOWN_REVISION', `no reflog for ${name}`, { hint: '`acache reflog` shows HEAD\'s; branches have one from their first move' })
  }
  return {
    ref,
    entries: entries.map((e, n) => ({ n, selector: `${name}@{${n}}`, commit: e.new?.toString(), old: e.old?.toString(), time: e.time, message: e.message }))
  }
}

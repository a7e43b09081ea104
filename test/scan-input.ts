import { ScanInput } from '../src/worktree/scan.js'
import { EntryTable, IndexEntry } from '../src/worktree/status/stat-cache.js'
import { WalkRecord } from '../src/worktree/status/walk-record.js'

/** What scanWorktree needs for these tracked paths (an index entry each, their directories), with the last walk's record. */
export function scanInput (tracked: string[], last?: WalkRecord): ScanInput {
  const entry = (): IndexEntry => ({ kind: 'file', cid: 'bafkqaaa', tsize: 0, size: -1, mtimeMs: 0, ctimeMs: 0, ino: 0 })
  const dirs = new Map<string, unknown>([['', null]])
  for (const p of tracked) {
    const parts = p.split('/')
    for (let i = 1; i < parts.length; i++) dirs.set(parts.slice(0, i).join('/'), null)
  }
  return { entries: new EntryTable(tracked.map(p => [p, entry()])), trackedDirs: dirs, tree: 'T', last }
}

import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { fail } from '../errors.js'
import { readTextIfExists, writeFileAtomic } from '../util/fs.js'

export type ConflictKind = 'content' | 'binary' | 'modify/delete' | 'delete/modify' | 'add/add' | 'file/directory' | 'symlink' | 'mode'

export interface Conflict {
  path: string
  kind: ConflictKind
  /** files written beside PATH that must be gone before the merge can be committed */
  sidecars: string[]
  /** true when PATH holds conflict markers that must be gone */
  markers: boolean
}

export interface MergeState {
  /** what is under way: a merge (the default), or a revert or cherry-pick whose commit has one parent */
  kind?: 'merge' | 'revert' | 'cherry-pick'
  /** the message the commit will get by default (revert, cherry-pick) */
  message?: string
  /** the other parent (for a revert or cherry-pick, the commit applied) */
  other: CID
  /** how the user named it (alice/main) */
  label: string
  /** HEAD before the merge, for --abort */
  orig: CID
  conflicts: Conflict[]
  /** the tree the merge wrote into the working root (ours + theirs + sidecars), for --abort */
  result: CID
}


export function readMergeState (repo: Repo): MergeState | undefined {
  const text = readTextIfExists(repo.layout.mergeState)
  if (text === undefined) return undefined
  try {
    const o = JSON.parse(text)
    return { ...o, other: CID.parse(o.other), orig: CID.parse(o.orig), result: CID.parse(o.result) }
  } catch {
    return fail('BAD_CONFIG', `${repo.layout.mergeState} is damaged`, { hint: 'run `acache merge --abort`' })
  }
}

export function writeMergeState (repo: Repo, s: MergeState): void {
  writeFileAtomic(repo.layout.mergeState, JSON.stringify({ ...s, other: s.other.toString(), orig: s.orig.toString(), result: s.result.toString() }, null, 2) + '\n')
}

export function clearMergeState (repo: Repo): void {
  fs.rmSync(repo.layout.mergeState, { force: true })
}

export const MARKER = /^(<{7} |={7}$|>{7} |\|{7} )/m

/** What still stands in the way of committing a merge: markers and sidecar files. */
export function unresolved (repo: Repo, s: MergeState): Array<{ path: string, why: string }> {
  const out: Array<{ path: string, why: string }> = []
  for (const c of s.conflicts) {
    for (const side of c.sidecars) {
      if (fs.existsSync(path.join(repo.worktree, side))) out.push({ path: side, why: 'sidecar file still present' })
    }
    if (c.markers) {
      let text: string | undefined
      try { text = fs.readFileSync(path.join(repo.worktree, c.path), 'utf8') } catch { text = undefined }
      if (text !== undefined && MARKER.test(text)) out.push({ path: c.path, why: 'conflict markers still present' })
    }
  }
  return out
}

export function checkResolved (repo: Repo, s: MergeState): void {
  const left = unresolved(repo, s)
  if (left.length > 0) {
    fail('CONFLICTS', `cannot commit the merge: ${left.length} conflict${left.length === 1 ? '' : 's'} unresolved: ${left.map(l => `${l.path} (${l.why})`).join(', ')}`, {
      data: { unresolved: left },
      hint: 'edit the files to remove the markers and delete the .theirs/.base files, or run `acache merge --abort`'
    })
  }
}

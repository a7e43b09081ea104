import { CID } from 'multiformats/cid'
import { ABSENT, Repo } from '../repo/repo.js'
import { Head } from '../model/head.js'
import { isAncestor } from '../merge/base.js'
import { readRemoteState, RemoteState, writeRemoteState } from '../services/remote-state.js'
import { checkHead } from './head.js'

/**
 * What an accepted head does to the refs that stand for its sender
 * (refs/remotes/NAME/*) and to what is recorded as accepted from it.
 */

export interface RefUpdate {
  ref: string
  old?: string
  new?: string
  /** the new commit does not descend from the old one: history was rewritten (git's forced update) */
  forced?: boolean
  /** not moved, and why (a tag that would move: git's "would clobber existing tag"); `fetch --force` moves it */
  rejected?: string
}
/** Which moves rewrote history: the old commit is not an ancestor of the new one (unknown where history was fetched only in part). */
export async function markForced (repo: Repo, refs: RefUpdate[]): Promise<void> {
  const parentsOf = async (id: string): Promise<string[]> => (await repo.readCommit(CID.parse(id))).parents.map(String)
  for (const u of refs) {
    if (u.old === undefined || u.new === undefined || u.rejected !== undefined) continue
    try {
      if (!(await isAncestor(u.old, u.new, parentsOf))) u.forced = true
    } catch { /* history not here (a shallow fetch): not known */ }
  }
}

/**
 * refs/remotes/NAME/* become exactly a full head's branches, except those a
 * newer partial head set; a partial head moves only the branches it names.
 */
export function moveRemoteRefs (repo: Repo, name: string, head: Head, state: RemoteState | undefined, force: boolean): RefUpdate[] {
  const refs: RefUpdate[] = []
  const tx = repo.refs.transaction(`fetch ${name}: seq ${head.seq}`)
  const prefix = `refs/remotes/${name}`
  const keep = new Set(Object.entries(state?.newer ?? {}).filter(([, n]) => n.seq > head.seq).map(([b]) => `${prefix}/${b}`))
  const wanted = new Map(Object.entries(head.heads).map(([b, c]) => [`${prefix}/${b}`, c]))
  for (const [ref, old] of repo.refs.list(prefix)) {
    if (head.partial !== true && !wanted.has(ref) && !keep.has(ref)) { tx.delete(ref, old); refs.push({ ref, old: old.toString() }) }
  }
  for (const [ref, cid] of wanted) {
    if (keep.has(ref)) continue
    const old = repo.refs.read(ref)
    if (old?.equals(cid) === true) continue
    // a tag names one commit for good: one that moves is refused, as git's fetch does
    if (old !== undefined && ref.startsWith(`${prefix}/tags/`) && !force) {
      refs.push({ ref, old: old.toString(), new: cid.toString(), rejected: 'would clobber existing tag' })
      continue
    }
    tx.set(ref, cid, old ?? ABSENT)
    refs.push({ ref, old: old?.toString(), new: cid.toString() })
  }
  tx.commit()
  return refs
}

/** What is recorded as accepted once `head` is. */
export function nextState (state: RemoteState | undefined, head: Head, cid: CID): RemoteState {
  if (head.partial !== true) {
    const newer = Object.fromEntries(Object.entries(state?.newer ?? {}).filter(([, n]) => n.seq > head.seq))
    return { seq: head.seq, head: cid.toString(), time: head.time, ...(Object.keys(newer).length > 0 ? { newer } : {}) }
  }
  const newer = { ...state?.newer }
  for (const [b, c] of Object.entries(head.heads)) newer[b] = { seq: head.seq, commit: c.toString() }
  return { ...(state ?? { seq: 0, head: '', time: '' }), newer }
}

/**
 * A head a friend pushed to us (`serve`, a push to our directory): it moves
 * that friend's remote-tracking refs here, as a fetch from them would, when
 * one of our remotes has their key and the head is newer than what we last
 * accepted from them (the same replay rule as a fetch). Which remote, and
 * what moved; undefined when none has the key or the head is not newer.
 */
export function acceptPushedAsRemote (repo: Repo, head: Head, cid: CID, headBytes: Uint8Array): { remote: string, refs: RefUpdate[] } | undefined {
  const config = Repo.readConfig(repo.dir)
  const name = Object.keys(config.remotes).find(n => config.remotes[n].key === head.key)
  if (name === undefined) return undefined
  const state = readRemoteState(repo, name)
  try {
    checkHead(headBytes, head.key, name, state)
  } catch {
    return undefined // older than what a fetch from them brought: their refs stay as they are
  }
  const refs = moveRemoteRefs(repo, name, head, state, false)
  writeRemoteState(repo, name, nextState(state, head, cid))
  return { remote: name, refs }
}

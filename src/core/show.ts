import { Repo } from '../repo/repo.js'
import { resolveRev } from '../repo/revs.js'
import { fail } from '../errors.js'
import { LogEntry, logEntry } from '../services/log-entry.js'
import { diffCommits, FileDiff } from '../services/diff.js'
import { Entry, lookupPath, readDirectory, readSymlink, inspect } from '../model/tree.js'
import { readFileContent } from '../model/file.js'

export type ShowResult =
  | { type: 'commit', commit: LogEntry, diff: FileDiff[] }
  | { type: 'file', path: string, cid: string, kind: Entry['kind'], size: number, content: AsyncIterable<Uint8Array> }
  | { type: 'symlink', path: string, cid: string, target: string }
  | { type: 'tree', path: string, cid: string, entries: Array<{ name: string, kind: Entry['kind'], cid: string, size: number }> }

/** `show REV` (a commit and what it changed) or `show REV:PATH` (what a path holds). */
export async function show (repo: Repo, spec: string): Promise<ShowResult> {
  const colon = spec.indexOf(':')
  const rev = colon < 0 ? spec : spec.slice(0, colon) === '' ? 'HEAD' : spec.slice(0, colon)
  const cid = await resolveRev(repo, rev)
  const c = await repo.readCommit(cid)
  if (colon < 0) {
    const parent = c.parents[0] === undefined ? undefined : (await repo.readCommit(c.parents[0])).tree
    return { type: 'commit', commit: logEntry(cid, c), diff: await diffCommits(repo, parent, c.tree) }
  }
  const p = spec.slice(colon + 1).split('/').filter(s => s !== '' && s !== '.').join('/')
  const e = p === '' ? { cid: c.tree, tsize: 0, kind: 'dir' as const } : await lookupPath(repo.store, c.tree, p)
  if (e === undefined) fail('BAD_PATH', `path ${JSON.stringify(p)} does not exist in ${rev}`)
  if (e.kind === 'dir') {
    const entries = []
    for (const [name, x] of await readDirectory(repo.store, e.cid, p)) {
      entries.push({ name, kind: x.kind, cid: x.cid.toString(), size: x.kind === 'dir' ? 0 : (await inspect(repo.store, x.cid)).size })
    }
    entries.sort((a, b) => a.name < b.name ? -1 : 1)
    return { type: 'tree', path: p, cid: e.cid.toString(), entries }
  }
  if (e.kind === 'symlink') return { type: 'symlink', path: p, cid: e.cid.toString(), target: await readSymlink(repo.store, e.cid) }
  const info = await inspect(repo.store, e.cid)
  return { type: 'file', path: p, cid: e.cid.toString(), kind: e.kind, size: info.size, content: readFileContent(repo.store, e.cid) }
}

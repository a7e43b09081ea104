import { CompleteSet } from '../repo/complete.js'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { Reached, walkDag } from '../model/dag.js'
import { Repo } from '../repo/repo.js'
import { AcacheError, ErrorCode } from '../errors.js'
import { commitSignatureValid, decodeCommit } from '../model/commit.js'
import { CountMemo, DAG_PB, RAW, countEntries, joinPath, readDirectory } from '../model/tree.js'
import { maxTreeEntries } from '../model/limits.js'
import { Progress, noProgress } from '../context.js'
import { readPartial } from '../repo/partial.js'
import { OwnershipChecker } from '../services/ownership.js'
import { readRemoteLogs } from '../services/remote-state.js'

export interface VerifyFailure {
  code: ErrorCode
  problem: string
  ref?: string
  commit?: string
  path?: string
  cid?: string
}

export interface VerifyReport {
  ok: boolean
  refs: number
  commits: number
  blocks: number
  bytes: number
  failures: VerifyFailure[]
  /** blocks a partial fetch left at the remote (not failures) */
  notFetched?: number
  /** closures an earlier verify found sound, not read again (`--full` reads them) */
  verifiedBefore?: number
}

/**
 * fsck: every block reachable from every ref is present and matches its CID,
 * every commit is well formed and validly signed, every tree entry is safe.
 */
export async function verify (original: Repo, opts: { progress?: Progress, full?: boolean } = {}): Promise<VerifyReport> {
  const progress = opts.progress ?? noProgress
  // In a partially fetched repository blocks are missing on purpose: count
  // them, do not fetch them (the view reads only what is here).
  const partial = readPartial(original.layout)
  const repo = partial === undefined ? original : new Repo(original.root, original.dir, original.store.offline())
  const report: VerifyReport = { ok: true, refs: 0, commits: 0, blocks: 0, bytes: 0, failures: [], notFetched: 0, verifiedBefore: 0 }
  const seenCommits = new Set<string>()
  // What an earlier verify found sound (a commit, a directory, a file's root, each with all below it) is
  // not read again unless --full: the closure of a CID cannot change, only the disk under it can.
  const earlier = new CompleteSet(original.layout.verified)
  const skip = (cid: CID): boolean => {
    if (opts.full === true || !earlier.has(cid)) return false
    report.verifiedBefore!++
    return true
  }
  const walked: CID[] = []
  const failed = (f: VerifyFailure): void => {
    if (partial !== undefined && f.code === 'MISSING_OBJECT') { report.notFetched!++; return }
    report.failures.push(f)
  }
  const asFailure = (err: unknown, where: Omit<VerifyFailure, 'code' | 'problem'>): VerifyFailure => {
    if (err instanceof AcacheError) return { code: err.code, problem: err.message, ...where, cid: where.cid ?? (err.data.cid as string | undefined) }
    return { code: 'BAD_OBJECT', problem: (err as Error).message, ...where }
  }

  const block = async (cid: CID): Promise<Uint8Array> => {
    const bytes = await repo.store.get(cid)
    report.blocks++
    report.bytes += bytes.byteLength
    progress.tick(bytes.byteLength)
    return bytes
  }

  // One walk over every block the refs reach, each once: commits, then
  // their trees (names checked) and files, so a failure can say where it is.
  type Via = { kind: 'commit', ref: string } | { kind: 'dir' | 'file', commit: string, path: string }
  const where = (cid: CID, via: Via): Omit<VerifyFailure, 'code' | 'problem'> => via.kind === 'commit'
    ? { ref: via.ref, commit: cid.toString(), cid: cid.toString() }
    : { commit: via.commit, path: via.path === '' ? '/' : via.path, cid: cid.toString() }
  const entries = new Map<string, Array<[string, { kind: string, cid: CID }]>>()
  const read = async ({ cid, via }: Reached<Via>): Promise<Uint8Array | undefined> => {
    const key = cid.toString()
    if (skip(cid)) return undefined
    walked.push(cid)
    try {
      if (via.kind === 'commit') {
        const c = await repo.readCommit(cid)
        const bytes = await block(cid)
        seenCommits.add(key)
        report.commits++
        if (!commitSignatureValid(c)) failed({ code: 'BAD_SIGNATURE', problem: `commit ${key} has a signature that does not match its author ${c.author.key}`, ref: via.ref, commit: key })
        return bytes
      }
      if (via.kind === 'dir') entries.set(key, [...await readDirectory(repo.store, cid, via.path)])
      return await block(cid)
    } catch (err) {
      failed(asFailure(err, where(cid, via)))
      return undefined
    }
  }
  const links = async ({ cid, via }: Reached<Via>, bytes: Uint8Array): Promise<Array<Reached<Via>>> => {
    try {
      if (via.kind === 'commit') {
        const c = decodeCommit(bytes, cid)
        return [{ cid: c.tree, via: { kind: 'dir', commit: cid.toString(), path: '' } }, ...c.parents.map((p: CID) => ({ cid: p, via }))]
      }
      if (via.kind === 'dir') {
        const list = entries.get(cid.toString()) ?? []
        entries.delete(cid.toString())
        return list.map(([name, e]) => ({ cid: e.cid, via: { kind: e.kind === 'dir' ? 'dir' : 'file', commit: via.commit, path: joinPath(via.path, name) } }))
      }
      if (cid.code === RAW) return []
      if (cid.code !== DAG_PB) throw new AcacheError('BAD_OBJECT', `${cid} is neither raw nor dag-pb`)
      return dagPb.decode(bytes).Links.map(l => ({ cid: l.Hash, via }))
    } catch (err) {
      failed(asFailure(err, where(cid, via)))
      return []
    }
  }

  const roots: Array<[string, CID]> = repo.refs.list('refs')
  const h = repo.refs.head()
  if (h.ref === undefined) roots.push(['HEAD', h.cid])
  report.refs = roots.length
  progress.start('verifying', undefined, 'bytes')
  for await (const _ of walkDag<Via>({ roots: roots.map(([ref, cid]) => ({ cid, via: { kind: 'commit', ref } })), read, links })) void _
  // Every tree within the entry limit (each directory counted once for all commits: a DAG bomb costs its blocks).
  const memo: CountMemo = { dirs: new Map(), counts: new Map() }
  const limit = maxTreeEntries()
  const tooLarge = new Set<string>()
  for (const key of seenCommits) {
    try {
      await countEntries(repo.store, (await repo.readCommit(CID.parse(key))).tree, limit, memo)
    } catch (err) {
      // a tree no command could expand (too many entries, paths too long); what the walk above reported already is not said twice
      tooLarge.add(key)
      const f = asFailure(err, { commit: key })
      if (!report.failures.some(x => x.commit === key && x.code === f.code) && f.code !== 'MISSING_OBJECT') failed(f)
    }
  }
  // Ownership rules over all history.
  const checker = await OwnershipChecker.for(original, repo.store)
  for (const key of seenCommits) {
    if (tooLarge.has(key)) continue
    try {
      for (const v of await checker.violations(CID.parse(key))) {
        failed({ code: 'OWNERSHIP', problem: `commit ${v.commit} by ${v.signer} changes ${v.path}, which only ${v.owners.join(' or ')} may change`, commit: v.commit, path: v.path })
      }
    } catch (err) {
      if (!report.failures.some(f => f.commit === key)) failed(asFailure(err, { commit: key }))
    }
  }
  // The heads accepted from each remote never went back.
  for (const [name, log] of readRemoteLogs(repo)) {
    for (let i = 1; i < log.length; i++) {
      if (log[i].seq < log[i - 1].seq) failed({ code: 'REPLAY', problem: `remote ${name}: an accepted head went back from seq ${log[i - 1].seq} to ${log[i].seq}`, ref: `refs/remotes/${name}` })
    }
  }
  progress.done()
  report.ok = report.failures.length === 0
  // only a sound run is remembered (a partial repository's missing blocks leave it unproven)
  if (report.ok && report.notFetched === 0) {
    if (opts.full === true) earlier.retain(new Set())
    earlier.add(walked)
  }
  return report
}

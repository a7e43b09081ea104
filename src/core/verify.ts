import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { AcacheError, ErrorCode } from '../errors.js'
import { commitSignatureValid } from '../model/commit.js'
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
}

/**
 * fsck: every block reachable from every ref is present and matches its CID,
 * every commit is well formed and validly signed, every tree entry is safe.
 */
export async function verify (original: Repo, opts: { progress?: Progress } = {}): Promise<VerifyReport> {
  const progress = opts.progress ?? noProgress
  // In a partially fetched repository blocks are missing on purpose: count
  // them, do not fetch them (the view reads only what is here).
  const partial = readPartial(original.dir)
  const repo = partial === undefined ? original : new Repo(original.root, original.dir, original.store.offline())
  const report: VerifyReport = { ok: true, refs: 0, commits: 0, blocks: 0, bytes: 0, failures: [], notFetched: 0 }
  const checked = new Set<string>()
  const seenCommits = new Set<string>()
  const failed = (f: VerifyFailure): void => {
    if (partial !== undefined && f.code === 'MISSING_OBJECT') { report.notFetched!++; return }
    report.failures.push(f)
  }
  const asFailure = (err: unknown, where: Omit<VerifyFailure, 'code' | 'problem'>): VerifyFailure => {
    if (err instanceof AcacheError) return { code: err.code, problem: err.message, ...where, cid: where.cid ?? (err.data.cid as string | undefined) }
    return { code: 'BAD_OBJECT', problem: (err as Error).message, ...where }
  }

  const block = async (cid: CID): Promise<Uint8Array | undefined> => {
    const k = cid.toString()
    if (checked.has(k)) return undefined
    checked.add(k)
    const bytes = await repo.store.get(cid)
    report.blocks++
    report.bytes += bytes.byteLength
    progress.tick(bytes.byteLength)
    return bytes
  }

  const fileDag = async (cid: CID): Promise<void> => {
    const bytes = await block(cid)
    if (bytes === undefined || cid.code === RAW) return
    if (cid.code !== DAG_PB) throw new AcacheError('BAD_OBJECT', `${cid} is neither raw nor dag-pb`)
    const node = dagPb.decode(bytes)
    for (const l of node.Links) await fileDag(l.Hash)
  }

  const tree = async (cid: CID, dir: string, commit: string): Promise<void> => {
    if (checked.has(cid.toString())) return
    let entries
    try {
      entries = await readDirectory(repo.store, cid, dir)
      await block(cid)
    } catch (err) {
      failed(asFailure(err, { commit, path: dir === '' ? '/' : dir, cid: cid.toString() }))
      return
    }
    for (const [name, e] of entries) {
      const p = joinPath(dir, name)
      try {
        if (e.kind === 'dir') await tree(e.cid, p, commit)
        else await fileDag(e.cid)
      } catch (err) {
        failed(asFailure(err, { commit, path: p, cid: e.cid.toString() }))
      }
    }
  }

  const roots: Array<[string, CID]> = repo.listRefs('refs')
  const h = repo.readHead()
  if (h.ref === undefined) roots.push(['HEAD', h.cid])
  progress.start('verifying', undefined, 'bytes')
  for (const [ref, start] of roots) {
    report.refs++
    const stack: CID[] = [start]
    while (stack.length > 0) {
      const cid = stack.pop()!
      const key = cid.toString()
      if (seenCommits.has(key)) continue
      seenCommits.add(key)
      let c
      try {
        c = await repo.readCommit(cid)
        await block(cid)
      } catch (err) {
        failed(asFailure(err, { ref, commit: key, cid: key }))
        continue
      }
      report.commits++
      if (!commitSignatureValid(c)) {
        failed({ code: 'BAD_SIGNATURE', problem: `commit ${key} has a signature that does not match its author ${c.author.key}`, ref, commit: key })
      }
      await tree(c.tree, '', key)
      stack.push(...c.parents)
    }
  }
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
  return report
}

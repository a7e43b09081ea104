import path from 'node:path'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { AcacheError, asAcacheError, fail } from '../errors.js'
import { loadIdentity } from '../identity/identity.js'
import { localBranches } from '../services/heads.js'
import {
  ReplicaConfig, ReplicaKind, ReplicaPin, ReplicaState, checkReplica, getReplica, movePin, readReplicaState,
  removeReplicaState, replicaConfigs, replicaKind, replicaToken, requiredCopies, saveReplicas, writeReplicaState
} from '../services/replicas.js'
import { PinRequest, PinStatus, PinningService } from '../remote/pinning.js'
import { KuboNode, ProvideReport } from '../remote/kubo.js'
import { knownClosure } from '../remote/sync.js'
import { ReplicaRule } from '../model/replica-policy.js'

/**
 * `acache replica` and `acache replicate`: copies of every branch head's
 * closure on pinning services and Kubo nodes, one pin per branch head,
 * moved (not dropped and made again) when the head moves.
 */

export interface ReplicaInfo { name: string, url: string, kind: ReplicaKind, tokenEnv?: string, prefix: string }

export function listReplicas (repo: Repo): ReplicaInfo[] {
  return Object.entries(replicaConfigs(repo)).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([name, r]) => ({ name, url: r.url, kind: replicaKind(r.url), ...(r.tokenEnv !== undefined ? { tokenEnv: r.tokenEnv } : {}), prefix: r.prefix }))
}

/** `replica add NAME URL [--token-env VAR] [--prefix P]`. */
export function addReplica (repo: Repo, name: string, url: string, opts: { tokenEnv?: string, prefix?: string } = {}): ReplicaInfo & { tokenSet?: boolean } {
  checkReplica(name, url, opts.tokenEnv)
  const all = replicaConfigs(repo)
  if (all[name] !== undefined) fail('EXISTS', `replica ${name} already exists (${all[name].url})`, { hint: `acache replica remove ${name} first, or choose another name` })
  const prefix = opts.prefix ?? path.basename(repo.root ?? repo.dir.replace(/\/\.acache\/?$/, ''))
  if (!/^[^\s/][^\s]{0,99}$/.test(prefix)) fail('BAD_INPUT', `${JSON.stringify(prefix.slice(0, 80))} is not a usable pin name prefix (no spaces, at most 100 characters)`, { hint: 'give one with --prefix NAME' })
  const r: ReplicaConfig = { url: url.replace(/\/+$/, ''), ...(opts.tokenEnv !== undefined ? { tokenEnv: opts.tokenEnv } : {}), prefix }
  saveReplicas(repo, { ...all, [name]: r })
  return { name, url: r.url, kind: replicaKind(r.url), ...(r.tokenEnv !== undefined ? { tokenEnv: r.tokenEnv, tokenSet: (process.env[r.tokenEnv] ?? '') !== '' } : {}), prefix }
}

/** `replica remove NAME [--unpin]`: forgets it; with unpin, first asks it to drop the pins acache made there. */
export async function removeReplica (repo: Repo, name: string, opts: { unpin?: boolean } = {}): Promise<{ name: string, unpinned: number }> {
  const r = getReplica(repo, name)
  let unpinned = 0
  if (opts.unpin === true) {
    const state = readReplicaState(repo, name)
    if (replicaKind(r.url) === 'kubo') {
      const node = new KuboNode(r.url)
      const held = [...new Set(Object.values(state.pins).map(p => p.cid))].map(c => CID.parse(c))
      await node.hold(repo.store, [], held, () => true)
      unpinned = held.length
    } else {
      const svc = new PinningService(r.url, replicaToken(name, r), name)
      for (const p of Object.values(state.pins)) {
        if (p.requestid === undefined) continue
        await svc.remove(p.requestid)
        unpinned++
      }
    }
  }
  const { [name]: _, ...rest } = replicaConfigs(repo)
  saveReplicas(repo, rest)
  removeReplicaState(repo, name)
  return { name, unpinned }
}

/** `replica origins [ADDR...]`: the multiaddrs a service may fetch this repository's blocks from (besides the Kubo replicas'). */
export function setOrigins (repo: Repo, addrs: string[] | undefined, clear = false): string[] {
  if (clear) { delete repo.config.replicaOrigins; repo.saveConfig(); return [] }
  if (addrs === undefined || addrs.length === 0) return origins(repo)
  for (const a of addrs) if (!/^\/[a-z0-9]+\/[^\s]+$/.test(a) || a.length > 512) fail('BAD_INPUT', `${a.slice(0, 80)} is not a multiaddr (e.g. /dns4/HOST/tcp/4001/p2p/PEER)`)
  repo.config.replicaOrigins = [...new Set(addrs)]
  repo.saveConfig()
  return origins(repo)
}

function origins (repo: Repo): string[] {
  const o = repo.config.replicaOrigins
  return Array.isArray(o) ? o.filter((x): x is string => typeof x === 'string') : []
}

/** One branch's pin as shown: the head the branch is at, the head the replica was asked for, and its status. */
export interface PinView extends ReplicaPin { branch: string, head: string }

export interface ReplicaOutcome {
  name: string
  url: string
  kind: ReplicaKind
  pins: PinView[]
  /** blocks sent (to a Kubo node) */
  sent?: { blocks: number, bytes: number }
  /** a Kubo node's providing */
  providing?: ProvideReport
  /** what went wrong with this replica (the others were still asked) */
  error?: { code: string, message: string, hint?: string }
}

export interface PolicyView { branch: string, head: string, copies: number, rules: ReplicaRule[] }

/**
 * Asks each replica (or those named) to hold every branch head: Kubo nodes
 * first (sent what they lack, then pinned), so that their addresses can be
 * the `origins` of the pins asked of services. A replica that cannot be
 * reached or refuses is recorded, with its heads left to ask for again
 * (nothing is lost), and the others are still asked.
 */
export async function replicate (repo: Repo, ctx: Ctx, opts: { names?: string[] } = {}): Promise<{ replicas: ReplicaOutcome[], policy: PolicyView[], warnings: string[] }> {
  const heads = localBranches(repo)
  const all = replicaConfigs(repo)
  const names = opts.names ?? Object.keys(all).sort()
  for (const n of names) getReplica(repo, n)
  const ordered = [...names].sort((a, b) => Number(replicaKind(all[b].url) === 'kubo') - Number(replicaKind(all[a].url) === 'kubo'))
  const from = [...origins(repo)]
  const outcomes: ReplicaOutcome[] = []
  for (const name of ordered) {
    const r = all[name]
    const state = readReplicaState(repo, name)
    const outcome: ReplicaOutcome = { name, url: r.url, kind: replicaKind(r.url), pins: [] }
    try {
      if (outcome.kind === 'kubo') {
        const node = new KuboNode(r.url)
        outcome.sent = await holdOnKubo(repo, ctx, node, name, state, heads)
        for (const a of await node.addresses()) if (!from.includes(a)) from.push(a)
      } else {
        await holdOnService(repo, ctx, new PinningService(r.url, replicaToken(name, r), name), r, state, heads, from)
      }
    } catch (err) {
      const e = asAcacheError(err)
      outcome.error = { code: e.code, message: e.message, ...(e.hint !== undefined ? { hint: e.hint } : {}) }
      // what was not asked yet stays to be asked: the next push or replicate does it
      for (const [b, c] of Object.entries(heads)) {
        const p = state.pins[b]
        if (p === undefined || p.cid !== c.toString()) state.pins[b] = movePin(p, { cid: c.toString(), status: 'unsent', reason: e.message }, ctx.now())
      }
    } finally {
      writeReplicaState(repo, name, state)
    }
    outcome.pins = views(state, heads)
    outcomes.push(outcome)
  }
  const policy = await policyOf(repo, heads)
  return { replicas: outcomes.sort((a, b) => a.name < b.name ? -1 : 1), policy, warnings: policyWarnings(policy, Object.keys(all).length) }
}

async function holdOnKubo (repo: Repo, ctx: Ctx, node: KuboNode, name: string, state: ReplicaState, heads: Record<string, CID>): Promise<{ blocks: number, bytes: number }> {
  const want = [...new Map(Object.values(heads).map(c => [c.toString(), c])).values()]
  const before = [...new Set(Object.values(state.pins).filter(p => p.status === 'pinned').map(p => p.cid))]
  // a deleted branch's head stays pinned (as git keeps what a remote holds): only heads that moved are unpinned
  const kept = new Set([...want.map(c => c.toString()), ...Object.entries(state.pins).filter(([b]) => heads[b] === undefined).map(([, p]) => p.cid)])
  // what the node holds whole already: the closures of the heads it pinned for us (and still has pinned)
  const pinnedNow = await node.pinned()
  const held = before.filter(c => pinnedNow.has(c)).map(c => CID.parse(c))
  const known = await knownClosure(repo.store, held)
  ctx.progress.start(`replicating to ${name}`, undefined, 'bytes')
  try {
    const drop = before.filter(c => !kept.has(c)).map(c => CID.parse(c))
    const sent = await node.hold(repo.store, want, drop, (c) => known.has(c.toString()), (n) => ctx.progress.tick(n))
    for (const [b, c] of Object.entries(heads)) state.pins[b] = movePin(state.pins[b], { cid: c.toString(), status: 'pinned' }, ctx.now())
    return sent
  } finally {
    ctx.progress.done()
  }
}

async function holdOnService (repo: Repo, ctx: Ctx, svc: PinningService, r: ReplicaConfig, state: ReplicaState, heads: Record<string, CID>, from: string[]): Promise<void> {
  const key = loadIdentity(ctx.home)?.key
  for (const [branch, cid] of Object.entries(heads)) {
    const want: PinRequest = {
      cid,
      name: `${r.prefix}/${branch}`,
      origins: from.slice(0, 20),
      meta: { app: 'acache', repository: r.prefix, branch, ...(key !== undefined ? { signer: key } : {}) }
    }
    const old = state.pins[branch]
    let now: PinStatus | undefined
    let found = old?.requestid === undefined ? undefined : await svc.get(old.requestid)
    // asked for already, and not failed: only what the service says of it now
    if (found !== undefined && found.cid === cid.toString() && found.status !== 'failed') now = found
    if (now === undefined) {
      // the pin to move: ours by its request id, else one of this name made elsewhere (another clone, a lost record)
      if (found === undefined) {
        found = (await svc.byName(want.name)).find(p => p.name === want.name)
      }
      // a service that keeps one pin per CID may have given two branches at one commit the same request: moving it would move both
      const id = found?.requestid
      const shared = id !== undefined && Object.entries(state.pins).some(([b, p]) => b !== branch && p.requestid === id && heads[b]?.toString() === p.cid)
      if (found !== undefined && found.cid === cid.toString() && found.status !== 'failed') now = found
      else if (found !== undefined && !shared) now = await svc.replace(found.requestid, want)
      now ??= await svc.add(want)
    }
    if (now.cid !== cid.toString()) fail('BAD_OBJECT', `replica ${svc.label} answered a pin of ${now.cid} when asked to pin ${cid.toString()}`)
    state.pins[branch] = movePin(old, pinRecord(now), ctx.now())
  }
}

function pinRecord (p: PinStatus): Omit<ReplicaPin, 'since'> {
  const reason = p.status === 'failed' ? (Object.values(p.info ?? {})[0] ?? 'the service says it failed') : undefined
  return { cid: p.cid, status: p.status, requestid: p.requestid, created: p.created, ...(reason !== undefined ? { reason } : {}) }
}

function views (state: ReplicaState, heads: Record<string, CID>): PinView[] {
  const branches = [...new Set([...Object.keys(heads), ...Object.keys(state.pins)])].sort()
  return branches.map(b => {
    const p = state.pins[b] ?? { cid: '', status: 'unsent' as const, since: '', reason: 'not asked yet: `acache replicate` asks' }
    return { branch: b, head: heads[b]?.toString() ?? '', ...p }
  })
}

/**
 * `replica status`: what each replica says now of each branch head (a
 * service is asked for each pin it was given, a Kubo node for its pins);
 * one that cannot be asked shows what it last said, with the error.
 */
export async function replicaStatus (repo: Repo, ctx: Ctx, opts: { names?: string[] } = {}): Promise<{ replicas: ReplicaOutcome[], policy: PolicyView[], warnings: string[] }> {
  let heads: Record<string, CID> = {}
  try { heads = localBranches(repo) } catch {}
  const all = replicaConfigs(repo)
  const names = opts.names ?? Object.keys(all).sort()
  const out: ReplicaOutcome[] = []
  for (const name of names) {
    const r = getReplica(repo, name)
    const state = readReplicaState(repo, name)
    const outcome: ReplicaOutcome = { name, url: r.url, kind: replicaKind(r.url), pins: [] }
    try {
      if (outcome.kind === 'kubo') {
        const node = new KuboNode(r.url)
        const pinned = await node.pinned()
        for (const [b, p] of Object.entries(state.pins)) {
          if (p.status === 'unsent') continue
          state.pins[b] = pinned.has(p.cid) ? movePin(p, { ...p, status: 'pinned', reason: undefined }, ctx.now()) : movePin(p, { ...p, status: 'failed', reason: 'the node no longer has it pinned' }, ctx.now())
        }
        outcome.providing = await node.providing()
      } else {
        const svc = new PinningService(r.url, replicaToken(name, r), name)
        for (const [b, p] of Object.entries(state.pins)) {
          if (p.requestid === undefined) continue
          const now = await svc.get(p.requestid)
          state.pins[b] = now === undefined
            ? movePin(p, { ...p, status: 'failed', reason: 'the service no longer has this pin' }, ctx.now())
            : movePin(p, pinRecord(now), ctx.now())
        }
      }
      writeReplicaState(repo, name, state)
    } catch (err) {
      const e = asAcacheError(err)
      outcome.error = { code: e.code, message: e.message, ...(e.hint !== undefined ? { hint: e.hint } : {}) }
    }
    outcome.pins = views(state, heads)
    out.push(outcome)
  }
  const policy = await policyOf(repo, heads)
  return { replicas: out, policy, warnings: policyWarnings(policy, Object.keys(all).length) }
}

async function policyOf (repo: Repo, heads: Record<string, CID>): Promise<PolicyView[]> {
  const out: PolicyView[] = []
  for (const [branch, cid] of Object.entries(heads)) {
    try {
      out.push({ branch, head: cid.toString(), ...await requiredCopies(repo, cid) })
    } catch (err) {
      // a policy file that does not parse is said, not silently taken as "no policy"
      if (err instanceof AcacheError && err.code === 'BAD_INPUT') throw new AcacheError('BAD_INPUT', `${branch}: ${err.message}`)
      throw err
    }
  }
  return out
}

function policyWarnings (policy: PolicyView[], configured: number): string[] {
  const out: string[] = []
  for (const p of policy) {
    if (p.copies <= configured) continue
    const rule = p.rules.find(r => r.copies === p.copies)!
    out.push(`${p.branch}: ${rule.path} needs ${p.copies} replicas (.acachereplicas line ${rule.line}), but ${configured === 0 ? 'none is' : configured === 1 ? 'only 1 is' : `only ${configured} are`} configured: add one with \`acache replica add NAME URL\``)
  }
  return out
}

export interface ReplicaCheck { branch: string, head: string, required: number, pinned: string[], short: boolean }

/**
 * `verify --replicas [N]`: whether each branch head is pinned, as it is
 * now, on at least N replicas (and as many as `.acachereplicas` asks).
 * A replica that cannot be asked counts as not holding it.
 */
export async function checkReplicas (repo: Repo, ctx: Ctx, n: number): Promise<{ ok: boolean, branches: ReplicaCheck[], replicas: ReplicaOutcome[] }> {
  const s = await replicaStatus(repo, ctx)
  const heads = localBranches(repo)
  const branches: ReplicaCheck[] = []
  for (const [branch, cid] of Object.entries(heads)) {
    const required = Math.max(n, s.policy.find(p => p.branch === branch)?.copies ?? 0)
    const pinned = s.replicas.filter(r => r.error === undefined && r.pins.some(p => p.branch === branch && p.cid === cid.toString() && p.status === 'pinned')).map(r => r.name)
    branches.push({ branch, head: cid.toString(), required, pinned, short: pinned.length < required })
  }
  return { ok: branches.every(b => !b.short), branches, replicas: s.replicas }
}

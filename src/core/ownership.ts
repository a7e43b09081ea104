import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Commit, decodeCommit } from '../model/commit.js'
import { BlockStore } from '../store/blockstore.js'
import { AcacheError, fail } from '../errors.js'
import { diffTrees } from '../model/treediff.js'
import { lookupPath, Entry } from '../model/tree.js'
import { readFileBytes } from '../model/file.js'
import { OWNERS_FILE, OwnerRule, ownersOf, parseOwners } from '../model/owners.js'

export interface Violation { commit: string, path: string, signer: string, owners: string[] }

/**
 * Checks commits against the ownership rules of DESIGN §6, reading objects
 * from `store` (which may hold blocks not yet accepted).
 */
export class OwnershipChecker {
  private readonly rulesByTree = new Map<string, OwnerRule[]>()
  private readonly rootSigner = new Map<string, string>()
  private readonly commits = new Map<string, Commit>()
  private readonly entries = new Map<string, Promise<Entry | undefined>>()

  constructor (private readonly store: BlockStore) {}

  async commit (cid: CID): Promise<Commit> {
    const k = cid.toString()
    let c = this.commits.get(k)
    if (c === undefined) {
      c = decodeCommit(await this.store.get(cid), cid)
      this.commits.set(k, c)
    }
    return c
  }

  /** A tree's `.acacheowners` entry, if it has one. */
  private async ownersEntry (tree: CID): Promise<Entry | undefined> {
    const k = tree.toString()
    let e = this.entries.get(k)
    if (e === undefined) {
      e = lookupPath(this.store, tree, OWNERS_FILE)
      this.entries.set(k, e)
    }
    return await e
  }

  /** The rules a tree holds (its `.acacheowners`), none when it has no such file. */
  async rules (tree: CID): Promise<OwnerRule[]> {
    const k = tree.toString()
    let r = this.rulesByTree.get(k)
    if (r === undefined) {
      const e = await this.ownersEntry(tree)
      const text = e === undefined || e.kind === 'dir' || e.kind === 'symlink' ? '' : new TextDecoder().decode(await readFileBytes(this.store, e.cid))
      try {
        r = parseOwners(text)
      } catch (err) {
        if (err instanceof AcacheError) throw new AcacheError(err.code, err.message, { data: { owners: true } })
        throw err
      }
      this.rulesByTree.set(k, r)
    }
    return r
  }

  /** The signer of the root commit reached by first parents. */
  async root (cid: CID): Promise<string> {
    const chain: string[] = []
    let cur = cid
    let signer: string | undefined
    for (;;) {
      const k = cur.toString()
      signer = this.rootSigner.get(k)
      if (signer !== undefined) break
      chain.push(k)
      const c = await this.commit(cur)
      if (c.parents.length === 0) { signer = c.author.key; break }
      cur = c.parents[0]
    }
    for (const k of chain) this.rootSigner.set(k, signer)
    return signer
  }

  /** Every path commit `cid` changes that its signer may not change. */
  async violations (cid: CID): Promise<Violation[]> {
    const c = await this.commit(cid)
    if (c.parents.length === 0) return [] // the root commit sets things up
    return await this.check(c.tree, c.parents, c.author.key, cid.toString())
  }

  /** The same for a commit not yet made: `tree` on top of `parentCids`, signed by `signer`. */
  async check (tree: CID, parentCids: CID[], signer: string, label: string): Promise<Violation[]> {
    if (parentCids.length === 0) return []
    const parents = await Promise.all(parentCids.map(async p => await this.commit(p)))
    const rulesets = await Promise.all(parents.map(async p => await this.rules(p.tree)))
    // a new .acacheowners must at least parse (a damaged tree is another error, and propagates)
    try { await this.rules(tree) } catch (err) {
      if (err instanceof AcacheError && err.data.owners === true) return [{ commit: label, path: OWNERS_FILE, signer, owners: [`(malformed: ${err.message})`] }]
      throw err
    }
    // No rules in any parent: only .acacheowners itself is owned (by the root signer). When the
    // commit leaves it as it was, neither the history nor the rest of the trees need reading.
    if (rulesets.every(r => r.length === 0)) {
      const before = await this.ownersEntry(parents[0].tree)
      const after = await this.ownersEntry(tree)
      if (before === undefined ? after === undefined : after !== undefined && before.kind === after.kind && before.cid.equals(after.cid)) return []
    }
    // the root signer owns .acacheowners when no rule names its owners: needed only when a commit changes it
    const rootFor = async (p: string): Promise<string | undefined> => p === OWNERS_FILE ? await this.root(parentCids[0]) : undefined
    const out: Violation[] = []
    const cid = label
    for (const ch of await diffTrees(this.store, parents[0].tree, tree)) {
      // A merge may take any parent's version of a path.
      let fromOther = false
      for (const p of parents.slice(1)) {
        const theirs: Entry | undefined = await lookupPath(this.store, p.tree, ch.path)
        const mine = ch.new
        if ((theirs === undefined && mine === undefined) || (theirs !== undefined && mine !== undefined && theirs.kind === mine.kind && theirs.cid.equals(mine.cid))) fromOther = true
      }
      if (fromOther) continue
      for (const rules of rulesets) {
        const owners = ownersOf(rules, ch.path, await rootFor(ch.path))
        if (owners !== undefined && !owners.includes(signer)) {
          out.push({ commit: cid, path: ch.path, signer, owners })
          break
        }
      }
    }
    return out
  }
}

export function ownershipError (v: Violation): AcacheError {
  return new AcacheError('OWNERSHIP', `commit ${v.commit} by ${v.signer} changes ${v.path}, which only ${v.owners.join(' or ')} may change`, {
    data: { ...v },
    hint: 'ask an owner to make that change, or to add you in .acacheowners'
  })
}

/** Refuses new history (fetched, imported, merged) that breaks a rule; stores nothing from it. */
export async function checkHistoryOwnership (_repo: Repo, commits: Array<{ cid: CID, commit: Commit }>, store: BlockStore): Promise<void> {
  const checker = new OwnershipChecker(store)
  // oldest first, so the first violation reported is where it started
  for (const { cid } of [...commits].reverse()) {
    const v = await checker.violations(cid)
    if (v.length > 0) throw ownershipError(v[0])
  }
}

export function failOwnership (vs: Violation[]): never {
  if (vs.length === 1) throw ownershipError(vs[0])
  return fail('OWNERSHIP', `you may not change ${vs.length} of these paths: ${vs.map(v => `${v.path} (owned by ${v.owners.join(' or ')})`).join(', ')}`, {
    data: { violations: vs },
    hint: 'ask an owner to make those changes, or commit only the paths you own'
  })
}

import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Commit, decodeCommit } from '../model/commit.js'
import { BlockStore } from '../store/blockstore.js'
import { AcacheError, fail } from '../errors.js'
import { diffTrees } from '../model/treediff.js'
import { lookupPath, Entry, flattenTree } from '../model/tree.js'
import { readFileBytes } from '../model/file.js'
import { OWNERS_FILE, OwnerRule, ownersOf, parseOwners } from '../model/owners.js'
import { MAX_SPECIAL_FILE_BYTES } from '../model/limits.js'

export interface Violation { commit: string, path: string, signer: string, owners: string[] }

const sameEntry = (a: Entry | undefined, b: Entry | undefined): boolean =>
  a === undefined ? b === undefined : b !== undefined && a.kind === b.kind && a.cid.equals(b.cid)

/**
 * Checks commits against the ownership rules of DESIGN §6, reading objects
 * from `store` (which may hold blocks not yet accepted).
 *
 * A commit is checked against the rules in force in EACH of its parents:
 * every path it changes relative to a parent must be owned (under that
 * parent's rules) by its signer, or be taken unchanged from another parent
 * whose rules give that path to some of the same owners (so a merge can
 * carry an owner's change, but never bring in a version made under weaker
 * rules: an unrelated history, or one from before the rule existed).
 * `.acacheowners` belongs to the keys that signed every root of the
 * history (the intersection over all parents, so parent order never
 * matters) unless a rule names its owners. A parentless commit that is not
 * one of the repository's known roots may hold owned content only where
 * its own rules give that content to its signer.
 */
export class OwnershipChecker {
  private readonly rulesByTree = new Map<string, Promise<OwnerRule[]>>()
  private readonly rootsOf = new Map<string, string[]>()
  private readonly commits = new Map<string, Commit>()
  private readonly entries = new Map<string, Promise<Entry | undefined>>()

  /** `knownRoots`: parentless commits this repository set out from (its own first commit, a clone's), checked like any other only against their own signer. */
  constructor (private readonly store: BlockStore, readonly knownRoots: Set<string> = new Set()) {}

  static async for (repo: Repo, store: BlockStore = repo.store): Promise<OwnershipChecker> {
    const checker = new OwnershipChecker(store, repo.knownRoots())
    if (!repo.hasKnownRoots()) {
      // a repository from before roots were recorded: its roots are those its
      // branches reach by first parents (what the rules meant then), recorded once
      const roots: CID[] = []
      for (const [, tip] of repo.refs.list('refs/heads')) {
        let cur = tip
        try {
          for (let c = await checker.commit(cur); c.parents.length > 0; c = await checker.commit(cur)) cur = c.parents[0]
          roots.push(cur)
        } catch { /* a branch whose history is not all here: nothing to record from it */ }
      }
      repo.addKnownRoots(roots, true)
      for (const r of roots) checker.knownRoots.add(r.toString())
    }
    return checker
  }

  async commit (cid: CID): Promise<Commit> {
    const k = cid.toString()
    let c = this.commits.get(k)
    if (c === undefined) {
      c = decodeCommit(await this.store.get(cid), cid)
      this.commits.set(k, c)
    }
    return c
  }

  private async lookup (tree: CID, p: string): Promise<Entry | undefined> {
    const k = `${tree.toString()}\0${p}`
    let e = this.entries.get(k)
    if (e === undefined) {
      e = lookupPath(this.store, tree, p)
      this.entries.set(k, e)
    }
    return await e
  }

  /** The rules a tree holds (its `.acacheowners`), none when it has no such file. */
  async rules (tree: CID): Promise<OwnerRule[]> {
    const k = tree.toString()
    let r = this.rulesByTree.get(k)
    if (r === undefined) {
      r = (async () => {
        const e = await this.lookup(tree, OWNERS_FILE)
        const text = e === undefined || e.kind === 'dir' || e.kind === 'symlink'
          ? ''
          : new TextDecoder().decode(await readFileBytes(this.store, e.cid, MAX_SPECIAL_FILE_BYTES, OWNERS_FILE))
        try {
          return parseOwners(text)
        } catch (err) {
          if (err instanceof AcacheError) throw new AcacheError(err.code, err.message, { data: { owners: true } })
          throw err
        }
      })()
      this.rulesByTree.set(k, r)
    }
    return await r
  }

  /**
   * The keys that own `.acacheowners` by default at commit `cid`: a root
   * commit's signer; for any other commit, the keys every parent agrees on.
   */
  async rootSigners (cid: CID): Promise<string[]> {
    const done = this.rootsOf.get(cid.toString())
    if (done !== undefined) return done
    // iterative post-order over the history (it can be long)
    const stack: Array<{ cid: CID, expanded: boolean }> = [{ cid, expanded: false }]
    while (stack.length > 0) {
      const top = stack[stack.length - 1]
      const k = top.cid.toString()
      if (this.rootsOf.has(k)) { stack.pop(); continue }
      const c = await this.commit(top.cid)
      if (c.parents.length === 0) { this.rootsOf.set(k, [c.author.key]); stack.pop(); continue }
      if (!top.expanded) {
        top.expanded = true
        for (const p of c.parents) if (!this.rootsOf.has(p.toString())) stack.push({ cid: p, expanded: false })
        continue
      }
      let acc: string[] | undefined
      for (const p of c.parents) {
        const r = this.rootsOf.get(p.toString()) ?? []
        acc = acc === undefined ? [...r] : acc.filter(x => r.includes(x))
      }
      this.rootsOf.set(k, acc ?? [])
      stack.pop()
    }
    return this.rootsOf.get(cid.toString())!
  }

  /** Every path commit `cid` changes that its signer may not change. */
  async violations (cid: CID): Promise<Violation[]> {
    const c = await this.commit(cid)
    if (c.parents.length === 0) {
      if (this.knownRoots.has(cid.toString())) return []
      return await this.checkRoot(c.tree, c.author.key, cid.toString())
    }
    return await this.check(c.tree, c.parents, c.author.key, cid.toString())
  }

  /** A root we did not set out from: owned content only where its own rules give it to its signer. */
  private async checkRoot (tree: CID, signer: string, label: string): Promise<Violation[]> {
    const rules = await this.parsedOrViolation(tree, signer, label)
    if (!Array.isArray(rules)) return rules.violations
    if (rules.every(r => r.owners.includes(signer))) return []
    const { files } = await flattenTree(this.store, tree)
    const out: Violation[] = []
    for (const p of files.keys()) {
      if (p === OWNERS_FILE) continue
      const owners = ownersOf(rules, p, undefined)
      if (owners !== undefined && !owners.includes(signer)) out.push({ commit: label, path: p, signer, owners })
    }
    return out.sort((a, b) => a.path < b.path ? -1 : 1)
  }

  private async parsedOrViolation (tree: CID, signer: string, label: string): Promise<OwnerRule[] | { violations: Violation[] }> {
    // a new .acacheowners must at least parse (a damaged tree is another error, and propagates)
    try { return await this.rules(tree) } catch (err) {
      if (err instanceof AcacheError && err.data.owners === true) return { violations: [{ commit: label, path: OWNERS_FILE, signer, owners: [`(malformed: ${err.message})`] }] }
      throw err
    }
  }

  /** The same for a commit not yet made: `tree` on top of `parentCids`, signed by `signer`. */
  async check (tree: CID, parentCids: CID[], signer: string, label: string): Promise<Violation[]> {
    if (parentCids.length === 0) return [] // our own first commit sets things up
    const parents = await Promise.all(parentCids.map(async p => await this.commit(p)))
    const rulesets = await Promise.all(parents.map(async p => await this.rules(p.tree)))
    const mine = await this.parsedOrViolation(tree, signer, label)
    if (!Array.isArray(mine)) return mine.violations
    // No rules in any parent: only .acacheowners itself is owned. When the
    // commit leaves it as every parent had it, nothing else needs reading.
    if (rulesets.every(r => r.length === 0)) {
      const after = await this.lookup(tree, OWNERS_FILE)
      let same = true
      for (const p of parents) if (!sameEntry(await this.lookup(p.tree, OWNERS_FILE), after)) same = false
      if (same) return []
    }
    const ownersIn = async (i: number, p: string): Promise<string[] | undefined> =>
      ownersOf(rulesets[i], p, p === OWNERS_FILE ? await this.rootSigners(parentCids[i]) : undefined)
    const out = new Map<string, Violation>()
    for (let i = 0; i < parents.length; i++) {
      for (const ch of await diffTrees(this.store, parents[i].tree, tree)) {
        if (out.has(ch.path)) continue
        const owners = await ownersIn(i, ch.path)
        if (owners === undefined || owners.includes(signer)) continue
        // taken as it is from another parent whose rules give it to some of these owners
        let taken = false
        for (let j = 0; j < parents.length && !taken; j++) {
          if (j === i || !sameEntry(await this.lookup(parents[j].tree, ch.path), ch.new)) continue
          const theirs = await ownersIn(j, ch.path)
          taken = theirs !== undefined && theirs.length > 0 && theirs.every(o => owners.includes(o))
        }
        if (!taken) out.set(ch.path, { commit: label, path: ch.path, signer, owners })
      }
    }
    return [...out.values()].sort((a, b) => a.path < b.path ? -1 : 1)
  }
}

export function ownershipError (v: Violation): AcacheError {
  return new AcacheError('OWNERSHIP', `commit ${v.commit} by ${v.signer} changes ${v.path}, which only ${v.owners.length > 0 ? v.owners.join(' or ') : 'no one (the histories it joins agree on no owner)'} may change`, {
    data: { ...v },
    hint: 'ask an owner to make that change, or to add you in .acacheowners'
  })
}

/** Refuses new history (fetched, imported, merged) that breaks a rule; stores nothing from it. */
export async function checkHistoryOwnership (repo: Repo, commits: Array<{ cid: CID, commit: Commit }>, store: BlockStore, adopt: CID[] = []): Promise<void> {
  const checker = await OwnershipChecker.for(repo, store)
  for (const r of adopt) checker.knownRoots.add(r.toString())
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

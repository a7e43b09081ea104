import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { writeFileAtomic } from '../util/fs.js'

/**
 * What was verified, kept apart from what is merely present. The block store
 * is keyed by hash alone (Kubo's flatfs), so a block being there says
 * nothing about how it came: a file's bytes can equal a commit's or a
 * directory's. This file lists, by full CID (codec included), the commits
 * and nodes whose whole closure is stored and was verified (signatures,
 * ownership, limits) when it was accepted or made here. Only these let a
 * fetch or a push stop early; anything else that is present is looked
 * inside. gc keeps it to what it keeps.
 */
export class CompleteSet {
  private set?: Set<string>

  constructor (private readonly file: string) {}

  private load (): Set<string> {
    if (this.set === undefined) {
      this.set = new Set()
      let text = ''
      try { text = fs.readFileSync(this.file, 'utf8') } catch {}
      for (const line of text.split('\n')) if (line !== '') this.set.add(line)
    }
    return this.set
  }

  has (cid: CID): boolean { return this.load().has(cid.toString()) }

  /** Records closures that are now complete and verified (appended: a torn last line is just not trusted). */
  add (cids: Iterable<CID | string>): void {
    const set = this.load()
    const fresh: string[] = []
    for (const c of cids) {
      const k = c.toString()
      if (!set.has(k)) { set.add(k); fresh.push(k) }
    }
    if (fresh.length === 0) return
    fs.mkdirSync(path.dirname(this.file), { recursive: true })
    fs.appendFileSync(this.file, fresh.join('\n') + '\n')
  }

  /** Keeps only the entries in `keep` (what gc keeps whole). */
  retain (keep: Set<string>): void {
    const set = this.load()
    const kept = [...set].filter(k => keep.has(k))
    if (kept.length === set.size) return
    this.set = new Set(kept)
    writeFileAtomic(this.file, kept.length === 0 ? '' : kept.join('\n') + '\n')
  }
}

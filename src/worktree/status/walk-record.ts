import { RACY_MS } from './index-file.js'

/**
 * What a walk of the working root found, kept in the index so that the next
 * walk reads only the directories that changed (git's untracked cache).
 * Adding, removing or renaming an entry changes its directory's mtime; a
 * directory whose stat is as recorded, and which held no new file then,
 * holds none now, as long as the ignore rules and the tracked files (the
 * tree) are the same.
 */
export interface WalkRecord {
  /** the tree whose files were told apart from new ones */
  tree: string
  /** when the walk started (ms since the epoch): what changed within RACY_MS before it may change again unseen */
  at: number
  /** private directories kept out of the walk */
  hidden: string[]
  /** the ignore files the rules came from: [path, size, mtimeMs, ctimeMs, ino]; size -2 when absent, -1 when not to be trusted */
  ignores: Array<[string, number, number, number, number]>
  /** every directory walked, parents first: [path, mtimeMs, ctimeMs, ino, 1 when it held new files or nothing (then it is read again)] */
  dirs: Array<[string, number, number, number, number]>
  /** the directories found empty (absent in records from before) */
  empty?: string[]
}

const isNumbers = (a: unknown[], from: number): boolean => a.slice(from).every(x => typeof x === 'number')

/** Whether `x` (read back from the index) has the shape of a WalkRecord: a damaged one is not used. */
export function isWalkRecord (x: any): x is WalkRecord {
  // paths inside the working root only ('' is the root): a record never leads a walk outside it
  const inside = (p: unknown): boolean => typeof p === 'string' && (p === '' || p.split('/').every(s => s !== '' && s !== '.' && s !== '..'))
  const tuples = (a: unknown): boolean => Array.isArray(a) && a.every(e => Array.isArray(e) && e.length === 5 && inside(e[0]) && isNumbers(e, 1))
  return typeof x === 'object' && x !== null && typeof x.tree === 'string' && typeof x.at === 'number' &&
    Array.isArray(x.hidden) && x.hidden.every(inside) && tuples(x.ignores) && tuples(x.dirs) &&
    (x.empty === undefined || (Array.isArray(x.empty) && x.empty.every(inside)))
}

/**
 * The record of a walk for the tree a commit made from it: directories whose
 * new files are all tracked now need not be read again.
 */
export function walkForTree (walk: WalkRecord, tree: string, stillNew: string[]): WalkRecord {
  const dirty = new Set([...stillNew.map(parentOf), ...(walk.empty ?? [])])
  return { ...walk, tree, dirs: walk.dirs.map(([d, m, c, ino]) => [d, m, c, ino, dirty.has(d) ? 1 : 0]) }
}

/**
 * Whether a new record says more than the last one: something in it changed,
 * or a directory too recent to trust then can be trusted now. (Only the time
 * of the walk changing is not worth writing the index for.)
 */
export function changedSince (walk: WalkRecord, last: WalkRecord): boolean {
  const same = (a: Array<string | number>, b: Array<string | number>): boolean => a.length === b.length && a.every((x, i) => x === b[i])
  const sameRows = (a: Array<Array<string | number>>, b: Array<Array<string | number>>): boolean => a.length === b.length && a.every((r, i) => same(r, b[i]))
  if (walk.tree !== last.tree || !same(walk.hidden, last.hidden) || !same(walk.empty ?? [], last.empty ?? []) || !sameRows(walk.ignores, last.ignores) || !sameRows(walk.dirs, last.dirs)) return true
  return walk.dirs.some(([, m, , , dirty]) => dirty === 0 && m < walk.at - RACY_MS && m >= last.at - RACY_MS)
}

export function parentOf (p: string): string {
  const i = p.lastIndexOf('/')
  return i === -1 ? '' : p.slice(0, i)
}

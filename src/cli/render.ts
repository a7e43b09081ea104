import chalk from 'chalk'
import type { FileDiff } from '../services/diff.js'
import type { Output } from './output.js'

const MODE: Record<string, string> = { file: '100644', exec: '100755', symlink: '120000' }

export { safe } from './safe.js'
import { safe } from './safe.js'

/**
 * A path as git's porcelain prints it (core.quotePath): as it is when plain,
 * else in double quotes with C escapes (\n, \t, \", \\) and every other
 * control or non-ASCII byte as \ooo, so one entry is always one line.
 * status --porcelain also quotes a name with a space (git's
 * QUOTE_PATH_QUOTE_SP); diff headers do not.
 */
export function quotePath (p: string, quoteSpace = false): string {
  if (!/[\x00-\x1f"\\\x7f-\uffff]/.test(p) && !(quoteSpace && p.includes(' '))) return p
  let out = '"'
  for (const byte of Buffer.from(p, 'utf8')) {
    const c = String.fromCharCode(byte)
    if (c === '\n') out += '\\n'
    else if (c === '\t') out += '\\t'
    else if (c === '"') out += '\\"'
    else if (c === '\\') out += '\\\\'
    else if (byte < 0x20 || byte >= 0x7f) out += '\\' + byte.toString(8).padStart(3, '0')
    else out += c
  }
  return out + '"'
}

/** One line a conflict, as merge, revert, cherry-pick and stash report them. */
export function printConflicts (out: Output, conflicts: Array<{ kind: string, path: string, sidecars: string[] }>, beside = 'theirs beside it'): void {
  for (const c of conflicts) out.line(chalk.red(`CONFLICT (${c.kind}): ${safe(c.path)}${c.sidecars.length > 0 ? ` (${beside}: ${c.sidecars.map(safe).join(', ')})` : ''}`))
}

/** A side of a diff header as git writes it: "a/PATH", quoted as git quotes it when it must be. */
function side (prefix: string, p: string): string {
  return quotePath(prefix + p)
}

const ZERO_BLOB = '0000000'
const abbrev = (blob: string | undefined): string => blob === undefined ? ZERO_BLOB : blob.slice(0, 7)

/**
 * Prints diffs as git does, so `git apply` and `patch` take them as they
 * are: git's headers (`diff --git`, modes, `index` with git's blob IDs),
 * names quoted as git quotes them, and the content's bytes untouched
 * (tabs, carriage returns, bytes that are not UTF-8). Colours on a terminal.
 */
export function printDiffs (out: Output, diffs: FileDiff[]): void {
  const meta = (text: string): void => out.data(chalk.bold(text))
  for (const d of diffs) {
    const a = side('a/', d.path)
    const b = side('b/', d.path)
    meta(`diff --git ${a} ${b}`)
    const modeChanged = d.status === 'modified' && d.oldKind !== d.newKind
    if (d.status === 'added') meta(`new file mode ${MODE[d.newKind ?? 'file']}`)
    if (d.status === 'deleted') meta(`deleted file mode ${MODE[d.oldKind ?? 'file']}`)
    if (modeChanged) {
      meta(`old mode ${MODE[d.oldKind ?? 'file']}`)
      meta(`new mode ${MODE[d.newKind ?? 'file']}`)
    }
    if (d.oldCid === d.newCid) continue
    if (d.oldBlob !== undefined || d.newBlob !== undefined) {
      meta(`index ${abbrev(d.oldBlob)}..${abbrev(d.newBlob)}${d.status === 'modified' && !modeChanged ? ' ' + MODE[d.newKind ?? 'file'] : ''}`)
    }
    const tab = (name: string): string => d.path.includes(' ') ? name + '\t' : name
    if (d.binary) {
      out.data(`Binary files ${d.status === 'added' ? '/dev/null' : a} and ${d.status === 'deleted' ? '/dev/null' : b} differ`)
      continue
    }
    if (d.patch === undefined || d.patch.length === 0) continue // an empty file added or deleted: the header says it all
    meta(`--- ${d.status === 'added' ? '/dev/null' : tab(a)}`)
    meta(`+++ ${d.status === 'deleted' ? '/dev/null' : tab(b)}`)
    printHunks(out, d.patch)
  }
}

/** A patch's lines: bytes as they are; on a terminal, git's colours around them. */
function printHunks (out: Output, patch: Buffer): void {
  if (chalk.level === 0) { out.dataBytes(patch); return }
  let start = 0
  while (start < patch.length) {
    let end = patch.indexOf(10, start)
    if (end < 0) end = patch.length - 1
    const line = patch.subarray(start, end)
    const c = line[0]
    const color = c === 0x40 /* @ */ ? chalk.cyan : c === 0x2b /* + */ ? chalk.green : c === 0x2d /* - */ ? chalk.red : undefined
    if (color === undefined) out.dataBytes(patch.subarray(start, end + 1))
    else {
      // the colour codes around the line, the line's own bytes between them
      const [open, close] = color('\0').split('\0')
      out.dataBytes(Buffer.concat([Buffer.from(open), line, Buffer.from(close + '\n')]))
    }
    start = end + 1
  }
}

/** Diffs for --json: each patch as text when it is UTF-8, else as base64 (`patchBase64`). */
export function diffsJson (diffs: FileDiff[]): unknown[] {
  return diffs.map(({ patch, ...d }) => {
    if (patch === undefined) return d
    const text = patch.toString('utf8')
    return Buffer.from(text, 'utf8').equals(patch) ? { ...d, patch: text } : { ...d, patchBase64: patch.toString('base64') }
  })
}

export function printStat (out: Output, diffs: FileDiff[]): void {
  const width = Math.max(0, ...diffs.map(d => safe(d.path).length))
  let add = 0
  let del = 0
  for (const d of diffs) {
    add += d.added
    del += d.removed
    const n = d.added + d.removed
    const bar = d.binary ? 'Bin' : `${n} ${chalk.green('+'.repeat(Math.min(d.added, 40)))}${chalk.red('-'.repeat(Math.min(d.removed, 40)))}`
    out.data(` ${safe(d.path).padEnd(width)} | ${bar}`)
  }
  out.data(` ${diffs.length} file${diffs.length === 1 ? '' : 's'} changed, ${add} insertion${add === 1 ? '' : 's'}(+), ${del} deletion${del === 1 ? '' : 's'}(-)`)
}

/** What replicas hold (replicate, replica status): per replica, per branch, its pin's status, since when, and the head it holds. */
export function printReplicas (out: Output, replicas: Array<import('../core/replica.js').ReplicaOutcome>): void {
  const short = (c: string): string => c === '' ? '-' : c.length > 20 ? `${c.slice(0, 10)}…${c.slice(-6)}` : c
  for (const r of replicas) {
    out.data(`${chalk.bold(r.name)}  ${r.url}  (${r.kind === 'kubo' ? 'Kubo node' : 'pinning service'}${r.sent !== undefined ? `; ${r.sent.blocks} blocks, ${r.sent.bytes} bytes sent` : ''})`)
    const width = Math.max(0, ...r.pins.map(p => safe(p.branch).length))
    for (const p of r.pins) {
      const color = p.status === 'pinned' ? chalk.green : p.status === 'failed' || p.status === 'unsent' ? chalk.red : chalk.yellow
      const since = p.since === '' ? '' : `since ${p.since.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`
      const note = p.head === '' ? 'branch deleted here; its pin is kept'
        : p.cid !== '' && p.cid !== p.head ? `holds an older head; now at ${short(p.head)}: acache replicate`
          : p.reason !== undefined ? safe(p.reason) : ''
      out.data(`  ${safe(p.branch).padEnd(width)}  ${color(p.status.padEnd(7))}  ${since.padEnd(27)}  ${short(p.cid)}${note !== '' ? `  (${note})` : ''}`)
    }
    if (r.providing !== undefined) {
      const pr = r.providing
      const parts = [`strategy ${pr.strategy ?? 'all (the default)'}`]
      if (pr.strategy === undefined || pr.strategy === '' || pr.strategy === 'all') parts.push('every block is announced: for a large repository set Reprovider.Strategy to "pinned" or "roots"')
      if (pr.lastReprovide !== undefined) parts.push(`last reprovide ${pr.lastReprovide.cids} CIDs in ${pr.lastReprovide.seconds.toFixed(1)} s${pr.keepingUp === true ? ', keeping up' : pr.keepingUp === false ? `, longer than the interval (${pr.interval ?? '22h'}): NOT keeping up` : ''}`)
      if (pr.unknown !== undefined) parts.push(safe(pr.unknown))
      out.data(`  provides: ${parts.join('; ')}`)
    }
    if (r.error !== undefined) {
      out.finding(chalk.red('error: ') + safe(r.error.message))
      if (r.error.hint !== undefined) out.finding(`hint: ${safe(r.error.hint)}`)
    }
  }
}

import chalk from 'chalk'
import type { FileDiff } from '../core/diff.js'
import type { Output } from './output.js'

const MODE: Record<string, string> = { file: '100644', exec: '100755', symlink: '120000' }

/**
 * Text from others (author names, messages, file names) made safe to print
 * on a terminal: control characters (escape sequences that move the cursor,
 * erase a line or recolour it, so a name could hide the real signer's key)
 * and bidirectional overrides are shown as \xNN / \uNNNN instead.
 */
export function safe (text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const n = c.charCodeAt(0)
    return n <= 0xff ? '\\x' + n.toString(16).padStart(2, '0') : '\\u' + n.toString(16).padStart(4, '0')
  })
}

/**
 * A path as git's porcelain prints it (core.quotePath): as it is when plain,
 * else in double quotes with C escapes (\n, \t, \", \\) and every other
 * control or non-ASCII byte as \ooo, so one entry is always one line.
 */
export function quotePath (p: string): string {
  if (!/[\x00-\x1f"\\\x7f-\uffff]/.test(p)) return p
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

/** Prints diffs as git does: headers, hunks, colors on a terminal. */
export function printDiffs (out: Output, diffs: FileDiff[]): void {
  for (const d of diffs) {
    const p = safe(d.path)
    out.data(chalk.bold(`diff --acache a/${p} b/${p}`))
    if (d.status === 'added') out.data(chalk.bold(`new file mode ${MODE[d.newKind ?? 'file']}`))
    if (d.status === 'deleted') out.data(chalk.bold(`deleted file mode ${MODE[d.oldKind ?? 'file']}`))
    if (d.status === 'modified' && d.oldKind !== d.newKind) {
      out.data(chalk.bold(`old mode ${MODE[d.oldKind ?? 'file']}`))
      out.data(chalk.bold(`new mode ${MODE[d.newKind ?? 'file']}`))
    }
    if (d.oldCid === d.newCid) continue
    if (d.binary) {
      out.data(`Binary files ${d.status === 'added' ? '/dev/null' : 'a/' + p} and ${d.status === 'deleted' ? '/dev/null' : 'b/' + p} differ`)
      continue
    }
    out.data(chalk.bold(`--- ${d.status === 'added' ? '/dev/null' : 'a/' + p}`))
    out.data(chalk.bold(`+++ ${d.status === 'deleted' ? '/dev/null' : 'b/' + p}`))
    for (const l of (d.patch ?? '').split('\n')) {
      if (l === '') continue
      if (l.startsWith('@@')) out.data(chalk.cyan(l))
      else if (l.startsWith('+')) out.data(chalk.green(safe(l)))
      else if (l.startsWith('-')) out.data(chalk.red(safe(l)))
      else out.data(safe(l))
    }
  }
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

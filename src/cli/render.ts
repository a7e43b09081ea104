import chalk from 'chalk'
import type { FileDiff } from '../core/diff.js'
import type { Output } from './output.js'

const MODE: Record<string, string> = { file: '100644', exec: '100755', symlink: '120000' }

/** Prints diffs as git does: headers, hunks, colors on a terminal. */
export function printDiffs (out: Output, diffs: FileDiff[]): void {
  for (const d of diffs) {
    out.line(chalk.bold(`diff --acache a/${d.path} b/${d.path}`))
    if (d.status === 'added') out.line(chalk.bold(`new file mode ${MODE[d.newKind ?? 'file']}`))
    if (d.status === 'deleted') out.line(chalk.bold(`deleted file mode ${MODE[d.oldKind ?? 'file']}`))
    if (d.status === 'modified' && d.oldKind !== d.newKind) {
      out.line(chalk.bold(`old mode ${MODE[d.oldKind ?? 'file']}`))
      out.line(chalk.bold(`new mode ${MODE[d.newKind ?? 'file']}`))
    }
    if (d.oldCid === d.newCid) continue
    if (d.binary) {
      out.line(`Binary files ${d.status === 'added' ? '/dev/null' : 'a/' + d.path} and ${d.status === 'deleted' ? '/dev/null' : 'b/' + d.path} differ`)
      continue
    }
    out.line(chalk.bold(`--- ${d.status === 'added' ? '/dev/null' : 'a/' + d.path}`))
    out.line(chalk.bold(`+++ ${d.status === 'deleted' ? '/dev/null' : 'b/' + d.path}`))
    for (const l of (d.patch ?? '').split('\n')) {
      if (l === '') continue
      if (l.startsWith('@@')) out.line(chalk.cyan(l))
      else if (l.startsWith('+')) out.line(chalk.green(l))
      else if (l.startsWith('-')) out.line(chalk.red(l))
      else out.line(l)
    }
  }
}

export function printStat (out: Output, diffs: FileDiff[]): void {
  const width = Math.max(0, ...diffs.map(d => d.path.length))
  let add = 0
  let del = 0
  for (const d of diffs) {
    add += d.added
    del += d.removed
    const n = d.added + d.removed
    const bar = d.binary ? 'Bin' : `${n} ${chalk.green('+'.repeat(Math.min(d.added, 40)))}${chalk.red('-'.repeat(Math.min(d.removed, 40)))}`
    out.line(` ${d.path.padEnd(width)} | ${bar}`)
  }
  out.line(` ${diffs.length} file${diffs.length === 1 ? '' : 's'} changed, ${add} insertion${add === 1 ? '' : 's'}(+), ${del} deletion${del === 1 ? '' : 's'}(-)`)
}

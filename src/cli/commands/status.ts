import chalk from 'chalk'
import { define } from '../command.js'
import path from 'node:path'
import { status } from '../../core/status.js'
import { shortCid } from '../../repo/revs.js'
import { safe, quotePath } from '../render.js'

/** git's porcelain v1 codes, as if nothing were staged (acache has no staging area): new files are untracked */
const CODE: Record<string, string> = { added: '??', modified: ' M', deleted: ' D' }

/** A file became a symlink or a symlink a file: git's T */
const typeChanged = (c: { kind?: string, oldKind?: string }): boolean => c.kind !== undefined && c.oldKind !== undefined && (c.kind === 'symlink') !== (c.oldKind === 'symlink')

export default define({
  paths: 'paths',
  builder: (y) => y
    .positional('paths', { type: 'string', array: true, describe: 'limit to these paths' })
    .option('porcelain', { type: 'boolean', describe: 'stable output for scripts, git\'s porcelain v1 as if nothing were staged: " M PATH", " D PATH", "?? PATH", "UU PATH"' })
    .option('untracked-files', { alias: 'u', type: 'string', choices: ['all', 'normal', 'no'], describe: 'new files: each one (all), a new directory as "DIR/" (normal, the default), none (no)' })
    .option('z', { type: 'boolean', describe: 'with --porcelain: end each entry with NUL and never quote paths (for xargs -0)' })
    .option('short', { alias: 's', type: 'boolean', describe: 'one line a change: a letter and the path (relative to here)' })
    .option('branch', { alias: 'b', type: 'boolean', describe: 'with --short or --porcelain: first a line "## BRANCH...UPSTREAM [ahead N, behind M]"' })
    .option('exit-code', { type: 'boolean', describe: 'exit 1 when there are changes' }),
  run: async (args, { ctx, out, repo }) => {
    const rp = await repo()
    const r = await status(rp, ctx, { paths: args.paths })
    const conflicted = new Set(r.merging?.conflicts.filter(c => !c.resolved).map(c => c.path) ?? [])
    out.result({ ...r })
    // people read paths from where they stand; scripts (--porcelain) from the root, as git does
    const here = (p: string): string => { const rel = path.relative(ctx.cwd, path.join(rp.worktree, p)); return rel === '' ? '.' : rel }
    const track = (): string => {
      const u = r.upstream
      if (u === undefined) return ''
      const parts = [u.ahead > 0 ? `ahead ${u.ahead}` : '', u.behind > 0 ? `behind ${u.behind}` : ''].filter(x => x !== '')
      return `...${u.ref}${parts.length > 0 ? ` [${parts.join(', ')}]` : ''}`
    }
    if ((args.porcelain === true || args.z === true || args.short === true) && !out.json) {
      const show = (p: string): string => args.short === true && args.porcelain !== true ? (p.endsWith('/') ? here(p.slice(0, -1)) + '/' : here(p)) : p
      if (args.branch === true) out.raw(`## ${r.branch ?? 'HEAD (no branch)'}${track()}${args.z === true ? '\0' : '\n'}`)
      const entry = (x: string, p: string): string => args.z === true ? `${x} ${show(p)}\0` : `${x} ${quotePath(show(p), true)}\n`
      // as git: the changes to tracked files, by path, then the new ones
      const tracked = [
        ...(r.merging?.conflicts ?? []).filter(c => !c.resolved).map(c => [c.path, 'UU']),
        ...r.changes.filter(c => c.change !== 'added' && !conflicted.has(c.path)).map(c => [c.path, typeChanged(c) ? ' T' : CODE[c.change]])
      ].sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
      for (const [p, code] of tracked) out.raw(entry(code, p))
      const mode = args.untrackedFiles ?? 'normal'
      const fresh = mode === 'no' ? [] : mode === 'all' ? r.changes.filter(c => c.change === 'added' && !conflicted.has(c.path)).map(c => c.path) : r.untracked.filter(p => !conflicted.has(p))
      for (const p of fresh) out.raw(entry(CODE.added, p))
    } else if (!out.json) {
      out.data(r.branch !== undefined ? `On branch ${r.branch}` : `HEAD detached at ${r.head === undefined ? '(none)' : shortCid(r.head)}`)
      const u = r.upstream
      if (u !== undefined) {
        const n = (k: number): string => `${k} commit${k === 1 ? '' : 's'}`
        const friend = u.ref.split('/')[0]
        // what to do next names what really happens: your push publishes at your own place, for them to fetch;
        // during a merge, finishing it comes first
        const next = (hint: string): string => r.merging !== undefined ? '.' : `: ${hint}.`
        if (u.ahead === 0 && u.behind === 0) out.data(`Your branch is up to date with '${u.ref}'.`)
        else if (u.behind === 0) out.data(`Your branch is ahead of '${u.ref}' by ${n(u.ahead)}${next(`\`acache push\` publishes them at your own place, where ${friend} can fetch them`)}`)
        else if (u.ahead === 0) out.data(`Your branch is behind '${u.ref}' by ${n(u.behind)}${next('`acache pull` brings them')}`)
        else out.data(`Your branch and '${u.ref}' have diverged: ${n(u.ahead)} here, ${n(u.behind)} there${next('`acache pull` merges them')}`)
      }
      if (r.head === undefined) out.data('No commits yet')
      if (r.sparse !== undefined) out.data(`Sparse checkout of ${r.sparse.paths.map(p => safe(p)).join(', ')}: ${r.sparse.inside} of ${r.sparse.tracked} tracked files are here (\`acache switch --no-sparse\` checks out the rest).`)
      if (r.merging !== undefined) {
        out.data(`Merging ${r.merging.label}.`)
        const open = r.merging.conflicts.filter(c => !c.resolved)
        if (open.length > 0) {
          out.data('Conflicts (fix them, delete the .theirs/.base files, then commit; or `acache merge --abort`):')
          for (const c of open) out.data(chalk.red(`  ${(c.kind + ':').padEnd(16)}${safe(here(c.path))}${c.sidecars.length > 0 ? `  (see ${c.sidecars.join(', ')})` : ''}`))
        } else {
          out.data('All conflicts fixed: run `acache commit` to record the merge.')
        }
      }
      const rest = r.changes.filter(c => !conflicted.has(c.path))
      if (rest.length === 0 && r.merging === undefined) {
        out.data('nothing to commit, working root clean')
      } else if (rest.length > 0) {
        out.data('Changes (commit them with `acache commit -m MESSAGE`):')
        for (const c of rest) {
          const color = c.change === 'deleted' ? chalk.red : c.change === 'added' ? chalk.green : chalk.yellow
          out.data(color(`  ${(c.change + ':').padEnd(12)}${safe(here(c.path))}${c.oldKind !== undefined && c.kind !== undefined && c.oldKind !== c.kind ? ` (${c.oldKind} -> ${c.kind})` : ''}`))
        }
      }
      if (r.emptyDirs.length > 0) {
        const list = r.emptyDirs.slice(0, 5).map(d => safe(here(d)) + '/').join(', ')
        out.info(`Empty directories are not tracked (as in git; put a file in one to keep it): ${list}${r.emptyDirs.length > 5 ? ` and ${r.emptyDirs.length - 5} more` : ''}`)
      }
    }
    if (args.exitCode === true && (r.changes.length > 0 || conflicted.size > 0)) out.setExit(1)
  }
})

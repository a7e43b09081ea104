import chalk from 'chalk'
import { define } from '../command.js'
import { safe } from '../render.js'
import type { LogEntry } from '../../core/log.js'

const PRESETS: Record<string, string> = {
  oneline: '%h%d %S %s',
  short: 'commit %H%d%nAuthor: %an <%ak>%n%n    %s%n',
  medium: 'commit %H%d (signature: %S)%nMerge: %p%nAuthor: %an <%ak>%nDate:   %ad%n%n%w%n',
  full: 'commit %H%d (signature: %S)%nMerge: %p%nAuthor: %an <%ak>%nCommit: %an <%ak>%nDate:   %ad%n%n%w%n'
}

/** git's --format placeholders, those that mean something here. */
function format (fmt: string, e: LogEntry, short: (c: string) => string): string {
  const sig = e.signature === 'good' ? chalk.green('good') : chalk.red('BAD')
  const [subject, ...body] = e.message.replace(/\n+$/, '').split('\n')
  const text = fmt.replace(/%(C\((\w+)\)|Creset|[Hh]|[Tt]|[Pp]|an|ak|ae|ad|aI|s|b|B|d|D|S|w|n|%)/g, (_m, code: string, color: string | undefined) => {
    switch (code) {
      case 'H': return e.commit
      case 'h': return short(e.commit)
      case 'T': return e.tree
      case 't': return short(e.tree)
      case 'P': return e.parents.join(' ')
      case 'p': return e.parents.map(short).join(' ')
      case 'an': return safe(e.author.name)
      case 'ak': case 'ae': return e.author.key
      case 'ad': case 'aI': return e.time
      case 's': return safe(subject)
      case 'b': return safe(body.join('\n').replace(/^\n+/, ''))
      case 'B': return safe(e.message.replace(/\n+$/, ''))
      case 'w': return e.message.replace(/\n+$/, '').split('\n').map(l => `    ${safe(l)}`).join('\n')
      case 'd': return e.refs === undefined ? '' : chalk.yellow(` (${e.refs.map(safe).join(', ')})`)
      case 'D': return (e.refs ?? []).map(safe).join(', ')
      case 'S': return sig
      case 'n': return '\n'
      case '%': return '%'
      case 'Creset': return chalk.reset('')
      default: return color !== undefined && typeof (chalk as any)[color] === 'function' ? '' : ''
    }
  })
  return text
}

export default define({
  command: 'log [revs..]',
  describe: 'Show history, each commit with its signature status and the branches and tags at it',
  builder: (y) => y
    .positional('revs', { type: 'string', array: true, describe: 'where to start (default HEAD)' })
    .option('n', { alias: 'max-count', type: 'number', describe: 'show at most N commits', requiresArg: true })
    .option('oneline', { type: 'boolean', describe: 'one line a commit' })
    .option('graph', { type: 'boolean', describe: 'draw the history as lanes on the left' })
    .option('all', { type: 'boolean', describe: 'every branch, remote branch and tag, not only HEAD' })
    .option('patch', { alias: 'p', type: 'boolean', describe: 'with what each commit changed, as a patch' })
    .option('stat', { type: 'boolean', describe: 'with a summary of the files each commit changed' })
    .option('author', { type: 'string', describe: 'only commits whose author name or key contains this', requiresArg: true })
    .option('since', { alias: 'after', type: 'string', describe: 'only commits at or after this date (2026-12-01, or an ISO time)', requiresArg: true })
    .option('until', { alias: 'before', type: 'string', describe: 'only commits at or before this date', requiresArg: true })
    .option('format', { alias: 'pretty', type: 'string', describe: 'oneline, short, medium, full, or a format with %H %h %an %ak %ad %s %b %d %n ...', requiresArg: true })
    .option('decorate', { type: 'boolean', describe: 'name the branches and tags at each commit (the default on a terminal, as git\'s log.decorate=auto; --no-decorate: never)' })
    .parserConfiguration({ 'populate--': true })
    .usage('acache log [REV...] [options] [-- PATH...]\n\nWith PATHs, only the commits that change something under them.'),
  run: async (args, { ctx, out, repo }) => {
    const { log } = await import('../../core/log.js')
    const { shortCid } = await import('../../repo/revs.js')
    const { diffsJson, printDiffs, printStat } = await import('../render.js')
    const { AcacheError } = await import('../../errors.js')
    const { repoPaths } = await import('../../worktree/paths.js')
    const r = await repo()
    const date = (s: string | undefined, what: string): Date | undefined => {
      if (s === undefined) return undefined
      const d = new Date(s)
      if (Number.isNaN(d.getTime())) throw new AcacheError('USAGE', `--${what} takes a date (2026-12-01 or an ISO time), not ${JSON.stringify(s)}`)
      return d
    }
    const rawPaths: string[] = (args['--'] ?? []).map(String)
    const paths = rawPaths.length === 0 ? undefined : r.root === undefined ? rawPaths : repoPaths(r.worktree, ctx.cwd, rawPaths)
    if (args.n !== undefined && (!Number.isInteger(args.n) || args.n < 0)) throw new AcacheError('USAGE', `-n takes a whole number of commits, not ${JSON.stringify(process.argv[process.argv.indexOf('-n') + 1] ?? args.n)}`)
    const entries = await log(r, {
      revs: args.revs !== undefined && args.revs.length > 0 ? args.revs : undefined,
      all: args.all,
      max: args.n,
      paths,
      author: args.author,
      since: date(args.since, 'since'),
      until: date(args.until, 'until'),
      diff: args.patch === true || args.stat === true,
      topo: args.graph === true
    })
    out.result({ commits: entries.map(e => e.diff === undefined ? e : { ...e, diff: diffsJson(e.diff) }) })
    if (out.json) return
    const decorate = args.decorate ?? process.stdout.isTTY === true
    if (!decorate) for (const e of entries) delete e.refs
    out.usePager()
    const fmt = args.oneline === true ? PRESETS.oneline : PRESETS[args.format ?? 'medium'] ?? (args.format ?? PRESETS.medium).replace(/^(format|tformat):/, '')
    const graph = args.graph === true ? new (await import('../graph.js')).Graph() : undefined
    for (const e of entries) {
      let text = format(fmt, e, shortCid)
      // the Merge: line is for merges only
      if (e.parents.length < 2 && (fmt === PRESETS.medium || fmt === PRESETS.full)) text = text.replace(/^Merge: [^\n]*\n/m, '')
      let lines = text.replace(/\n+$/, '').split('\n')
      if (graph !== undefined) {
        const g = graph.next({ commit: e.commit, parents: e.parents })
        lines = lines.map((l, i) => `${i === 0 ? g.head : g.body} ${l}`.trimEnd())
        for (const l of lines) out.data(l)
        if (args.patch === true || args.stat === true) {
          if (args.stat === true) printStat(out, e.diff ?? [])
          else printDiffs(out, e.diff ?? [])
        }
        for (const a of g.after) out.data(a)
        continue
      }
      for (const l of lines) out.data(l)
      // commits of several lines are set apart, as git does
      if (fmt.includes('%n')) out.data('')
      if (args.stat === true) { printStat(out, e.diff ?? []); out.data('') } else if (args.patch === true) { printDiffs(out, e.diff ?? []); out.data('') }
    }
  }
})

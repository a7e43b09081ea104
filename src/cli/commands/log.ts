import { define } from '../command.js'
import fs from 'node:fs'
import nodePath from 'node:path'
import { log } from '../../core/log.js'
import { shortCid, revsAndPaths } from '../../repo/revs.js'
import { diffsJson, printDiffs, printStat } from '../render.js'
import { AcacheError } from '../../errors.js'
import { repoPaths } from '../../worktree/paths.js'
import { parseApproxDate } from '../../util/date.js'
import { prettyOf, formatCommit } from '../pretty.js'
import { Graph } from '../../services/graph.js'

export default define({
  paths: 'own',
  builder: (y) => y
    .positional('revs', { type: 'string', array: true, describe: 'where to start (default HEAD)' })
    .option('n', { alias: 'max-count', type: 'number', describe: 'show at most N commits', requiresArg: true })
    .option('oneline', { type: 'boolean', describe: 'one line a commit' })
    .option('graph', { type: 'boolean', describe: 'draw the history as lanes on the left' })
    .option('all', { type: 'boolean', describe: 'every branch, remote branch and tag, not only HEAD' })
    .option('patch', { alias: 'p', type: 'boolean', describe: 'with what each commit changed, as a patch' })
    .option('stat', { type: 'boolean', describe: 'with a summary of the files each commit changed' })
    .option('author', { type: 'string', describe: 'only commits whose author name or key contains this', requiresArg: true })
    .option('since', { alias: 'after', type: 'string', describe: 'only commits at or after this date (2026-12-01, an ISO time, "2 days ago", yesterday)', requiresArg: true })
    .option('until', { alias: 'before', type: 'string', describe: 'only commits at or before this date', requiresArg: true })
    .option('format', { alias: 'pretty', type: 'string', describe: 'oneline, short, medium, full, fuller, or git\'s placeholders (%H %h %an %ae %ad %at %ar %s %b %B %d %n %x09 ...; format: or tformat:)', requiresArg: true })
    .option('decorate', { type: 'boolean', describe: 'name the branches and tags at each commit (the default on a terminal, as git\'s log.decorate=auto; --no-decorate: never)' })
    .parserConfiguration({ 'populate--': true })
    .usage('acache log [REV...] [options] [-- PATH...]\n\nWith PATHs, only the commits that change something under them.'),
  run: async (args, { ctx, out, repo }) => {
    const r = await repo()
    const date = (s: string | undefined, what: string): Date | undefined => {
      if (s === undefined) return undefined
      const d = parseApproxDate(s, ctx.now().getTime())
      if (d === undefined) throw new AcacheError('USAGE', `--${what} takes a date (2026-12-01, an ISO time, "2 days ago", yesterday), not ${JSON.stringify(s)}`)
      return d
    }
    const split = await revsAndPaths(r, (args.revs ?? []).map(String), args.dashDash === true, p => r.root !== undefined && fs.existsSync(nodePath.resolve(ctx.cwd, p)))
    const rawPaths: string[] = [...split.paths, ...((args['--'] as unknown[] | undefined) ?? []).map(String)]
    const paths = rawPaths.length === 0 ? undefined : r.root === undefined ? rawPaths : repoPaths(r.worktree, ctx.cwd, rawPaths)
    if (args.n !== undefined && (!Number.isInteger(args.n) || args.n < 0)) throw new AcacheError('USAGE', `-n takes a whole number of commits, not ${JSON.stringify(process.argv[process.argv.indexOf('-n') + 1] ?? args.n)}`)
    const entries = await log(r, {
      revs: split.revs.length > 0 ? split.revs : undefined,
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
    const pretty = prettyOf(args.format, args.oneline === true)
    const withDiff = args.patch === true || args.stat === true
    const printDiff = (e: (typeof entries)[number]): void => {
      if (args.stat === true) printStat(out, e.diff ?? [])
      else if (args.patch === true) printDiffs(out, e.diff ?? [])
    }
    const graph = args.graph === true ? new Graph() : undefined
    entries.forEach((e, k) => {
      const text = formatCommit(pretty, e, shortCid)
      if (graph !== undefined) {
        const g = graph.next({ commit: e.commit, parents: e.parents })
        const lines = text.replace(/\n+$/, '').split('\n')
        for (const [i, l] of lines.entries()) out.data(`${i === 0 ? g.head : g.body} ${l}`.trimEnd())
        if (withDiff) printDiff(e)
        for (const a of g.after) out.data(a)
        return
      }
      // git's separators: a blank line between the named multi-line formats, a newline between format: entries, after each other one
      if (k > 0 && pretty.kind === 'block') out.data('')
      if (k > 0 && pretty.kind === 'format') out.dataBytes(Buffer.from('\n'))
      out.dataBytes(Buffer.from(pretty.kind === 'format' ? text : text + '\n'))
      if (withDiff) {
        if (pretty.kind !== 'line') out.data('')
        printDiff(e)
      }
    })
  }
})

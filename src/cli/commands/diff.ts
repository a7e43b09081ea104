import { define } from '../command.js'
import { safe, diffsJson, printDiffs, printStat } from '../render.js'
import fs from 'node:fs'
import path from 'node:path'
import { diff } from '../../core/diff.js'
import { revsAndPaths } from '../../repo/revs.js'

export default define({
  paths: 'own',
  builder: (y) => y
    .positional('revs', { type: 'string', array: true, describe: 'zero, one or two revisions (or A..B, A...B); then paths, or paths after --' })
    .option('stat', { type: 'boolean', describe: 'a summary of changed lines per file' })
    .option('name-only', { type: 'boolean', describe: 'only the names of changed files' })
    .parserConfiguration({ 'populate--': true }),
  run: async (args, { ctx, out, repo }) => {
    const r = await repo()
    const split = await revsAndPaths(r, (args.revs ?? []).map(String), args.dashDash === true, p => fs.existsSync(path.resolve(ctx.cwd, p)))
    const diffs = await diff(r, ctx, { revs: split.revs, paths: [...split.paths, ...((args['--'] as unknown[] | undefined) ?? []).map(String)] })
    out.result({ files: diffsJson(diffs) })
    if (diffs.length > 0) out.usePager()
    if (args.nameOnly === true) for (const d of diffs) out.data(safe(d.path))
    else if (args.stat === true) printStat(out, diffs)
    else printDiffs(out, diffs)
  }
})

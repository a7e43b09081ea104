import chalk from 'chalk'
import { define } from '../command.js'
import { safe } from '../render.js'

export default define({
  command: 'cherry-pick <rev>',
  describe: 'Apply the change REV made on top of HEAD, as a new commit',
  builder: (y) => y
    .positional('rev', { type: 'string', describe: 'a commit with one parent', demandOption: true }),
  run: async (args, { ctx, out, repo }) => {
    const { applyCommit } = await import('../../core/apply.js')
    const { shortCid } = await import('../../repo/revs.js')
    const r = await applyCommit(await repo(), ctx, 'cherry-pick', args.rev)
    out.result({ ...r })
    if (r.result === 'committed') {
      out.line(`[${shortCid(r.commit!)}] picked ${shortCid(r.of)}`)
      return
    }
    for (const c of r.conflicts) out.line(chalk.red(`CONFLICT (${c.kind}): ${safe(c.path)}${c.sidecars.length > 0 ? ` (theirs beside it: ${c.sidecars.map(safe).join(', ')})` : ''}`))
    out.line('Fix the conflicts, delete the sidecar files, then `acache commit` (the message is kept); or `acache merge --abort`.')
    process.exitCode = 1
  }
})

import { define } from '../command.js'
import { reset } from '../../core/reset.js'
import { shortCid } from '../../repo/revs.js'

export default define({
  builder: (y) => y
    .positional('rev', { type: 'string', describe: 'where the branch goes (HEAD~1, a commit, main@{1}...)' })
    .option('soft', { type: 'boolean', describe: 'move the branch only: the working root keeps its files, so the difference shows as changes (the default)' })
    .option('mixed', { type: 'boolean', describe: 'the same as --soft (acache has no staging area)' })
    .option('hard', { type: 'boolean', describe: 'also make the working root REV\'s tree: local changes and a merge under way are thrown away' })
    .conflicts('hard', ['soft', 'mixed']),
  run: async (args, { ctx, out, repo }) => {
    const r = await reset(await repo(), ctx, { rev: args.rev, mode: args.hard === true ? 'hard' : 'soft' })
    out.result({ ...r })
    out.line(`${r.branch !== undefined ? r.branch : 'HEAD'} is now at ${shortCid(r.to)}${r.mode === 'hard' ? ` (working root reset: ${r.written} written, ${r.removed} removed)` : ''}`)
    if (r.from !== undefined && r.from !== r.to) out.info(`It was at ${shortCid(r.from)}: \`acache reset ${r.mode === 'hard' ? '--hard ' : ''}HEAD@{1}\` goes back.`)
  }
})

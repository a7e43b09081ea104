import { define } from '../command.js'

export default define({
  command: 'commit [paths..]',
  describe: 'Record the working root (or just PATHs) as a signed commit',
  builder: (y) => y
    .positional('paths', { type: 'string', array: true, describe: 'commit only the changes under these paths' })
    .option('message', { alias: 'm', type: 'string', describe: 'the commit message', requiresArg: true })
    .option('verify', { type: 'boolean', default: true, describe: 'run the pre-commit and commit-msg hooks (--no-verify skips them)' })
    .option('allow-empty', { type: 'boolean', describe: 'record a commit even with no changes' }),
  run: async (args, { ctx, out, repo }) => {
    const { AcacheError } = await import('../../errors.js')
    if (typeof args.message !== 'string') throw new AcacheError('USAGE', 'a commit needs a message', { hint: 'acache commit -m "what changed"' })
    const { commit } = await import('../../core/commit.js')
    const { shortCid } = await import('../../repo/revs.js')
    const r = await commit(await repo(), ctx, { message: args.message, paths: args.paths, noVerify: args.verify === false, allowEmpty: args.allowEmpty })
    out.result({ ...r })
    const counts = { added: 0, modified: 0, deleted: 0 }
    for (const c of r.changes) counts[c.change]++
    out.line(`[${r.branch ?? 'detached HEAD'}${r.parents.length === 0 ? ' (root-commit)' : ''} ${shortCid(r.commit)}] ${args.message.split('\n')[0]}`)
    out.line(` ${r.changes.length} file${r.changes.length === 1 ? '' : 's'} changed (${counts.added} added, ${counts.modified} modified, ${counts.deleted} deleted); ${r.stored.blocks} new blocks, ${r.stored.bytes} bytes stored`)
  }
})

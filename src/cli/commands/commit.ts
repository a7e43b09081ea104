import { define } from '../command.js'
import { safe } from '../render.js'
import { knob } from '../../util/knobs.js'
import { commit, preparedMessage } from '../../core/commit.js'
import { shortCid } from '../../repo/revs.js'
import { humanBytes } from '../../util/human.js'
import { editMessage } from '../editor.js'

export default define({
  paths: 'paths',
  builder: (y) => y
    .positional('paths', { type: 'string', array: true, describe: 'commit only the changes under these paths' })
    .option('message', { alias: 'm', type: 'string', array: true, nargs: 1, describe: 'the commit message; several -m are paragraphs; without one, $EDITOR opens on a terminal', requiresArg: true })
    .option('amend', { type: 'boolean', describe: 'replace the last commit (its parents, and its message unless -m gives one)' })
    .option('verify', { type: 'boolean', default: true, describe: 'run the pre-commit and commit-msg hooks (--no-verify skips them)' })
    .option('allow-empty', { type: 'boolean', describe: 'record a commit even with no changes' }),
  run: async (args, { ctx, out, repo }) => {
    const r0 = await repo()
    let message: string | undefined = Array.isArray(args.message) ? args.message.join('\n\n') : args.message
    if (message === undefined && args.amend !== true) {
      // a merge, revert or cherry-pick under way has its message ready (git's --no-edit off a terminal)
      const prepared = preparedMessage(r0)
      if (prepared !== undefined && process.stdin.isTTY !== true && knob('ACACHE_EDITOR') === undefined) message = prepared
      else message = editMessage(r0, prepared ?? '')
    }
    const r = await commit(r0, ctx, { message, amend: args.amend === true, paths: args.paths, noVerify: args.verify === false, allowEmpty: args.allowEmpty })
    out.result({ ...r })
    const counts = { added: 0, modified: 0, deleted: 0 }
    for (const c of r.changes) counts[c.change]++
    const first = r.message.split('\n')[0]
    out.line(`[${r.branch ?? 'detached HEAD'}${r.parents.length === 0 ? ' (root-commit)' : ''} ${shortCid(r.commit)}] ${safe(first)}`)
    out.line(` ${r.changes.length} file${r.changes.length === 1 ? '' : 's'} changed (${counts.added} added, ${counts.modified} modified, ${counts.deleted} deleted); ${r.stored.blocks} new block${r.stored.blocks === 1 ? '' : 's'}, ${humanBytes(r.stored.bytes)} stored`)
  }
})

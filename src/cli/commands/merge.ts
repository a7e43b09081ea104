import { define } from '../command.js'
import { printConflicts } from '../render.js'
import { merge } from '../../core/merge.js'
import { shortCid } from '../../repo/revs.js'

export default define({
  builder: (y) => y
    .positional('rev', { type: 'string', describe: 'what to merge: a branch, alice/main, a commit' })
    .option('abort', { type: 'boolean', describe: 'give up a merge with conflicts: put the working root back as before' })
    .option('ff', { type: 'boolean', default: true, describe: 'fast-forward when possible (--no-ff records a merge commit anyway)' })
    .option('message', { alias: 'm', type: 'string', describe: 'message of the merge commit', requiresArg: true }),
  run: async (args, { ctx, out, repo }) => {
    const r = await merge(await repo(), ctx, { rev: args.rev, abort: args.abort, noFf: args.ff === false, message: args.message })
    out.result({ ...r })
    switch (r.result) {
      case 'up-to-date': out.line('Already up to date.'); break
      case 'fast-forward': out.line(`Fast-forward to ${shortCid(r.commit!)}`); break
      case 'merged': out.line(`Merged ${args.rev} as ${shortCid(r.commit!)}`); break
      case 'aborted': out.line('Merge aborted: the working root is back as it was.'); break
      case 'conflicts':
        printConflicts(out, r.conflicts)
        out.line('Automatic merge failed: fix the conflicts, delete the sidecar files, then `acache commit`; or `acache merge --abort`.')
        out.setExit(1)
        break
    }
  }
})

import { define, CommandDef } from '../command.js'
import { printConflicts } from '../render.js'
import type { ApplyKind } from '../../compose/apply.js'
import { applyCommit, finishApply } from '../../compose/apply.js'
import { shortCid } from '../../repo/revs.js'
import { AcacheError } from '../../errors.js'

/** `revert REV` and `cherry-pick REV`: one change applied backwards or forwards (core/apply.ts). */
export function applyCommand (kind: ApplyKind, done: string): CommandDef {
  return define({
    builder: (y) => y
      .positional('rev', { type: 'string', describe: 'a commit with one parent' })
      .option('abort', { type: 'boolean', describe: `give up a ${kind} with conflicts: put the working root back as before` })
      .option('continue', { type: 'boolean', describe: `record the ${kind} once its conflicts are resolved (as \`acache commit\` with the prepared message)` })
      .conflicts('abort', ['continue', 'rev']),
    run: async (args, { ctx, out, repo }) => {
      if (args.abort === true || args.continue === true) {
        const f = await finishApply(await repo(), ctx, kind, args.abort === true ? 'abort' : 'continue')
        out.result({ ...f })
        out.line(f.result === 'aborted' ? `${kind} aborted: the working root is back as it was.` : `[${shortCid(f.commit!)}] ${done} (conflicts resolved)`)
        return
      }
      if (args.rev === undefined) throw new AcacheError('USAGE', `name the commit to ${kind}`, { hint: `\`acache ${kind} REV\`, or \`--continue\` / \`--abort\` for one under way` })
      const r = await applyCommit(await repo(), ctx, kind, args.rev)
      out.result({ ...r })
      if (r.result === 'committed') {
        out.line(`[${shortCid(r.commit!)}] ${done} ${shortCid(r.of)}`)
        return
      }
      printConflicts(out, r.conflicts)
      out.line(`Fix the conflicts, delete the sidecar files, then \`acache ${kind} --continue\` (or \`acache commit\`: the message is kept); or \`acache ${kind} --abort\`.`)
      out.setExit(1)
    }
  })
}

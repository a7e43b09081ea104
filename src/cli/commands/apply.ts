import { define, CommandDef } from '../command.js'
import { printConflicts } from '../render.js'
import type { ApplyKind } from '../../core/apply.js'

/** `revert REV` and `cherry-pick REV`: one change applied backwards or forwards (core/apply.ts). */
export function applyCommand (kind: ApplyKind, describe: string, done: string): CommandDef {
  return define({
    command: `${kind} <rev>`,
    describe,
    builder: (y) => y
      .positional('rev', { type: 'string', describe: 'a commit with one parent', demandOption: true }),
    run: async (args, { ctx, out, repo }) => {
      const { applyCommit } = await import('../../core/apply.js')
      const { shortCid } = await import('../../repo/revs.js')
      const r = await applyCommit(await repo(), ctx, kind, args.rev)
      out.result({ ...r })
      if (r.result === 'committed') {
        out.line(`[${shortCid(r.commit!)}] ${done} ${shortCid(r.of)}`)
        return
      }
      printConflicts(out, r.conflicts)
      out.line('Fix the conflicts, delete the sidecar files, then `acache commit` (the message is kept); or `acache merge --abort`.')
      out.setExit(1)
    }
  })
}

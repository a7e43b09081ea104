import { define } from '../command.js'
import { replicate } from '../../core/replica.js'
import { printReplicas } from '../render.js'
import { exitOf } from './replica.js'
import { AcacheError } from '../../errors.js'

export default define({
  builder: (y) => y
    .positional('names', { type: 'string', array: true, describe: 'the replicas to ask (default: all of them)' }),
  run: async (args, { ctx, out, repo }) => {
    const names = (args.names as string[] | undefined)?.filter(n => n !== '')
    const rp = await repo()
    const r = await replicate(rp, ctx, { names: names?.length === 0 ? undefined : names })
    if (r.replicas.length === 0) throw new AcacheError('USAGE', 'there are no replicas to replicate to', { hint: 'add one with `acache replica add NAME URL`' })
    const failed = r.replicas.find(x => x.error !== undefined)
    out.result({ ok: failed === undefined, ...r })
    printReplicas(out, r.replicas)
    for (const w of r.warnings) out.warn(w)
    if (failed !== undefined) out.setExit(exitOf(failed.error!.code))
  }
})

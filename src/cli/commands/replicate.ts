import { define } from '../command.js'

export default define({
  command: 'replicate [names..]',
  describe: 'Ask each replica (or those named) to hold every branch head: one pin per branch, moved when the head moves',
  builder: (y) => y
    .positional('names', { type: 'string', array: true, describe: 'the replicas to ask (default: all of them)' }),
  run: async (args, { ctx, out, repo }) => {
    const { replicate } = await import('../../core/replica.js')
    const { printReplicas } = await import('../render.js')
    const { exitOf } = await import('./replica.js')
    const { AcacheError } = await import('../../errors.js')
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

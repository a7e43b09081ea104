import { define } from '../command.js'

export default define({
  command: 'size [rev]',
  describe: 'Logical bytes of a commit\'s files against the bytes of the unique blocks that hold them',
  builder: (y) => y.positional('rev', { type: 'string', describe: 'default HEAD' }),
  run: async (args, { out, repo }) => {
    const { size } = await import('../../core/gc.js')
    const { humanBytes: human } = await import('../../util/human.js')
    const r = await size(await repo(), args.rev)
    out.result({ ...r })
    out.line(`${r.files} files, ${human(r.logical)} logical; ${r.blocks} blocks, ${human(r.stored)} stored (dedup ${r.stored > 0 ? (r.logical / r.stored).toFixed(2) : '-'}x); the whole store: ${human(r.store)}`)
  }
})

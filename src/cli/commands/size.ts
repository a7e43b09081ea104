import { define } from '../command.js'
import { size } from '../../core/gc.js'
import { humanBytes as human } from '../../util/human.js'

export default define({
  builder: (y) => y.positional('rev', { type: 'string', describe: 'default HEAD' }),
  run: async (args, { out, repo }) => {
    const r = await size(await repo(), args.rev)
    out.result({ ...r })
    out.line(`${r.files} files, ${human(r.logical)} logical; ${r.blocks} blocks, ${human(r.stored)} stored (dedup ${r.stored > 0 ? (r.logical / r.stored).toFixed(2) : '-'}x); the whole store: ${human(r.store)}`)
  }
})

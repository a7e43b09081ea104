import { define } from '../command.js'

function human (n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++ }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${u[i]}`
}

export default define({
  command: 'size [rev]',
  describe: 'Logical bytes of a commit\'s files against the bytes of the unique blocks that hold them',
  builder: (y) => y.positional('rev', { type: 'string', describe: 'default HEAD' }),
  run: async (args, { out, repo }) => {
    const { size } = await import('../../core/gc.js')
    const r = await size(await repo(), args.rev)
    out.result({ ...r })
    out.line(`${r.files} files, ${human(r.logical)} logical; ${r.blocks} blocks, ${human(r.stored)} stored (dedup ${r.stored > 0 ? (r.logical / r.stored).toFixed(2) : '-'}x); the whole store: ${human(r.store)}`)
  }
})

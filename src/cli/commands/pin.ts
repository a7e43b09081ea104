import { define } from '../command.js'
import { addPin, listPins, removePin } from '../../core/pin.js'
import { shortCid } from '../../repo/revs.js'

export default define({
  builder: (y) => y
    .positional('name', { type: 'string' })
    .positional('rev', { type: 'string', describe: 'default HEAD' })
    .option('remove', { type: 'boolean', describe: 'remove the pin NAME' }),
  run: async (args, { out, repo }) => {
    if (args.name === undefined) {
      const pins = listPins(await repo())
      out.result({ pins })
      for (const p of pins) out.data(`${p.name} ${shortCid(p.commit)}`)
      return
    }
    if (args.remove === true) {
      removePin(await repo(), args.name)
      out.result({ removed: args.name })
      out.line(`Removed pin ${args.name}`)
      return
    }
    const cid = await addPin(await repo(), args.name, args.rev)
    out.result({ pinned: args.name, commit: cid.toString() })
    out.line(`Pinned ${shortCid(cid)} as ${args.name}`)
  }
})

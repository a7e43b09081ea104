/**
 * The layers of acache, outside in (README, "How the code is laid out"):
 * a module may import from its own layer and the layers below it, never
 * above, and nothing may import in a circle. `npm test` runs this over the
 * compiled code (`npm run check:layers`), so it checks the imports that run,
 * and scripts/check-ts-imports.mjs the same rules over the TypeScript
 * sources, type-only imports included (which compiling removes).
 */
const { LAYERS, APART } = require('./scripts/layers.cjs')
const ROOT = '^dist/src/'
const dirs = (names) => `${ROOT}(${names.map(n => n.replace('.', '\\.')).join('|')})(/|$)`

const forbidden = [{
  name: 'no-circular',
  comment: 'two modules that need each other are one idea, or a missing layer',
  severity: 'error',
  from: { path: ROOT },
  to: { circular: true }
}]
for (const dir of APART) {
  forbidden.push({
    name: `${dir}-apart`,
    comment: `a module of ${dir}/ does not import another: what they share goes below, what combines them above (compose/)`,
    severity: 'error',
    from: { path: `${ROOT}${dir}/` },
    to: { path: `${ROOT}${dir}/` }
  })
}
for (let i = 1; i < LAYERS.length; i++) {
  const below = LAYERS.slice(i).flatMap(([, d]) => d)
  const above = LAYERS.slice(0, i).flatMap(([, d]) => d)
  forbidden.push({
    name: `${LAYERS[i][0]}-not-above`,
    comment: `${LAYERS[i][0]} and what is below it do not import ${LAYERS.slice(0, i).map(([n]) => n).join(', ')}`,
    severity: 'error',
    from: { path: dirs(below) },
    to: { path: dirs(above) }
  })
}

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.map$' }
  }
}

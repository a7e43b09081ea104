/**
 * The layers of acache, outside in (README, "How the code is laid out"):
 * each a name and the folders (or files) of src/ in it. A module imports
 * from its own layer and those below it, never above. Read by
 * .dependency-cruiser.cjs (the compiled code) and check-ts-imports.mjs (the
 * TypeScript sources).
 */
const LAYERS = [
  ['cli', ['cli', 'web']],
  ['core', ['core']],
  ['services', ['services', 'accept', 'serve']],
  ['domain', ['worktree', 'merge', 'remote', 'mount', 'identity']],
  ['repo', ['repo']],
  ['model', ['model']],
  ['store', ['store']],
  ['base', ['util', 'errors.js', 'context.js']]
]
module.exports = { LAYERS }

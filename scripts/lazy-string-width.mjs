// What the bundle gives yargs and cliui for `string-width`: the same
// answers, but the package (whose Unicode regular expressions take 13-18 ms
// to build) is loaded only for text that is not plain printable ASCII, whose
// width is its length. yargs measures its help text on every command.
// esbuild turns this require into a lazy init of the bundled module.
/* global require */
let real
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/
export default function stringWidth (string, options) {
  if (typeof string === 'string' && PRINTABLE_ASCII.test(string)) return string.length
  real ??= require('string-width').default
  return real(string, options)
}

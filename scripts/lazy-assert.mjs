// What the bundle gives yargs for `assert`: the same two checks, but Node's
// assert module (about 2 ms to load) is loaded only when one fails, to
// throw its own error. strictEqual compares as Object.is, as assert does.
/* global require */
export function strictEqual (actual, expected, message) {
  if (!Object.is(actual, expected)) require('assert').strictEqual(actual, expected, message)
}
export function notStrictEqual (actual, expected, message) {
  if (Object.is(actual, expected)) require('assert').notStrictEqual(actual, expected, message)
}

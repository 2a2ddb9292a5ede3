import { describe, expect, it } from 'vitest'
import { acceptStep } from '../src/steps/accept.js'
import { authenticateStep } from '../src/steps/authenticate.js'
import { claimStep } from '../src/steps/claim.js'
import type { StepContext } from '../src/steps/context.js'
import { dispatchStep } from '../src/steps/dispatch.js'
import { parseStep } from '../src/steps/parse.js'
import { readStep } from '../src/steps/read.js'
import { chain } from '../src/steps/stages.js'

// The order of handle()'s steps is checked by the compiler (scripts/test.mjs runs
// `tsc -p packages/core`): each `@ts-expect-error` fails the check if the misordered path
// ever compiles.
const misordered = (c: StepContext) => [
  // @ts-expect-error parse needs an Authenticated delivery: authenticate comes first
  chain(readStep(c), chain(parseStep(c), chain(claimStep(c), dispatchStep(c)))),
  // @ts-expect-error dispatch needs a Claimed delivery: claim comes first
  chain(authenticateStep(c), chain(parseStep(c), dispatchStep(c))),
  // @ts-expect-error read needs an Accepted delivery (its tenant and body): accept comes first
  chain(readStep(c), acceptStep(c)),
]

describe('the steps of handle()', () => {
  it('compose only in order (a type error otherwise; see above)', () => {
    expect(misordered).toBeTypeOf('function')
  })
})

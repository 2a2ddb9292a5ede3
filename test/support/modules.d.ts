// Types for what the tests import without published declarations.

// express 4 under an alias (test/support/targets.ts mounts both majors); express 5's types
// cover what the tests use of it.
declare module 'express4' {
  import express = require('express')
  export = express
}

import { combinationsOn } from './combination.js';
import { describePathSuite } from './pathSuite.js';

// Every protocol × input kind × SDK line, in memory: the machine's generated paths in each. Under
// mutation testing (MTA_MUTATION, vitest.mutation.config.ts) only the first: a mutant of the machine
// dies there or nowhere, and each further combination would cost every mutant seconds.
const all = combinationsOn('memory');
describePathSuite(process.env['MTA_MUTATION'] === '1' ? all.slice(0, 1) : all, { seed: 0 });

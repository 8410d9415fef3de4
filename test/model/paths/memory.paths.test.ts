import { combinationsOn } from './combination.js';
import { describePathSuite } from './pathSuite.js';

// Every protocol × input kind × SDK line, in memory: the machine's generated paths in each.
describePathSuite(combinationsOn('memory'), { seed: 0 });

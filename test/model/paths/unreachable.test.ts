import { combinationsOn } from './combination.js';
import { describeUnreachable } from './unreachableSuite.js';

// The edges the extension combinations name unreachable, proven so in memory (test/redis/modelPaths.test.ts
// proves them on Redis, through both instances).
describeUnreachable(combinationsOn('memory'));

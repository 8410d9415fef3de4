// NOT YET GREEN, so not a *.test.ts (no project runs it). In rev2025-11-25 × redis × elicitation × v1, 38 of 46
// paths pass. Seen: (1) a tasks/cancel sent through the instance that does not run the task answers `cancelled`,
// but no notifications/tasks/status reaches the owner's session (MTA_PATH_SEED=3: created on B, cancelled via A;
// neither session got one), while the path expects the notification the in-memory run sends; (2) the ttl paths:
// the fake clock moves Node's Date, not Redis's key expiry, so after `expire` tasks/get through the other instance
// still finds the task while tasks/list leaves it out. Rename to modelPaths.test.ts once both are settled.
import { inject } from 'vitest';
import { combinationsOn } from '../model/paths/combination.js';
import { describePathSuite } from '../model/paths/pathSuite.js';

// The generated paths on Redis with two instances (create on one, every later step through either,
// chosen by a seeded generator). MTA_PATH_SEED replays a run; the seed is printed.
const seed = Number(process.env['MTA_PATH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
console.info(`model paths on Redis: MTA_PATH_SEED=${seed}`);
describePathSuite(combinationsOn('redis'), { seed, redisUrl: () => inject('redisUrl') });

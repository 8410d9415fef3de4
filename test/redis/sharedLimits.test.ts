import { inject } from 'vitest';
import { sharedLimitCases } from '../support/sharedLimitsCases.js';

sharedLimitCases(() => ({ url: inject('redisUrl') }));

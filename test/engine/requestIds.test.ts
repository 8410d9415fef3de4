import { describe, expect, it } from 'vitest';
import { requestIdFor, taskIdOfRequest } from '../../src/engine/requestIds.js';

const PREFIX = 'mta-0123abcd-';
const TASK = 'Xy9_-abcDEF0123456789';

describe('request ids name their task', () => {
  it('gives back the task id of an id made by requestIdFor', () => {
    const id = requestIdFor(PREFIX, 7, TASK);
    expect(id).toBe(`mta-0123abcd-7~${TASK}`);
    expect(taskIdOfRequest(id)).toBe(TASK);
  });

  it('reads ids up to 512 characters and none longer', () => {
    const at512 = requestIdFor(PREFIX, 1, 'a'.repeat(512 - `${PREFIX}1~`.length));
    expect(at512).toHaveLength(512);
    expect(taskIdOfRequest(at512)).toBe('a'.repeat(512 - `${PREFIX}1~`.length));
    expect(taskIdOfRequest(`${at512}a`)).toBeUndefined();
  });

  it('answers undefined for anything else: other forms, other types', () => {
    for (const other of ['', 'mta-0123abcd-7', `mta-0123abcd-x~${TASK}`, `mta-0123abc-7~${TASK}`, `x${PREFIX}7~${TASK}`, `${PREFIX}7~`]) {
      expect(taskIdOfRequest(other), other).toBeUndefined();
    }
    for (const other of [7, null, undefined, { requestId: `${PREFIX}7~${TASK}` }, [`${PREFIX}7~${TASK}`]]) {
      expect(taskIdOfRequest(other)).toBeUndefined();
    }
  });
});

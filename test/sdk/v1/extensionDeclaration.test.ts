// Runs in the memory project (newest @modelcontextprotocol/sdk v1) and in sdk-v1-lowest (1.27.0, whose
// ClientCapabilitiesSchema has no `extensions` and strips it): whether a request declared the tasks
// extension must not depend on which SDK of the peer range parsed its capabilities.
import { expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, MISSING_REQUIRED_CLIENT_CAPABILITY, TASKS_EXTENSION_ID } from '../../../src/client/index.js';
import { rpcError, useJobSession } from '../../support/session.js';

const ctx = useJobSession({ promoteAfter: 50 });
const DECLARED = { [CLIENT_CAPABILITIES_META_KEY]: { extensions: { [TASKS_EXTENSION_ID]: {} } } };

function call(name: string, args: Record<string, unknown>, meta: Record<string, unknown>): Promise<Record<string, unknown>> {
  // A call served inline instead would wait for its job forever: the timeout makes that a quick failure.
  return ctx.session.client.request({ method: 'tools/call', params: { name, arguments: args, _meta: meta } }, z.looseObject({}), {
    timeout: 5_000,
  });
}

it('serves a required tool as a task to a request that declares the extension', async () => {
  const created = await call('job_required', { key: 'required' }, DECLARED);
  expect(created).toMatchObject({ resultType: 'task', status: 'working' });
  (await ctx.jobs.get('required')).finish();
});

it('promotes a slow optional call to a task when its request declares the extension', async () => {
  const created = await call('job', { key: 'optional' }, DECLARED);
  expect(created).toMatchObject({ resultType: 'task', status: 'working' });
  (await ctx.jobs.get('optional')).finish();
});

it('refuses a required tool with -32021 to a request whose capabilities leave the extension out', async () => {
  const error = await rpcError(call('job_required', { key: 'undeclared' }, { [CLIENT_CAPABILITIES_META_KEY]: { extensions: {} } }));
  expect(error.code).toBe(MISSING_REQUIRED_CLIENT_CAPABILITY);
});

it('answers -32602 to per-request capabilities whose extensions are not objects', async () => {
  for (const extensions of [5, { [TASKS_EXTENSION_ID]: true }]) {
    const error = await rpcError(call('job_required', { key: 'malformed' }, { [CLIENT_CAPABILITIES_META_KEY]: { extensions } }));
    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toContain(`Invalid _meta["${CLIENT_CAPABILITIES_META_KEY}"]: extensions`);
  }
});

import { describe, expect, it } from 'vitest';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { assertCanElicit, assertCanSample, canRunAsTask } from '../../src/engine/clientCapabilities.js';
import { MissingClientCapabilityError } from '../../src/engine/TaskContext.js';

// Which client capabilities each ask needs, checked before anything is sent.

const form = { message: 'Name?', requestedSchema: { type: 'object' as const, properties: {} } };
const url = { mode: 'url' as const, message: 'Sign in', url: 'https://example.com', elicitationId: 'e1' };
const missing = (capability: string) => `The client did not declare the '${capability}' capability`;

describe('client capabilities', () => {
  it('lets a form elicitation through with an empty elicitation capability (before modes) or one declaring form', () => {
    expect(() => assertCanElicit({ elicitation: {} }, form)).not.toThrow();
    expect(() => assertCanElicit({ elicitation: { form: {} } }, form)).not.toThrow();
    expect(() => assertCanElicit({ elicitation: { form: {}, url: {} } }, form)).not.toThrow();
  });

  it('refuses a form elicitation without elicitation, or when the client declares only url mode', () => {
    expect(() => assertCanElicit({}, form)).toThrow(missing('elicitation'));
    const error = (() => {
      try {
        assertCanElicit(undefined, form);
      } catch (thrown) {
        return thrown as MissingClientCapabilityError;
      }
    })();
    expect(error).toBeInstanceOf(MissingClientCapabilityError);
    expect(error?.name).toBe('MissingClientCapabilityError');
    expect(error?.capability).toBe('elicitation');
    expect(() => assertCanElicit({ elicitation: { url: {} } }, form)).toThrow(missing('elicitation.form'));
  });

  it('says when no capabilities are known at all (no initialize on the connection: stateless HTTP), inline and as a task', () => {
    const unknown = (capability: string) => `The client's capabilities are unknown, so '${capability}' cannot be asked for`;
    expect(() => assertCanElicit(undefined, form, true)).toThrow(
      `${unknown('elicitation')}: no initialize came on the connection of this call`,
    );
    expect(() => assertCanElicit(undefined, url, true)).toThrow(
      /call the tool as a task, on a server that sets statelessClientCapabilities$/,
    );
    expect(() => assertCanSample(undefined, { messages: [], maxTokens: 1 }, true)).toThrow(unknown('sampling'));
    expect(() => assertCanElicit(undefined, form)).toThrow(
      `${unknown('elicitation')}: no initialize came on the connection of this task's tools/call`,
    );
    expect(() => assertCanSample(undefined, { messages: [], maxTokens: 1 })).toThrow(
      /set the server's statelessClientCapabilities to what its clients can do$/,
    );
  });

  it('lets a url elicitation through only when the client declares url mode', () => {
    expect(() => assertCanElicit({ elicitation: { url: {} } }, url)).not.toThrow();
    expect(() => assertCanElicit({ elicitation: {} }, url)).toThrow(missing('elicitation.url'));
    expect(() => assertCanElicit({ elicitation: { form: {} } }, url)).toThrow(missing('elicitation.url'));
  });

  it('refuses sampling without sampling, and sampling with tools without sampling.tools', () => {
    const plain = { messages: [], maxTokens: 1 };
    expect(() => assertCanSample({}, plain)).toThrow(missing('sampling'));
    expect(() => assertCanSample({ sampling: {} }, plain)).not.toThrow();
    const tools = { ...plain, tools: [{ name: 'x', inputSchema: { type: 'object' as const } }] };
    const choice = { ...plain, toolChoice: { mode: 'auto' as const } };
    expect(() => assertCanSample({ sampling: {} }, tools)).toThrow(missing('sampling.tools'));
    expect(() => assertCanSample({ sampling: {} }, choice)).toThrow(missing('sampling.tools'));
    expect(() => assertCanSample({ sampling: { tools: {} } }, tools)).not.toThrow();
  });

  it('says a request runs as a client task only when the client declared that very request under tasks.requests', () => {
    const both: ClientCapabilities = { tasks: { requests: { elicitation: { create: {} }, sampling: { createMessage: {} } } } };
    expect(canRunAsTask(both, 'elicitation/create')).toBe(true);
    expect(canRunAsTask(both, 'sampling/createMessage')).toBe(true);
    const elicitOnly: ClientCapabilities = { tasks: { requests: { elicitation: { create: {} } } } };
    expect(canRunAsTask(elicitOnly, 'sampling/createMessage')).toBe(false);
    const sampleOnly: ClientCapabilities = { tasks: { requests: { sampling: { createMessage: {} } } } };
    expect(canRunAsTask(sampleOnly, 'elicitation/create')).toBe(false);
    for (const none of [
      undefined,
      {},
      { tasks: {} },
      { tasks: { requests: {} } },
      { tasks: { requests: { elicitation: {}, sampling: {} } } },
    ]) {
      expect(canRunAsTask(none, 'elicitation/create')).toBe(false);
      expect(canRunAsTask(none, 'sampling/createMessage')).toBe(false);
    }
  });
});

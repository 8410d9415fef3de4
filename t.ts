import { setup, createActor, fromPromise, enqueueActions, stopChild } from 'xstate';
const child = setup({ actors: { work: fromPromise(async ({ signal }) => new Promise(r => signal.addEventListener('abort', r))) } }).createMachine({
  initial: 'a', states: { a: { invoke: { src: 'work', onDone: 'done' }, on: { stop: 'done' } }, done: { type: 'final' } } });
const shard = setup({ actors: { child } }).createMachine({
  on: {
    spawn: { actions: enqueueActions(({ enqueue, event }) => { enqueue.spawnChild('child', { id: (event as any).id, systemId: (event as any).id }); }) },
    'xstate.done.actor.*': { actions: stopChild(({ event }) => (event as any).actorId) },
  },
});
const N = 256;
const root = setup({ actors: { shard } }).createMachine({
  entry: enqueueActions(({ enqueue }) => { for (let i = 0; i < N; i++) enqueue.spawnChild('shard', { id: 's' + i, systemId: 's' + i }); }),
});
const a = createActor(root).start();
const M = Number(process.argv[2]);
for (let i = 0; i < M; i++) a.system.get('s' + (i % N))!.send({ type: 'spawn', id: 't' + i } as any);
let t = performance.now(); for (let k = 0; k < M/2; k++) a.system.get('t' + k)!.send({ type: 'stop' });
console.log('stop half ms', (performance.now() - t) | 0);
 t = performance.now(); for (let k = M/2; k < M; k++) a.system.get('t' + k)!.send({ type: 'stop' });
console.log('stop 2nd half ms', (performance.now() - t) | 0);

import { getShortestPaths, getSimplePaths, getAdjacencyMap } from '@xstate/graph';
import { taskMachine } from '../../machines/task.js';
const inv = (taskMachine.root.states as any).running.invoke;
console.log(inv.map((i: any) => i.id));
for (const sn of [taskMachine.root, ...Object.values(taskMachine.root.states)]) {
  console.log((sn as any).id, [...(sn as any).transitions.keys()], (sn as any).ownEvents);
}

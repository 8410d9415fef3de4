/**
 * `npm run docs:machines`: regenerates docs/machines.md from the machine definitions, and the task
 * diagram between the README's task-diagram markers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderMachinesDoc, withTaskDiagram } from '../src/demo/diagrams/machinesDoc.js';

const machinesDoc = fileURLToPath(new URL('../docs/machines.md', import.meta.url));
writeFileSync(machinesDoc, renderMachinesDoc());
console.log(`wrote ${machinesDoc}`);

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const readme = readFileSync(readmePath, 'utf8');
const updated = withTaskDiagram(readme);
if (updated === undefined) console.log('README.md has no task-diagram markers: left alone');
else if (updated !== readme) {
  writeFileSync(readmePath, updated);
  console.log(`updated the task diagram in ${readmePath}`);
}

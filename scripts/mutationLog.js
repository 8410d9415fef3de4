// A StrykerJS reporter plugin (stryker.config.json `appendPlugins`, reporter `mutation-log`): appends
// each tested mutant as one JSON line to the file named by MTA_MUTATION_LOG, as soon as it is
// tested. A run stopped early (a time budget, a crash, a long run cut short) still leaves the status
// of every mutant it finished; scripts/mutation.ts reads these lines when no final report exists.
import { appendFileSync } from 'node:fs';
import { PluginKind, declareClassPlugin } from '@stryker-mutator/api/plugin';

class MutationLog {
  onMutantTested(result) {
    const file = process.env['MTA_MUTATION_LOG'];
    if (!file) return;
    const { fileName, mutatorName, replacement, status, location, id } = result;
    const relative = fileName.startsWith(process.cwd()) ? fileName.slice(process.cwd().length + 1) : fileName;
    appendFileSync(file, `${JSON.stringify({ file: relative, id, mutatorName, replacement, status, location })}\n`);
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, 'mutation-log', MutationLog)];

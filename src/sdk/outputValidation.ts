import type { OutputIssue } from '../session/ServerHost.js';

/**
 * The words both SDK lines' `McpServer.validateToolOutput` use for a result that fails a tool's
 * output schema; each line formats the issues (and wraps the message) its own way.
 * @internal
 */
export function outputValidationMessage(tool: string, issues: string | undefined): string {
  return issues === undefined
    ? `Output validation error: Tool ${tool} has an output schema but no structured content was provided`
    : `Output validation error: Invalid structured content for tool ${tool}: ${issues}`;
}

/** SDK v1 (`getParseErrorMessage`): "message at a.b[0]" per issue, one per line. @internal */
export function v1Issues(issues: readonly OutputIssue[]): string {
  return issues.map((issue) => (issue.path.length === 0 ? issue.message : `${issue.message} at ${v1DotPath(issue.path)}`)).join('\n');
}

function v1DotPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, segment, index) => {
    if (index === 0) return String(segment);
    return typeof segment === 'number' ? `${acc}[${segment}]` : `${acc}.${String(segment)}`;
  }, '');
}

/** SDK v2 (`validateStandardSchema`): "a.0: message" per issue, joined with ", ". @internal */
export function v2Issues(issues: readonly OutputIssue[]): string {
  return issues
    .map((issue) => (issue.path.length === 0 ? issue.message : `${issue.path.map(String).join('.')}: ${issue.message}`))
    .join(', ');
}

/**
 * The `npm run bench:sdk` section of docs/benchmarks.md, kept between two markers: `bench:sdk`
 * writes it, and `npm run bench` (which rewrites the rest of the page) carries it over.
 */
export const SDK_SECTION_START = '<!-- bench:sdk start -->';
export const SDK_SECTION_END = '<!-- bench:sdk end -->';

/** The marked section of `page` (markers included), or undefined when it has none. */
export function sdkSectionOf(page: string): string | undefined {
  const start = page.indexOf(SDK_SECTION_START);
  const end = page.indexOf(SDK_SECTION_END);
  return start === -1 || end < start ? undefined : page.slice(start, end + SDK_SECTION_END.length);
}

/** `page` with its marked section replaced by `body` (appended with the markers when absent). */
export function replaceSdkSection(page: string, body: string): string {
  const block = `${SDK_SECTION_START}\n${body}\n${SDK_SECTION_END}`;
  const old = sdkSectionOf(page);
  return old === undefined ? `${page.trimEnd()}\n\n${block}\n` : page.replace(old, () => block);
}

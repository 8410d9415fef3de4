/**
 * A section of docs/benchmarks.md that one script owns, kept between `<!-- NAME start -->` and
 * `<!-- NAME end -->`: that script rewrites it, and `npm run bench` (which rewrites the rest of the
 * page) carries it over. `bench:sdk` has its own pair in sdkSection.ts; `bench:input` uses this.
 */

function markers(name: string): [string, string] {
  return [`<!-- ${name} start -->`, `<!-- ${name} end -->`];
}

/** The section `name` of `page` (markers included), or undefined when it has none. */
export function markedSectionOf(page: string, name: string): string | undefined {
  const [startMarker, endMarker] = markers(name);
  const start = page.indexOf(startMarker);
  const end = page.indexOf(endMarker);
  return start === -1 || end < start ? undefined : page.slice(start, end + endMarker.length);
}

/** `page` with its section `name` replaced by `body` (appended with the markers when absent). */
export function replaceMarkedSection(page: string, name: string, body: string): string {
  const [startMarker, endMarker] = markers(name);
  const block = `${startMarker}\n${body}\n${endMarker}`;
  const old = markedSectionOf(page, name);
  return old === undefined ? `${page.trimEnd()}\n\n${block}\n` : page.replace(old, () => block);
}

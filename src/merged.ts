/**
 * `{ ...source, ...additions }`, made so that objects of one shape share one hidden class.
 *
 * In V8 11.3 (Node 20), an object literal that starts with a spread and then adds a key the source
 * lacks (`{ ...result, _meta }` for a result without `_meta`) gives every object it makes a hidden
 * class of its own once the site is warm: a map and a descriptor array, about 0.25 KB to make and
 * collect per object. `Object.assign` onto a fresh object shares them. A source with an own
 * `__proto__` key (JSON.parse makes one) is spread instead: `Object.assign` would set the new
 * object's prototype from it rather than copy it.
 */
export function merged<T extends object, U extends object>(source: T | undefined, additions: U): T & U {
  if (source !== undefined && Object.hasOwn(source, '__proto__')) return { ...source, ...additions };
  return Object.assign({}, source, additions);
}
